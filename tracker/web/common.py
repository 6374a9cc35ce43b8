"""What every router of the web app shares: the database session, rendering, the
filters of the changes listing, cursors, path parameters."""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tracker.config import Config, parse_moment
from tracker.read.revisions import RevisionFilter
from tracker.store import repository
from tracker.store.models import Article
from tracker.vocabulary import FIELDS, KINDS

MAX_ID = 2**31 - 1

ArticleIdPath = PathParam(ge=1, le=MAX_ID)
NumberPath = PathParam(ge=1, le=MAX_ID)
SourcePath = PathParam(min_length=1, max_length=200)


class ChangeQuery(BaseModel):
    """The filters of the changes page, its JSON twin and its feed."""

    source: str | None = Field(default=None, max_length=200)
    field: str | None = Field(default=None, max_length=40)
    kind: str | None = Field(default=None, max_length=40)
    min_significance: float = Field(default=0.0, ge=0, le=1)
    since: str | None = Field(
        default=None, max_length=40, description="A duration back from now (90m, 24h, 7d) or an ISO date."
    )
    until: str | None = Field(default=None, max_length=40, description="As `since`.")
    include_trivial: bool = False
    cursor: str | None = Field(
        default=None, max_length=200, description="`next_cursor` of the previous page."
    )

    def filter(self, limit: int) -> RevisionFilter:
        return RevisionFilter(
            since=_moment(self.since, "since"),
            until=_moment(self.until, "until"),
            source=_blank(self.source),
            field=_blank(self.field),
            kind=_blank(self.kind),
            min_significance=self.min_significance,
            include_trivial=self.include_trivial,
            limit=limit + 1,
            before=_decode_cursor(self.cursor) if self.cursor else None,
        )

    def params(self, **override: Any) -> dict[str, Any]:
        """The query string of these filters (without defaults), for links."""
        values = self.model_dump() | override
        return {k: v for k, v in values.items() if v not in (None, "", False, 0.0)}


class NewArticle(BaseModel):
    url: str = Field(min_length=1, max_length=2000)
    source: str = Field(default=repository.MANUAL_SOURCE, min_length=1, max_length=200)


def _blank(value: str | None) -> str | None:
    return value.strip() or None if value else None


def _moment(value: str | None, name: str) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        return parse_moment(value, datetime.now(UTC))
    except ValueError as error:
        raise HTTPException(400, f"{name}: {error}") from None


NOT_OURS = "cursor: not a cursor this server gave"


def pack_cursor(*fields: object) -> str:
    """An opaque cursor of these fields (URL-safe base64 of them joined by `|`)."""
    return base64.urlsafe_b64encode("|".join(map(str, fields)).encode()).decode().rstrip("=")


def unpack_cursor(cursor: str, fields: int) -> list[str]:
    """The fields of a cursor `pack_cursor` made; 400 for anything else."""
    try:
        parts = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HTTPException(400, NOT_OURS) from None
    if len(parts) != fields:
        raise HTTPException(400, NOT_OURS)
    return parts


def cursor_moment(value: str) -> datetime:
    """A cursor's time, aware (UTC when it says no offset); ValueError if it is none."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    moment, number = unpack_cursor(cursor, 2)
    try:
        parsed, revision_id = cursor_moment(moment), int(number)
    except ValueError:
        raise HTTPException(400, NOT_OURS) from None
    if not 0 < revision_id <= 2**63 - 1:
        raise HTTPException(400, NOT_OURS)
    return parsed, revision_id


def offset_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise HTTPException(400, "cursor: not a cursor this server gave")
    return int(cursor)


def session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as s:
        yield s


Db = Annotated[Session, Depends(session)]


def config_of(request: Request) -> Config:
    config: Config = request.app.state.config
    return config


def page_size(request: Request) -> int:
    return config_of(request).web.page_size


COOKIE = "tracker_session"


def sign(token: str, message: str) -> str:
    return hmac.new(token.encode(), message.encode(), hashlib.sha256).hexdigest()


def session_nonce(token: str | None, cookie: str | None) -> str | None:
    """The nonce of a valid session cookie, else None."""
    if not token or not cookie:
        return None
    nonce, _, signature = cookie.partition(".")
    if not nonce or not hmac.compare_digest(signature, sign(token, "session:" + nonce)):
        return None
    return nonce


def csrf_of(request: Request) -> str | None:
    """The CSRF value the forms of this signed-in visitor carry; None when not signed in."""
    token = config_of(request).web.token
    nonce = session_nonce(token, request.cookies.get(COOKIE))
    return None if nonce is None or token is None else sign(token, "csrf:" + nonce)


def render(request: Request, name: str, **context: Any) -> HTMLResponse:
    """A page; `csrf` is the signed-in visitor's form value (None: not signed in), and
    `writable` whether managing over HTTP is on at all (a token is configured)."""
    template = request.app.state.templates.get_template(name)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    page = template.render(
        field_names=FIELDS,
        kind_names=KINDS,
        csrf=csrf_of(request),
        writable=config_of(request).web.token is not None,
        here=here,
        **context,
    )
    return HTMLResponse(page)


def base_url(request: Request) -> str:
    return (config_of(request).web.base_url or str(request.base_url)).rstrip("/")


def article_or_404(db: Session, article_id: int) -> Article:
    article = db.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    return article


def encode_cursor(detected_at: str, revision_id: int) -> str:
    return pack_cursor(detected_at, revision_id)


def scope(where: RevisionFilter) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (("source", where.source), ("field", where.field), ("kind", where.kind))
        if value
    ]
    return f" ({', '.join(parts)})" if parts else ""
