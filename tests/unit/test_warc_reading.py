"""Unit: what `tracker.fetch.warc` makes of a record's header fields (pure)."""

from __future__ import annotations

from tracker.fetch.warc import as_received


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
