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
from tracker.read.charts import timeline_strip
from tracker.read.report import inline, side_by_side
from tracker.read.shapes import revision_json, version_json
from tracker.read.watch import checks_of
from tracker.store import histories, repository
from tracker.web.common import (
    MAX_ID,
    ArticleIdPath,
    Db,
    NewArticle,
    NumberPath,
    article_or_404,
    config_of,
    render,
)

router = APIRouter()


CHECKS_SHOWN = 50


def article_data(db: Session, article_id: int) -> dict[str, Any]:
    """An article's timeline and its most recent checks."""
    article = article_or_404(db, article_id)
    checks, total = checks_of(db, article.id, limit=CHECKS_SHOWN)
    paused = article.paused_at.isoformat() if article.paused_at else None
    return {**history.timeline(db, article), "paused_at": paused, "checks": checks, "checks_total": total}


@router.get(
    "/api/articles/{article_id}",
    tags=["articles"],
    summary="An article's timeline, and its most recent checks (`checks`, at most 50; `checks_total`)",
)
def api_article(db: Db, article_id: Annotated[int, ArticleIdPath]) -> dict[str, Any]:
    return article_data(db, article_id)


@router.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
def page_article(request: Request, db: Db, article_id: Annotated[int, ArticleIdPath]) -> HTMLResponse:
    data = article_data(db, article_id)
    return render(request, "article.html.j2", article=data, strip=timeline_strip(data))


def version_data(db: Session, article_id: int, number: int) -> dict[str, Any]:
    article = article_or_404(db, article_id)
    try:
        version = histories.version_numbered(db, article.id, number)
    except NotFoundError as error:
        raise HTTPException(404, str(error)) from None
    latest = histories.latest_version_number(db, article.id) or number
    return {"article": article, "version": version, "latest": latest}


@router.get(
    "/api/articles/{article_id}/versions/{number}",
    tags=["articles"],
    summary="One version: its fields and full stored text",
)
def api_version(
    db: Db, article_id: Annotated[int, ArticleIdPath], number: Annotated[int, NumberPath]
) -> dict[str, Any]:
    data = version_data(db, article_id, number)
    witnessed = history.version_witnesses(db, data["version"].id)
    return {
        "article_id": article_id,
        "url": data["article"].url,
        **version_json(data["version"]),
        "witnesses": witnessed,
    }


@router.get("/articles/{article_id}/versions/{number}", response_class=HTMLResponse, include_in_schema=False)
def page_version(
    request: Request, db: Db, article_id: Annotated[int, ArticleIdPath], number: Annotated[int, NumberPath]
) -> HTMLResponse:
    data = version_data(db, article_id, number)
    return render(request, "version.html.j2", paragraphs=split_body(data["version"].body), **data)


def compare_data(db: Session, article_id: int, old: int, new: int) -> dict[str, Any]:
    article = article_or_404(db, article_id)
    try:
        older, newer, changes = history.diff_between(db, article, old, new)
    except NotFoundError as error:
        raise HTTPException(404, str(error)) from None
    return {"article": article, "old": older, "new": newer, "changes": changes}


@router.get(
    "/api/articles/{article_id}/compare",
    tags=["articles"],
    summary="What changed between any two versions (`from`, `to`), computed on demand",
)
def api_compare(
    db: Db,
    article_id: Annotated[int, ArticleIdPath],
    old: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
    new: Annotated[int, Query(alias="to", ge=1, le=MAX_ID)],
) -> dict[str, Any]:
    data = compare_data(db, article_id, old, new)
    changes = data["changes"]
    return {
        "article_id": article_id,
        "url": data["article"].url,
        "from": old,
        "to": new,
        "changed": list(changes.changed),
        "kinds": list(changes.kinds),
        "significance": changes.significance,
        "trivial": changes.trivial,
        "stats": dict(changes.stats),
        "diff": {"fields": list(changes.field_changes), "body": list(changes.body_diff)},
        "old": version_json(data["old"], with_body=False),
        "new": version_json(data["new"], with_body=False),
    }


@router.get("/articles/{article_id}/compare", response_class=HTMLResponse, include_in_schema=False)
def page_compare(
    request: Request,
    db: Db,
    article_id: Annotated[int, ArticleIdPath],
    old: Annotated[int, Query(alias="from", ge=1, le=MAX_ID)],
    new: Annotated[int, Query(alias="to", ge=1, le=MAX_ID)],
    view: Annotated[str, Query(pattern="^(inline|side)$")] = "inline",
) -> HTMLResponse:
    data = compare_data(db, article_id, old, new)
    changes, older, newer = data["changes"], data["old"], data["new"]
    latest = histories.latest_version_number(db, article_id) or newer.number
    return render(
        request,
        "compare.html.j2",
        view=view,
        revision=changes,
        latest=latest,
        headline_change=next((c for c in changes.field_changes if c["field"] == "headline"), None),
        fields=[c for c in changes.field_changes if c["field"] != "headline"],
        inline=inline(changes.body_diff, split_body(older.body)),
        rows=side_by_side(changes.body_diff, split_body(older.body), split_body(newer.body)),
        **data,
    )


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
        inline=inline(revision.body_diff, split_body(old.body)),
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
