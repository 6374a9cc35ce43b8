"""Recent revisions everywhere: the first page and its JSON twin."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from tracker.read.revisions import recent_changes, source_names
from tracker.web.common import ChangeQuery, Db, encode_cursor, page_size, render

router = APIRouter()


def changes_page(db: Session, query: ChangeQuery, size: int) -> dict[str, Any]:
    rows = recent_changes(db, query.filter(size))
    more = len(rows) > size
    rows = rows[:size]
    cursor = encode_cursor(rows[-1]["detected_at"], rows[-1]["revision_id"]) if more else None
    return {"items": rows, "next_cursor": cursor}


@router.get("/api/changes", tags=["changes"], summary="Recent revisions, newest first")
def api_changes(request: Request, db: Db, query: Annotated[ChangeQuery, Query()]) -> dict[str, Any]:
    return changes_page(db, query, page_size(request))


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def page_changes(request: Request, db: Db, query: Annotated[ChangeQuery, Query()]) -> HTMLResponse:
    page = changes_page(db, query, page_size(request))
    return render(
        request,
        "changes.html.j2",
        page=page,
        query=query,
        sources=source_names(db),
        next_params=query.params(cursor=page["next_cursor"]) if page["next_cursor"] else None,
        feed_params=query.params(cursor=None),
    )
