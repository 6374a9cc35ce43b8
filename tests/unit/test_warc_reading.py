"""Unit: what `tracker import` makes of a record's header fields, and which pages it takes
for listing pages (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.extraction.extract import Extraction
from tracker.fetch.warc import as_received
from tracker.pipeline.imports import listing


def test_fields_tracker_export_renamed_are_given_back_as_received() -> None:
    exported = [
        ("Content-Type", "text/html"),
        ("X-Archive-Orig-Content-Encoding", "gzip"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("Content-Length", "48213"),  # the stored (decoded) body's, added by the export
    ]
    assert as_received(exported) == (
        ("Content-Type", "text/html"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
    )


def test_a_differing_length_is_given_back_and_the_bodys_dropped() -> None:
    exported = [("X-Archive-Orig-Content-Length", "9120"), ("Content-Length", "48213")]
    assert as_received(exported) == (("Content-Length", "9120"),)


def test_other_crawlers_fields_are_kept_as_they_are() -> None:
    crawled = [("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked"), ("Content-Length", "10")]
    assert as_received(crawled) == tuple(crawled)


def _extraction(**fields: object) -> Extraction:
    base: dict[str, object] = {
        "headline": "World",
        "byline": None,
        "paragraphs": ("Teaser one.", "Teaser two."),
        "published_at": None,
        "updated_at": None,
    }
    return Extraction(**{**base, **fields})  # type: ignore[arg-type]


def test_what_a_crawl_holds_that_is_no_story_is_a_listing_page() -> None:
    assert listing("https://news.example/", _extraction(published_at=datetime(2026, 11, 28, tzinfo=UTC)))
    assert listing("https://news.example/world", _extraction())
    assert listing("https://news.example/tag/climate", _extraction())


def test_a_page_that_dates_signs_or_numbers_its_story_is_not() -> None:
    assert not listing(
        "https://news.example/world/story", _extraction(published_at=datetime(2026, 11, 28, tzinfo=UTC))
    )
    assert not listing("https://news.example/world/story", _extraction(byline="Jane Doe"))
    assert not listing("https://news.example/world/council-vote-a1042", _extraction())
    assert not listing("https://blog.example/?p=2895", _extraction())
