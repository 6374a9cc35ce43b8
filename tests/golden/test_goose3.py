"""Extraction against ../shared/corpus/goose3: 78 pages of goose3's own tests (43 real
captured pages, the rest small fixtures), each asserting some of title, authors,
publish date and the start of the main text.

Scored on the fields each goose3 test asserts (pages whose test passes goose3 a custom
configuration are left out: their gold reflects that setting). The body: `lede`, the
expected start of the text is in it (a lost lede is a lost paragraph, the failure that
matters to a change tracker); `body_start`, as goose3 scores it, the body starts with it
(goose drops the standfirst, captions and kickers that tracker keeps). Titles and
authors by words, the publish date as an instant. Figures are printed (run with -s);
the floors fail the suite when quality drops.
"""

from __future__ import annotations

import json

import pytest

from tests.support.corpus import CORPUS, needs_corpus
from tests.support.golden import Score, author_names, fold, page_html
from tracker.extraction.dates import parse_date
from tracker.extraction.extract import Extraction, extract

ROOT = CORPUS / "goose3"
pytestmark = [needs_corpus(ROOT), pytest.mark.slow]

# Measured 2026-12-01. Before issue 13's cascades: lede 39/51 = 0.765, body_start 26/51,
# title 7/11, publish date 4/9 (OriginalPublicationDate, rnews, parsely-page and Unix
# times unread), authors 2/2. After the cascades: title 10/11, publish date 9/9; after
# the block repairs (layout tables, <br><br>, ledes outside <p>): lede 42/51 = 0.824,
# body_start 29/51 = 0.569. The floors sit just below: a drop fails the suite.
FLOORS = {"lede": 0.8, "body_start": 0.55, "title": 0.9, "publish_date": 0.88, "authors": 0.99}


def _spaced(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def cases() -> list[tuple[str, dict, Extraction]]:
    expected = json.loads((ROOT / "expected.json").read_text(encoding="utf-8"))
    out = []
    for name, item in sorted(expected.items()):
        if item.get("custom_config"):
            continue
        url = item.get("url") or "http://example.com/article.html"
        out.append((name, item, extract(page_html(ROOT / "pages" / f"{name}.html.gz", url), url)))
    return out


def test_goose3_floors(cases: list[tuple[str, dict, Extraction]]) -> None:
    scores = {key: Score() for key in FLOORS}
    for name, item, found in cases:
        asserted = item["asserted"]
        if "cleaned_text_prefix" in asserted and item["cleaned_text_prefix"]:
            body, lede = _spaced(" ".join(found.paragraphs)), _spaced(item["cleaned_text_prefix"])
            scores["lede"].add(lede in body, name)
            scores["body_start"].add(body.startswith(lede), name)
        if "title" in asserted and item["title"]:
            scores["title"].add(fold(found.headline) == fold(item["title"]), name)
        if "publish_date" in asserted and item["publish_date"]:
            want = parse_date(item["publish_datetime_utc"] or item["publish_date"])
            ok = bool(found.published_at and want and abs((found.published_at - want).total_seconds()) < 60)
            scores["publish_date"].add(ok, name)
        if "authors" in asserted and item["authors"]:
            scores["authors"].add(author_names(found.byline) == author_names(item["authors"]), name)
    for key, score in scores.items():
        print(f"goose3 {key}: {score.right}/{score.total} = {score.share:.3f} (floor {FLOORS[key]})")
    for key, score in scores.items():
        assert score.share >= FLOORS[key], f"{key} {score.share:.3f} fell below {FLOORS[key]}: {score.misses}"
