"""Atom feeds of revisions: everywhere (any filter of the changes page), per source,
per article (`tracker.read.atom` writes them)."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from tracker.read import history
from tracker.read.revisions import RevisionFilter, has_source
from tracker.web.common import (
    ArticleIdPath,
    ChangeQuery,
    Db,
    SourcePath,
    article_or_404,
    base_url,
    page_size,
    scope,
)

router = APIRouter()


def feed(request: Request, db: Session, where: RevisionFilter, title: str) -> Response:
    from tracker.read.atom import atom

    return Response(
        atom(db, where, title=title, base=base_url(request), self_url=str(request.url)),
        media_type="application/atom+xml; charset=utf-8",
    )


@router.get("/feeds/changes.atom", tags=["feeds"], summary="Atom feed of recent revisions (any filter of /)")
def feed_changes(request: Request, db: Db, query: Annotated[ChangeQuery, Query()]) -> Response:
    where = query.filter(page_size(request))
    return feed(request, db, where, "tracker: changes" + scope(where))


@router.get("/feeds/sources/{name}.atom", tags=["feeds"], summary="Atom feed of one source's revisions")
def feed_source(request: Request, db: Db, name: Annotated[str, SourcePath]) -> Response:
    if not has_source(db, name):
        raise HTTPException(404, f"no source {name!r}")
    return feed(request, db, RevisionFilter(source=name, limit=page_size(request)), f"tracker: {name}")


@router.get(
    "/feeds/articles/{article_id}.atom", tags=["feeds"], summary="Atom feed of one article's revisions"
)
def feed_article(request: Request, db: Db, article_id: Annotated[int, ArticleIdPath]) -> Response:
    article = article_or_404(db, article_id)
    where = RevisionFilter(article_id=article.id, include_trivial=True, limit=page_size(request))
    return feed(request, db, where, f"tracker: {history.latest_headline(db, article.id) or article.url}")
