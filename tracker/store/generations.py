"""Earlier derivations of a history, kept and hidden (`tracker reextract`).

A version is an immutable reading of a capture. When a better extractor reads an
article's captures differently, its history is derived again; the history it
replaces is not lost: every version and revision it had is copied here, as they
were, under the article's generation number (1: the history as checks made it;
2: as the first re-extraction that changed it derived it, and so on). The live
tables (`versions`, `revisions`) hold only the current generation, so every reader
(commands, web, export, search, notifications) reads them as before.

The rows are kept whole, as JSON (`row`), beside the columns that find them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.store.models import Base, Revision, Version


class SupersededVersion(Base):
    """A version of an earlier generation of its article's history, as it was."""

    __tablename__ = "superseded_versions"
    __table_args__ = (Index("ix_superseded_versions_article_id_generation", "article_id", "generation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    generation: Mapped[int]
    superseded_at: Mapped[datetime]
    version_id: Mapped[int]
    number: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    row: Mapped[dict[str, Any]] = mapped_column(JSON)


class SupersededRevision(Base):
    """A revision of an earlier generation of its article's history, as it was."""

    __tablename__ = "superseded_revisions"
    __table_args__ = (Index("ix_superseded_revisions_article_id_generation", "article_id", "generation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    generation: Mapped[int]
    superseded_at: Mapped[datetime]
    revision_id: Mapped[int]
    from_number: Mapped[int]
    to_number: Mapped[int]
    row: Mapped[dict[str, Any]] = mapped_column(JSON)


def current(session: Session, article_id: int) -> int:
    """The generation the live tables hold for the article: 1 until a re-extraction
    changed its history."""
    kept = session.scalar(
        select(func.max(SupersededVersion.generation)).where(SupersededVersion.article_id == article_id)
    )
    return (kept or 0) + 1


def supersede(
    session: Session, article_id: int, versions: list[Version], revisions: list[Revision], now: datetime
) -> int:
    """Keep the article's live history (all of it) as its current generation, before
    it is derived again; the generation number it is kept under."""
    generation = current(session, article_id)
    session.add_all(
        SupersededVersion(
            article_id=article_id,
            generation=generation,
            superseded_at=now,
            version_id=v.id,
            number=v.number,
            content_hash=v.content_hash,
            row=_row(v),
        )
        for v in versions
    )
    session.add_all(
        SupersededRevision(
            article_id=article_id,
            generation=generation,
            superseded_at=now,
            revision_id=r.id,
            from_number=r.from_number,
            to_number=r.to_number,
            row=_row(r),
        )
        for r in revisions
    )
    session.flush()
    return generation


def kept_versions(session: Session, article_id: int, generation: int) -> list[SupersededVersion]:
    """The versions of an earlier generation, in number order."""
    return list(
        session.scalars(
            select(SupersededVersion)
            .where(SupersededVersion.article_id == article_id, SupersededVersion.generation == generation)
            .order_by(SupersededVersion.number)
        )
    )


def kept_revisions(session: Session, article_id: int, generation: int) -> list[SupersededRevision]:
    """The revisions of an earlier generation, in order."""
    return list(
        session.scalars(
            select(SupersededRevision)
            .where(SupersededRevision.article_id == article_id, SupersededRevision.generation == generation)
            .order_by(SupersededRevision.to_number)
        )
    )


def _row(row: Version | Revision) -> dict[str, Any]:
    """Every column of a row, JSON-ready (times in ISO 8601)."""
    return {column.key: _plain(getattr(row, column.key)) for column in row.__table__.columns}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value
