"""Extraction rules on small inputs (the corpus-wide figures are in test_extract_golden)."""

from __future__ import annotations

import lxml.html

from tests.site import NewsSite
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
