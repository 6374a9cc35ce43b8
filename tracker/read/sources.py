"""Every source and its endpoints as the operator sees them: its state (watched, paused,
no longer in the config, made by hand), each endpoint's last poll and error, since when
it has failed and how many polls in a row, its stories and its revisions of the last
week (both kept counts, `tracker.store.counts`); the failing ones first. A dead feed
must not look like a quiet news day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tracker.read.shapes import iso
from tracker.store import counts as kept_counts
from tracker.store.models import Source, SourceEndpoint

WEEK = timedelta(days=7)
DAY = timedelta(days=1)


def polls(count: int) -> str:
    """`1 poll`, `2 polls`: how many polls failed in a row, for people."""
    return f"{count} poll" if count == 1 else f"{count} polls"


def source_state(source: Source) -> str:
    """`paused`, `no longer configured`, `added by hand` or `watched`."""
    if source.paused_at is not None:
        return "paused"
    if source.unconfigured_at is not None:
        return "no longer configured"
    if not source.configured:
        return "added by hand"
    return "watched"


def endpoint_json(endpoint: SourceEndpoint) -> dict[str, Any]:
    return {
        "kind": endpoint.kind,
        "url": endpoint.url,
        "failing": endpoint.failing_since is not None,
        "last_polled_at": iso(endpoint.last_polled_at),
        "next_poll_at": iso(endpoint.next_poll_at),
        "last_error": endpoint.last_error,
        "failing_since": iso(endpoint.failing_since),
        "failures_in_a_row": endpoint.failures,
    }


def sources_overview(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every source with its endpoints (failing first), stories and last week's
    revisions (the last 7 days, UTC, today included: from the kept counts of
    `tracker.store.counts`); sources with a failing endpoint first, then by name."""
    stories = kept_counts.articles_by_source(session)
    revisions = kept_counts.by_source_since(session, (now.astimezone(UTC) - WEEK).date() + DAY)
    rows = []
    for source in session.scalars(select(Source).options(selectinload(Source.endpoints))):
        endpoints = sorted(source.endpoints, key=lambda e: (e.failing_since is None, e.url))
        rows.append(
            {
                "name": source.name,
                "state": source_state(source),
                "configured": source.configured,
                "paused_at": iso(source.paused_at),
                "unconfigured_at": iso(source.unconfigured_at),
                "failing_endpoints": sum(e.failing_since is not None for e in endpoints),
                "endpoints": [endpoint_json(e) for e in endpoints],
                "stories": int(stories.get(source.id, 0)),
                "revisions_last_week": int(revisions.get(source.id, 0)),
            }
        )
    return sorted(rows, key=lambda row: (row["failing_endpoints"] == 0, row["name"]))


def _failing_polled() -> list[Any]:
    polled = select(Source.id).where(Source.configured.is_(True), Source.paused_at.is_(None))
    return [SourceEndpoint.failing_since.is_not(None), SourceEndpoint.source_id.in_(polled)]


def failing_endpoints(session: Session) -> int:
    """How many endpoints of polled sources are failing (the daemon's heartbeat)."""
    return session.scalar(select(func.count()).where(*_failing_polled())) or 0


def failing_errors(session: Session) -> list[str]:
    """The errors of the failing endpoints of polled sources."""
    return [
        error or "" for error in session.scalars(select(SourceEndpoint.last_error).where(*_failing_polled()))
    ]
