"""The watch list: every tracked article with its last check, and its JSON twin.

Its `next_cursor` is opaque: the sort, the last row's sort value and id, and how many
rows came before the next page (for "51-100 of ..."), so that the next page is found
where it is (`tracker.read.watch`). A number is a cursor too, the rows to skip: what
this page gave before, still taken from the clients that kept one."""

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tracker.read.revisions import source_names
from tracker.read.watch import After, WatchFilter, watch_list
from tracker.store.models import ArticleStatus
from tracker.web.common import (
    MAX_ID,
    NOT_OURS,
    Db,
    cursor_moment,
    offset_cursor,
    pack_cursor,
    page_size,
    render,
    unpack_cursor,
)

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
    cursor: str | None = Field(
        default=None, max_length=200, description="`next_cursor` of the previous page."
    )

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
    if query.cursor and not query.cursor.isdigit():
        page = watch_list(db, where, limit=size, after=decode_cursor(query.cursor, where.sort))
    else:
        page = watch_list(db, where, limit=size, offset=offset_cursor(query.cursor))
    return {
        "items": page.rows,
        "total": page.total,
        "shown_from": page.offset + 1 if page.rows else 0,
        "shown_to": page.offset + len(page.rows),
        "next_cursor": encode_cursor(page.next, where.sort) if page.next else None,
    }


def encode_cursor(after: After, sort: str) -> str:
    value = after.value.isoformat() if after.value is not None else ""
    return pack_cursor(sort, value, after.id, after.offset)


def decode_cursor(cursor: str, sort: str) -> After:
    """The `After` of a cursor this page gave for this sort; 400 for anything else."""
    its_sort, value, article_id, offset = unpack_cursor(cursor, 4)
    try:
        after = After(cursor_moment(value) if value else None, int(article_id), int(offset))
    except ValueError:
        raise HTTPException(400, NOT_OURS) from None
    if its_sort != sort:
        raise HTTPException(400, "cursor: given for another order (start again from the first page)")
    if not (0 < after.id <= MAX_ID and 0 <= after.offset <= MAX_ID):
        raise HTTPException(400, NOT_OURS)
    return after


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
