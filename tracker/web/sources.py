"""Sources and the health of their captures."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tracker.read import health
from tracker.web.common import Db, render

router = APIRouter()


@router.get("/api/sources", tags=["sources"], summary="Sources and the health of their captures")
def api_sources(db: Db) -> dict[str, Any]:
    return health.status(db, datetime.now(UTC))


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def page_sources(request: Request, db: Db) -> HTMLResponse:
    return render(request, "sources.html.j2", status=health.status(db, datetime.now(UTC)))
