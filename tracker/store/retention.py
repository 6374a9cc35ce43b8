"""The storage job: dictionaries trained for the hosts that wait for one, checks older
than `database.checks_kept` folded into daily counts (`tracker.store.check_days`), and
the retention setting applied (`database.raw_html`), a bounded batch per transaction.

`keep` keeps every body. A duration drops the bodies of captures older than it (the
capture's exchange, digest and size stay, and so do the versions' text and the
revisions). `warc:<dir>` moves them instead: an `Archive` (the WARC writer, given to
`tend` by whoever runs the job) writes the captures and says where each went, `path#offset`,
kept in `Capture.warc`; a capture it does not place keeps its body.

What other captures need stays readable: dictionaries are never dropped, and before a
key capture leaves, the deltas that stay and were made against it are packed again
against a new key (the first of them).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import DatabaseConfig, parse_duration
from tracker.store import bodies, captures, check_days
from tracker.store.db import transaction
from tracker.store.models import Capture

log = logging.getLogger(__name__)

Archive = Callable[[Sequence[Capture]], Mapping[int, str]]  # captures -> {capture id: "path#offset"}
BATCH = 100  # captures a transaction drops or moves at most


@dataclass(frozen=True, slots=True)
class Pruned:
    """What one batch (or a whole run) did."""

    dropped: int = 0  # bodies gone from the database (dropped or moved)
    moved: int = 0  # of which moved into WARC files
    repacked: int = 0  # deltas packed against a new key first
    folded: int = 0  # checks folded into daily counts (`tracker.store.check_days`)

    def __add__(self, other: Pruned) -> Pruned:
        return Pruned(
            self.dropped + other.dropped,
            self.moved + other.moved,
            self.repacked + other.repacked,
            self.folded + other.folded,
        )


def prune(
    session: Session,
    now: datetime,
    older_than: timedelta,
    *,
    archive: Archive | None = None,
    batch: int = BATCH,
) -> Pruned:
    """One batch: the bodies of up to `batch` captures older than `older_than` dropped,
    or moved by `archive`, oldest first."""
    old = list(
        session.scalars(
            select(Capture)
            .where(Capture.at < now - older_than, Capture.body.is_not(None))
            .order_by(Capture.at, Capture.id)
            .limit(batch)
            .with_for_update(skip_locked=True)  # a key a check is making a delta against: next time
        )
    )
    if not old:
        return Pruned()
    placed = dict(archive(old)) if archive is not None else {}
    leaving = [c for c in old if archive is None or c.id in placed]
    repacked = _rekey(session, leaving)
    for capture in leaving:
        capture.body = None
        capture.warc = placed.get(capture.id)
    return Pruned(len(leaving), len(placed), repacked)


def _rekey(session: Session, leaving: list[Capture]) -> int:
    """The deltas that stay, made against a key that leaves, packed against a new key:
    the first of them, compressed alone (with its host's dictionary)."""
    keys = [c.id for c in leaving if c.base_id is None]
    gone = {c.id for c in leaving}
    if not keys:
        return 0
    staying = [
        c
        for c in session.scalars(
            select(Capture).where(Capture.base_id.in_(keys), Capture.body.is_not(None)).order_by(Capture.id)
        )
        if c.id not in gone
    ]
    groups: dict[int, list[Capture]] = {}
    for capture in staying:
        groups.setdefault(capture.base_id or 0, []).append(capture)
    for group in groups.values():
        contents = [captures.body(c, session) or b"" for c in group]
        key, base = group[0], contents[0]
        dictionary = captures.current_dictionary(session, captures.host_of(session, key))
        key.codec, key.body = bodies.pack(base, dictionary=dictionary[1] if dictionary else None)
        key.dictionary_id, key.base_id = (dictionary[0] if dictionary else None), None
        for capture, content in zip(group[1:], contents[1:], strict=True):
            capture.codec, capture.body = bodies.pack(content, base=base)
            capture.dictionary_id, capture.base_id = None, key.id
    return len(staying)


def tend(
    sessions: sessionmaker[Session],
    config: DatabaseConfig,
    now: datetime,
    *,
    archive: Archive | None = None,
    batches: int | None = None,
    going_on: Callable[[], bool] = lambda: True,
) -> Pruned:
    """The storage job once: dictionaries trained (a few hosts), then retention batch by
    batch, each its own transaction, until nothing is left to do, `batches` were done,
    or `going_on` says stop (the daemon stopping). Without an `archive`, `warc:<dir>`
    moves nothing: a body is never dropped where it was meant to be moved."""
    with transaction(sessions) as session:
        trained = captures.train_dictionaries(session, now)
    if trained:
        log.info("trained capture dictionaries for %s", ", ".join(trained))
    folded = fold_checks(sessions, config, now, batches=batches, going_on=going_on)
    after = config.drop_after
    if after is None or (config.warc_directory is not None and archive is None):
        return folded
    done, count = folded, 0
    while going_on() and (batches is None or count < batches):
        with transaction(sessions) as session:
            step = prune(session, now, after, archive=archive)
        done, count = done + step, count + 1
        if not step.dropped:
            break
    if done.dropped:
        log.info("retention dropped=%d moved=%d repacked=%d", done.dropped, done.moved, done.repacked)
    return done


def fold_checks(
    sessions: sessionmaker[Session],
    config: DatabaseConfig,
    now: datetime,
    *,
    batches: int | None = None,
    going_on: Callable[[], bool] = lambda: True,
) -> Pruned:
    """Checks older than `database.checks_kept` folded into daily counts, a batch per
    transaction, until none is left, `batches` were done, or `going_on` says stop."""
    if config.checks_kept == "forever":
        return Pruned()
    kept = parse_duration(config.checks_kept)
    before, folded, count, where = check_days.cut(now, kept), 0, 0, None
    while going_on() and (batches is None or count < batches):
        with transaction(sessions) as session:
            step, where = check_days.fold(session, before, after=where)
        folded, count = folded + step, count + 1
        if not step:
            break
    if folded:
        log.info("checks folded into daily counts: %d", folded)
    return Pruned(folded=folded)
