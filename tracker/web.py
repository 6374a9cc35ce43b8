"""`tracker serve`: the history in a browser, as JSON, and as Atom feeds.

Pages are rendered on the server (Jinja2, autoescaped) and need no JavaScript;
each has a JSON twin under `/api/` with the same filters, and every listing pages
with an opaque cursor. The OpenAPI schema is at `/openapi.json`.

Safety: article text is untrusted. Templates escape it, diffs are escaped before
they are marked up, and every response carries a Content-Security-Policy that
allows no script at all. Writing (adding articles) needs `Authorization: Bearer
<web.token>`; without a configured token, writing over HTTP is off. No endpoint
fetches a URL a visitor gives: an added article is checked by the daemon.
"""

import base64
import binascii
import hmac
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from tracker import health, history, repository
from tracker.changes import ChangeFilter, recent_changes
from tracker.config import Config, parse_moment
from tracker.errors import NotFoundError
from tracker.models import Article, Revision, Source, Version
from tracker.normalize import split_body
from tracker.report import environment, inline, side_by_side
from tracker.search import search, snippet_html, snippet_text
from tracker.urls import try_normalize_url
from tracker.vocabulary import FIELDS, KINDS

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
MAX_ID = 2**31 - 1
CSS = Path(__file__).parent / "templates" / "tracker.css"

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

    def filter(self, limit: int) -> ChangeFilter:
        return ChangeFilter(
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


def _encode_cursor(detected_at: str, revision_id: int) -> str:
    return base64.urlsafe_b64encode(f"{detected_at}|{revision_id}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, number = raw.partition("|")
        parsed = datetime.fromisoformat(moment)
        revision_id = int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise HTTPException(400, "cursor: not a cursor this server gave") from None
    if not 0 < revision_id <= 2**63 - 1:
        raise HTTPException(400, "cursor: not a cursor this server gave")
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)), revision_id


def _offset_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if not cursor.isdigit() or len(cursor) > 6:
        raise HTTPException(400, "cursor: not a cursor this server gave")
    return int(cursor)


def create_app(config: Config, sessions: sessionmaker[Session]) -> FastAPI:
    """The web application over this database."""
    app = FastAPI(
        title="tracker",
        summary="The change history of news articles: revisions, diffs, search, feeds.",
        version="1",
        docs_url=None,  # Swagger UI needs scripts the Content-Security-Policy forbids
        redoc_url=None,
    )
    templates = environment()
    page_size = config.web.page_size

    def session() -> Iterator[Session]:
        with sessions() as s:
            yield s

    Db = Annotated[Session, Depends(session)]

    @app.middleware("http")
    async def secure_headers(request: Request, call_next: Callable[[Request], Any]) -> Response:
        response: Response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if request.url.path.startswith(("/api/", "/feeds/")):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        body = templates.get_template("error.html.j2").render(status=error.status_code, detail=error.detail)
        return HTMLResponse(body, status_code=error.status_code, headers=error.headers)

    def render(name: str, **context: Any) -> HTMLResponse:
        return HTMLResponse(
            templates.get_template(name).render(field_names=FIELDS, kind_names=KINDS, **context)
        )

    def base_url(request: Request) -> str:
        return (config.web.base_url or str(request.base_url)).rstrip("/")

    def article_or_404(db: Session, article_id: int) -> Article:
        article = db.get(Article, article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id}")
        return article

    # --- recent changes -------------------------------------------------------------

    def changes_page(db: Session, query: ChangeQuery) -> dict[str, Any]:
        rows = recent_changes(db, query.filter(page_size))
        more = len(rows) > page_size
        rows = rows[:page_size]
        cursor = _encode_cursor(rows[-1]["detected_at"], rows[-1]["revision_id"]) if more else None
        return {"items": rows, "next_cursor": cursor}

    @app.get("/api/changes", tags=["changes"], summary="Recent revisions, newest first")
    def api_changes(db: Db, query: Annotated[ChangeQuery, Query()]) -> dict[str, Any]:
        return changes_page(db, query)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def page_changes(request: Request, db: Db, query: Annotated[ChangeQuery, Query()]) -> HTMLResponse:
        page = changes_page(db, query)
        sources = list(db.scalars(select(Source.name).order_by(Source.name)))
        return render(
            "changes.html.j2",
            page=page,
            query=query,
            sources=sources,
            next_params=query.params(cursor=page["next_cursor"]) if page["next_cursor"] else None,
            feed_params=query.params(cursor=None),
        )

    # --- an article -----------------------------------------------------------------

    @app.get("/api/articles/{article_id}", tags=["articles"], summary="An article's timeline")
    def api_article(db: Db, article_id: Annotated[int, ArticleIdPath]) -> dict[str, Any]:
        return history.timeline(db, article_or_404(db, article_id))

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def page_article(db: Db, article_id: Annotated[int, ArticleIdPath]) -> HTMLResponse:
        return render("article.html.j2", article=history.timeline(db, article_or_404(db, article_id)))

    # --- a revision -----------------------------------------------------------------

    def revision_data(db: Session, article_id: int, number: int) -> dict[str, Any]:
        article = article_or_404(db, article_id)
        revision = db.scalar(
            select(Revision).where(Revision.article_id == article.id, Revision.to_number == number)
        )
        if revision is None:
            raise HTTPException(404, f"article {article_id} has no revision to version {number}")
        try:
            old = repository.version_numbered(db, article.id, revision.from_number)
            new = repository.version_numbered(db, article.id, revision.to_number)
        except NotFoundError as error:
            raise HTTPException(404, str(error)) from None
        numbers = list(
            db.scalars(
                select(Revision.to_number)
                .where(Revision.article_id == article.id)
                .order_by(Revision.to_number)
            )
        )
        index = numbers.index(number)
        return {
            "article": article,
            "revision": revision,
            "old": old,
            "new": new,
            "previous": numbers[index - 1] if index > 0 else None,
            "next": numbers[index + 1] if index + 1 < len(numbers) else None,
        }

    @app.get(
        "/api/articles/{article_id}/revisions/{number}",
        tags=["articles"],
        summary="One revision: what changed between two versions, with both versions",
    )
    def api_revision(
        db: Db, article_id: Annotated[int, ArticleIdPath], number: Annotated[int, NumberPath]
    ) -> dict[str, Any]:
        data = revision_data(db, article_id, number)
        return {
            "article_id": article_id,
            "url": data["article"].url,
            **history.revision_json(data["revision"]),
            "old": history.version_json(data["old"]),
            "new": history.version_json(data["new"]),
            "previous": data["previous"],
            "next": data["next"],
        }

    @app.get(
        "/articles/{article_id}/revisions/{number}", response_class=HTMLResponse, include_in_schema=False
    )
    def page_revision(
        db: Db,
        article_id: Annotated[int, ArticleIdPath],
        number: Annotated[int, NumberPath],
        view: Annotated[str, Query(pattern="^(inline|side)$")] = "inline",
    ) -> HTMLResponse:
        data = revision_data(db, article_id, number)
        revision, old, new = data["revision"], data["old"], data["new"]
        return render(
            "revision.html.j2",
            view=view,
            headline_change=next((c for c in revision.field_changes if c["field"] == "headline"), None),
            fields=[c for c in revision.field_changes if c["field"] != "headline"],
            inline=inline(revision.body_diff),
            rows=side_by_side(revision.body_diff, split_body(old.body), split_body(new.body)),
            **data,
        )

    # --- search ---------------------------------------------------------------------

    def search_page(db: Session, q: str, cursor: str | None) -> dict[str, Any]:
        offset = _offset_cursor(cursor)
        rows = search(db, q, limit=page_size + 1, offset=offset) if q.strip() else []
        more = len(rows) > page_size
        return {"items": rows[:page_size], "next_cursor": str(offset + page_size) if more else None}

    SearchText = Annotated[str, Query(max_length=200, description="Words that must all appear.")]
    OffsetCursor = Annotated[str | None, Query(max_length=10)]

    @app.get("/api/search", tags=["search"], summary="Articles whose headline or body matches")
    def api_search(db: Db, q: SearchText = "", cursor: OffsetCursor = None) -> dict[str, Any]:
        page = search_page(db, q, cursor)
        for item in page["items"]:
            item["snippet"] = snippet_text(item["snippet"])
        return page

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def page_search(db: Db, q: SearchText = "", cursor: OffsetCursor = None) -> HTMLResponse:
        page = search_page(db, q, cursor)
        for item in page["items"]:
            item["snippet_html"] = snippet_html(item["snippet"])
        return render("search.html.j2", q=q, page=page)

    # --- sources and capture health -------------------------------------------------

    @app.get("/api/sources", tags=["sources"], summary="Sources and the health of their captures")
    def api_sources(db: Db) -> dict[str, Any]:
        return health.status(db, datetime.now(UTC))

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def page_sources(db: Db) -> HTMLResponse:
        return render("sources.html.j2", status=health.status(db, datetime.now(UTC)))

    # --- writing ----------------------------------------------------------------------

    def authorized(authorization: Annotated[str | None, Header()] = None) -> None:
        token = config.web.token
        if token is None:
            raise HTTPException(403, "writing over HTTP is off: set web.token in the config to allow it")
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "a valid bearer token is needed", headers={"WWW-Authenticate": "Bearer"})

    @app.post(
        "/api/articles",
        tags=["articles"],
        status_code=201,
        summary="Track an article (checked by the daemon on its next cycle); needs the bearer token",
        dependencies=[Depends(authorized)],
    )
    def api_add_article(db: Db, article: NewArticle) -> dict[str, Any]:
        url = try_normalize_url(article.url)
        if url is None:
            raise HTTPException(422, f"{article.url!r} is not an http(s) URL")
        now = datetime.now(UTC)
        source = repository.source_named(db, article.source, now)
        row, created = repository.add_article(db, url, source=source, now=now)
        db.commit()
        return {"id": row.id, "url": row.url, "added": created}

    # --- feeds ------------------------------------------------------------------------

    def feed(request: Request, db: Session, where: ChangeFilter, title: str) -> Response:
        from tracker.feeds import atom

        return Response(
            atom(db, where, title=title, base=base_url(request), self_url=str(request.url)),
            media_type="application/atom+xml; charset=utf-8",
        )

    @app.get("/feeds/changes.atom", tags=["feeds"], summary="Atom feed of recent revisions (any filter of /)")
    def feed_changes(request: Request, db: Db, query: Annotated[ChangeQuery, Query()]) -> Response:
        where = query.filter(page_size)
        return feed(request, db, where, "tracker: changes" + _scope(where))

    @app.get("/feeds/sources/{name}.atom", tags=["feeds"], summary="Atom feed of one source's revisions")
    def feed_source(request: Request, db: Db, name: Annotated[str, SourcePath]) -> Response:
        if db.scalar(select(func.count()).where(Source.name == name)) == 0:
            raise HTTPException(404, f"no source {name!r}")
        return feed(request, db, ChangeFilter(source=name, limit=page_size), f"tracker: {name}")

    @app.get(
        "/feeds/articles/{article_id}.atom", tags=["feeds"], summary="Atom feed of one article's revisions"
    )
    def feed_article(request: Request, db: Db, article_id: Annotated[int, ArticleIdPath]) -> Response:
        article = article_or_404(db, article_id)
        headline = db.scalar(
            select(Version.headline)
            .where(Version.article_id == article.id)
            .order_by(Version.number.desc())
            .limit(1)
        )
        where = ChangeFilter(article_id=article.id, include_trivial=True, limit=page_size)
        return feed(request, db, where, f"tracker: {headline or article.url}")

    @app.get("/static/tracker.css", include_in_schema=False)
    def stylesheet() -> Response:
        return Response(CSS.read_text(encoding="utf-8"), media_type="text/css")

    return app


def _scope(where: ChangeFilter) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (("source", where.source), ("field", where.field), ("kind", where.kind))
        if value
    ]
    return f" ({', '.join(parts)})" if parts else ""
