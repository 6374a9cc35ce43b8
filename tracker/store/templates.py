"""What each host's stories showed of its template, stored (`TemplateSighting`), and
which lines those counts make the template's (`tracker.core.furniture.Rule`).

Sightings are inserted ignoring duplicates, so a check recorded twice, two workers
seeing one story, or a cron run repeating a batch count each story once; every
answer is read from the stored counts, so every process reaches the same one.
Functions take a Session and never commit: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.core.furniture import RULE, OneLine, Rule, sightings
from tracker.store.models import TemplateSighting
from tracker.store.repository import insert_ignoring_duplicates

STORY, PLACE, GAINED, LOST = "story", "place", "gained", "lost"


def first_versions(session: Session, hosts: Iterable[str]) -> dict[str, int]:
    """How many stories' first versions each host has shown (hosts never seen: 0)."""
    hosts = sorted(set(hosts))
    counts = dict.fromkeys(hosts, 0)
    if hosts:
        rows = session.execute(
            select(TemplateSighting.host, func.count())
            .where(TemplateSighting.kind == STORY, TemplateSighting.host.in_(hosts))
            .group_by(TemplateSighting.host)
        )
        for host, count in rows:
            counts[host] = count
    return counts


def record_first_versions(
    session: Session, host: str, bodies: Mapping[int, Sequence[str]], now: datetime
) -> None:
    """The first versions of these stories (article id -> body as extracted): each story
    once, and the lines that could be furniture at their places."""
    rows = []
    for article_id, body in sorted(bodies.items()):
        rows.append(_row(host, STORY, "", 0, article_id, now))
        rows.extend(_row(host, PLACE, s.line, s.place, article_id, now) for s in sightings(body))
    insert_ignoring_duplicates(session, TemplateSighting, rows)


def furniture(session: Session, host: str, lines: Iterable[str], rule: Rule = RULE) -> set[str]:
    """Those of `lines` that the host's stored counts make its template's: at one place
    on enough of its stories' first versions (`Rule.is_furniture`)."""
    wanted = sorted(set(lines))
    if not wanted:
        return set()
    stories = first_versions(session, [host])[host]
    rows = session.execute(
        select(TemplateSighting.line, func.count())
        .where(
            TemplateSighting.host == host,
            TemplateSighting.kind == PLACE,
            TemplateSighting.line.in_(wanted),
        )
        .group_by(TemplateSighting.line, TemplateSighting.place)
    )
    return {line for line, count in rows if rule.is_furniture(count, stories)}


def record_change(
    session: Session, host: str, article_id: int, revision_id: int, change: OneLine, now: datetime
) -> None:
    """A revision whose only change was gaining or losing `change.line`."""
    row = _row(host, GAINED if change.added else LOST, change.line, 0, article_id, now)
    insert_ignoring_duplicates(session, TemplateSighting, [{**row, "revision_id": revision_id}])


def changed_revisions(session: Session, host: str, change: OneLine) -> list[int]:
    """The revisions (one a story) whose only change on `host` was this one."""
    return sorted(
        revision_id
        for revision_id in session.scalars(
            select(TemplateSighting.revision_id).where(
                TemplateSighting.host == host,
                TemplateSighting.kind == (GAINED if change.added else LOST),
                TemplateSighting.line == change.line,
            )
        )
        if revision_id is not None
    )


def _row(host: str, kind: str, line: str, place: int, article_id: int, now: datetime) -> dict[str, object]:
    return {
        "host": host,
        "kind": kind,
        "line": line,
        "place": place,
        "article_id": article_id,
        "first_seen_at": now,
    }
