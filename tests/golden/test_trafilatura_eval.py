"""Extraction against ../shared/corpus/trafilatura-eval: 847 real pages (news, magazines,
blogs; about half German-language) with the title, author and date annotators wrote,
and text snippets that must and must not be in the body.

Scored as trafilatura's own evaluation scores them: a snippet counts when its
whitespace-normalised form is a substring of the whitespace-normalised body; the
author is compared by names (several joined with "; " by the annotators); the date is
the publication day. Figures are printed (run with -s); the floors fail the suite when
quality drops. The set is trafilatura's development set, so its body figures flatter
trafilatura; the metadata figures are ours.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

import pytest

from tests.support.corpus import CORPUS, needs_corpus
from tests.support.golden import Score, author_names, extract_pages, fold
from tracker.extraction.extract import Extraction

ROOT = CORPUS / "trafilatura-eval"
pytestmark = [needs_corpus(ROOT), pytest.mark.slow]

# Measured 2026-12-01 with this module's scoring. Before issue 13's cascades: title
# 559/844 = 0.662, author 303/537 = 0.564, date 640/727 = 0.880, snippets with 0.938,
# without 0.925 (trafilatura's own metadata on the same pages: title 0.613, author 0.557,
# date 0.867). After: title 702 = 0.832, author 330 = 0.615, date 646 = 0.889, with 0.937,
# without 0.925. Many of the misses left are the annotators' choices (a kicker kept or
# dropped, a site's name written as author, a date from the text rather than the page's
# metadata). 2026-12-05, names as people write them (issue 22): author 331/537 = 0.616
# -> 352/537 = 0.655 (labels, dates, "in London", titles and trailing organisations no
# longer names; no page lost). The floors sit just below: a drop fails the suite.
FLOORS = {"title": 0.82, "author": 0.64, "date": 0.875, "with": 0.93, "without": 0.92}


def spaced(text: str) -> str:
    return " ".join(text.split())


def same_day(moment: datetime | None, day: str) -> bool:
    """The instant falls on the annotated day somewhere on Earth (UTC-12 to UTC+14):
    tracker stores instants in UTC, annotators wrote the publisher's local day. A date
    declared without a time (midnight UTC here) must be the day itself."""
    if moment is None:
        return False
    if moment.time() == time(0):  # a day without a time: that day
        return moment.date().isoformat() == day
    return any((moment + timedelta(hours=hours)).date().isoformat() == day for hours in range(-12, 15))


@pytest.fixture(scope="module")
def cases() -> list[tuple[str, dict, Extraction]]:
    expected = sorted(json.loads((ROOT / "expected.json").read_text(encoding="utf-8")).items())
    found = extract_pages(
        [(ROOT / "pages" / f"{name}.html.gz", item["url"], True) for name, item in expected]
    )
    return [(name, item, extraction) for (name, item), extraction in zip(expected, found, strict=True)]


def score(cases: list[tuple[str, dict, Extraction]]) -> dict[str, Score]:
    scores = {key: Score() for key in FLOORS}
    for name, item, found in cases:
        if item.get("title"):
            scores["title"].add(fold(found.headline) == fold(item["title"]), name)
        if item.get("author"):
            scores["author"].add(author_names(found.byline) == author_names(item["author"]), name)
        if item.get("date"):
            scores["date"].add(same_day(found.published_at, item["date"]), name)
        body = spaced(" ".join(found.paragraphs))
        for snippet in item.get("with") or []:
            scores["with"].add(spaced(snippet) in body, name)
        for snippet in item.get("without") or []:
            scores["without"].add(spaced(snippet) not in body, name)
    return scores


def test_trafilatura_eval_floors(cases: list[tuple[str, dict, Extraction]]) -> None:
    scores = score(cases)
    for key, found in scores.items():
        print(
            f"trafilatura-eval {key}: {found.right}/{found.total} = {found.share:.3f} (floor {FLOORS[key]})"
        )
    for key, found in scores.items():
        assert found.share >= FLOORS[key], (
            f"{key} {found.share:.3f} fell below {FLOORS[key]}: {found.misses[:40]}"
        )
