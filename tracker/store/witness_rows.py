"""The `witnesses` table, beside `tracker.store.models` (which is full): one row per
version and witness destination, the daemon's witness queue and, once an archive took
the page, where its memento is. `tracker.store` imports it, so that every reader of
the models' metadata (Alembic, the migration test) sees it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tracker.store.models import Base


class WitnessState:
    """Where a witness is: `pending` (to be asked), `submitted` (an archive took the job
    and is capturing: Save Page Now's job id is kept), `captured` (the memento is
    known), `failed` (given up after `witness.max_attempts`)."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    CAPTURED = "captured"
    FAILED = "failed"


class Witness(Base):
    """A version's capture by an archive (a witness destination): asked after the version
    was stored, by the daemon's witness job, never by a check. `url`: the page the
    version was read from; `memento_url` and `memento_at`: the archive's copy of it."""

    __tablename__ = "witnesses"
    __table_args__ = (
        Index("ix_witnesses_destination_state_next_attempt_at", "destination", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # not unique with `destination`: a version that re-extraction folds into the one
    # before it brings its witnesses along (`tracker.store.witnesses.lift`, `land`)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"), index=True)
    destination: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    requested_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    job_id: Mapped[str | None] = mapped_column(String(200))
    submitted_at: Mapped[datetime | None]
    memento_url: Mapped[str | None] = mapped_column(Text)
    memento_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
