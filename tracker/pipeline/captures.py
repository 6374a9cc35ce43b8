"""What a check keeps of its fetches as captures (`tracker.store.captures`): the
fetch a new version was made from, and the fetches that agreed with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tracker.core import mementos
from tracker.fetch import Page
from tracker.store import bodies, captures
from tracker.store.models import Capture


def keep(
    session: Session, article_id: int, page: Page, *, role: str, version_number: int | None, at: datetime
) -> Capture:
    """Keep `page` (its exchange, or what a page not fetched over HTTP tells: its URL,
    status and type, at `at`) as a capture of `article_id`."""
    exchange = page.exchange
    capture = Capture(
        article_id=article_id,
        version_number=version_number,
        role=role,
        at=exchange.at if exchange is not None else at,
        url=exchange.url if exchange is not None else page.final_url,
        redirects=[page.url, *page.redirects[:-1]] if page.redirects else [],
        status=page.status,
    )
    if exchange is not None:
        capture.request_headers = [list(field) for field in exchange.request_headers]
        capture.http_version = exchange.http_version
        capture.reason = exchange.reason
        capture.response_headers = [list(field) for field in exchange.response_headers]
        capture.peer = exchange.peer
        capture.decoded = ",".join(exchange.decoded) or None
    elif page.content_type:
        capture.response_headers = [["Content-Type", page.content_type]]
    return captures.keep(session, capture, page.content)


def page_url(capture: Capture) -> str:
    """The URL of the page a capture holds: its own, or for a memento fetched from a web
    archive (role `archive`, its URL the memento's), the URL the archive captured."""
    if capture.role == captures.ARCHIVE:
        return mementos.original_of(capture.url) or capture.url
    return capture.url


def page_of(capture: Capture, content: bytes) -> Page:
    """The page a capture holds (`content`: its body as received), as a check would have
    it: decoded by `Page.html` with the charset of the response's Content-Type (a legacy
    capture's body is UTF-8 HTML, with no headers). A memento's page is at the URL the
    archive captured (`page_url`)."""
    fields = {name.lower(): value for name, value in capture.response_headers or []}
    content_type = fields.get("content-type") or (
        "text/html; charset=utf-8" if capture.codec == bodies.LEGACY else ""
    )
    redirects = tuple(capture.redirects or ())
    if capture.role == captures.ARCHIVE:  # the page is the one the archive captured
        redirects = ()
    return Page(
        url=redirects[0] if redirects else page_url(capture),
        final_url=page_url(capture),
        status=capture.status,
        content=content,
        content_type=content_type,
        etag=fields.get("etag"),
        last_modified=fields.get("last-modified"),
        redirects=(*redirects[1:], capture.url) if redirects else (),
    )
