"""The witness queue in the database: a witness leased by one worker is not taken by
another (PostgreSQL's SKIP LOCKED, SQLite's one writer), a lease released is free
again, and when two histories are joined a repeated version's witnesses go to the
version it repeats instead of vanishing with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from tracker.core.normalize import Content
from tracker.pipeline.record import compare_stored
from tracker.store import histories, leases, repository, witnesses
from tracker.store.db import transaction
from tracker.store.models import Version
from tracker.store.witness_rows import Witness

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
STORY = Content(
    "Harbour plan approved", "Jane Doe", ("The council voted.", "Work starts in spring."), None, None
)


def test_a_leased_witness_goes_to_one_worker_at_a_time(make_tracker: Any, db_url: str) -> None:
    tracker = make_tracker(db_url)
    with transaction(tracker.sessions) as session:
        article, _ = repository.add_article(session, "https://news.example/a", source=None, now=NOW)
        for n in range(3):
            version = histories.add_version(
                session, article, STORY, fetched_at=NOW + timedelta(minutes=n), extra={}
            )
            witnesses.enqueue(session, version.id, "ia", article.url, NOW)
    lease = timedelta(minutes=10)
    with transaction(tracker.sessions) as session:
        first = leases.claim_witnesses(session, "ia", owner="a:1", now=NOW, lease=lease, limit=2)
    with transaction(tracker.sessions) as session:
        second = leases.claim_witnesses(session, "ia", owner="b:2", now=NOW, lease=lease, limit=2)
        other = leases.claim_witnesses(session, "elsewhere", owner="b:2", now=NOW, lease=lease, limit=2)
    assert len(first) == 2 and len(second) == 1 and not set(first) & set(second) and other == []
    with transaction(tracker.sessions) as session:
        leases.release_witnesses(session, first, "a:1")
    with transaction(tracker.sessions) as session:
        assert (
            sorted(leases.claim_witnesses(session, "ia", owner="b:2", now=NOW, lease=lease, limit=5)) == first
        )
    with transaction(tracker.sessions) as session:  # a lease that ran out is free too
        assert leases.claim_witnesses(session, "ia", owner="c:3", now=NOW + lease * 2, lease=lease, limit=5)


def test_a_repeated_version_s_witnesses_go_to_the_version_it_repeats(make_tracker: Any, db_url: str) -> None:
    tracker = make_tracker(db_url)
    with transaction(tracker.sessions) as session:
        keep, _ = repository.add_article(session, "https://news.example/a", source=None, now=NOW)
        other, _ = repository.add_article(session, "https://news.example/amp/a", source=None, now=NOW)
        kept = histories.add_version(session, keep, STORY, fetched_at=NOW, extra={})
        repeated = histories.add_version(
            session, other, STORY, fetched_at=NOW + timedelta(minutes=5), extra={}
        )
        witnesses.enqueue(session, kept.id, "ia", keep.url, NOW)
        witnesses.enqueue(session, repeated.id, "ia", other.url, NOW)
        session.flush()
        for row in session.scalars(select(Witness)):
            witnesses.captured(session, row.id, f"https://web.archive.org/web/20261205120000/{row.url}", NOW)
    with transaction(tracker.sessions) as session:
        keep, other = repository.find_article(session, keep.url), repository.find_article(session, other.url)
        assert keep is not None and other is not None
        joined = histories.join_histories(session, keep, other, NOW, why="redirect", compare=compare_stored)
    assert (joined.versions, joined.repeated) == (1, 1)
    with tracker.session() as session:
        [version] = session.scalars(select(Version))
        rows = list(session.scalars(select(Witness).order_by(Witness.id)))
        by_number = witnesses.of_article(session, version.article_id)
    assert [w.version_id for w in rows] == [version.id, version.id]
    assert [w.url for w in by_number[1]] == ["https://news.example/a", "https://news.example/amp/a"]
