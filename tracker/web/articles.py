"""An article: its timeline, one revision (inline or side by side), and the write API."""

import hmac
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tracker.core.normalize import split_body
from tracker.core.urls import try_normalize_url
from tracker.errors import NotFoundError
from tracker.read import history
from tracker.read.report import inline, side_by_side
from tracker.read.shapes import revision_json, version_json
from tracker.store import repository
from tracker.web.common import ArticleIdPath, Db, NewArticle, NumberPath, article_or_404, config_of, render

router = APIRouter()


@router.get("/api/articles/{article_id}", tags=["articles"], summary="An article's timeline")
def api_article(db: Db, article_id: Annotated[int, ArticleIdPath]) -> dict[str, Any]:
    return history.timeline(db, article_or_404(db, article_id))


@router.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
def page_article(request: Request, db: Db, article_id: Annotated[int, ArticleIdPath]) -> HTMLResponse:
    return render(request, "article.html.j2", article=history.timeline(db, article_or_404(db, article_id)))


def revision_data(db: Session, article_id: int, number: int) -> dict[str, Any]:
    try:
        return history.revision_with_neighbours(db, article_or_404(db, article_id), number)
    except NotFoundError as error:
        raise HTTPException(404, str(error)) from None


@router.get(
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
        **revision_json(data["revision"]),
        "old": version_json(data["old"]),
        "new": version_json(data["new"]),
        "previous": data["previous"],
        "next": data["next"],
    }


@router.get("/articles/{article_id}/revisions/{number}", response_class=HTMLResponse, include_in_schema=False)
def page_revision(
    request: Request,
    db: Db,
    article_id: Annotated[int, ArticleIdPath],
    number: Annotated[int, NumberPath],
    view: Annotated[str, Query(pattern="^(inline|side)$")] = "inline",
) -> HTMLResponse:
    data = revision_data(db, article_id, number)
    revision, old, new = data["revision"], data["old"], data["new"]
    return render(
        request,
        "revision.html.j2",
        view=view,
        headline_change=next((c for c in revision.field_changes if c["field"] == "headline"), None),
        fields=[c for c in revision.field_changes if c["field"] != "headline"],
        inline=inline(revision.body_diff),
        rows=side_by_side(revision.body_diff, split_body(old.body), split_body(new.body)),
        **data,
    )


def authorized(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    token = config_of(request).web.token
    if token is None:
        raise HTTPException(403, "writing over HTTP is off: set web.token in the config to allow it")
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.encode(), token.encode()):
        raise HTTPException(401, "a valid bearer token is needed", headers={"WWW-Authenticate": "Bearer"})


@router.post(
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
