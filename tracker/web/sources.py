"""Sources and the health of their captures."""

import time
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


CHART_SECONDS = 60.0  # the bars are counted at most once a minute per server


def _per_day(request: Request, db: Db, now: datetime) -> dict[str | None, list[int]]:
    """Revisions per day, counted at most once a minute: over 100,000 revisions the count
    takes 0.3 s, and the bars change by the minute at most (stated under the chart)."""
    cached = getattr(request.app.state, "revisions_per_day", None)
    if cached is None or cached[0] != now.date() or time.monotonic() - cached[1] > CHART_SECONDS:
        cached = (now.date(), time.monotonic(), revisions_per_day(db, now))
        request.app.state.revisions_per_day = cached
    counts: dict[str | None, list[int]] = cached[2]
    return counts


@router.get("/sources", response_class=HTMLResponse, include_in_schema=False)
def page_sources(request: Request, db: Db) -> HTMLResponse:
    now = datetime.now(UTC)
    per_day = _per_day(request, db, now)
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
