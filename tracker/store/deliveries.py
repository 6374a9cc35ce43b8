"""Where each notification destination is: its row of `webhooks` (the last revision
sent, failed attempts, when to try again) and its `deliveries`. What to send and when
to give up is `tracker.notify`'s; leases are `tracker.store.leases`'. Every function
takes a Session and never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tracker.store.models import Delivery, Revision, Webhook


def state_of(session: Session, name: str) -> int:
    """The id of the destination's state; a destination seen for the first time starts
    after the newest revision stored."""
    state_id = session.scalar(select(Webhook.id).where(Webhook.name == name))
    if state_id is not None:
        return state_id
    newest = session.scalar(select(func.max(Revision.id))) or 0
    state = Webhook(name=name, last_revision_id=newest, attempts=0)
    session.add(state)
    session.flush()
    return state.id


def position(session: Session, state_id: int) -> int:
    """The id of the last revision the destination was sent (or skipped)."""
    return session.get_one(Webhook, state_id).last_revision_id


def sent_since(session: Session, state_id: int, source: str | None, since: datetime) -> int:
    """How many payloads of `source` the destination took since `since`."""
    count = session.scalar(
        select(func.count()).where(
            Delivery.webhook_id == state_id, Delivery.source == source, Delivery.at >= since
        )
    )
    return count or 0


def delivered(
    session: Session,
    state_id: int,
    last_id: int,
    *,
    source: str | None,
    count: int,
    digest: bool,
    now: datetime,
) -> None:
    """The destination took a payload of `count` revisions up to `last_id`."""
    session.execute(
        update(Webhook)
        .where(Webhook.id == state_id)
        .values(last_revision_id=last_id, attempts=0, next_attempt_at=None, last_error=None)
    )
    session.add(Delivery(webhook_id=state_id, source=source, at=now, revisions=count, digest=digest))


def failed_again(session: Session, state_id: int, error: str) -> int:
    """One more failed attempt at the destination's next payload; the attempts so far."""
    state = session.get_one(Webhook, state_id)
    state.attempts += 1
    state.last_error = error[:500]
    return state.attempts


def retry_at(session: Session, state_id: int, when: datetime) -> None:
    """Leave the destination alone until `when`."""
    session.get_one(Webhook, state_id).next_attempt_at = when


def skip_to(session: Session, state_id: int, last_id: int) -> None:
    """Give up on the revisions up to `last_id`: the next attempt starts after them."""
    state = session.get_one(Webhook, state_id)
    state.last_revision_id, state.attempts, state.next_attempt_at = last_id, 0, None
