"""Revisions counted per source and per day, beside `tracker.store.models` (which is
full): the `revision_counts` table, kept by the triggers of migration 0016 as revisions
are written and deleted, whatever path writes them (a check, a history derived again or
joined, a template change, an article purged, a source dropped), so that the sources
page, its chart and `/api/sources` read a few hundred counts, not the history.
`tracker.store` imports it, so that every reader of the models' metadata sees it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Integer, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.models import Base, Source

NO_SOURCE = 0  # `source_id` of the revisions of articles without a source


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
