"""Sources and the health of their captures."""

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from tracker.read import health
from tracker.read.charts import DAYS, bars, revisions_per_day
from tracker.web.common import Db, render

router = APIRouter()


@router.get("/api/sources", tags=["sources"], summary="Sources and the health of their captures")
def api_sources(db: Db) -> dict[str, Any]:
    return health.status(db, datetime.now(UTC))


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def page_sources(request: Request, db: Db) -> HTMLResponse:
    now = datetime.now(UTC)
    per_day = revisions_per_day(db, now)
    everywhere = [sum(day) for day in zip(*per_day.values(), strict=True)] if per_day else [0] * DAYS
    return render(
        request,
        "sources.html.j2",
        status=health.status(db, now),
        bars={name: bars(counts, now.date()) for name, counts in per_day.items()},
        all_bars=bars(everywhere, now.date(), width=480, height=60),
        revisions_30d=sum(everywhere),
        days=DAYS,
    )
