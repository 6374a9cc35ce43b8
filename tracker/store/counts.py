"""Counts kept as the history is written, beside `tracker.store.models` (which is full),
so that the sources page, its chart, `/api/sources` and `status` read a few hundred
counts, not the history. Both are kept by the triggers of migration 0016, whatever path
writes the rows:
- `revision_counts`, revisions per source and per day: as revisions are written and
  deleted (a check, a history derived again or joined, a template change, an article
  purged, a source dropped: an article's revisions follow it to its new source);
- `check_counts`, checks per source and per hour, and how many got the article: as
  checks are made; never taken away (a check deleted, by retention or a purge, was
  made all the same), and counted under the source the article had then;
- `article_counts`, articles per source and status (0019's triggers): as articles are
  inserted, deleted, or change source or status, so that the watch list's total, the
  sources page's stories and `status` do not count 1.28 million stories.
`tracker.store` imports it, so that every reader of the models' metadata sees it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Date, Index, Integer, String, func, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.models import Article, Base, Event, Source

# what `status` counts besides, without a scan (0016): paused stories, the week's template changes
# partial on both databases in 0016; the model names SQLite's where only: naming PostgreSQL's here
# would load its dialect at every start-up (tests/e2e/test_cli.py)
Index("ix_articles_paused_at", Article.paused_at, sqlite_where=text("paused_at IS NOT NULL"))
Index("ix_events_kind_at", Event.kind, Event.at)
# the failing stories, a few among many (0019: the watch list's "failing only" finds and counts them)
Index("ix_articles_failing", Article.consecutive_failures, sqlite_where=text("consecutive_failures > 0"))

NO_SOURCE = 0  # `source_id` of the counts of articles without a source


class CheckCount(Base):
    """Checks of one source's articles started in one hour (UTC), and how many got the
    article (`tracker.store.models.GOOD_OUTCOMES`)."""

    __tablename__ = "check_counts"

    source_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    good: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)


HOUR = timedelta(hours=1)


def checks_by_source(session: Session, start: datetime, end: datetime) -> dict[str, tuple[int, int]]:
    """Good checks and all checks by source name (`-`: none) in the hours from the one
    `start` falls in to the one before the hour `end` falls in."""
    rows = session.execute(
        select(func.coalesce(Source.name, "-"), func.sum(CheckCount.good), func.sum(CheckCount.total))
        .select_from(CheckCount)
        .outerjoin(Source, Source.id == CheckCount.source_id)
        .where(CheckCount.hour >= hour_of(start), CheckCount.hour < hour_of(end))
        .group_by(Source.name)
    ).all()
    return {name: (int(good or 0), int(total or 0)) for name, good, total in rows}


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


class RevisionCount(Base):
    """Revisions of one source's articles detected on one day (UTC), and how many of them
    are trivial."""

    __tablename__ = "revision_counts"

    source_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    revisions: Mapped[int] = mapped_column(Integer)
    trivial: Mapped[int] = mapped_column(Integer)


def by_source_and_day(session: Session, first: date) -> list[tuple[str | None, date, int, int]]:
    """Each source's name (None: articles without one), day, revisions and trivial ones,
    from `first` on."""
    rows = session.execute(
        select(Source.name, RevisionCount.day, RevisionCount.revisions, RevisionCount.trivial)
        .outerjoin(Source, Source.id == RevisionCount.source_id)
        .where(RevisionCount.day >= first, RevisionCount.revisions > 0)
    ).all()
    return [(name, day, int(revisions), int(trivial)) for name, day, revisions, trivial in rows]


def by_source_since(session: Session, first: date) -> dict[int | None, int]:
    """Revisions (trivial ones too) by source id (None: no source), from `first` on."""
    rows = session.execute(
        select(RevisionCount.source_id, func.sum(RevisionCount.revisions))
        .where(RevisionCount.day >= first)
        .group_by(RevisionCount.source_id)
    ).all()
    return {(None if source == NO_SOURCE else source): int(count or 0) for source, count in rows}


class ArticleCount(Base):
    """Articles of one source (`NO_SOURCE`: none) in one status (`ArticleStatus`); a
    count can fall to 0 and stay."""

    __tablename__ = "article_counts"

    source_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    articles: Mapped[int] = mapped_column(Integer)


def articles_of(session: Session, *, source_id: int | None = None, status: str | None = None) -> int:
    """How many articles there are of this source (None: any, `NO_SOURCE`: none) in
    this status (None: any)."""
    query = select(func.sum(ArticleCount.articles))
    if source_id is not None:
        query = query.where(ArticleCount.source_id == source_id)
    if status is not None:
        query = query.where(ArticleCount.status == status)
    return int(session.scalar(query) or 0)


def articles_by_source(session: Session) -> dict[int | None, int]:
    """Articles by source id (None: no source)."""
    rows = session.execute(
        select(ArticleCount.source_id, func.sum(ArticleCount.articles)).group_by(ArticleCount.source_id)
    ).all()
    return {(None if source == NO_SOURCE else source): int(count or 0) for source, count in rows}


def articles_by_status(session: Session) -> dict[str, int]:
    """Articles by status."""
    rows = session.execute(
        select(ArticleCount.status, func.sum(ArticleCount.articles)).group_by(ArticleCount.status)
    ).all()
    return {status: int(count or 0) for status, count in rows}
