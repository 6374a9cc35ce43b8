"""The watch list and the check log: what is tracked, how its checks went, and why a
story is not updating.

The watch list is one page of articles (filtered, sorted, counted), each with its
latest headline, its number of versions and its last check; the page is read first
and the rest in three small queries over its ids, so a page costs the same on a
database of ten articles or of a million:
- a page starts after the previous page's last row (`After`: its sort value and id),
  found by the index on (sort column, id) wherever it is in the list; the rows with a
  value first (latest or soonest first), then those without one, each by id, the
  newest first. A page may also start at an offset (a count of rows skipped: what
  older clients send), which costs as many rows as it skips;
- how many match is read from the kept counts of articles per source and status
  (`tracker.store.counts`) when only those filter; the failing stories and those with
  a headline test, a few among many, are counted by their own indexes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Select, and_, func, literal_column, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tracker.read.shapes import iso
from tracker.store import check_days, counts
from tracker.store.models import Article, Check, HeadlineTest, Revision, Source, Version

# the orders a watch list can take: the column, and whether the latest comes first
SORTS = {
    "last_changed": (Article.last_changed_at, True),
    "last_checked": (Article.last_checked_at, True),
    "next_check": (Article.next_check_at, False),
    "first_seen": (Article.first_seen_at, True),
}


class CheckJSON(TypedDict):
    started_at: str | None
    outcome: str
    http_status: int | None
    error_kind: str | None
    message: str | None
    duration_ms: int
    version: int | None


class WatchRow(TypedDict):
    id: int
    url: str
    headline: str | None
    source: str | None
    status: str
    versions: int
    first_seen_at: str | None
    last_checked_at: str | None
    last_changed_at: str | None
    next_check_at: str | None
    failures_in_a_row: int
    last_check: CheckJSON | None
    paused_at: str | None
    last_change: LastChange | None


class LastChange(TypedDict):
    """How much the article's latest revision changed (the watch list's last change)."""

    to: int
    changed: list[str]
    stats: dict[str, int]
    significance: float


@dataclass(frozen=True, slots=True)
class WatchFilter:
    source: str | None = None
    status: str | None = None
    failing: bool = False  # only articles whose last check failed
    headline_test: bool = False  # only stories with a headline test (of any kind)
    sort: str = "last_changed"


@dataclass(frozen=True, slots=True)
class After:
    """Where a page starts: after the row with this sort value (None: it had none) and
    id, `offset` rows into the list (what the page says it shows, not how it is found)."""

    value: datetime | None
    id: int
    offset: int


@dataclass(frozen=True, slots=True)
class WatchPage:
    rows: list[WatchRow]
    total: int  # articles that match the filter
    offset: int  # rows before this page's first
    next: After | None  # where the next page starts; None: this is the last page


def check_json(check: Check) -> CheckJSON:
    return {
        "started_at": iso(check.started_at),
        "outcome": check.outcome,
        "http_status": check.http_status,
        "error_kind": check.error_kind,
        "message": check.error_message,
        "duration_ms": check.duration_ms,
        "version": check.version_number,
    }


def _matching(where: WatchFilter, column: InstrumentedAttribute[Any]) -> Select[Any]:
    query = select(Article.id, column)
    if where.source:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == where.source)
    if where.status:
        query = query.where(Article.status == where.status)
    if where.failing:
        # written out, not bound: SQLite uses a partial index only for a condition it can
        # see implies the index's (`ix_articles_failing`), and a parameter hides it
        query = query.where(Article.consecutive_failures > literal_column("0"))
    if where.headline_test:
        query = query.where(Article.id.in_(select(HeadlineTest.article_id)))
    return query


Key = tuple[int, datetime | None]  # a row's id and sort value


def watch_list(
    session: Session, where: WatchFilter, *, limit: int, offset: int = 0, after: After | None = None
) -> WatchPage:
    """One page of the watch list (`limit` rows after `after`, else from `offset`) and
    how many match."""
    if after is not None:
        keys, offset = _after(session, where, limit + 1, after), after.offset
    elif offset:
        keys = _from_offset(session, where, limit + 1, offset)
    else:
        keys = _after(session, where, limit + 1, None)
    following = None
    if len(keys) > limit:
        keys = keys[:limit]
        following = After(keys[-1][1], keys[-1][0], offset + limit)
    ids = [article_id for article_id, _ in keys]
    return WatchPage(rows_of(session, ids), _total(session, where), offset, following)


def _after(session: Session, where: WatchFilter, limit: int, after: After | None) -> list[Key]:
    """`limit` rows after `after` (None: from the first): those with a value, then
    those without, each part one range of the index on (column, id)."""
    column, latest_first = SORTS[where.sort]
    keys: list[Key] = []
    if after is None or after.value is not None:
        valued = _matching(where, column).where(column.is_not(None))
        if after is not None:
            valued = valued.where(_beyond(column, latest_first, after))
        order = column.desc() if latest_first else column.asc()
        keys = [(i, v) for i, v in session.execute(valued.order_by(order, Article.id.desc()).limit(limit))]
    if len(keys) < limit:
        none = _matching(where, column).where(column.is_(None))
        if after is not None and after.value is None:
            none = none.where(Article.id < after.id)
        rows = session.execute(none.order_by(Article.id.desc()).limit(limit - len(keys)))
        keys += [(i, v) for i, v in rows]
    return keys


def _beyond(column: InstrumentedAttribute[Any], latest_first: bool, after: After) -> ColumnElement[bool]:
    """The rows with a value after `after`'s: the same value's smaller ids, then the
    values beyond it (written so that the column bounds the index's range)."""
    if latest_first:
        return and_(column <= after.value, or_(column < after.value, Article.id < after.id))
    return and_(column >= after.value, or_(column > after.value, Article.id < after.id))


def _from_offset(session: Session, where: WatchFilter, limit: int, offset: int) -> list[Key]:
    column, latest_first = SORTS[where.sort]
    order = column.desc().nulls_last() if latest_first else column.asc().nulls_last()
    query = _matching(where, column).order_by(order, Article.id.desc()).limit(limit).offset(offset)
    return [(i, v) for i, v in session.execute(query)]


def _total(session: Session, where: WatchFilter) -> int:
    """How many articles match: kept counts, unless failing or headline tests filter."""
    if where.failing or where.headline_test:
        matching = _matching(where, Article.id).subquery()
        return session.scalar(select(func.count()).select_from(matching)) or 0
    source_id = None
    if where.source:
        source_id = session.scalar(select(Source.id).where(Source.name == where.source))
        if source_id is None:
            return 0
    return counts.articles_of(session, source_id=source_id, status=where.status)


def rows_of(session: Session, ids: list[int]) -> list[WatchRow]:
    """The watch list's rows of these articles, in this order."""
    if not ids:
        return []
    articles = {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}
    sources = dict(session.execute(select(Source.id, Source.name)).all())
    counts = dict(
        session.execute(
            select(Version.article_id, func.max(Version.number))
            .where(Version.article_id.in_(ids))
            .group_by(Version.article_id)
        ).all()
    )
    newest = (
        select(func.max(Version.number))
        .where(Version.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )
    headlines = dict(
        session.execute(
            select(Version.article_id, Version.headline)
            .join(Article, Article.id == Version.article_id)
            .where(Version.article_id.in_(ids), Version.number == newest)
        ).all()
    )  # by the (article_id, number) index; a row-value IN would scan every version
    last_checks = {c.article_id: c for c in _last_checks(session, ids)}
    last_changes = _last_changes(session, ids)
    rows: list[WatchRow] = []
    for article_id in ids:
        article = articles.get(article_id)
        if article is None:
            continue
        check = last_checks.get(article_id)
        rows.append(
            {
                "id": article.id,
                "url": article.url,
                "headline": headlines.get(article_id),
                "source": sources.get(article.source_id) if article.source_id else None,
                "status": article.status,
                "versions": counts.get(article_id, 0),
                "first_seen_at": iso(article.first_seen_at),
                "last_checked_at": iso(article.last_checked_at),
                "last_changed_at": iso(article.last_changed_at),
                "next_check_at": iso(article.next_check_at),
                "failures_in_a_row": article.consecutive_failures,
                "last_check": check_json(check) if check is not None else None,
                "paused_at": iso(article.paused_at),
                "last_change": last_changes.get(article_id),
            }
        )
    return rows


def _last_changes(session: Session, ids: list[int]) -> dict[int, LastChange]:
    """Each article's latest revision: what and how much it changed."""
    newest = (
        select(func.max(Revision.to_number))
        .where(Revision.article_id == Article.id)
        .correlate(Article)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            Revision.article_id, Revision.to_number, Revision.changed, Revision.stats, Revision.significance
        )
        .join(Article, Article.id == Revision.article_id)
        .where(Revision.article_id.in_(ids), Revision.to_number == newest)
    )
    return {
        row.article_id: {
            "to": row.to_number,
            "changed": list(row.changed),
            "stats": dict(row.stats),
            "significance": row.significance,
        }
        for row in rows
    }


def _last_checks(session: Session, ids: list[int]) -> list[Check]:
    """Each article's latest check (the index on (article_id, started_at) finds it)."""
    latest = (
        select(Check.id)
        .where(Check.article_id == Article.id)
        .order_by(Check.started_at.desc(), Check.id.desc())
        .limit(1)
        .correlate(Article)
        .scalar_subquery()
    )
    wanted = select(latest).select_from(Article).where(Article.id.in_(ids))
    return list(session.scalars(select(Check).where(Check.id.in_(wanted))))


def checks_of(session: Session, article_id: int, *, limit: int | None = None) -> tuple[list[CheckJSON], int]:
    """An article's checks, the most recent first (at most `limit`), and how many it has:
    those kept one by one and those folded into daily counts (`database.checks_kept`)."""
    query = (
        select(Check).where(Check.article_id == article_id).order_by(Check.started_at.desc(), Check.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    total = session.scalar(select(func.count()).where(Check.article_id == article_id)) or 0
    total += check_days.folded_total(session, article_id)
    return [check_json(c) for c in session.scalars(query)], total


def check_days_of(session: Session, article_id: int) -> list[dict[str, Any]]:
    """An article's checks older than `database.checks_kept`, counted by UTC day and
    outcome (the most recent day first): what the check log says of them."""
    return [
        {"day": d.day.isoformat(), "outcome": d.outcome, "checks": d.checks}
        for d in check_days.days_of(session, article_id)
    ]
