"""What a check keeps of its fetches as captures (`tracker.store.captures`): the
fetch a new version was made from, and the fetches that agreed with it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tracker.fetch import Page
from tracker.store import captures
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
