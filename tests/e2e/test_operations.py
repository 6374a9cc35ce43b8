"""Running for months (issue 5): signals, one SQLite writer, endpoint claims, health,
kill -9 at random moments, and three daemons sharing one PostgreSQL database."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from tests.support.daemons import RUNNING, Daemon, count, settings, wait_until
from tests.support.databases import emptied
from tests.support.harness import Tracker, make_config
from tests.support.site import NewsSite, Response
from tracker.core.normalize import content_of
from tracker.daemon import run_once, runtime_for
from tracker.discovery import poll_sources
from tracker.read.health import status
from tracker.store import db
from tracker.store.models import Article, Check, Version

pytestmark = pytest.mark.slow

LEASED = "SELECT count(*) FROM articles WHERE lease_owner IS NOT NULL"
CHECKS = "SELECT count(*) FROM checks"


def test_a_listing_updated_after_the_last_check_makes_the_article_due(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story()
    updated = {"at": None}

    def feed(_request: Any) -> Response:
        stamp = f"<updated>{updated['at']}</updated>" if updated["at"] else ""
        body = (
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>x</title>'
            f'<link href="{site.url(story.path)}"/>{stamp}</entry></feed>'
        )
        return Response(body=body.encode(), headers={"Content-Type": "application/atom+xml"})

    site.route("/feed.xml", feed)
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.url("/feed.xml")]}])
    assert tracker.cycle(every_active=False) == {"new_version": 1}
    assert tracker.cycle(every_active=False) == {}  # not due: next check in ten minutes
    story.headline = "Rewritten after the feed said so"
    updated["at"] = (datetime.now(UTC) + timedelta(seconds=5)).isoformat()
    assert tracker.cycle(every_active=False) == {"new_version": 1}


def test_a_second_daemon_on_one_sqlite_file_is_refused(site: NewsSite, tmp_path: Path) -> None:
    site.add_story()
    database = f"sqlite:///{tmp_path / 'one.db'}"
    first = Daemon(tmp_path / "first.yaml", settings(site.feed(), database, logging={"level": "info"}))
    try:
        first.wait_for(RUNNING)  # it holds the database's writer lock from before this line
        second = subprocess.run(
            [sys.executable, "-m", "tracker", "--config", str(first.path), "run", "--once"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1
        assert "another tracker daemon is already writing" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        first.stop()
    assert first.returncode == 0, first.log


def test_each_endpoint_is_polled_by_one_worker_at_a_time(site: NewsSite, db_url: str) -> None:
    site.add_story()
    site.feed()
    tracker = Tracker(make_config(db_url, sources=[{"name": "sim", "feeds": [site.url("/feed.xml")]}]))

    async def two_workers() -> None:
        clock = lambda: datetime.now(UTC)  # noqa: E731
        async with (
            runtime_for(tracker.config, tracker.sessions, clock) as one,
            runtime_for(tracker.config, tracker.sessions, clock) as two,
        ):
            await asyncio.gather(poll_sources(one), poll_sources(two))

    asyncio.run(two_workers())
    assert site.hits["/feed.xml"] == 1
    tracker.close()


def test_a_dead_extraction_worker_is_replaced(site: NewsSite, make_tracker, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    """The kernel's OOM killer or a crashing parser takes a worker: the next checks still extract."""
    stories = [site.add_story() for _ in range(4)]
    tracker = make_tracker(sqlite_url, sources=[{"name": "sim", "feeds": [site.feed()]}])

    async def go() -> tuple[dict[str, int], dict[str, int]]:
        clock = lambda: datetime.now(UTC)  # noqa: E731
        async with runtime_for(tracker.config, tracker.sessions, clock, processes=1) as runtime:
            first = dict(await run_once(runtime, every_active=True))
            workers = multiprocessing.active_children()
            assert workers, "the extraction worker should be running"
            for worker in workers:
                os.kill(worker.pid, signal.SIGKILL)
                worker.join(10)
            for story in stories:
                story.headline += " (updated)"
            return first, dict(await run_once(runtime, every_active=True))

    first, second = asyncio.run(go())
    assert first == {"new_version": 4}
    assert second == {"new_version": 4}


def test_status_warns_when_extraction_breaks(site: NewsSite, make_tracker, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story() for _ in range(6)]
    tracker = make_tracker(sqlite_url, sources=[{"name": "sim", "feeds": [site.feed()]}])
    tracker.cycle()
    with tracker.session() as session:
        healthy = status(session, datetime.now(UTC))
    assert healthy["sources"][0]["warning"] is None and healthy["articles"]["active"] == 6
    for story in stories:  # a redesign: the pages no longer hold an article tracker can read
        site.route(story.path, lambda _r: Response(body=b"<html><body><div id=app></div></body></html>"))
    tracker.cycle()
    with tracker.session() as session:
        broken = status(session, datetime.now(UTC))
    assert broken["checks_last_hour"]["soft_error"] == 6
    assert broken["sources"][0]["good_share"] == 0.5
    assert "only 50% of checks got the article" in broken["sources"][0]["warning"]


def converge(database: str, site: NewsSite, timeout: float = 60) -> dict[str, str]:
    """Wait until every story's latest version is what the site serves; return url -> hash."""
    expected = {site.url(path): story for path, story in site.stories.items()}
    engine = sa.create_engine(database)
    deadline = time.monotonic() + timeout
    latest: dict[str, Any] = {}
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as connection:
                    rows = connection.execute(
                        select(Article.url, Version.headline, Version.body)
                        .join(Version, Version.article_id == Article.id)
                        .order_by(Version.number)
                    ).all()
            except sa.exc.OperationalError:  # the daemon has not created the schema yet
                time.sleep(0.2)
                continue
            latest = {url: (headline, body) for url, headline, body in rows}
            if all(latest.get(url) == (s.headline, "\n\n".join(s.paragraphs)) for url, s in expected.items()):
                return {url: value[0] for url, value in latest.items()}
            time.sleep(0.2)
    finally:
        engine.dispose()
    pytest.fail(f"stored content never matched the site: {len(latest)} articles stored")


def assert_history_is_whole(database: str) -> None:
    """Versions numbered 1..n with no gap, no version equal to the one before, a revision
    for every version after the first."""
    engine = db.create_engine(database)
    with db.session_factory(engine)() as session:
        for article in session.scalars(select(Article)):
            versions = list(
                session.scalars(
                    select(Version).where(Version.article_id == article.id).order_by(Version.number)
                )
            )
            assert [v.number for v in versions] == list(range(1, len(versions) + 1))
            hashes = [content_of(v).content_hash for v in versions]
            assert all(a != b for a, b in itertools.pairwise(hashes)), article.url
        revisions = session.scalar(select(func.count()).select_from(sa.table("revisions")))
        versions_total = session.scalar(select(func.count()).select_from(Version))
        articles = session.scalar(select(func.count()).select_from(Article))
        assert revisions == versions_total - articles
    engine.dispose()


def wait_for_checks(database: str, number: int) -> None:
    wait_until(lambda: count(database, CHECKS) >= number, f"{number} checks recorded")


def test_kill_9_at_random_moments_loses_nothing_and_duplicates_nothing(
    site: NewsSite, tmp_path: Path
) -> None:
    """Six daemons in turn, each SIGKILLed at a moment drawn from what it does: after a
    number of checks it recorded, or as soon as a batch holds its leases (mid-batch), with
    edits made while it runs. The next daemon gives the dead one's leases back, a last one
    catches up with the site, and every history is whole."""
    rng = random.Random(3)
    stories = [site.add_story(paragraphs=4) for _ in range(25)]
    database = f"sqlite:///{tmp_path / 'soak.db'}"
    config = settings(site.feed(), database, logging={"level": "info"})
    edits, killed_mid_batch, daemons = 0, [], []
    for round_ in range(6):
        before = count(database, CHECKS)
        daemons.append(daemon := Daemon(tmp_path / "soak.yaml", config))
        try:
            wait_for_checks(database, before + rng.randint(1, 30))
            for story in rng.sample(stories, 5):
                story.paragraphs.append(f"Update {edits}: the council met again.")
                edits += 1
            if round_ % 2:
                wait_until(lambda: count(database, LEASED), "a batch holding its leases")
            else:
                wait_for_checks(database, count(database, CHECKS) + rng.randint(1, 10))
        finally:
            daemon.kill()
        assert count(database, CHECKS) > before, f"daemon {round_} was killed before its first check"
        if count(database, LEASED):  # the kill landed inside a batch
            killed_mid_batch.append(round_)
    last = Daemon(tmp_path / "soak.yaml", config)
    try:
        last.wait_for(RUNNING)  # up: a SIGTERM in its imports would be fatal
        converge(database, site)
    finally:
        last.stop()
    assert last.returncode == 0, last.log
    daemons.append(last)
    print(f"\n{count(database, CHECKS)} checks, {edits} edits; killed mid-batch in rounds {killed_mid_batch}")
    assert killed_mid_batch, "no kill landed in the middle of a batch"
    for round_ in killed_mid_batch:  # the next daemon gave the dead one's leases back
        assert "released" in daemons[round_ + 1].wait_for("leases of a daemon of this machine that is gone")
    assert_history_is_whole(database)


@pytest.mark.postgres
def test_three_daemons_share_one_postgresql_database(
    site: NewsSite, tmp_path: Path, postgres_database: str
) -> None:
    database = emptied(postgres_database)
    migrated = db.create_engine(database)
    db.upgrade(migrated)
    migrated.dispose()
    stories = [site.add_story(paragraphs=4) for _ in range(30)]
    config = settings(site.feed(), database, logging={"level": "info"})
    workers = [Daemon(tmp_path / f"worker{n}.yaml", config) for n in range(3)]
    try:
        for worker in workers:
            worker.wait_for(RUNNING)
        converge(database, site)  # every first version stored, by whichever daemon got it
        for story in stories[:10]:
            story.headline += " (updated)"
        converge(database, site)
    finally:
        logs = [worker.stop() for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), logs
    assert_history_is_whole(database)
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        checks = connection.execute(
            select(Check.article_id, Check.started_at, Check.duration_ms).order_by(
                Check.article_id, Check.started_at
            )
        ).all()
        owners = connection.execute(sa.text("SELECT count(DISTINCT article_id) FROM checks")).scalar()
    engine.dispose()
    assert owners == 30
    overlaps = [
        (a.article_id, a.started_at, b.started_at)
        for a, b in itertools.pairwise(checks)
        if a.article_id == b.article_id
        and b.started_at < a.started_at + timedelta(milliseconds=a.duration_ms)
    ]
    assert overlaps == [], "an article was checked by two workers at once"


def test_a_locked_database_is_one_line_and_the_daemon_carries_on(site: NewsSite, tmp_path: Path) -> None:
    import sqlite3

    stories = [site.add_story() for _ in range(3)]
    database = tmp_path / "locked.db"
    config = settings(site.feed(), f"sqlite:///{database}", logging={"level": "info"})
    daemon = Daemon(tmp_path / "locked.yaml", config)
    try:
        converge(f"sqlite:///{database}", site)
        holder = sqlite3.connect(database, timeout=5)
        holder.execute("BEGIN EXCLUSIVE")  # held until the daemon's busy timeout gives up
        daemon.wait_for(r"database unavailable \(database is locked\)")
        holder.rollback()
        holder.close()
        assert daemon.returncode is None, "the daemon must outlive a locked database"
        stories[0].headline = "Edited while the database was locked"
        converge(f"sqlite:///{database}", site)
    finally:
        log = daemon.stop()
    assert daemon.returncode == 0
    assert log.count("database unavailable (database is locked)") == 1, log
    assert "Traceback" not in log
