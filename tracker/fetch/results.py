"""What a fetch returns: a value, never an exception for the network's sake.

`FetchResult = Page | NotModified | FetchFailure`: a page (2xx, body complete and
within the size limit), the answer to a conditional request that matched, or a
failure that says what went wrong in a word (`kind`) and a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import charset_normalizer
from w3lib.encoding import html_to_unicode

Headers = tuple[tuple[str, str], ...]
"""HTTP header fields in the order they were sent or received, names as written."""


@dataclass(frozen=True, slots=True)
class Exchange:
    """The HTTP exchange a page came from, as an archive keeps it (a WARC `request` and
    `response` record): the last hop's request as sent and its response as received."""

    url: str  # the URL the request asked for (the last hop of a redirect chain)
    at: datetime  # when the response's headers arrived, UTC
    request_headers: Headers
    http_version: str  # "HTTP/1.1", "HTTP/2"
    status: int
    reason: str
    response_headers: Headers
    peer: str | None  # the IP address connected to: the one the address rules checked
    decoded: tuple[str, ...] = ()  # content encodings undone in `Page.content`, in order


@dataclass(frozen=True, slots=True)
class Page:
    """A successful response (2xx), body complete and within the size limit."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = ()
    elapsed_ms: int = 0
    exchange: Exchange | None = None  # None: not fetched over HTTP (a test's page, a legacy capture)

    @property
    def size(self) -> int:
        return len(self.content)

    def html(self) -> str:
        """The body as text: charset from the header, then `<meta>`, then detection."""
        _encoding, text = html_to_unicode(self.content_type, self.content, auto_detect_fun=_detect_charset)
        return str(text)


@dataclass(frozen=True, slots=True)
class NotModified:
    url: str
    final_url: str
    status: int = 304
    redirects: tuple[str, ...] = ()
    elapsed_ms: int = 0


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a fetch produced no page. `kind` is one of: invalid_url, blocked_address,
    timeout, connect, network, truncated, too_large, redirect_loop, too_many_redirects,
    http_status, not_html, robots, outside."""

    url: str
    kind: str
    message: str
    status: int | None = None
    final_url: str | None = None
    size: int | None = None
    retry_after: str | None = None
    elapsed_ms: int = 0


FetchResult = Page | NotModified | FetchFailure


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a URL is not asked at all (an address rule, robots.txt): a `FetchFailure`'s
    `kind` and `message`, before there is a response to fail."""

    kind: str
    message: str


def _detect_charset(content: bytes) -> str | None:
    best = charset_normalizer.from_bytes(content[:65536]).best()
    return best.encoding if best else None
