"""Which story a page is (pure): keys beyond the URL it was fetched from.

A story moved to a new slug keeps its canonical URL's successor, its publisher
id and usually the id in its path; any key an article already holds says a
new URL is that article again, so its history is not split.

Keys are prefixed by kind and scoped to the host:
- `canonical:URL`: the canonical URL the page declares, when it is on the
  article's own host and is not the site's home page;
- `id:HOST:ID`: the publisher's declared id (JSON-LD `identifier`, `article:id`...);
- `path-id:HOST:ID`: the id in the URL's path, in the middle (`/politics/1234567/slug`)
  or at the end (`...-a1042`, `.../70912345.html`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tracker.core.urls import site_of
from tracker.extraction.extract import Extraction

_TRAILING_ID = re.compile(
    r"(?:^|[-_/.])((?:a|article|id|story)-?\d{4,}|\d{5,})(?:\.s?html?|\.php)?/?$", re.IGNORECASE
)
# a whole path segment that is an id: a long number (`/politics/1234567/slug.html`), or a
# token whose letters and digits alternate at least four times (`/idUSKBN2X1234`,
# `/5f3a9c2e1b7d`; not a word and a year, `2024elections`, which a section may be called)
_SEGMENT_ID = re.compile(
    r"^(?:\d{6,}|(?=[a-z0-9]{10,}(?:\.|$))(?:[a-z]*\d+[a-z]+\d+[a-z0-9]*|\d+[a-z]+\d+[a-z]+[a-z0-9]*))(?:\.s?html?|\.php)?$",
    re.IGNORECASE,
)
# what looks like an id but is a date: 20261130, 2026-11-30 written without dashes
_DATE = re.compile(r"^(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")
# the extension an id segment may carry ("70912345.html")
_SEGMENT_ID_SUFFIX = re.compile(r"\.(?:s?html?|php)$", re.IGNORECASE)


def path_id(url: str) -> str | None:
    """The story's id in a URL's path: the last segment that is an id as a whole (a long
    number, a token of letters and digits), wherever it stands, since the slug after it
    follows the headline; else an id at the end of the slug (`...-a1042`,
    `.../story-70912345.html`). A date or a year is no id."""
    path = urlsplit(url).path
    segments = [segment for segment in path.split("/") if segment]
    if not segments:
        return None
    for segment in [*reversed(segments[:-1]), segments[-1]]:
        if _SEGMENT_ID.match(segment) and not _DATE.match(segment):
            return _SEGMENT_ID_SUFFIX.sub("", segment).lower()
    match = _TRAILING_ID.search(path)
    if match is None:
        return None
    found = match.group(1).lower().replace("-", "")
    return None if _DATE.match(found) else found


def identity_keys(extraction: Extraction, page_url: str) -> tuple[str, ...]:
    """The keys that say which story this page is."""
    site = site_of(page_url)
    keys = []
    canonical = extraction.canonical_url
    if canonical and site_of(canonical) == site and urlsplit(canonical).path.strip("/"):
        keys.append(f"canonical:{canonical}")
    if extraction.publisher_id:
        keys.append(f"id:{site}:{extraction.publisher_id}")
    for url in (page_url, canonical):
        found = path_id(url) if url and site_of(url) == site else None
        if found:
            keys.append(f"path-id:{site}:{found}")
    return tuple(dict.fromkeys(keys))
