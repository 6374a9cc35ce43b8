"""Discovery parsers over real captured feeds and sitemaps (../shared/corpus/feeds)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.support.corpus import CORPUS, needs_corpus
from tracker.extraction.listings import parse_feed, parse_sitemap, parse_url_list

FEEDS = CORPUS / "feeds"
# Fragments the feedjira suite keeps to test single entries: not whole feeds.
FRAGMENTS = {
    "AmazonWebServicesBlogFirstEntryContent.xml",
    "HREFConsideredHarmfulFirstEntry.xml",
    "PaulDixExplainsNothingFirstEntryContent.xml",
    "TechCrunchFirstEntry.xml",
    "TechCrunchFirstEntryDescription.xml",
    "TenderLovemakingFirstEntry.xml",
    "AtomEscapedHTMLInPreTag.xml",
}
pytestmark = needs_corpus(FEEDS)


def feed_files() -> list[Path]:
    if not FEEDS.is_dir():
        return []
    return sorted(
        p
        for p in FEEDS.glob("*/*")
        if p.suffix in (".xml", ".rss", ".atom", ".json")
        and "sitemap" not in p.name
        and p.name not in FRAGMENTS
        and p.name != "PROVENANCE.json"
    )


@pytest.mark.parametrize("path", feed_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_real_feed_yields_its_entries(path: Path) -> None:
    found = parse_feed(path.read_bytes(), "https://example.org/")
    assert found.problem is None
    assert found.listings, f"no entries read from {path.name}"
    assert all(listing.url.startswith(("http://", "https://")) for listing in found.listings)


def test_rss_and_json_feeds_carry_dates() -> None:
    washington = parse_feed((FEEDS / "diffengine" / "feed2.xml").read_bytes(), "https://example.org/")
    assert len(washington.listings) == 24
    npr = parse_feed((FEEDS / "trafilatura" / "feed.json").read_bytes(), "https://example.org/")
    assert len(npr.listings) == 25
    assert npr.listings[0].published_at is not None and npr.listings[0].published_at.tzinfo is not None


def test_plain_and_gzipped_sitemaps_agree() -> None:
    plain = parse_sitemap((FEEDS / "trafilatura" / "sitemap.xml").read_bytes(), "https://example.org/")
    packed = parse_sitemap((FEEDS / "trafilatura" / "sitemap.xml.gz").read_bytes(), "https://example.org/")
    assert len(plain.listings) == 84
    assert plain == packed
    assert plain.listings[0].updated_at is not None


def test_sitemap_index_lists_child_sitemaps() -> None:
    index = parse_sitemap((FEEDS / "trafilatura" / "sitemap2.xml").read_bytes(), "https://example.org/")
    assert len(index.child_sitemaps) == 2 and not index.listings


def test_google_news_sitemap_gives_publication_date_and_title() -> None:
    xml = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
    xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"><url><loc>https://example.org/a-1</loc>
    <news:news><news:publication><news:name>Ex</news:name><news:language>en</news:language></news:publication>
    <news:publication_date>2026-11-28T06:30:00+01:00</news:publication_date>
    <news:title>Storm &amp; floods</news:title></news:news></url></urlset>"""
    [listing] = parse_sitemap(gzip.compress(xml), "https://example.org/").listings
    assert listing.title == "Storm & floods"
    assert (
        listing.published_at is not None and listing.published_at.isoformat() == "2026-11-28T05:30:00+00:00"
    )


def test_broken_documents_are_problems_not_exceptions() -> None:
    assert parse_sitemap(b"\x1f\x8b garbage", "https://example.org/").problem
    assert parse_feed(b"<html><body>nope</body></html>", "https://example.org/").problem
    assert parse_feed(b'{"items": 5}', "https://example.org/").problem


def test_url_lists_skip_comments_blanks_and_junk() -> None:
    text = "# watched\nhttps://example.org/a?utm_source=x\n\nnot a url\nhttps://example.org/a\n/b\n"
    found = parse_url_list(text, "https://example.org/")
    assert [listing.url for listing in found.listings] == ["https://example.org/a", "https://example.org/b"]
