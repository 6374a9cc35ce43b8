"""Bylines as people write them: real bylines (CNN, the Guardian, the New York Times, and
pages of ../shared/corpus, quoted as their markup gives them) read into names, and the
real templates of tests/support/publishers giving one byline whatever their markup."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tests.support.publishers import cnn2023, guardian2012, nyt2018
from tests.support.publishers.story import LONDON, NEW_YORK, Page, Story
from tracker.extraction.declared import Declared
from tracker.extraction.names import person_names
from tracker.extraction.page import parse_html


@pytest.mark.parametrize(
    ("written", "names"),
    [
        # CNN, 2023 (the byline block as CNN renders it, and its JSON-LD names)
        ("By Lauren Said-Moorhouse and James Frater, CNN", "Lauren Said-Moorhouse, James Frater"),
        ("Lauren Said-Moorhouse", "Lauren Said-Moorhouse"),
        ("Ivana Kottasová, Petro Zadorozhnyy", "Ivana Kottasová, Petro Zadorozhnyy"),
        (
            "By Tara Subramaniam, Andrew Raine, Lauren Said-Moorhouse, Thom Poole and Sophie Tanno, CNN",
            "Tara Subramaniam, Andrew Raine, Lauren Said-Moorhouse, Thom Poole, Sophie Tanno",
        ),
        ("Analysis by Stephen Collinson, CNN", "Stephen Collinson"),
        ("By Jane Doe Updated 3:45 PM EDT, Thu June 8, 2023", "Jane Doe"),
        # the Guardian, 2012: the byline block runs into the publication and the date
        ("Shiv Malik, Henry McDonald The Guardian, Sunday 3 June 2012", "Shiv Malik, Henry McDonald"),
        (
            "Shiv Malik and Henry McDonald The Guardian, Sunday 3 June 2012 12.58 BST",
            "Shiv Malik, Henry McDonald",
        ),
        ("By John Smith in London", "John Smith"),
        # the New York Times' `byl`
        ("By Joshua Sokol and Natalie Angier", "Joshua Sokol, Natalie Angier"),
        # Reuters' credits: reporters are authors, the editor is not
        (
            "Reporting by Jane Doe; Additional reporting by John Roe; Editing by Mark Potter",
            "Jane Doe, John Roe",
        ),
        # particles, apostrophes, diacritics, "&"
        ("Jean-Paul de la Fontaine", "Jean-Paul de la Fontaine"),
        ("Mary O'Brien & Seán Mac Giolla", "Mary O'Brien, Seán Mac Giolla"),
        ("Vincent van Gogh and Mohammed bin Salman", "Vincent van Gogh, Mohammed bin Salman"),
        ("By Summer Said and Marine Le Pen", "Summer Said, Marine Le Pen"),
        ("Anh Do, Li Sun, Di Wang", "Anh Do, Li Sun, Di Wang"),
        # pages of trafilatura-eval and goose3 (../shared/corpus), as their markup gives them
        ("Text und Interview: Harald Willenbrock", "Harald Willenbrock"),
        (", par Attac France", "Attac France"),
        ("Author: Bo2man am 29.12.2010, 13:36 Uhr", "Bo2man"),
        ("Houzz Deutschland vor 5 Stunden Mehr", "Houzz Deutschland"),
        ("Bertille Bayart journaliste 5 abonnés", "Bertille Bayart"),
        ("Bradley M. Kuhn (http://ebb.org/bkuhn/)", "Bradley M. Kuhn"),
        ("Erstellt von Andri Bryner", "Andri Bryner"),
        ("Von Roland Brockmann und Sebastian Drescher", "Roland Brockmann, Sebastian Drescher"),
        ("Christian Thiele, 07 Dezember", "Christian Thiele"),
        ("Mobasir hassan", "Mobasir hassan"),
        # job titles after a name (readability's yahoo-1, goose3's aolNews), not the Telegraph's house byline
        ("Ben Silverman Games Editor", "Ben Silverman"),
        ("Andrea Stone Senior Washington Correspondent", "Andrea Stone"),
        ("By Jane Doe, Staff Writer", "Jane Doe"),
        ("By Our Foreign Staff", "Our Foreign Staff"),
        # an organisation alone is the author (a wire); after people it is their employer
        ("The Associated Press", "The Associated Press"),
        ("By Jane Doe and John Roe, Associated Press", "Jane Doe, John Roe"),
        ("By Jane Doe, BBC News", "Jane Doe"),
        ("AP", "AP"),
    ],
)
def test_names_as_people_write_them(written: str, names: str) -> None:
    assert person_names(written) == names


@pytest.mark.parametrize(
    "written",
    [
        "By",
        "Written by",
        "Reporting by",
        "Analysis by",
        "Published by",
        "Posted on",
        "Veröffentlicht",
        "Name",
        "June 8, 2023",
        "Sunday 3 June 2012",
        "Updated 10:04 AM EDT, Tue June 6, 2023",
        "30/10/23",
        "http://www.guardian.co.uk/profile/shiv-malik",
        "View all posts by the editors of this fine little blog",
        "",
    ],
)
def test_labels_dates_and_addresses_are_no_names(written: str) -> None:
    assert person_names(written) is None


def _story(names: list[str], zone: str = "london") -> Story:
    return Story(
        slug="anger-grows-rbs-chiefs-bonus",
        headline="Anger grows over RBS chief's bonus",
        byline=names,
        paragraphs=["The row over the bonus grew on Friday.", "Ministers said they would act."],
        published=datetime(2012, 1, 27, 12, 58, tzinfo=UTC),
        zone=LONDON if zone == "london" else NEW_YORK,
        dek="Ministers under pressure",
    )


def _page(url: str) -> Page:
    return Page(
        url=url, base=url.rsplit("/", 1)[0], now=datetime(2012, 1, 28, tzinfo=UTC), rng=random.Random(1)
    )


def _byline(html: str) -> str | None:
    tree = parse_html(html)
    assert tree is not None
    return Declared.read(tree).byline


def test_the_guardian_2012_byline_is_the_same_in_both_markups() -> None:
    """The first capture has only the visible `li.byline`; the re-capture wraps the first
    name in microdata and marks the whole list ("… McDonald The Guardian, Sunday 3 June
    2012 12.58 BST") as the byline: the people are the same, so is the byline."""
    story = _story(["Shiv Malik", "Henry McDonald"])
    page = _page("http://www.guardian.co.uk/business/2012/jan/27/anger-grows-rbs-chiefs-bonus")
    first = _byline(guardian2012.render(story, page))
    again = _byline(guardian2012.render_explainer(story, page))
    assert first == again == "Shiv Malik, Henry McDonald"


def test_cnn_2023_names_everyone_though_its_json_ld_names_three() -> None:
    names = ["Tara Subramaniam", "Andrew Raine", "Lauren Said-Moorhouse", "Thom Poole", "Sophie Tanno"]
    story = _story(names, zone="new_york")
    html = cnn2023.render(story, _page("https://www.cnn.com/2023/06/06/europe/story/index.html"))
    assert _byline(html) == ", ".join(names)


def test_nyt_2018_byline() -> None:
    story = _story(["Joshua Sokol", "Natalie Angier"], zone="new_york")
    html = nyt2018.render(story, _page("https://www.nytimes.com/2018/06/05/science/chaos.html"))
    assert _byline(html) == "Joshua Sokol, Natalie Angier"


def _declaring(head: str, body: str) -> str:
    return (
        f"<html><head><title>Floods</title>{head}</head><body><h1>Floods</h1>{body}<p>Text.</p></body></html>"
    )


def test_microdata_adds_no_author_to_another_source() -> None:
    """Microdata gathers every author on the page (a related article's too), so it never
    makes a declared byline longer; a `<meta>` that names more of the same people does."""
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "Jane Doe"}}</script>'
    )
    related = '<aside><span itemprop="author">Jane Doe</span><span itemprop="author">John Roe</span></aside>'
    assert _byline(_declaring(ld, related)) == "Jane Doe"
    fuller = ld + '<meta name="author" content="Jane Doe, John Roe">'
    assert _byline(_declaring(fuller, "")) == "Jane Doe, John Roe"


def test_a_byline_element_ends_with_the_block_of_its_last_person() -> None:
    """What follows the people in a byline element (a publication, a date) in blocks of
    its own is not read as names, whatever words it holds."""
    body = (
        '<ul class="byline"><li><a rel="author" href="/profile/jane-doe">Jane Doe</a> and John Roe</li>'
        "<li>Observer Magazine Online, Sunday Edition</li></ul>"
    )
    assert _byline(_declaring("", body)) == "Jane Doe, John Roe"
    publisher = (
        '<div class="byline"><div><span itemprop="name">Jane Doe</span> and John Roe</div>'
        '<div itemprop="publisher"><span itemprop="name">Observer Magazine Online</span></div></div>'
    )
    assert _byline(_declaring("", publisher)) == "Jane Doe, John Roe"
