"""Extraction against real pages: ../shared/corpus/readability (Mozilla's test pages).

A floor over the whole set, not a test per page: not every case is a news
article, and some expected values are Readability's own quirks. The figures
are printed (run with -s) and the suite fails when accuracy drops below them.
"""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from lxml import html as lxml_html

from tests.support.corpus import CORPUS, needs_corpus
from tests.support.golden import Score, extract_pages
from tracker.core.normalize import clean_text
from tracker.extraction.dates import parse_date
from tracker.extraction.extract import Extraction

PAGES = CORPUS / "readability" / "test" / "test-pages"
# Measured 2026-11-29: headline 0.898, byline 0.855, published 1.000, body F1 median 0.965 and
# mean 0.868 (0.863 before the fast first pass). 2026-12-01: the expected text read as UTF-8
# (it was read as Latin-1, which broke every curly quote into three characters): body F1
# median 0.989, mean 0.937 for the same code; 0.988 and 0.937 with comments and control
# characters dropped before parsing. Later that day, the headline cascade of issue 13
# (the `<h1>` a declared headline agrees with; site names stripped): 0.882 counting a
# Readability title with the site's name after it as the same; the 15 left are mostly
# pages where Readability takes `og:title` and tracker the visible `<h1>` that the
# `<title>` or `twitter:title` agrees with (citylab-1, cnet-svg-classes, theverge,
# videos-1), and the metadata test pages that rank Dublin Core first. 2026-12-05, names
# as people write them (issue 22): byline 65/76 = 0.855 -> 66/76 = 0.868 (a job title
# after the name cut: yahoo-1). The floors sit just below: a drop fails the suite.
FLOORS = {"headline": 0.87, "byline": 0.85, "published": 0.96}
BODY_F1_FLOORS = {"median": 0.97, "mean": 0.92}
pytestmark = [needs_corpus(PAGES), pytest.mark.slow]


def words(text: str | None) -> str:
    return re.sub(r"\W+", " ", clean_text(text)).strip().casefold()


_SUFFIX = re.compile(r"^\s*(?:[|\-–—:·•»]|\[)\s*")


def same_headline(found: str | None, expected: str) -> bool:
    """The same headline, or Readability's with the site's name after it, which it keeps
    from `<title>` ("Headline | eHow", "Headline [LWN.net]") and tracker drops."""
    ours, theirs = words(found), words(expected)
    if not ours:
        return False
    if ours == theirs:
        return True
    at = clean_text(expected).casefold().find(clean_text(found).casefold())
    rest = clean_text(expected)[at + len(clean_text(found)) :] if at == 0 else ""
    return bool(rest) and bool(_SUFFIX.match(rest)) and len(words(rest).split()) <= 4


def names(text: str | None) -> set[str]:
    text = re.sub(r"^\s*(?:by|par)\s+", "", clean_text(text), flags=re.IGNORECASE)
    parts = re.split(r"\s*(?:,|;|&|\band\b|\bet\b|\|)\s*", text, flags=re.IGNORECASE)
    return {words(part) for part in parts if words(part)}


def byline_matches(found: str | None, expected: str) -> bool:
    """The same people: our names, in order, open Readability's byline (which may
    trail into dates or the outlet's name)."""
    ours = [words(name) for name in (found or "").split(",") if words(name)]
    theirs = words(re.sub(r"^\s*(?:written\s+)?(?:by|par)\s+", "", clean_text(expected), flags=re.I))
    return bool(ours) and (names(found) == names(expected) or theirs.startswith(" ".join(ours)))


@pytest.fixture(scope="module")
def extracted() -> dict[str, Extraction]:
    """Every corpus page, extracted once for the module."""
    pages = [page for page in sorted(PAGES.iterdir()) if (page / "source.html").exists()]
    found = extract_pages([(page / "source.html", "http://fakehost/test/page.html", False) for page in pages])
    return {page.name: extraction for page, extraction in zip(pages, found, strict=True)}


def test_extraction_accuracy_floors(extracted: dict[str, Extraction]) -> None:
    scores = {key: Score() for key in FLOORS}
    for name, found in extracted.items():
        page = PAGES / name
        expected = json.loads((page / "expected-metadata.json").read_text(encoding="utf-8"))
        if expected.get("title"):
            scores["headline"].add(same_headline(found.headline, expected["title"]), page.name)
        if expected.get("byline"):
            scores["byline"].add(byline_matches(found.byline, expected["byline"]), page.name)
        if expected.get("publishedTime"):
            want = parse_date(expected["publishedTime"])
            ok = bool(found.published_at and want and abs((found.published_at - want).total_seconds()) < 60)
            scores["published"].add(ok, page.name)
    for key, score in scores.items():
        print(f"{key}: {score.right}/{score.total} = {score.share:.3f} (floor {FLOORS[key]})")
    for key, score in scores.items():
        assert score.share >= FLOORS[key], (
            f"{key} accuracy {score.share:.3f} fell below {FLOORS[key]}: {score.misses}"
        )


def test_almost_every_page_yields_a_body(extracted: dict[str, Extraction]) -> None:
    empty = [name for name, found in extracted.items() if not found.paragraphs]
    assert len(empty) <= 3, f"no body from {empty}"


def test_body_matches_readability_expected_text(extracted: dict[str, Extraction]) -> None:
    """Token F1 of our body against Readability's expected article, over the set."""
    scores = []
    for name, found in extracted.items():
        page = PAGES / name
        if not (page / "expected.html").exists():
            continue
        # expected.html declares no charset: read it as the UTF-8 it is (lxml alone would take
        # Latin-1 and turn every curly quote into three characters, two of them controls)
        expected_html = (page / "expected.html").read_text(encoding="utf-8")
        expected = words(lxml_html.fromstring(expected_html).text_content()).split()
        ours = words(" ".join(found.paragraphs)).split()
        if not expected:
            continue
        common = sum((Counter(ours) & Counter(expected)).values())
        precision = common / len(ours) if ours else 0.0
        recall = common / len(expected)
        scores.append(2 * precision * recall / (precision + recall) if common else 0.0)
    scores.sort()
    median = scores[len(scores) // 2]
    mean = sum(scores) / len(scores)
    print(f"body token F1: median {median:.3f}, mean {mean:.3f} over {len(scores)} pages")
    assert median >= BODY_F1_FLOORS["median"] and mean >= BODY_F1_FLOORS["mean"]
