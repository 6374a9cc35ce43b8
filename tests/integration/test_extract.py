"""Extraction rules on small inputs (the corpus-wide figures are in test_extract_golden)."""

from __future__ import annotations

from datetime import UTC, datetime

import lxml.html
import pytest

from tests.support.site import NewsSite
from tracker.extraction.extract import _with_dropped_headings, _with_repeats, extract


def blocks_of(html: str) -> list[tuple[str, str, object]]:
    tree = lxml.html.fromstring(html)
    return [(e.tag, e.text_content(), e.getparent()) for e in tree.iter("p", "h2", "h3", "h4")]


def test_a_dropped_subheading_between_kept_paragraphs_is_put_back() -> None:
    blocks = blocks_of("<div><p>one</p><p>two</p><h3>What happens next</h3><p>three</p></div>")
    assert _with_dropped_headings(("one", "two", "three"), blocks) == (
        "one",
        "two",
        "What happens next",
        "three",
    )


def test_a_heading_under_another_parent_or_between_distant_paragraphs_stays_out() -> None:
    aside = blocks_of("<div><p>one</p><aside><h4>Our coverage</h4></aside><p>two</p></div>")
    assert _with_dropped_headings(("one", "two"), aside) == ("one", "two")
    apart = blocks_of("<div><p>one</p><h3>Menu</h3><p>nav</p></div>")
    assert _with_dropped_headings(("one", "three"), apart) == ("one", "three")


def test_the_subheading_of_a_real_template_is_in_the_body(site: NewsSite) -> None:
    for _ in range(4):
        site.add_story("sneaky")
    story = site.add_story("sneaky")
    story.subheadings = {2: "What happens next"}
    found = extract(site.render(story), site.base + story.path)
    assert found.paragraphs[found.paragraphs.index("What happens next") + 1] == story.paragraphs[2]


def test_a_paragraph_the_page_repeats_stays_repeated() -> None:
    blocks = blocks_of("<div><p>one</p><p>Correction: the date.</p><p>Correction: the date.</p></div>")
    assert _with_repeats(("one", "Correction: the date."), blocks) == (
        "one",
        "Correction: the date.",
        "Correction: the date.",
    )
    elsewhere = blocks_of("<div><p>one</p><p>two</p></div><aside><p>two</p></aside>")
    assert _with_repeats(("one", "two"), elsewhere) == ("one", "two")


def test_an_appended_duplicate_line_is_in_the_body(site: NewsSite) -> None:
    story = site.add_story("wordpress")
    story.paragraphs += ["Correction: an earlier version of this story misstated the date."] * 2
    found = extract(site.render(story), site.base + story.path)
    assert found.paragraphs.count("Correction: an earlier version of this story misstated the date.") == 2


def test_a_line_repeated_in_one_place_is_not_doubled_everywhere_else() -> None:
    """The hour soak found this: a correction appended twice in a row at the end, while the
    same line also stood alone higher up; both places were doubled."""
    fig, date = "Correction: the figure.", "Correction: the date."
    blocks = blocks_of(f"<div><p>one</p><p>{fig}</p><p>{date}</p><p>{fig}</p><p>{fig}</p></div>")
    assert _with_repeats(("one", fig, date, fig), blocks) == ("one", fig, date, fig, fig)
    # trafilatura may also keep the repeat itself: nothing is added twice
    assert _with_repeats(("one", fig, date, fig, fig), blocks) == ("one", fig, date, fig, fig)


def test_repeated_corrections_come_out_as_the_page_has_them(site: NewsSite) -> None:
    fig = "Correction: an earlier version of this story misstated the figure."
    date = "Correction: an earlier version of this story misstated the date."
    for template in ("inline", "meta", "wordpress", "jsonld", "time"):
        story = site.add_story(template)
        story.paragraphs += [fig, date, fig, date, fig, fig]
        found = extract(site.render(story), site.base + story.path)
        assert found.paragraphs[-6:] == (fig, date, fig, date, fig, fig), template


ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Floods close the river road - The Daily</title>
<meta property="og:title" content="Floods close the river road">
<meta name="author" content="Ana Lima">
<meta property="article:published_time" content="2026-11-30T08:15:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<main><article><h1>Floods close the river road</h1>
<p>{first}</p>
<p>The council said the road would stay shut until engineers had inspected the bridge,
which was built in 1962.</p>
<p>Residents of the lower village were told to move cars to higher ground before the
evening tide arrived on Monday.</p>
<p>Forecasters expect more rain on Tuesday, with up to 60 millimetres falling on the
hills above the valley.</p>
</article></main><footer>&copy; The Daily</footer></body></html>"""
FIRST = "Heavy rain overnight flooded the river road near the old mill, the council said on Monday morning."


def test_text_after_a_comment_inside_a_paragraph_is_kept() -> None:
    """React pages write `<p>text<!-- -->more</p>`: what follows the comment is text too."""
    from tracker.extraction.worker import analyze

    first = "Heavy rain overnight flooded the river road <!-- -->near the old mill, the council"
    page = ARTICLE.format(first=first + "<!-- --> said on Monday morning.")
    analysis = analyze(page, "https://daily.example/world/2026/11/30/floods")
    assert analysis.problem is None
    assert analysis.extraction.paragraphs[0] == FIRST


def test_a_control_character_in_a_paragraph_is_dropped_not_a_reason_to_refuse() -> None:
    from tracker.extraction.worker import analyze

    page = ARTICLE.format(first=FIRST.replace("river road", "river\x01 road").replace("mill", "mill\x1b"))
    analysis = analyze(page, "https://daily.example/world/2026/11/30/floods")
    assert analysis.problem is None
    assert analysis.extraction.paragraphs[0] == FIRST
    assert analysis.extraction.headline == "Floods close the river road"


def test_scripts_after_the_closing_html_tag_are_not_a_cut_off_page() -> None:
    """Some publishers append 8 KB and more of tracking scripts after `</html>`."""
    from tracker.extraction.worker import analyze

    push = 'window.dataLayer.push({{"event": "view", "n": {n}, "pad": "{pad}"}});'
    tail = "".join(f"<script>{push.format(n=n, pad='x' * 200)}</script>\n" for n in range(40))
    page = ARTICLE.format(first=FIRST) + "\n" + tail
    assert len(tail) > 8000
    assert analyze(page, "https://daily.example/world/2026/11/30/floods").problem is None
    cut = ARTICLE.format(first=FIRST)[:700]
    assert (
        analyze(cut, "https://daily.example/world/2026/11/30/floods").problem
        == "the page was cut off before its end"
    )


def _page(head: str, body: str) -> str:
    paragraphs = "".join(
        f"<p>{text} The council met on Monday to discuss the findings in detail, and again on Tuesday.</p>"
        for text in ("Water rose fast.", "Roads were closed.", "Schools stayed shut.")
    )
    return f"<html><head>{head}</head><body><main><article>{body}{paragraphs}</article></main></body></html>"


def test_the_headline_is_the_h1_a_declared_title_agrees_with_without_the_site_path() -> None:
    page = _page(
        "<title>DAILY NEWS | Politics | Council votes to close the river road</title>"
        '<meta property="og:title" content="Council votes to close the river road - The Daily">'
        '<meta property="og:site_name" content="The Daily">',
        "<h1>Council votes to close the river road</h1>",
    )
    assert extract(page, "https://www.thedaily.example/politics/1234567/council").headline == (
        "Council votes to close the river road"
    )
    # no <h1>: the <title>, its site name and section path dropped
    page = _page("<title>DAILY NEWS | Politics | Council votes to close the river road</title>", "")
    assert (
        extract(page, "https://dailynews.example/a/1234567").headline
        == "Council votes to close the river road"
    )
    # a CMS that escaped its meta twice
    page = _page('<meta property="og:title" content="Rain &amp;#8211; and more rain">', "")
    assert extract(page, "https://x.example/a").headline == "Rain – and more rain"


def test_a_kicker_inside_the_h1_is_not_the_headline() -> None:
    page = _page(
        '<meta property="og:title" content="Remembering the victims of the flood">',
        "<h1><span>Anniversary</span> <span>Remembering the victims of the flood</span></h1>",
    )
    assert extract(page, "https://x.example/a").headline == "Remembering the victims of the flood"


def test_a_byline_only_in_markup_is_read() -> None:
    """BBC-like: no meta, no JSON-LD author, no class; a data-component says byline."""
    page = _page(
        "<title>Floods close the river road</title>",
        '<h1>Floods close the river road</h1><div data-component="byline-block">'
        "<span>By Jane Doe and John Roe</span><span>BBC News</span></div>",
    )
    assert extract(page, "https://www.bbc.example/news/world-12345678").byline == "Jane Doe, John Roe"


def test_partial_microdata_does_not_beat_the_visible_byline() -> None:
    page = _page(
        "<title>Floods close the river road</title>",
        '<h1>Floods close the river road</h1><p class="byline">By <span itemprop="author">Jane Doe</span>'
        " and John Roe</p>",
    )
    assert extract(page, "https://x.example/a").byline == "Jane Doe, John Roe"


def test_the_site_is_not_an_author() -> None:
    page = _page(
        '<meta name="author" content="Jane Doe, The Daily">'
        '<meta property="og:site_name" content="The Daily">',
        "<h1>Floods close the river road</h1>",
    )
    assert extract(page, "https://x.example/a").byline == "Jane Doe"
    page = _page('<meta name="author" content="thedaily.example">', '<p class="byline">By Jane Doe</p>')
    assert extract(page, "https://x.example/a").byline == "Jane Doe"


def test_old_templates_dates_and_local_formats() -> None:
    from tracker.extraction.declared import parse_date

    page = _page(
        '<meta name="OriginalPublicationDate" content="2014-06-30T16:54:02+00:00">', "<h1>Floods</h1>"
    )
    assert extract(page, "https://x.example/a").published_at == datetime(2014, 6, 30, 16, 54, 2, tzinfo=UTC)
    assert parse_date("10.12.2022") == datetime(2022, 12, 10, tzinfo=UTC)
    assert parse_date("01-11-2023 10:29") == datetime(2023, 11, 1, 10, 29, tzinfo=UTC)
    assert parse_date("19 Oct 2019 10:30 CEST") == datetime(2019, 10, 19, 8, 30, tzinfo=UTC)
    assert parse_date("1676551869") == datetime(2023, 2, 16, 12, 51, 9, tzinfo=UTC)
    assert parse_date("2:33 PM") is None  # no day: not today
    assert parse_date("Oct 16") is None  # no year: not this year


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("https://x.example/politics/1234567/council-votes-to-close-the-road.html", "1234567"),
        ("https://x.example/politics/1234567/council-delays-the-vote.html", "1234567"),
        ("https://x.example/news/world-europe-12345678", "12345678"),
        ("https://x.example/news/story-150-a1150", "a1150"),
        ("https://x.example/article/idUSKBN2X1234/", "iduskbn2x1234"),
        ("https://x.example/p/5f3a9c2e1b7d/a-slug", "5f3a9c2e1b7d"),
        ("https://x.example/2026/11/30/floods", None),  # a date is no id
        ("https://x.example/20261130/floods", None),
        ("https://x.example/a/election-2026", None),  # nor a year
        ("https://x.example/news/2024elections/a-slug", None),  # nor a section named with one
        ("https://x.example/", None),
    ],
)
def test_the_id_in_a_path_wherever_it_stands(url: str, found: str | None) -> None:
    from tracker.extraction.identity import path_id

    assert path_id(url) == found


SENTENCES = (
    "The river road closed overnight as the water rose to its highest level in forty years.",
    "The council met on Monday and agreed to pay for new barriers along the lower village.",
    "Forecasters expect more rain on Tuesday, with up to sixty millimetres on the hills.",
)


def test_old_layouts_paragraphs_are_paragraphs() -> None:
    """A page laid out in a table, paragraphs split by <br><br>, the first one written
    straight into the cell: three paragraphs, not one row of cells."""
    a, b, c = SENTENCES
    page = (
        "<html><head><title>Floods close the river road</title></head><body><table><tr>"
        "<td><a href='/'>Home</a></td><td><h1>Floods close the river road</h1>"
        f"{a}<p>{b}<br><br>{c}<br>Updated twice.</p></td></tr></table></body></html>"
    )
    found = extract(page, "https://x.example/news/floods").paragraphs
    assert found == (a, b, f"{c} Updated twice.")


def test_a_data_table_stays_a_table() -> None:
    rows = "".join(f"<tr><td>Station {n}</td><td>{n * 3} mm</td></tr>" for n in range(1, 4))
    page = _page("<title>Rainfall</title>", f"<h1>Rainfall</h1><table>{rows}</table>")
    assert "Station 1 | 3 mm" in extract(page, "https://x.example/a").paragraphs


def test_a_lede_outside_the_paragraphs_is_the_first_paragraph() -> None:
    lede = "Floods closed the river road overnight, and the council met at once to plan repairs."
    page = _page(
        '<meta property="og:title" content="Floods close the river road">',
        f'<h1>Floods close the river road</h1><div class="teaser-content">{lede}</div>',
    )
    assert extract(page, "https://x.example/a").paragraphs[0] == lede


def test_extraction_workers_that_cannot_start_are_said_in_one_line() -> None:
    import asyncio
    import os
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial
    from multiprocessing import get_context

    from tracker.errors import TrackerError
    from tracker.pipeline import ExtractionPool

    # workers that die as they start, as they do where no memory or process is left
    dying = partial(
        ProcessPoolExecutor, 1, mp_context=get_context("spawn"), initializer=os._exit, initargs=(3,)
    )

    async def go() -> str:
        pool = ExtractionPool(dying)
        try:
            await pool.start(timeout=60)
        except TrackerError as error:
            return str(error)
        finally:
            pool.close()
        return "started"

    assert asyncio.run(go()).startswith("the extraction workers could not start (BrokenProcessPool")
