"""Claiming a batch within each host's politeness budget (real SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import Tracker, make_config
from tracker.read.health import status
from tracker.store import leases, repository
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
