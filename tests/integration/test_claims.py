"""Claims and leases (real SQLite and PostgreSQL): a batch within each host's politeness
budget, dead workers' leases, notification destinations one worker at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.support.harness import Tracker, make_config
from tracker.read.health import status
from tracker.store import deliveries, leases, repository
from tracker.store.db import transaction
from tracker.store.models import Article


def test_a_batch_takes_each_host_at_its_budget_most_overdue_first(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    try:
        with transaction(tracker.sessions) as session:
            for host, count in (("big.example", 50), ("small.example", 5), ("other.example:8080", 5)):
                for n in range(count):
                    article, _new = repository.add_article(
                        session, f"http://{host}/news/{n}", source=None, now=now - timedelta(hours=1)
                    )
                    article.next_check_at = now - timedelta(minutes=n)  # the higher n, the longer overdue
        budget = {"big.example": 10, "small.example": 3}
        with transaction(tracker.sessions) as session:
            ids = leases.claim_due(
                session,
                now=now,
                owner="w1",
                lease=timedelta(minutes=5),
                limit=100,
                per_host=lambda host: budget.get(host, 100),
            )
        with transaction(tracker.sessions) as session:
            claimed = [session.get(Article, article_id) for article_id in ids]
            by_host: dict[str, list[str]] = {}
            for article in claimed:
                assert article is not None and article.lease_owner == "w1"
                by_host.setdefault(article.host, []).append(article.url.rsplit("/", 1)[1])
            assert by_host == {
                "big.example": [str(n) for n in range(49, 39, -1)],
                "small.example": ["4", "3", "2"],
                "other.example:8080": ["4", "3", "2", "1", "0"],
            }
            hosts_in_order = [article.host for article in claimed if article is not None]
            assert len(set(hosts_in_order[:3])) == 3, "hosts are taken in turn, not one after another"
            # a second worker gets what the first left, never the same articles
            second = leases.claim_due(
                session, now=now, owner="w2", lease=timedelta(minutes=5), limit=100, per_host=lambda _h: 100
            )
            assert not set(second) & set(ids) and len(second) == 60 - len(ids)
            report = status(session, now)
        behind = {row["host"]: row for row in report["hosts_behind"]}
        assert behind["big.example"]["due"] == 50 and behind["big.example"]["behind_seconds"] == 49 * 60
    finally:
        tracker.close()


def test_run_once_gives_back_the_leases_of_a_dead_tracker_of_this_machine(site, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    """A `run --once` killed mid-cycle leaves leases of 6 minutes or more; the next
    `run --once` of the same machine releases them and checks those articles now."""
    import asyncio
    import socket

    from tracker.daemon import run_once, runtime_for

    for _ in range(3):
        site.add_story()
    tracker = Tracker(make_config(sqlite_url, sources=[{"name": "sim", "feeds": [site.feed()]}]))
    try:
        with transaction(tracker.sessions) as session:
            now = datetime.now(UTC)
            for story in site.stories.values():
                article, _new = repository.add_article(session, site.url(story.path), source=None, now=now)
                article.lease_owner = f"{socket.gethostname()}:999999999"  # no such process
                article.lease_until = now + timedelta(minutes=6)

        async def go() -> dict[str, int]:
            async with runtime_for(tracker.config, tracker.sessions, lambda: datetime.now(UTC)) as runtime:
                return dict(await run_once(runtime))

        assert asyncio.run(go()) == {"new_version": 3}
    finally:
        tracker.close()


def test_a_notification_destination_is_leased_to_one_worker_at_a_time(db_url: str) -> None:
    """Its holder may renew the lease; another worker gets it once it expires or is
    released, and nobody while the destination backs off after a failure."""
    tracker = Tracker(make_config(db_url))
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)

    def claim(session: Session, owner: str, minutes: int) -> bool:
        return leases.claim_destination(
            session, state_id, owner=owner, now=now + timedelta(minutes=minutes), lease=timedelta(minutes=5)
        )

    try:
        with transaction(tracker.sessions) as session:
            state_id = deliveries.state_of(session, "webhook:one")
            assert deliveries.state_of(session, "webhook:one") == state_id
            assert claim(session, "w1", 0)
        with transaction(tracker.sessions) as session:
            assert not claim(session, "w2", 0)
            assert claim(session, "w1", 1), "the holder renews its lease"
            assert not claim(session, "w2", 5)
            assert claim(session, "w2", 7), "an expired lease is free"
            leases.release_destination(session, state_id, "w1")
            assert not claim(session, "w3", 8), "only the holder releases a lease"
            leases.release_destination(session, state_id, "w2")
            deliveries.retry_at(session, state_id, now + timedelta(minutes=20))
            assert not claim(session, "w3", 8), "backing off after a failure"
            assert claim(session, "w3", 20)
    finally:
        tracker.close()


def test_a_destination_another_worker_is_claiming_is_skipped_not_waited_for(db_url: str) -> None:
    """PostgreSQL: a claim passes over a row locked by another worker's claim (SKIP
    LOCKED), as article claims do, instead of waiting for that transaction to end."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite takes one writer at a time")
    tracker = Tracker(make_config(db_url))
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    lease = timedelta(minutes=5)
    try:
        with transaction(tracker.sessions) as session:
            state_id = deliveries.state_of(session, "webhook:one")
        with transaction(tracker.sessions) as first, transaction(tracker.sessions) as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))  # waiting would fail, not hang
            assert leases.claim_destination(first, state_id, owner="w1", now=now, lease=lease)
            assert not leases.claim_destination(second, state_id, owner="w2", now=now, lease=lease)
    finally:
        tracker.close()


def _ranked(session: Session, now: datetime, limit: int) -> list[tuple[int, str, int]]:
    """The oracle: one window over every free due article ranks each host's queue (what
    claims did before they read each host's queue by its index)."""
    due = [*leases._due(now, False, None), *leases.watched()]
    rank = func.row_number().over(partition_by=Article.host, order_by=(Article.next_check_at, Article.id))
    ranked = (
        select(Article.id, Article.host, Article.next_check_at, rank.label("rank"))
        .where(*due, leases._free(Article, now))
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.id, ranked.c.host, ranked.c.rank)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.rank, ranked.c.next_check_at, ranked.c.id)
    )
    return [(row.id, row.host, row.rank) for row in rows]


def test_each_hosts_queue_read_by_its_index_is_what_one_window_gives(db_url: str) -> None:
    """A claim reads each host's queue through the index on (host, next_check_at), a few
    deep at a time, whatever the backlog: the same candidates in the same order as one
    window over every due article, and the same batch, with ties in time, leased, paused
    and not-yet-due stories, and budgets."""
    tracker = Tracker(make_config(db_url))
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    try:
        with transaction(tracker.sessions) as session:
            for n in range(90):
                host = ("a.example", "b.example", "c.example:8080")[n % 3]
                article, _new = repository.add_article(
                    session, f"http://{host}/news/{n}", source=None, now=now - timedelta(hours=1)
                )
                article.next_check_at = now - timedelta(minutes=n % 7) + timedelta(minutes=5 * (n % 11 == 0))
                if n % 13 == 0:
                    article.lease_until = now + timedelta(minutes=1)
                if n % 17 == 0:
                    article.paused_at = now
        with transaction(tracker.sessions) as session:
            due = [*leases._due(now, False, None), *leases.watched()]
            for depth in (1, 4, 100):
                assert leases._candidates(session, due, now, depth) == _ranked(session, now, depth)
            waiting = [n for n in range(90) if 5 * (n % 11 == 0) <= n % 7 and n % 13 and n % 17]
            assert sorted(row[0] for row in _ranked(session, now, 100)) == sorted(n + 1 for n in waiting)
            for limit in (1, 5, 17, 40, 100):
                for budget in ({}, {"a.example": 2, "b.example": 20}):

                    def within(host: str, budget: dict[str, int] = budget, limit: int = limit) -> int:
                        return budget.get(host, limit)

                    whole = leases._within_budgets(_ranked(session, now, limit), within, limit)
                    assert leases._choose(session, due, now, limit, within) == whole, (limit, budget)
    finally:
        tracker.close()
