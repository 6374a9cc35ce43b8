"""The witness queue (`witnesses`): a version to be captured by an archive is enqueued
with it (`enqueue`, in the check's transaction: one row, no request); the daemon's
witness job (`tracker.witness`) leases due rows (`tracker.store.leases.claim_witnesses`)
and writes here what the archive said. Every function takes a Session and never commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tracker.store.models import Version
from tracker.store.witness_rows import Witness, WitnessState


def enqueue(session: Session, version_id: int, destination: str, url: str, now: datetime) -> None:
    """Ask `destination` to capture `url` for this version, from now on."""
    session.add(
        Witness(
            version_id=version_id,
            destination=destination,
            url=url,
            state=WitnessState.PENDING,
            requested_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )


def get(session: Session, witness_id: int) -> Witness:
    return session.get_one(Witness, witness_id)


def exists(session: Session, witness_id: int) -> bool:
    """Whether the witness is still there (its article may have been purged meanwhile)."""
    return session.get(Witness, witness_id) is not None


def submitted(session: Session, witness_id: int, job_id: str, now: datetime, ask_at: datetime) -> None:
    """The archive took the capture as a job (Save Page Now): ask about it at `ask_at`."""
    row = get(session, witness_id)
    row.state, row.job_id, row.submitted_at, row.next_attempt_at = WitnessState.SUBMITTED, job_id, now, ask_at


def still_pending(session: Session, witness_id: int, ask_at: datetime) -> None:
    """The archive is still capturing: ask again at `ask_at`."""
    get(session, witness_id).next_attempt_at = ask_at


def captured(session: Session, witness_id: int, memento_url: str, memento_at: datetime) -> None:
    """The archive holds the page: its memento's address and time."""
    row = get(session, witness_id)
    row.state, row.memento_url, row.memento_at, row.last_error = (
        WitnessState.CAPTURED,
        memento_url,
        memento_at,
        None,
    )


def held_back(session: Session, destination: str, witness_id: int, until: datetime, reason: str) -> None:
    """The archive asked us to wait (429, Retry-After): no witness of it is due before
    `until`; not a failed attempt (the reason stays on the witness that met it)."""
    session.execute(
        update(Witness)
        .where(
            Witness.destination == destination,
            Witness.state.in_((WitnessState.PENDING, WitnessState.SUBMITTED)),
            Witness.next_attempt_at < until,
        )
        .values(next_attempt_at=until)
    )
    get(session, witness_id).last_error = reason[:500]


def failed_again(session: Session, witness_id: int, error: str) -> int:
    """One more failed attempt: the job (if any) is dropped, the capture will be asked
    again from the start; the attempts so far."""
    row = get(session, witness_id)
    row.attempts += 1
    row.last_error = error[:500]
    row.state, row.job_id, row.submitted_at = WitnessState.PENDING, None, None
    return row.attempts


def retry_at(session: Session, witness_id: int, when: datetime) -> None:
    get(session, witness_id).next_attempt_at = when


def give_up(session: Session, witness_id: int) -> None:
    """No more attempts: the witness stays, failed, with its last error (`tracker status`)."""
    get(session, witness_id).state = WitnessState.FAILED


def lift(session: Session, version_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The witnesses of versions a re-extraction replaces, taken out (rows deleted, by
    version id) before their versions go, to be put back on what replaces them (`land`):
    a memento is of the fetch, which the new row is still read from."""
    lifted: dict[int, list[dict[str, Any]]] = {}
    for row in session.scalars(select(Witness).where(Witness.version_id.in_(list(version_ids)))):
        columns = {c.key: getattr(row, c.key) for c in Witness.__table__.columns if c.key != "version_id"}
        lifted.setdefault(row.version_id, []).append(columns)
        session.delete(row)
    session.flush()
    return lifted


def land(session: Session, lifted: dict[int, list[dict[str, Any]]], onto: dict[int, int]) -> None:
    """Put lifted witnesses back, under their ids (a witness job may be asking about
    one), on the version `onto` says (old version id -> new)."""
    for old, rows in lifted.items():
        session.add_all(Witness(version_id=onto[old], **row) for row in rows)


def move(session: Session, onto: dict[int, int]) -> None:
    """The witnesses of versions about to go (a repeated version when two histories are
    joined) move to the version `onto` says (old version id -> kept one)."""
    for old, new in onto.items():
        session.execute(update(Witness).where(Witness.version_id == old).values(version_id=new))


def of_versions(session: Session, version_ids: Iterable[int]) -> dict[int, list[Witness]]:
    """The captured witnesses of these versions, by version id, oldest memento first."""
    found: dict[int, list[Witness]] = {}
    rows = session.scalars(
        select(Witness)
        .where(Witness.version_id.in_(list(version_ids)), Witness.state == WitnessState.CAPTURED)
        .order_by(Witness.memento_at, Witness.id)
    )
    for row in rows:
        found.setdefault(row.version_id, []).append(row)
    return found


def of_article(session: Session, article_id: int) -> dict[int, list[Witness]]:
    """The captured witnesses of an article's versions, by version number."""
    numbers = dict(
        session.execute(select(Version.id, Version.number).where(Version.article_id == article_id)).all()
    )
    return {numbers[version_id]: rows for version_id, rows in of_versions(session, numbers).items()}


def by_destination(session: Session) -> list[dict[str, Any]]:
    """Per destination: witnesses by state, the last capture, and the newest error of a
    witness still waiting, or given up with none captured after it (what `tracker status`
    and /sources show as failing)."""
    counts: dict[str, dict[str, Any]] = {}
    for name, state, count, last in session.execute(
        select(Witness.destination, Witness.state, func.count(), func.max(Witness.memento_at)).group_by(
            Witness.destination, Witness.state
        )
    ):
        row = counts.setdefault(name, {"name": name, "last_captured_at": None, "last_error": None})
        row[state] = int(count)
        if state == WitnessState.CAPTURED:
            row["last_captured_at"] = last
    for name, row in counts.items():
        newest = session.execute(
            select(Witness.id, Witness.state, Witness.last_error, Witness.attempts, Witness.next_attempt_at)
            .where(
                Witness.destination == name,
                Witness.last_error.is_not(None),
                Witness.state != WitnessState.CAPTURED,
            )
            .order_by(Witness.id.desc())
            .limit(1)
        ).first()
        if newest is not None and not _captured_since(session, name, newest.id, newest.state):
            row["last_error"], row["attempts"], row["next_attempt_at"] = newest[2:]
    return sorted(counts.values(), key=lambda row: row["name"])


def _captured_since(session: Session, destination: str, witness_id: int, state: str) -> bool:
    """Whether a witness given up is old news: a later one of the destination landed.
    (One still waiting on an error is news until it lands or is given up.)"""
    if state != WitnessState.FAILED:
        return False
    later = select(Witness.id).where(
        Witness.destination == destination, Witness.state == WitnessState.CAPTURED, Witness.id > witness_id
    )
    return session.scalar(later.limit(1)) is not None
