"""Paused and removed stories and sources under several workers (real SQLite and
PostgreSQL): a paused story, a story of a paused source or of a source taken out of
the config, and a removed story are never claimed, whatever the workers do; a pause
committed while another worker claims is kept; a purge deletes all of a story or
none of it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from tests.support.harness import Tracker, make_config
from tests.support.site import NewsSite, Response
from tracker.config import SourceConfig
from tracker.daemon import runtime_for
from tracker.discovery import poll_sources
from tracker.read.sources import failing_endpoints
from tracker.store import leases, repository, watching
from tracker.store.db import transaction
from tracker.store.models import Article, Check, Source, SourceEndpoint

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
WORKERS = 4


def _articles(tracker: Tracker) -> dict[str, list[int]]:
    """Forty due stories: ten of each of four sources, over five hosts."""
    ids: dict[str, list[int]] = {}
    with transaction(tracker.sessions) as session:
        for name in ("one", "two", "three", "four"):
            source = repository.source_named(session, name, NOW, configured=True)
            for n in range(10):
                article, _new = repository.add_article(
                    session,
                    f"http://host{n % 5}.example/{name}/{n}",
                    source=source,
                    now=NOW - timedelta(hours=1),
                )
                ids.setdefault(name, []).append(article.id)
    return ids


def _claim_all(tracker: Tracker, *, keep_checking: bool = False) -> list[list[int]]:
    """Every worker, in its own thread and sessions, claims batches of five until none is
    left; on SQLite one claim at a time, as its one writer's lock makes workers take turns
    (`db.single_writer`), on PostgreSQL all at once."""
    claimed: list[list[int]] = [[] for _ in range(WORKERS)]
    start = threading.Barrier(WORKERS)
    one_writer = threading.Lock() if tracker.engine.dialect.name == "sqlite" else contextlib.nullcontext()

    def work(index: int) -> None:
        start.wait()
        while True:
            with one_writer, transaction(tracker.sessions) as session:
                got = leases.claim_due(
                    session, now=NOW, owner=f"w{index}", lease=timedelta(minutes=5), limit=5,
                    keep_checking=keep_checking,
                )  # fmt: skip
            if not got:
                return
            claimed[index].extend(got)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return claimed


def test_paused_removed_and_dropped_stories_are_never_claimed_by_several_workers(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        ids = _articles(tracker)
        with transaction(tracker.sessions) as session:
            paused_story, removed_story = ids["one"][0], ids["one"][1]
            watching.pause(session, watching.resolve(session, str(paused_story)), NOW)
            watching.remove(session, session.get(Article, removed_story), NOW)  # type: ignore[arg-type]
            watching.pause(session, watching.resolve(session, "two"), NOW)
            dropped = repository.sync_sources(
                session, [SourceConfig(name=n) for n in ("one", "two", "four")], NOW
            )
        assert dropped == ["three"]
        claimed = _claim_all(tracker)
        everything = [article_id for batch in claimed for article_id in batch]
        assert len(everything) == len(set(everything)), "a story was claimed by two workers"
        assert set(everything) == set(ids["one"][2:] + ids["four"])
        assert sum(1 for batch in claimed if batch) >= 1

        with transaction(tracker.sessions) as session:
            session.execute(text("UPDATE articles SET lease_owner = NULL, lease_until = NULL"))
            watching.resume(session, watching.resolve(session, "two"), NOW)
            watching.resume(session, watching.resolve(session, str(paused_story)), NOW)
        again = {article_id for batch in _claim_all(tracker, keep_checking=True) for article_id in batch}
        assert again == set(ids["one"]) - {removed_story} | set(ids["two"] + ids["three"] + ids["four"])
    finally:
        tracker.close()


def test_a_pause_committed_during_a_claim_is_kept(db_url: str) -> None:
    """PostgreSQL: the claim's locking read checks the pause on the row it locks, so a
    story paused between a worker's choice and its lock is not leased."""
    if not db_url.startswith("postgresql"):
        pytest.skip("rows locked by another transaction are PostgreSQL's; SQLite takes one writer")
    tracker = Tracker(make_config(db_url))
    try:
        ids = _articles(tracker)
        target = ids["one"][0]
        with transaction(tracker.sessions) as pauser:
            pauser.execute(
                text("UPDATE articles SET paused_at = :now WHERE id = :id"), {"now": NOW, "id": target}
            )
            with transaction(tracker.sessions) as claimer:
                got = leases.claim_due(claimer, now=NOW, owner="w1", lease=timedelta(minutes=5), limit=100)
        assert target not in got, "a row being paused is skipped, never leased"
        with transaction(tracker.sessions) as session:
            session.execute(text("UPDATE articles SET lease_owner = NULL, lease_until = NULL"))
            got = leases.claim_due(session, now=NOW, owner="w2", lease=timedelta(minutes=5), limit=100)
        assert target not in got and len(got) == 39
    finally:
        tracker.close()


def _purge_then_fail(tracker: Tracker, story: int) -> None:
    with transaction(tracker.sessions) as session:
        watching.purge(session, [story])
        raise RuntimeError("the operator's session fails before the commit")


def test_a_purge_deletes_all_of_a_story_or_nothing(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        ids = _articles(tracker)
        story = ids["one"][0]
        with transaction(tracker.sessions) as session:
            session.add(Check(article_id=story, started_at=NOW, duration_ms=5, outcome="error"))
            repository.record_event(session, story, "paused", NOW)
        with transaction(tracker.sessions) as session:
            counts = watching.purge_counts(session, [story])
        assert (
            counts["articles"] == 1
            and counts["checks"] == 1
            and counts["urls"] == 1
            and counts["events"] == 1
        )
        with pytest.raises(RuntimeError, match="before the commit"):
            _purge_then_fail(tracker, story)
        with transaction(tracker.sessions) as session:
            assert session.get(Article, story) is not None
            assert session.scalar(select(func.count()).where(Check.article_id == story)) == 1
            watching.purge(session, [story])
        with transaction(tracker.sessions) as session:
            assert session.get(Article, story) is None
            assert session.scalar(select(func.count()).where(Check.article_id == story)) == 0
            assert session.scalar(select(func.count()).select_from(Source)) == 4
    finally:
        tracker.close()


def test_a_feed_failing_for_a_day_is_one_warning_a_day_and_counted(
    site: NewsSite, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Failures in a row and since when are kept on the endpoint; the warning is said on
    the first failure and then once a day, not once a poll; a good poll clears it all."""
    dead = {"now": True}
    feed = Response(body=site.rss([]), headers={"Content-Type": "application/rss+xml"})
    site.route("/feed.xml", lambda _r: Response(500) if dead["now"] else feed)
    config = make_config(db_url, sources=[{"name": "sim", "feeds": [site.url("/feed.xml")]}])
    tracker = Tracker(config)
    moments = [NOW + timedelta(minutes=15 * n) for n in range(4)] + [NOW + timedelta(days=1, minutes=1)]
    at = {"now": moments[0]}

    async def polls() -> None:
        async with runtime_for(config, tracker.sessions, lambda: at["now"]) as runtime:
            for moment in moments:
                at["now"] = moment
                await poll_sources(runtime, every_endpoint=True)

    def endpoint() -> SourceEndpoint:
        with tracker.session() as session:
            row = session.scalar(select(SourceEndpoint))
            assert row is not None
            return row

    try:
        with caplog.at_level(logging.INFO, logger="tracker.discovery"):
            asyncio.run(polls())
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 2, warnings  # the first failure, and a day later
        assert "(1 poll failed in a row)" in warnings[0] and "(5 polls failed in a row)" in warnings[1]
        failing = endpoint()
        assert failing.failures == 5 and failing.failing_since == NOW and "500" in (failing.last_error or "")
        with transaction(tracker.sessions) as session:
            assert failing_endpoints(session) == 1
        dead["now"] = False
        moments[:] = [NOW + timedelta(days=1, minutes=20)]
        asyncio.run(polls())
        healthy = endpoint()
        assert (healthy.failures, healthy.failing_since, healthy.last_error) == (0, None, None)
    finally:
        tracker.close()
