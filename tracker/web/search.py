"""Search over headlines and bodies (SQLite FTS5, PostgreSQL full text), newest first."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tracker.read.search import search, snippet_html, snippet_text
from tracker.web.common import Db, offset_cursor, page_size, render

router = APIRouter()

SearchText = Annotated[str, Query(max_length=200, description="Words that must all appear.")]
OffsetCursor = Annotated[str | None, Query(max_length=10)]


def search_page(db: Session, q: str, cursor: str | None, size: int) -> dict[str, Any]:
    offset = offset_cursor(cursor)
    rows = search(db, q, limit=size + 1, offset=offset) if q.strip() else []
    more = len(rows) > size
    return {"items": rows[:size], "next_cursor": str(offset + size) if more else None}


@router.get("/api/search", tags=["search"], summary="Articles whose headline or body matches")
def api_search(request: Request, db: Db, q: SearchText = "", cursor: OffsetCursor = None) -> dict[str, Any]:
    page = search_page(db, q, cursor, page_size(request))
    for item in page["items"]:
        item["snippet"] = snippet_text(item["snippet"])
    return page


@router.get("/search", response_class=HTMLResponse, include_in_schema=False)
def page_search(request: Request, db: Db, q: SearchText = "", cursor: OffsetCursor = None) -> HTMLResponse:
    page = search_page(db, q, cursor, page_size(request))
    for item in page["items"]:
        item["snippet_html"] = snippet_html(item["snippet"])
    return render(request, "search.html.j2", q=q, page=page)
