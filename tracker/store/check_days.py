"""Checks kept in full for a window (`database.checks_kept`), then as daily counts.

`check_days` holds, per story, UTC day and outcome, how many checks there were, their
bytes and their time; the storage job (`tracker.store.retention.tend`) folds checks
older than the window into it a bounded batch per transaction and deletes them. Whole
UTC days are folded (the cut is a midnight), and a story's latest check is never folded:
the watch list's last check and the pipeline's previous outcome read it. Readers of
counts (`tracker.read.watch.checks_of`, `tracker status`) add both, so a count over
any span means what it meant before the fold.

Several daemons may fold at once (PostgreSQL): each batch takes its checks `FOR UPDATE
SKIP LOCKED`, so two never fold the same check, and adds its counts to the day rows in
one order (`count + n`), so two adding to one day neither lose a count nor deadlock.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, and_, delete, exists, or_, select
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from tracker.store.models import Base, Check

BATCH = 1000  # checks a transaction folds at most


class CheckDay(Base):
    """A story's checks of one UTC day and outcome, once older than the window."""

    __tablename__ = "check_days"
    __table_args__ = (Index("ix_check_days_day", "day"),)

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    checks: Mapped[int] = mapped_column(Integer)
    bytes: Mapped[int] = mapped_column(BigInteger)
    duration_ms: Mapped[int] = mapped_column(BigInteger)


def cut(now: datetime, kept: timedelta) -> datetime:
    """The midnight (UTC) before which checks are folded: whole days only."""
    return datetime.combine((now - kept).astimezone(UTC).date(), time(), tzinfo=UTC)


Key = tuple[datetime, int]  # a check's (started_at, id): where a fold's run has come to


def fold(
    session: Session, before: datetime, *, batch: int = BATCH, after: Key | None = None
) -> tuple[int, Key | None]:
    """One batch: up to `batch` checks started before `before` (each story's latest
    excepted), oldest first from `after`, added to their days' counts and deleted.
    Returns how many were folded and where the batch ended (the next batch's `after`:
    a run passes the stories' latest checks once, not once a batch)."""
    later = aliased(Check)
    has_later = exists().where(
        later.article_id == Check.article_id,
        or_(
            later.started_at > Check.started_at,
            and_(later.started_at == Check.started_at, later.id > Check.id),
        ),
    )
    query = select(
        Check.id, Check.article_id, Check.started_at, Check.outcome, Check.bytes, Check.duration_ms
    )
    if after is not None:
        query = query.where(  # a range on the started_at index (an OR would sort every old check)
            Check.started_at >= after[0], ~and_(Check.started_at == after[0], Check.id <= after[1])
        )
    rows = session.execute(
        query.where(Check.started_at < before, has_later)
        .order_by(Check.started_at, Check.id)
        .limit(batch)
        .with_for_update(of=Check, skip_locked=True)  # another daemon's batch: not ours
    ).all()
    if not rows:
        return 0, after
    counts: Counter[tuple[int, date, str]] = Counter()
    sizes: Counter[tuple[int, date, str]] = Counter()
    times: Counter[tuple[int, date, str]] = Counter()
    for row in rows:
        key = (row.article_id, row.started_at.astimezone(UTC).date(), row.outcome)
        counts[key] += 1
        sizes[key] += row.bytes or 0
        times[key] += row.duration_ms or 0
    _add(
        session,
        [
            {
                "article_id": a,
                "day": d,
                "outcome": o,
                "checks": n,
                "bytes": sizes[(a, d, o)],
                "duration_ms": times[(a, d, o)],
            }
            for (a, d, o), n in sorted(counts.items())
        ],
    )
    session.execute(delete(Check).where(Check.id.in_([row.id for row in rows])))
    return len(rows), (rows[-1].started_at, rows[-1].id)


def _add(session: Session, rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO UPDATE adding to the counts (in key order: two folds
    adding to the same days lock them in the same order)."""
    from sqlalchemy.dialects import postgresql, sqlite  # not at import: the reading commands' start-up

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(CheckDay).values(rows)
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["article_id", "day", "outcome"],
            set_={
                "checks": CheckDay.checks + excluded.checks,
                "bytes": CheckDay.bytes + excluded.bytes,
                "duration_ms": CheckDay.duration_ms + excluded.duration_ms,
            },
        )
    )


def folded_total(session: Session, article_id: int) -> int:
    """How many of a story's checks were folded into daily counts."""
    from sqlalchemy import func

    return int(
        session.scalar(select(func.sum(CheckDay.checks)).where(CheckDay.article_id == article_id)) or 0
    )


def days_of(session: Session, article_id: int) -> list[CheckDay]:
    """A story's daily counts, the most recent day first."""
    return list(
        session.scalars(
            select(CheckDay)
            .where(CheckDay.article_id == article_id)
            .order_by(CheckDay.day.desc(), CheckDay.outcome)
        )
    )


def day_span(start: datetime, end: datetime) -> tuple[date, date]:
    """The whole UTC days within [start, end): a folded day counts in a span when all of it does."""
    first = start.astimezone(UTC).date()
    if datetime.combine(first, time(), tzinfo=UTC) < start:
        first += timedelta(days=1)
    return first, end.astimezone(UTC).date()
