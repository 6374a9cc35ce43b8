"""Pages served with status 200 that are not the article: each rule that makes one a soft
error (never a version), a page cut off in transit, and a body that collapsed."""

from __future__ import annotations

import pytest

from tests.support.site import INTERSTITIALS
from tracker.extraction.extract import Extraction
from tracker.extraction.soft_errors import (
    COLLAPSE_MIN_WORDS,
    MIN_BODY_WORDS_BESIDE_MARKER,
    collapsed,
    soft_error,
    truncated,
)
from tracker.extraction.worker import analyze

SENTENCE = "The council met on Monday and agreed to pay for new barriers along the lower village."


def page(headline: str | None = "Floods close the river road", words: int = 200) -> Extraction:
    """An extraction with a body of `words` words."""
    text = " ".join((SENTENCE.split() * words)[:words])
    return Extraction(headline, "Ana Lima", (text,) if text else (), None, None)


def test_an_article_is_no_soft_error() -> None:
    assert soft_error(page(), "Floods close the river road - The Daily") is None


def test_a_page_without_text_is_one() -> None:
    assert soft_error(page(words=0)) == "no article text found on the page"


def test_a_challenge_title_over_a_short_body_is_an_interstitial() -> None:
    assert (
        soft_error(page(words=20), "  Just a moment...  ")
        == "looks like an interstitial page: 'Just a moment...'"
    )
    assert soft_error(page("Access denied", words=20)) == "looks like an interstitial page: 'Access denied'"


def test_a_marker_beside_a_whole_article_is_a_story_about_it() -> None:
    """A story headlined "Access denied: ..." is still a story when its body is long."""
    headline = "Access denied: the court's ruling explained"
    assert soft_error(page(headline, words=MIN_BODY_WORDS_BESIDE_MARKER - 1))
    assert soft_error(page(headline, words=MIN_BODY_WORDS_BESIDE_MARKER)) is None


def test_a_short_body_that_asks_for_javascript_is_an_interstitial() -> None:
    found = Extraction("The Daily", None, ("Please enable JavaScript and cookies to continue.",), None, None)
    assert soft_error(found) == "looks like an interstitial page"
    long = Extraction(
        "The Daily", None, (SENTENCE * 3, "Please enable JavaScript to see the map."), None, None
    )
    assert soft_error(long) is None  # 40 words or more: an article that mentions it


def test_a_page_without_a_headline_is_one() -> None:
    assert soft_error(page(None)) == "no headline found on the page"


@pytest.mark.parametrize("name", sorted(INTERSTITIALS))
def test_every_interstitial_served_with_200_is_recognised(name: str) -> None:
    assert (analyze(INTERSTITIALS[name], "https://daily.example/news/floods").problem or "").startswith(
        "looks like an interstitial page"
    )


DOCUMENT = "<!DOCTYPE html><html><head><title>Floods</title></head><body><p>{}</p></body></html>"


def test_a_page_that_never_closes_its_body_was_cut_off() -> None:
    whole = DOCUMENT.format(SENTENCE)
    assert not truncated(whole)
    assert truncated(whole[: whole.index("</body>")])
    assert not truncated("<p>a fragment without an html element</p>")


def test_scripts_after_the_end_or_a_closing_tag_inside_a_script_are_judged_on_the_structure() -> None:
    tail = "<script>window.pad = '" + "x" * 5000 + "';</script>"
    assert not truncated(DOCUMENT.format(SENTENCE) + tail)  # closed, then kilobytes of scripts
    cut = DOCUMENT.format("<script>document.write('</body></html>');</script>" + SENTENCE * 300)
    assert truncated(cut[: cut.rindex("</body>")])  # only a script closes it


def test_a_body_that_shrank_to_a_fraction_of_the_last_version_collapsed() -> None:
    assert collapsed(20, 100)
    assert not collapsed(30, 100)  # 30 per cent is still an edit
    assert not collapsed(5, COLLAPSE_MIN_WORDS - 1)  # a short last version says nothing
    assert collapsed(5, COLLAPSE_MIN_WORDS)
