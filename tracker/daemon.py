"""Running tracker: one cycle, or the daemon.

APScheduler (AsyncIOScheduler) runs two ticks: polling due sources, and
checking due articles. The schedule itself lives in tracker's tables
(`articles.next_check_at`, `source_endpoints.next_poll_at`); a tick asks the
database what is due, leases it and checks it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from multiprocessing import get_context

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config
from tracker.discovery import poll_sources
from tracker.errors import DatabaseError, WorkersUnavailable
from tracker.extraction.worker import die_with_parent
from tracker.fetch import Fetcher
from tracker.pipeline import LEASE, CheckResult, Deferred, Runtime, check_articles
from tracker.store import db, leases
from tracker.store.db import transaction
from tracker.store.ledger import ledger_for
from tracker.store.models import ArticleStatus

log = logging.getLogger(__name__)

POLL_TICK_SECONDS = 60
HEARTBEAT_SECONDS = 300  # the daemon says it is alive, and how it is doing, this often
REQUESTS_PER_CHECK = 1.5  # a first version is confirmed by a second fetch, sometimes a third
STOP_GRACE_SECONDS = 25


@asynccontextmanager
async def runtime_for(
    config: Config,
    sessions: sessionmaker[Session],
    clock: Callable[[], datetime],
    *,
    processes: int | None = None,
) -> AsyncIterator[Runtime]:
    """A Runtime with its HTTP client and, when `processes` is set, an extraction pool."""
    pool = None
    if processes:
        pool = partial(
            ProcessPoolExecutor,
            processes,
            mp_context=get_context("spawn"),
            initializer=die_with_parent,
            initargs=(os.getpid(),),
        )
    runtime = None
    try:
        async with Fetcher(config.fetch, ledger=ledger_for(sessions)) as fetcher:
            runtime = Runtime(config, sessions, fetcher, clock, owner=worker_name(), pool=pool)
            yield runtime
    finally:
        if runtime is not None and runtime.executor is not None:
            runtime.executor.shutdown(wait=True, cancel_futures=True)


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
    runtime: Runtime, *, every_active: bool = False, on_batch: Callable[[int], None] | None = None
) -> Counter[str]:
    """Poll every source, then check every due article (every active one not checked
    since this cycle began, with `every_active`); returns how many checks ended with each
    outcome. Several workers share the work through claims and leases, as daemons do;
    checks whose host's turn did not come in a batch are claimed again by the next one,
    until a batch gets no check done (hosts held back for longer than a batch).
    `on_batch` hears how many checks each batch finished (a progress display)."""
    began = runtime.clock()
    release_dead_leases(runtime)
    await poll_sources(runtime, every_endpoint=True)
    outcomes: Counter[str] = Counter()
    while True:
        results = await check_due(runtime, every_active=every_active, checked_before=began)
        outcomes.update(r.outcome.value for r in results)
        if on_batch is not None:
            on_batch(sum(r.outcome != Deferred.POSTPONED for r in results))
        if not _progress(results):
            break
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
    runtime: Runtime, *, every_active: bool = False, checked_before: datetime | None = None
) -> list[CheckResult]:
    """Lease one batch of due articles, planned within each host's politeness budget,
    and check them (postponed ones come back as such: they stay due)."""
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
        )
    if not ids:
        return []
    try:
        return await check_articles(runtime, ids, not_after=batch.not_after)
    finally:
        with transaction(runtime.sessions) as session:
            leases.release(session, ids, runtime.owner)


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


async def run_forever(runtime: Runtime, stop: asyncio.Event) -> None:
    """The daemon: ticks until `stop` is set, then finishes what is in flight."""
    running: set[asyncio.Future[object]] = set()
    polls: set[asyncio.Future[object]] = set()  # cancelled at once on stop: their batches are committed

    engine = runtime.sessions.kw["bind"]
    identity = db.file_identity(engine)  # the SQLite file this daemon opened
    lost: list[str] = []

    async def tick(work: Callable[[], Awaitable[object]], cancel_on_stop: bool) -> None:
        if stop.is_set():
            return
        if identity is not None and db.file_identity(engine) != identity:
            # deleted or replaced: SQLite would go on writing into the unlinked file
            lost.append(
                f"the database file {db.sqlite_path(engine)} was deleted or replaced while the daemon ran"
            )
            stop.set()
            return
        task = asyncio.ensure_future(work())
        running.add(task)
        if cancel_on_stop:
            polls.add(task)
        try:
            await asyncio.shield(task)  # shutting the scheduler down must not cut a check in half
        except OperationalError as error:  # locked, gone, unreachable: wait for the next tick
            log.error("database unavailable (%s); trying again at the next tick", db.describe_error(error))
        except WorkersUnavailable as error:  # no memory or processes left, perhaps for a moment
            log.error("%s; trying again at the next tick", error)
        except asyncio.CancelledError:
            if not stop.is_set():
                raise
        except Exception:
            log.exception("tick failed; the daemon carries on")
        finally:
            running.discard(task)
            polls.discard(task)

    since_heartbeat: Counter[str] = Counter()  # check outcomes since the last heartbeat

    async def check_tick() -> None:
        while not stop.is_set() and _progress(results := await check_due(runtime)):
            outcomes = Counter(r.outcome.value for r in results)
            since_heartbeat.update(outcomes)
            log.info("batch checked=%d %s", len(results), _pairs(outcomes))

    async def heartbeat() -> None:
        from tracker.read.health import article_counts

        with transaction(runtime.sessions) as session:
            by_status, due = article_counts(session, runtime.clock())
        poll = scheduler.get_job("poll")
        next_poll = poll.next_run_time.strftime("%H:%M:%S") if poll and poll.next_run_time else "-"
        log.info(
            "heartbeat articles=%d due_now=%d next_poll=%s last_%dm: %s",
            by_status.get(ArticleStatus.ACTIVE, 0), due, next_poll, HEARTBEAT_SECONDS // 60,
            _pairs(since_heartbeat) or "no checks",
        )  # fmt: skip
        since_heartbeat.clear()

    release_dead_leases(runtime)
    scheduler = AsyncIOScheduler(timezone="UTC")
    first = runtime.clock()

    def every(
        seconds: float, work: Callable[[], Awaitable[object]], name: str, *, cancel_on_stop: bool = False
    ) -> None:
        """A tick at this interval, the first one now; a tick still running is not doubled.
        `cancel_on_stop`: cut at once when the daemon stops (a poll), not finished."""
        scheduler.add_job(
            tick, "interval", args=[work, cancel_on_stop], seconds=seconds, next_run_time=first,
            max_instances=1, coalesce=True, id=name,
        )  # fmt: skip

    every(POLL_TICK_SECONDS, lambda: poll_sources(runtime), "poll", cancel_on_stop=True)
    every(runtime.config.schedule.tick.total_seconds(), check_tick, "check")
    every(HEARTBEAT_SECONDS, heartbeat, "heartbeat")
    notifier = None
    if runtime.config.notify.webhooks or runtime.config.notify.apprise:
        from tracker.notify import Notifier

        notifier = Notifier(runtime.config, runtime.sessions, runtime.clock, owner=runtime.owner)

        async def notify_tick() -> None:
            assert notifier is not None
            if sent := await notifier.tick():
                log.info("notify sent=%d", sent)

        every(runtime.config.notify.interval.total_seconds(), notify_tick, "notify")
    scheduler.start()
    log.info("tracker daemon %s running", runtime.owner)
    await stop.wait()
    log.info("stopping: finishing %d running ticks", len(running))
    scheduler.pause()  # no new ticks; the running ones end after their batch (stop is set: no new claims)
    runtime.fetcher.turns.postpone_all()  # checks still waiting for their host's turn stay due
    for task in polls:  # a poll stops between two batches of its entries, losing nothing
        task.cancel()
    if running:
        _done, pending = await asyncio.wait(set(running), timeout=STOP_GRACE_SECONDS)
        for task in pending:
            task.cancel()
    scheduler.shutdown(wait=False)
    if notifier is not None:
        await notifier.aclose()
    if lost:
        log.error("%s: stopped (nothing more could be stored)", lost[0])
        raise DatabaseError(f"{lost[0]}: the daemon stopped; restore the file, or `tracker init` a new one")
    log.info("tracker daemon stopped")


def _pairs(outcomes: Counter[str]) -> str:
    """Outcome counts as key=value pairs, for logs that are read by programs too."""
    return " ".join(f"{outcome}={count}" for outcome, count in sorted(outcomes.items()))
