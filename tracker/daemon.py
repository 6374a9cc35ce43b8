"""Running tracker: one cycle (`run_once`), or the daemon (`Daemon`).

The daemon's ticks (APScheduler's AsyncIOScheduler) poll due sources, check due
articles, say how it is doing (the heartbeat), send notifications, tend the
captures' storage and the checks' (dictionaries, old checks folded into daily counts,
retention: `tracker.store.retention`) and ask
archives to witness new versions (`tracker.witness`: a job of its own, so no check
waits on an archive). The
schedule itself lives in tracker's tables (`articles.next_check_at`,
`source_endpoints.next_poll_at`); a tick asks the database what is due, leases
it and checks it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config
from tracker.discovery import poll_sources
from tracker.errors import DatabaseError, WorkersUnavailable
from tracker.fetch import Fetcher
from tracker.pipeline import LEASE, CheckResult, Deferred, ExtractionPool, Runtime, check_articles
from tracker.store import db, leases, retention
from tracker.store.db import transaction
from tracker.store.ledger import ledger_for
from tracker.store.models import ArticleStatus, Capture

if TYPE_CHECKING:
    from tracker.notify import Notifier
    from tracker.witness import Witnesser

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[object]]  # what one tick does

POLL_TICK_SECONDS = 60
HEARTBEAT_SECONDS = 300  # the daemon says it is alive, and how it is doing, this often
REQUESTS_PER_CHECK = 1.5  # a first version is confirmed by a second fetch, sometimes a third
STOP_GRACE_SECONDS = 25
STORAGE_TICK_SECONDS = 600  # dictionaries trained, retention applied: bounded batches, in a thread
STORAGE_DELAY = timedelta(seconds=60)  # the first storage tick: after the first checks, not with them


@asynccontextmanager
async def runtime_for(
    config: Config,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    *,
    processes: int | None = None,
    keep_checking: bool = False,
) -> AsyncIterator[Runtime]:
    """A Runtime with its HTTP client and, when `processes` is set, an extraction pool,
    both closed when the run ends."""
    pool = ExtractionPool.spawning(processes) if processes else None
    try:
        async with Fetcher(config.fetch, ledger=ledger_for(sessions)) as fetcher:
            yield Runtime(
                config, sessions, fetcher, clock, owner=worker_name(), pool=pool, keep_checking=keep_checking
            )
    finally:
        if pool is not None:
            pool.close()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def extraction_processes() -> int:
    return max(1, (os.cpu_count() or 1))


async def run_once(
    runtime: Runtime,
    *,
    every_active: bool = False,
    on_batch: Callable[[int], None] | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    on_polled: Callable[[], None] | None = None,
) -> Counter[str]:
    """Poll every source, then check every due article (every active one not checked
    since this cycle began, with `every_active`); returns how many checks ended with each
    outcome. Several workers share the work through claims and leases, as daemons do;
    checks whose host's turn did not come in a batch are claimed again by the next one,
    until a batch gets no check done (hosts held back for longer than a batch).
    `on_batch` hears how many checks each batch finished, `on_check` each check as it
    ends (a progress display that advances per check, not per batch), `on_polled` that
    the sources were polled (the articles they listed are due now: the work is known)."""
    began = runtime.clock()
    release_dead_leases(runtime)
    await poll_sources(runtime, every_endpoint=True)
    if on_polled is not None:
        on_polled()
    outcomes: Counter[str] = Counter()
    while True:
        results = await check_due(runtime, every_active=every_active, checked_before=began, on_check=on_check)
        outcomes.update(r.outcome.value for r in results)
        if on_batch is not None:
            on_batch(sum(r.outcome != Deferred.POSTPONED for r in results))
        if not _progress(results):
            break
    try:
        await tend_storage(runtime)
    except OperationalError as error:  # the cycle's work is stored: the next run tends it
        log.error("storage job not run (%s)", db.describe_error(error))
    log.info("cycle checked=%d %s", sum(outcomes.values()) - outcomes["postponed"], _pairs(outcomes))
    return outcomes


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """One batch within the politeness budget: it must end by `not_after` (monotonic), so
    each host gets no more checks than it can answer by then at its pace, and the batch's
    leases outlive its queue (a confirmation and an arbitration may follow the last turn)."""

    not_after: float
    lease: timedelta
    per_host: Callable[[str], int]


def plan_batch(runtime: Runtime) -> BatchPlan:
    schedule, fetch = runtime.config.schedule, runtime.config.fetch
    seconds = schedule.batch_time.total_seconds()
    not_after = time.monotonic() + seconds
    turns = runtime.fetcher.turns

    def per_host(host: str) -> int:
        if turns.free_at(host) > not_after:
            return 0  # held back (Retry-After) past this batch: leave its checks due
        delay = turns.delay_of(host)
        if delay <= 0:
            return schedule.batch_size
        return max(1, int(seconds / (delay * REQUESTS_PER_CHECK)))

    lease = max(LEASE, schedule.batch_time + 6 * fetch.timeout + timedelta(minutes=1))
    return BatchPlan(not_after, lease, per_host)


async def check_due(
    runtime: Runtime,
    *,
    every_active: bool = False,
    checked_before: datetime | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Lease one batch of due articles, planned within each host's politeness budget,
    and check them (postponed ones come back as such: they stay due); `on_check` hears
    each check as it ends."""
    batch = plan_batch(runtime)
    with transaction(runtime.sessions) as session:
        ids = leases.claim_due(
            session,
            now=runtime.clock(),
            owner=runtime.owner,
            lease=batch.lease,
            limit=runtime.config.schedule.batch_size,
            per_host=batch.per_host,
            every_active=every_active,
            checked_before=checked_before,
            keep_checking=runtime.keep_checking,
        )
    if not ids:
        return []
    try:
        return await check_articles(runtime, ids, not_after=batch.not_after, on_check=on_check)
    finally:
        with transaction(runtime.sessions) as session:
            leases.release(session, ids, runtime.owner)


def archive_for(config: Config, now: datetime) -> retention.Archive | None:
    """The WARC step of the `warc:<dir>` retention setting: the captures' bodies written
    into a new WARC file under the directory (`tracker.read.warc.archive`, on disk before
    it returns), or None when bodies are not moved. A body that cannot be read is left
    where it is, and said."""
    directory = config.database.warc_directory
    if directory is None:
        return None
    from tracker.read.warc import archive
    from tracker.store import captures
    from tracker.store.bodies import CorruptBody

    def move(old: Sequence[Capture]) -> Mapping[int, str]:
        batch = []
        for capture in old:
            try:
                content = captures.body(capture)
            except CorruptBody as error:
                log.error("capture %d not moved to WARC: %s", capture.id, error)
                continue
            if content is not None:
                batch.append((capture, content))
        return archive(directory, batch, now=now)

    return move


async def tend_storage(runtime: Runtime, going_on: Callable[[], bool] = lambda: True) -> retention.Pruned:
    """The storage job once, in a thread (training a dictionary takes tens of
    milliseconds; retention runs in batches of its own transactions), off the checks."""
    config, now = runtime.config, runtime.clock()
    return await asyncio.to_thread(
        retention.tend, runtime.sessions, config.database, now,
        archive=archive_for(config, now), going_on=going_on,
    )  # fmt: skip


def release_dead_leases(runtime: Runtime) -> None:
    """Any process that starts gives back the leases of a tracker of this machine that is
    gone (killed mid-cycle): its articles are due again now, not when the leases expire."""
    with transaction(runtime.sessions) as session:
        released = leases.release_dead_leases(session, socket.gethostname(), process_alive)
    if released:
        log.info("released %d leases of a daemon of this machine that is gone", released)


def _progress(results: list[CheckResult]) -> bool:
    """Whether a batch got any check done (not only postponements)."""
    return any(r.outcome != Deferred.POSTPONED for r in results)


class Daemon:
    """The daemon, in the shape of uvicorn's `Server`: `run` is startup, ticks until
    `stop` is set, then shutdown. APScheduler runs the ticks (poll, check, heartbeat,
    notify); a tick that fails is logged and the next one tries again."""

    def __init__(self, runtime: Runtime, engine: Engine, stop: asyncio.Event) -> None:
        self.runtime = runtime
        self.engine = engine
        self.stop = stop
        self._identity = db.file_identity(engine)  # the SQLite file this daemon opened
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._notifier: Notifier | None = None
        self._witnesser: Witnesser | None = None
        self._running: set[asyncio.Future[object]] = set()
        self._polls: set[asyncio.Future[object]] = set()  # cut at once on stop: their batches are committed
        self._since_heartbeat: Counter[str] = Counter()  # check outcomes since the last heartbeat
        self._lost: str | None = None  # why the daemon stopped itself: its database file is gone

    async def run(self) -> None:
        """Tick until `stop` is set, then finish what is in flight."""
        self._startup()
        log.info("tracker daemon %s running", self.runtime.owner)
        await self.stop.wait()
        await self._shutdown()
        if self._lost is not None:
            log.error("%s: stopped (nothing more could be stored)", self._lost)
            raise DatabaseError(
                f"{self._lost}: the daemon stopped; restore the file, or `tracker init` a new one"
            )
        log.info("tracker daemon stopped")

    def _startup(self) -> None:
        """Give back the leases of dead daemons, then start the ticks, the first ones now."""
        runtime = self.runtime
        release_dead_leases(runtime)
        first = runtime.clock()
        self._every(POLL_TICK_SECONDS, partial(poll_sources, runtime), "poll", first, cancel_on_stop=True)
        self._every(runtime.config.schedule.tick.total_seconds(), self._check_tick, "check", first)
        self._every(HEARTBEAT_SECONDS, self._heartbeat, "heartbeat", first)
        self._every(STORAGE_TICK_SECONDS, self._storage_tick, "storage", first + STORAGE_DELAY)
        if runtime.config.notify.webhooks or runtime.config.notify.apprise:
            from tracker.notify import Notifier

            self._notifier = Notifier(runtime.config, runtime.sessions, runtime.clock, owner=runtime.owner)
            self._every(runtime.config.notify.interval.total_seconds(), self._notify_tick, "notify", first)
        if runtime.config.witness.destinations:
            from tracker.witness import Witnesser

            self._witnesser = Witnesser(runtime.config, runtime.sessions, runtime.clock, owner=runtime.owner)
            self._every(runtime.config.witness.interval.total_seconds(), self._witness_tick, "witness", first)
        self._scheduler.start()

    def _every(
        self, seconds: float, work: Work, name: str, first: datetime, *, cancel_on_stop: bool = False
    ) -> None:
        """A tick at this interval from `first`; a tick still running is not doubled.
        `cancel_on_stop`: cut at once when the daemon stops (a poll), not finished."""
        self._scheduler.add_job(
            self._tick, "interval", args=[work, cancel_on_stop], seconds=seconds, next_run_time=first,
            max_instances=1, coalesce=True, id=name,
        )  # fmt: skip

    async def _tick(self, work: Work, cancel_on_stop: bool) -> None:
        """Run one tick's work, unless the daemon is stopping or its database file is gone."""
        if self.stop.is_set() or self._database_lost():
            return
        task = asyncio.ensure_future(work())
        self._running.add(task)
        if cancel_on_stop:
            self._polls.add(task)
        try:
            await asyncio.shield(task)  # shutting the scheduler down must not cut a check in half
        except OperationalError as error:  # locked, gone, unreachable: wait for the next tick
            log.error("database unavailable (%s); trying again at the next tick", db.describe_error(error))
        except WorkersUnavailable as error:  # no memory or processes left, perhaps for a moment
            log.error("%s; trying again at the next tick", error)
        except asyncio.CancelledError:
            if not self.stop.is_set():
                raise
        except Exception:
            log.exception("tick failed; the daemon carries on")
        finally:
            self._running.discard(task)
            self._polls.discard(task)

    def _database_lost(self) -> bool:
        """Whether the SQLite file was deleted or replaced (SQLite would go on writing into
        the unlinked file); if so, the daemon stops."""
        if self._identity is None or db.file_identity(self.engine) == self._identity:
            return False
        path = db.sqlite_path(self.engine)
        self._lost = f"the database file {path} was deleted or replaced while the daemon ran"
        self.stop.set()
        return True

    async def _check_tick(self) -> None:
        """Check batches of due articles until one gets no check done."""
        while not self.stop.is_set() and _progress(results := await check_due(self.runtime)):
            outcomes = Counter(r.outcome.value for r in results)
            self._since_heartbeat.update(outcomes)
            log.info("batch checked=%d %s", len(results), _pairs(outcomes))

    async def _heartbeat(self) -> None:
        """Say the daemon is alive, and how it is doing (tests and docs read this line)."""
        from tracker.read.health import article_counts
        from tracker.read.sources import failing_endpoints

        with transaction(self.runtime.sessions) as session:
            by_status, due = article_counts(session, self.runtime.clock())
            failing = failing_endpoints(session)
        poll = self._scheduler.get_job("poll")
        next_poll = poll.next_run_time.strftime("%H:%M:%S") if poll and poll.next_run_time else "-"
        log.info(
            "heartbeat articles=%d due_now=%d next_poll=%s failing_endpoints=%d last_%dm: %s",
            by_status.get(ArticleStatus.ACTIVE, 0), due, next_poll, failing, HEARTBEAT_SECONDS // 60,
            _pairs(self._since_heartbeat) or "no checks",
        )  # fmt: skip
        self._since_heartbeat.clear()

    async def _storage_tick(self) -> None:
        await tend_storage(self.runtime, going_on=lambda: not self.stop.is_set())

    async def _notify_tick(self) -> None:
        if self._notifier is not None and (sent := await self._notifier.tick()):
            log.info("notify sent=%d", sent)

    async def _witness_tick(self) -> None:
        if self._witnesser is not None and (landed := await self._witnesser.tick()):
            log.info("witness captured=%d", landed)

    async def _shutdown(self) -> None:
        """No new ticks; polls are cut at once (a poll stops between two batches of its
        entries, losing nothing), checks still waiting for their host's turn stay due,
        and the running ones get `STOP_GRACE_SECONDS` to finish."""
        log.info("stopping: finishing %d running ticks", len(self._running))
        self._scheduler.pause()
        self.runtime.fetcher.turns.postpone_all()
        for task in self._polls:
            task.cancel()
        if self._running:
            _done, pending = await asyncio.wait(set(self._running), timeout=STOP_GRACE_SECONDS)
            for task in pending:
                task.cancel()
        self._scheduler.shutdown(wait=False)
        if self._notifier is not None:
            await self._notifier.aclose()
        if self._witnesser is not None:
            await self._witnesser.aclose()


def _pairs(outcomes: Counter[str]) -> str:
    """Outcome counts as key=value pairs, for logs that are read by programs too."""
    return " ".join(f"{outcome}={count}" for outcome, count in sorted(outcomes.items()))
