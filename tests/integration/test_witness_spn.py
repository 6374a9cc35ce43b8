"""Witnesses at Save Page Now: a stand-in on loopback with the SPN2 API's shapes
(tests/support/spn.py) takes each new version's page as a job, is asked about it until
it succeeds, and the memento lands on the version; 429s hold the archive until their
Retry-After, failures back off exponentially and are shown by `tracker status`; an
archive that does not answer holds no check. The witness job's clock is the test's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.support.site import NewsSite
from tests.support.spn import KEY, SECRET, SavePageNow
from tracker.cli import main
from tracker.daemon import run_once, runtime_for
from tracker.read import health, history
from tracker.store import repository, watching
from tracker.store.witness_rows import Witness
from tracker.witness import Witnesser

ENV = {"TEST_SPN_KEY": KEY, "TEST_SPN_SECRET": SECRET}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def spn() -> Iterator[SavePageNow]:
    archive = SavePageNow()
    yield archive
    archive.stop()


def make(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow, stories: int, **witness: Any
) -> Any:
    for n in range(stories):
        site.add_story(("jsonld", "meta")[n % 2], paragraphs=3)
    destination = {
        "name": "ia",
        "kind": "spn",
        "url": spn.url,
        "access_key_env": "TEST_SPN_KEY",
        "secret_env": "TEST_SPN_SECRET",
        "min_interval": "0s",
    }
    return make_tracker(
        db_url,
        sources=[{"name": "sim", "feeds": [site.feed()], "witness": "ia"}],
        witness={"destinations": [destination], "poll_every": "10s", **witness},
    )


def witness(tracker: Any, clock: Clock) -> int:
    """One witness tick, as the daemon runs it."""

    async def go() -> int:
        job = Witnesser(tracker.config, tracker.sessions, clock, owner="test", environ=ENV)
        try:
            return await job.tick()
        finally:
            await job.aclose()

    return asyncio.run(go())


def rows(tracker: Any) -> list[Witness]:
    with tracker.session() as session:
        return list(session.scalars(select(Witness).order_by(Witness.id)))


def test_a_job_is_asked_about_until_its_memento_lands_on_the_version(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow
) -> None:
    tracker = make(site, make_tracker, db_url, spn, 2)
    assert tracker.cycle() == {"new_version": 2}
    assert spn.requests == [] and {w.state for w in rows(tracker)} == {
        "pending"
    }  # the check asked no archive
    clock = Clock()
    assert witness(tracker, clock) == 0
    urls = sorted(site.url(path) for path in site.stories)
    assert sorted(form["url"][0] for form in spn.saved) == urls
    assert all(form["capture_all"] == ["1"] for form in spn.saved)
    assert {w.state for w in rows(tracker)} == {"submitted"}
    assert witness(tracker, clock) == 0 and len(spn.requests) == 2  # not asked again before poll_every
    clock.advance(10)
    assert witness(tracker, clock) == 0  # pending
    assert [m for m, _ in spn.requests[2:]] == ["GET", "GET"]
    clock.advance(10)
    assert witness(tracker, clock) == 2
    for row in rows(tracker):
        assert row.state == "captured" and row.memento_at is not None
        stamp = row.memento_at.strftime("%Y%m%d%H%M%S")
        assert row.memento_url == f"{spn.url}/web/{stamp}/{row.url}"
    with tracker.session() as session:
        article = repository.resolve_article(session, urls[0])
        [version] = history.history(session, article)["versions"]
        exported = history.export_article(session, article)["versions"][0]
    [memento] = version["witnesses"]
    assert memento["archive"] == "ia" and memento["memento_url"].endswith(f"/{urls[0]}")
    assert exported["witnesses"] == [memento]


def test_a_429_holds_the_archive_until_its_retry_after_and_is_no_failure(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow
) -> None:
    tracker = make(site, make_tracker, db_url, spn, 2)
    tracker.cycle()
    clock = Clock()
    spn.refuse = [(429, {"Retry-After": "120"})]
    assert witness(tracker, clock) == 0
    assert len(spn.requests) == 1  # the second witness was not asked: the archive said wait
    held = rows(tracker)
    assert all(w.attempts == 0 and w.next_attempt_at >= clock.now + timedelta(seconds=120) for w in held)
    with tracker.session() as session:
        [shown] = health.status(session, clock.now)["witnesses"]
    assert shown["failing"] and "429" in shown["last_error"] and shown["pending"] == 2
    clock.advance(60)
    assert witness(tracker, clock) == 0 and len(spn.requests) == 1
    clock.advance(61)
    witness(tracker, clock)
    assert len(spn.saved) == 2 and {w.state for w in rows(tracker)} == {"submitted"}


def test_failures_back_off_exponentially_then_are_given_up_and_shown_by_status(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow, tmp_path: Any
) -> None:
    tracker = make(site, make_tracker, db_url, spn, 1, max_attempts=3)
    tracker.cycle()
    clock = Clock()
    spn.refuse = [(503, {})] * 3
    waits = []
    for _ in range(3):
        before = len(spn.requests)
        witness(tracker, clock)
        assert len(spn.requests) == before + 1
        [row] = rows(tracker)
        waits.append((row.next_attempt_at - clock.now).total_seconds())
        clock.advance(waits[-1] / 2)
        assert witness(tracker, clock) == 0 and len(spn.requests) == before + 1  # backing off
        clock.advance(waits[-1] / 2 + 1)
    assert waits[:2] == [60, 120]  # a minute, doubling
    [row] = rows(tracker)
    assert row.state == "failed" and row.attempts == 3 and row.last_error == "HTTP 503"
    witness(tracker, clock)
    assert len(spn.requests) == 3  # given up: never asked again
    with tracker.session() as session:
        [shown] = health.status(session, clock.now)["witnesses"]
    assert shown["failed"] == 1 and shown["failing"] and shown["last_error"] == "HTTP 503"
    config = tmp_path / "config.yaml"
    config.write_text(f"database: {{url: '{tracker.config.database.url}'}}\n")
    text = CliRunner().invoke(main, ["--config", str(config), "status"], catch_exceptions=False).output
    assert "witness ia: 0 captured (last never), 0 waiting, 1 given up; FAILING (HTTP 503)" in text
    # a later version that lands makes the one given up old news: counted, no longer failing
    next(iter(site.stories.values())).paragraphs.append("Update: the vote was moved to Monday.")
    assert tracker.cycle() == {"new_version": 1}
    spn.pending_polls = 0
    witness(tracker, clock)
    clock.advance(10)
    assert witness(tracker, clock) == 1
    with tracker.session() as session:
        [shown] = health.status(session, clock.now)["witnesses"]
    assert (shown["failed"], shown["captured"], shown["failing"], shown["last_error"]) == (1, 1, False, None)


def test_a_job_that_errs_is_asked_for_again_from_the_start(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow
) -> None:
    tracker = make(site, make_tracker, db_url, spn, 1)
    tracker.cycle()
    clock = Clock()
    spn.pending_polls, spn.job_error = 0, "error:invalid-host-resolution"
    witness(tracker, clock)
    clock.advance(10)
    witness(tracker, clock)
    [row] = rows(tracker)
    assert (row.state, row.job_id, row.attempts) == ("pending", None, 1)
    assert row.last_error == "error:invalid-host-resolution"
    spn.job_error = None
    clock.advance(61)
    witness(tracker, clock)
    clock.advance(10)
    assert witness(tracker, clock) == 1 and len(spn.saved) == 2
    [row] = rows(tracker)
    assert row.state == "captured" and row.last_error is None


def test_an_archive_that_does_not_answer_holds_no_check(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow
) -> None:
    """The witness job and a check cycle in one event loop, as in the daemon: while the
    archive holds the capture request open, a whole check cycle runs and stores a new
    version; only then is the archive let go."""
    tracker = make(site, make_tracker, db_url, spn, 1)
    tracker.cycle()
    [story] = site.stories.values()
    spn.hold.set()
    order: list[str] = []

    async def go() -> dict[str, int]:
        job = Witnesser(tracker.config, tracker.sessions, Clock(), owner="test", environ=ENV)
        try:
            ticking = asyncio.ensure_future(job.tick())
            await asyncio.to_thread(spn.arrived.wait, 30)
            order.append("archive holds the capture")
            story.paragraphs.append("Update: the minister resigned on Friday evening.")
            async with runtime_for(tracker.config, tracker.sessions, lambda: datetime.now(UTC)) as runtime:
                outcomes = dict(await run_once(runtime, every_active=True))
            order.append("check cycle done" + (" (capture still held)" if not ticking.done() else ""))
            spn.release.set()
            await ticking
            order.append("capture answered")
            return outcomes
        finally:
            await job.aclose()

    assert asyncio.run(go()) == {"new_version": 1}
    assert order == ["archive holds the capture", "check cycle done (capture still held)", "capture answered"]
    # the new version's witness, queued by the check meanwhile, was asked in the same turn, after
    assert [w.state for w in rows(tracker)] == ["submitted", "submitted"] and len(spn.saved) == 2


def test_an_article_purged_while_its_archive_is_asked_leaves_nothing_behind(
    site: NewsSite, make_tracker: Any, db_url: str, spn: SavePageNow, caplog: pytest.LogCaptureFixture
) -> None:
    tracker = make(site, make_tracker, db_url, spn, 1)
    tracker.cycle()
    spn.hold.set()

    async def go() -> int:
        job = Witnesser(tracker.config, tracker.sessions, Clock(), owner="test", environ=ENV)
        try:
            ticking = asyncio.ensure_future(job.tick())
            await asyncio.to_thread(spn.arrived.wait, 30)
            with tracker.sessions.begin() as session:
                watching.purge(session, [a.id for a in history.list_articles(session)])
            spn.release.set()
            return await ticking
        finally:
            await job.aclose()

    assert asyncio.run(go()) == 0
    assert not [
        r for r in caplog.records if r.levelno >= logging.ERROR
    ]  # the answer had nowhere to go: no error
    assert rows(tracker) == []  # the witness went with its version
