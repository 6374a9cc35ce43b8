"""Which story a page is (pure): keys beyond the URL it was fetched from.

A story moved to a new slug keeps its canonical URL's successor, its publisher
id and usually the id in its path; any key an article already holds says a
new URL is that article again, so its history is not split.

Keys are prefixed by kind and scoped to the host:
- `canonical:URL`: the canonical URL the page declares, when it is on the
  article's own host and is not the site's home page;
- `id:HOST:ID`: the publisher's declared id (JSON-LD `identifier`, `article:id`...);
- `path-id:HOST:ID`: a trailing id in the URL's path (`...-a1042`, `.../70912345.html`).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from tracker.extraction.extract import Extraction

_PATH_ID = re.compile(
    r"(?:^|[-_/.])((?:a|article|id|story)?-?\d{4,}|\d{5,})(?:\.s?html?|\.php)?/?$", re.IGNORECASE
)


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def path_id(url: str) -> str | None:
    """The id at the end of a URL's path, if it has one of at least four digits."""
    path = urlsplit(url).path
    if not path.strip("/"):
        return None
    match = _PATH_ID.search(path)
    return match.group(1).lower().replace("-", "") if match else None


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
