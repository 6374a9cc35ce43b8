"""Headline sightings and tests (`tracker.core.headline_tests`): what a story served, the
tests recognised from it, and the revisions a test's flip-flops left, marked. Every
function takes a Session and never commits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session

from tracker.core.headline_tests import WINDOW, Sighting
from tracker.store.models import HeadlineSighting, HeadlineTest, Revision, Version
from tracker.store.repository import insert_ignoring_duplicates

HEADLINE, SOCIAL, FEED = "headline", "social", "feed"  # the story's own; og:title; feed entries
TEST_KIND = "headline-test"


def sightings(session: Session, article_id: int, kind: str = HEADLINE) -> list[Sighting]:
    rows = session.scalars(
        select(HeadlineSighting).where(
            HeadlineSighting.article_id == article_id, HeadlineSighting.kind == kind
        )
    )
    return [Sighting(r.text, r.first_seen, r.last_seen, r.count) for r in rows]


def add_sightings(session: Session, article_id: int, kind: str, texts: Sequence[str], at: datetime) -> None:
    """One sighting per text served (a text served by two fetches counts twice). A new
    text's row is inserted ignoring duplicates and every count moves in the database
    (`count + n`), so two processes sighting one text at once (feed pollers) both count."""
    served = Counter(t for t in texts if t)
    if not served:
        return
    insert_ignoring_duplicates(
        session,
        HeadlineSighting,
        [
            {
                "article_id": article_id,
                "kind": kind,
                "text": text,
                "first_seen": at,
                "last_seen": at,
                "count": 0,
            }
            for text in served
        ],
    )
    for text, times in served.items():
        session.execute(
            update(HeadlineSighting)
            .where(
                HeadlineSighting.article_id == article_id,
                HeadlineSighting.kind == kind,
                HeadlineSighting.text == text,
            )
            .values(
                count=HeadlineSighting.count + times,
                first_seen=case((HeadlineSighting.first_seen > at, at), else_=HeadlineSighting.first_seen),
                last_seen=case((HeadlineSighting.last_seen < at, at), else_=HeadlineSighting.last_seen),
            )
            .execution_options(synchronize_session="fetch")
        )


def running_test(session: Session, article_id: int, kind: str = HEADLINE) -> HeadlineTest | None:
    return session.scalar(
        select(HeadlineTest)
        .where(
            HeadlineTest.article_id == article_id, HeadlineTest.kind == kind, HeadlineTest.ended_at.is_(None)
        )
        .order_by(HeadlineTest.id.desc())
        .limit(1)
    )


def running_tests(session: Session, article_ids: Iterable[int]) -> dict[int, HeadlineTest]:
    """The running test of the story's own headline of each of these articles that has one."""
    rows = session.scalars(
        select(HeadlineTest).where(
            HeadlineTest.article_id.in_(list(article_ids)),
            HeadlineTest.kind == HEADLINE,
            HeadlineTest.ended_at.is_(None),
        )
    )
    return {row.article_id: row for row in rows}


def tests_of(session: Session, article_id: int) -> list[HeadlineTest]:
    return list(
        session.scalars(
            select(HeadlineTest)
            .where(HeadlineTest.article_id == article_id)
            .order_by(HeadlineTest.started_at)
        )
    )


def headlines_of(session: Session, article_id: int, numbers: Iterable[int]) -> dict[int, str | None]:
    rows = session.execute(
        select(Version.number, Version.headline).where(
            Version.article_id == article_id, Version.number.in_(list(numbers))
        )
    )
    return {row[0]: row[1] for row in rows}


def mark_flip_flops(
    session: Session, article_id: int, variants: Iterable[str], now: datetime
) -> list[tuple[Revision, str | None]]:
    """The revisions of the last `WINDOW` whose only change was one variant of a test
    for another: marked kind `headline-test`, trivial, significance 0 (never deleted;
    versions stay as stored). Returns each, with the headline it changed from."""
    names = frozenset(variants)
    revisions = list(
        session.scalars(
            select(Revision)
            .where(Revision.article_id == article_id, Revision.detected_at >= now - WINDOW)
            .order_by(Revision.to_number)
        )
    )
    flips = [r for r in revisions if list(r.changed) == ["headline"] and TEST_KIND not in r.kinds]
    numbers = {n for r in flips for n in (r.from_number, r.to_number)}
    headlines = headlines_of(session, article_id, numbers) if flips else {}
    marked: list[tuple[Revision, str | None]] = []
    for revision in flips:
        old, new = headlines.get(revision.from_number), headlines.get(revision.to_number)
        if old in names and new in names:
            revision.trivial, revision.significance = True, 0.0
            revision.kinds = [*dict.fromkeys([*revision.kinds, TEST_KIND])]
            marked.append((revision, old))
    session.flush()
    return marked


def move_story(session: Session, source_id: int, target_id: int) -> None:
    """`source_id`'s sightings and tests become `target_id`'s (two histories made one):
    a headline both served counts the fetches of both."""
    for test in session.scalars(select(HeadlineTest).where(HeadlineTest.article_id == source_id)):
        test.article_id = target_id
    held = {
        (row.kind, row.text): row
        for row in session.scalars(select(HeadlineSighting).where(HeadlineSighting.article_id == target_id))
    }
    for row in session.scalars(select(HeadlineSighting).where(HeadlineSighting.article_id == source_id)):
        same = held.get((row.kind, row.text))
        if same is None:
            row.article_id = target_id
            continue
        same.count += row.count
        same.first_seen, same.last_seen = (
            min(same.first_seen, row.first_seen),
            max(same.last_seen, row.last_seen),
        )
        session.delete(row)
    session.flush()


def tested_headlines(session: Session, article_id: int) -> frozenset[str]:
    """Every variant of the story's headline tests (its own headline's, running or
    ended): a version's headline may be the one the story showed, not the one drawn."""
    rows = session.scalars(
        select(HeadlineTest.variants).where(
            HeadlineTest.article_id == article_id, HeadlineTest.kind == HEADLINE
        )
    )
    return frozenset(text for variants in rows for text in variants)
