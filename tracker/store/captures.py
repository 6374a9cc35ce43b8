"""Captures: the fetches kept as an archive keeps them (`models.Capture`).

A check keeps the fetch a new version was made from (`version`) and the fetch that
confirmed it (`confirm`); `tracker import` adds captures read from WARC files
(`import`), and `tracker backfill` the mementos it fetched from web archives
(`archive`: the exchange with the archive, its URL the memento's). Bodies go through `tracker.store.bodies`.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store import bodies
from tracker.store.models import Capture

VERSION = "version"
CONFIRM = "confirm"
IMPORT = "import"
ARCHIVE = "archive"


def keep(session: Session, capture: Capture, content: bytes) -> Capture:
    """Store `capture` (its exchange filled in by the caller) with `content`, its body
    as received, compressed."""
    capture.digest = bodies.digest(content)
    capture.size = len(content)
    capture.codec, capture.body = bodies.pack(content)
    session.add(capture)
    return capture


def body(capture: Capture) -> bytes | None:
    """The capture's body bytes as received (legacy rows: the HTML as UTF-8), or None
    when the retention setting dropped it."""
    if capture.body is None:
        return None
    return bodies.unpack(capture.codec, capture.body)


def of_article(session: Session, article_id: int) -> list[Capture]:
    """An article's captures, oldest first."""
    return list(
        session.scalars(
            select(Capture).where(Capture.article_id == article_id).order_by(Capture.at, Capture.id)
        )
    )


def of_version(session: Session, article_id: int, number: int) -> Capture | None:
    """The capture a version was made from, if kept."""
    return session.scalar(
        select(Capture)
        .where(Capture.article_id == article_id, Capture.version_number == number, Capture.role == VERSION)
        .order_by(Capture.id)
        .limit(1)
    )


def each(session: Session, *, batch: int = 200) -> Iterator[Capture]:
    """Every capture, in id order, read a batch at a time (bounded memory)."""
    after = 0
    while True:
        rows = list(
            session.scalars(select(Capture).where(Capture.id > after).order_by(Capture.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        session.expunge_all()
