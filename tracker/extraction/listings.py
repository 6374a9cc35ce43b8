"""Finding articles: feeds, sitemaps and URL lists -> listings (parsing is pure).

Feeds are read by feedparser (RSS 0.9x/1.0/2.0, Atom, JSON Feed). Sitemaps are
read with lxml: plain, gzipped, sitemap indexes (whose children are returned for
the caller to fetch) and Google News sitemaps (publication date, title).
"""

from __future__ import annotations

import calendar
import gzip
import io
import json
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

import feedparser
from lxml import etree

from tracker.core.urls import try_normalize_url
from tracker.extraction.dates import parse_date

_GZIP_MAGIC = b"\x1f\x8b"
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_SITEMAP_BYTES = 50_000_000


@dataclass(frozen=True, slots=True)
class Listing:
    """An article URL as a source lists it, with what the listing says about it."""

    url: str
    published_at: datetime | None = None
    updated_at: datetime | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Discovered:
    listings: tuple[Listing, ...]
    child_sitemaps: tuple[str, ...] = field(default=())
    problem: str | None = None


def parse_feed(content: bytes, base_url: str, content_type: str | None = None) -> Discovered:
    """Entries of an RSS, Atom or JSON feed; a feed feedparser cannot read at all
    has a `problem`."""
    if content.lstrip()[:1] == b"{":
        return parse_json_feed(content, base_url)
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(
        content, response_headers=headers, sanitize_html=False, resolve_relative_uris=False
    )
    listings = []
    for entry in parsed.entries:
        url = try_normalize_url(_entry_link(entry), base_url)
        if url:
            listings.append(
                Listing(
                    url=url,
                    # dict.get: feedparser's own get() maps a missing "updated" to "published"
                    published_at=_struct_time(dict.get(entry, "published_parsed")),
                    updated_at=_struct_time(dict.get(entry, "updated_parsed")),
                    title=entry.get("title"),
                )
            )
    problem = None
    if not listings and parsed.get("bozo"):
        problem = f"not a readable feed: {parsed.get('bozo_exception')}"
    return Discovered(tuple(_unique(listings)), problem=problem)


def parse_json_feed(content: bytes, base_url: str) -> Discovered:
    """A JSON Feed (jsonfeed.org, 1.0 and 1.1); feedparser 6 does not read them."""
    try:
        data = json.loads(content)
    except ValueError as error:
        return Discovered((), problem=f"not a readable JSON feed: {error}")
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return Discovered((), problem="not a JSON feed: no items")
    listings = [
        Listing(
            url=url,
            published_at=parse_date(item.get("date_published")),
            updated_at=parse_date(item.get("date_modified")),
            title=item.get("title"),
        )
        for item in items
        if isinstance(item, dict)
        and (url := try_normalize_url(item.get("url") or item.get("external_url"), base_url))
    ]
    return Discovered(tuple(_unique(listings)))


def _entry_link(entry: feedparser.FeedParserDict) -> str | None:
    for link in entry.get("links", []):
        if link.get("rel", "alternate") == "alternate" and link.get("href"):
            return str(link["href"])
    link = entry.get("link") or entry.get("id")
    return str(link) if link else None


def _struct_time(value: object) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(calendar.timegm(value), UTC)  # type: ignore[arg-type]


def parse_sitemap(content: bytes, base_url: str) -> Discovered:
    """URLs of a sitemap (with lastmod and Google News dates), or the child sitemaps
    of a sitemap index. Gzipped sitemaps are unpacked (up to MAX_SITEMAP_BYTES)."""
    try:
        content = _gunzip(content)
        root = etree.fromstring(
            content,
            parser=etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False),
        )
    except (etree.XMLSyntaxError, OSError, EOFError, zlib.error, ValueError) as error:
        return Discovered((), problem=f"not a readable sitemap: {error}")
    if root is None:
        return Discovered((), problem="not a readable sitemap: empty document")
    if etree.QName(root).localname == "sitemapindex":
        children = [try_normalize_url(text, base_url) for text in _locs(root, "sitemap")]
        return Discovered((), child_sitemaps=tuple(dict.fromkeys(c for c in children if c)))
    listings = [
        listing for element in _elements(root, "url") if (listing := _sitemap_listing(element, base_url))
    ]
    return Discovered(tuple(_unique(listings)))


def _sitemap_listing(element: etree._Element, base_url: str) -> Listing | None:
    url = try_normalize_url(_child_text(element, _SITEMAP_NS, "loc"), base_url)
    if not url:
        return None
    news = element.find(f"{{{_NEWS_NS}}}news")
    published = title = None
    if news is not None:
        published = parse_date(_child_text(news, _NEWS_NS, "publication_date"))
        title = _child_text(news, _NEWS_NS, "title")
    return Listing(
        url=url,
        published_at=published,
        updated_at=parse_date(_child_text(element, _SITEMAP_NS, "lastmod")),
        title=title,
    )


def parse_url_list(text: str, base_url: str | None = None) -> Discovered:
    """One URL a line; blank lines, lines starting with # and lines with spaces are skipped."""
    urls = (line.strip() for line in text.splitlines())
    listings = [
        Listing(url)
        for line in urls
        if line
        and not line.startswith("#")
        and not any(c.isspace() for c in line)
        and (url := try_normalize_url(line, base_url))
    ]
    return Discovered(tuple(_unique(listings)))


def _gunzip(content: bytes) -> bytes:
    if not content.startswith(_GZIP_MAGIC):
        return content
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        data = stream.read(MAX_SITEMAP_BYTES + 1)
    if len(data) > MAX_SITEMAP_BYTES:
        raise ValueError(f"unpacks to more than {MAX_SITEMAP_BYTES} bytes")
    return data


def _elements(root: etree._Element, name: str) -> list[etree._Element]:
    return [
        element
        for element in root.iter()
        if isinstance(element.tag, str) and etree.QName(element).localname == name
    ]


def _locs(root: etree._Element, parent: str) -> list[str]:
    return [text for element in _elements(root, parent) if (text := _child_text(element, None, "loc"))]


def _child_text(element: etree._Element, namespace: str | None, name: str) -> str | None:
    for child in element:
        if (
            isinstance(child.tag, str)
            and etree.QName(child).localname == name
            and (namespace is None or etree.QName(child).namespace in (namespace, None))
        ):
            return (child.text or "").strip() or None
    return None


def _unique(listings: list[Listing]) -> list[Listing]:
    seen: dict[str, Listing] = {}
    for listing in listings:
        seen.setdefault(listing.url, listing)
    return list(seen.values())
