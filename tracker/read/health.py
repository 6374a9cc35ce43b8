"""Is tracker working? Articles by state, checks due, recent outcomes, per host how far
behind its due checks are (politeness bounds how fast a host is worked through), and per
source the share of checks that got the article, with a warning when it drops
(a redesign that breaks extraction shows up here first); and the lines the sites'
templates gained or lost in the last week (a redesign tracker recognised); and each
notification destination's last delivery, or why it is failing; and each witness
destination's queue (`tracker.witness`): witnesses waiting, captured and given up, with
the newest error of one not captured."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.read.shapes import iso
from tracker.read.sources import failing_endpoints, sources_overview
from tracker.store import counts, witnesses
from tracker.store.leases import watched
from tracker.store.models import (
    Article,
    ArticleStatus,
    Check,
    Delivery,
    Event,
    Outcome,
    Webhook,
)

WARN_BELOW = 0.8
WARN_DROP = 0.2
MIN_CHECKS = 5


def article_counts(session: Session, now: datetime) -> tuple[dict[str, int], int]:
    """Articles by status (kept counts, `tracker.store.counts`), and how many are due now
    (the daemon's heartbeat, `status`): paused stories and those of paused or dropped
    sources are not due. The due ones are read by the index on (status, next_check_at):
    as many as are due, not every story."""
    by_status = counts.articles_by_status(session)
    due = session.scalar(
        select(func.count()).where(
            Article.status.in_((ArticleStatus.ACTIVE, ArticleStatus.GONE)),
            Article.next_check_at <= now,
            *watched(),
        )
    )
    return by_status, due or 0


def status(session: Session, now: datetime) -> dict[str, Any]:
    by_status, due = article_counts(session, now)
    last_hour = dict(
        session.execute(
            select(Check.outcome, func.count())
            .where(Check.started_at >= now - timedelta(hours=1))
            .group_by(Check.outcome)
        ).all()
    )
    return {
        "at": now.isoformat(),
        "articles": {state.value: by_status.get(state.value, 0) for state in ArticleStatus},
        "due_now": due,
        "paused_articles": session.scalar(select(func.count()).where(Article.paused_at.is_not(None))) or 0,
        "checks_last_hour": {outcome.value: last_hour.get(outcome.value, 0) for outcome in Outcome},
        "hosts_behind": _backlog(session, now),
        "template_changes": _template_changes(session, now),
        "sources": _sources(session, now),
        "failing_endpoints": failing_endpoints(session),
        "notifications": _notifications(session),
        "witnesses": _witnesses(session),
    }


def _witnesses(session: Session) -> list[dict[str, Any]]:
    """Each witness destination that has a queue: how many witnesses wait (`pending`,
    `submitted`), landed (`captured`) or were given up (`failed`), the last capture, and
    while one is waiting or given up with an error, that error (`failing`)."""
    found = []
    for row in witnesses.by_destination(session):
        found.append(
            {
                "name": row["name"],
                **{state: row.get(state, 0) for state in ("pending", "submitted", "captured", "failed")},
                "last_captured_at": iso(row["last_captured_at"]),
                "failing": row["last_error"] is not None,
                "last_error": row["last_error"],
                "attempts": row.get("attempts", 0),
                "next_attempt_at": iso(row.get("next_attempt_at")),
            }
        )
    return found


def _notifications(session: Session) -> list[dict[str, Any]]:
    """Each notification destination: its last delivery, and its failure while it fails."""
    last = dict(
        session.execute(
            select(Delivery.webhook_id, func.max(Delivery.at)).group_by(Delivery.webhook_id)
        ).all()
    )
    return [
        {
            "name": row.name,
            "last_delivered_at": iso(last.get(row.id)),
            "failing": row.last_error is not None,
            "attempts": row.attempts,
            "last_error": row.last_error,
            "next_attempt_at": iso(row.next_attempt_at),
        }
        for row in session.scalars(select(Webhook).order_by(Webhook.name))
    ]


TEMPLATE_DAYS = 7


def _template_changes(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Lines the sites' templates gained or lost in the last week (`template_change`
    events, one per story that recorded it before it was learned), per host and line."""
    found: dict[tuple[str, str, bool], dict[str, Any]] = {}
    rows = session.execute(
        select(Article.host, Event.detail, Event.at)
        .join(Article, Article.id == Event.article_id)
        .where(Event.kind == "template_change", Event.at >= now - timedelta(days=TEMPLATE_DAYS))
        .order_by(Event.at)
    ).all()
    for host, detail, at in rows:
        key = (host, str(detail.get("line")), bool(detail.get("added")))
        row = found.setdefault(key, {"host": host, "line": key[1], "added": key[2], "stories": 0})
        row["stories"] += 1
        row["at"] = at.isoformat()
    return list(found.values())


def _backlog(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Per host with checks due: how many, and how long the oldest has waited (the most
    behind first). A host asked once a second works through 3,600 checks an hour."""
    rows = session.execute(
        select(Article.host, func.count(), func.min(Article.next_check_at))
        .where(Article.status.in_((ArticleStatus.ACTIVE, ArticleStatus.GONE)), Article.next_check_at <= now)
        .group_by(Article.host)
        .order_by(func.min(Article.next_check_at))
    ).all()
    return [
        {"host": host, "due": int(count), "behind_seconds": int((now - oldest).total_seconds())}
        for host, count, oldest in rows
        if oldest is not None
    ]


def _sources(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Every source (`tracker.read.sources`: its state and endpoints, the failing first)
    with its share of good checks; a source with no check yet is listed all the same."""
    overview = {row["name"]: row for row in sources_overview(session, now)}
    rows = {row["source"]: row for row in _shares_of_sources(session, now)}
    for name, row in overview.items():
        rows.setdefault(name, _share_row(name, (0, 0), (0, 0)))
        rows[name].update({k: v for k, v in row.items() if k != "name"})
    order = {name: place for place, name in enumerate(overview)}
    return sorted(rows.values(), key=lambda row: (order.get(row["source"], len(order)), row["source"]))


def _shares_of_sources(session: Session, now: datetime) -> list[dict[str, Any]]:
    """By the hour, from the kept counts (`tracker.store.counts`): the last day is this
    hour and the 23 before it, the week before the 168 hours before those."""
    end = now + counts.HOUR
    day = counts.checks_by_source(session, end - timedelta(days=1), end)
    week = counts.checks_by_source(session, end - timedelta(days=8), end - timedelta(days=1))
    return [_share_row(name, day.get(name, (0, 0)), week.get(name, (0, 0))) for name in set(day) | set(week)]


def _share_row(name: str, day: tuple[int, int], week: tuple[int, int]) -> dict[str, Any]:
    (good, total), (before_good, before_total) = day, week
    share = good / total if total else None
    before = before_good / before_total if before_total else None
    return {
        "source": name,
        "checks_last_day": total,
        "good_last_day": good,
        "good_share": share,
        "good_share_week_before": before,
        "warning": _warning(share, before, total),
    }


def _warning(share: float | None, before: float | None, total: int) -> str | None:
    if share is None or total < MIN_CHECKS:
        return None
    if before is not None and share < before - WARN_DROP:
        return f"extraction fell from {before:.0%} to {share:.0%} of checks: has the site changed its pages?"
    if share < WARN_BELOW:
        return f"only {share:.0%} of checks got the article"
    return None
