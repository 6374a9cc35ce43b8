"""The watch list: every tracked article with its last check, and its JSON twin."""

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tracker.read.revisions import source_names
from tracker.read.watch import WatchFilter, watch_list
from tracker.store.models import ArticleStatus
from tracker.web.common import Db, offset_cursor, page_size, render

router = APIRouter()


class Sort(StrEnum):
    last_changed = "last_changed"
    last_checked = "last_checked"
    next_check = "next_check"
    first_seen = "first_seen"


class WatchQuery(BaseModel):
    """The filters of the watch list and its JSON twin."""

    source: str | None = Field(default=None, max_length=200)
    status: str | None = Field(
        default=None, pattern="^(|" + "|".join(ArticleStatus) + ")$", description="active, gone or retired."
    )
    failing: bool = Field(default=False, description="Only articles whose last check failed.")
    headline_test: bool = Field(default=False, description="Only stories with a headline test.")
    sort: Sort = Sort.last_changed
    cursor: str | None = Field(default=None, max_length=20, description="`next_cursor` of the previous page.")

    def params(self, **override: Any) -> dict[str, Any]:
        values = self.model_dump(mode="json") | override
        defaults = {"sort": Sort.last_changed.value}
        return {k: v for k, v in values.items() if v not in (None, "", False) and defaults.get(k) != v}


def watch_page(db: Session, query: WatchQuery, size: int) -> dict[str, Any]:
    where = WatchFilter(
        source=(query.source or "").strip() or None,
        status=query.status or None,
        failing=query.failing,
        headline_test=query.headline_test,
        sort=query.sort.value,
    )
    offset = offset_cursor(query.cursor)
    page = watch_list(db, where, limit=size, offset=offset)
    following = offset + len(page.rows)
    return {
        "items": page.rows,
        "total": page.total,
        "shown_from": offset + 1 if page.rows else 0,
        "shown_to": following,
        "next_cursor": str(following) if following < page.total else None,
    }


@router.get(
    "/api/articles", tags=["articles"], summary="The watch list: tracked articles and their last check"
)
def api_articles(request: Request, db: Db, query: Annotated[WatchQuery, Query()]) -> dict[str, Any]:
    return watch_page(db, query, page_size(request))


@router.get("/articles", response_class=HTMLResponse, include_in_schema=False)
def page_articles(request: Request, db: Db, query: Annotated[WatchQuery, Query()]) -> HTMLResponse:
    page = watch_page(db, query, page_size(request))
    return render(
        request,
        "articles.html.j2",
        page=page,
        query=query,
        sorts=[s.value for s in Sort],
        statuses=[s.value for s in ArticleStatus],
        sources=source_names(db),
        next_params=query.params(cursor=page["next_cursor"]) if page["next_cursor"] else None,
        first_params=query.params(cursor=None),
    )
