"""What a run needs, built once by an entry point: wiring, and the extraction pool."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config
from tracker.core.confirm import CalmHosts
from tracker.core.furniture import Furniture
from tracker.core.urls import site_of
from tracker.errors import WorkersUnavailable
from tracker.extraction.extract import SiteRules
from tracker.extraction.worker import Analysis, analyze, ready
from tracker.fetch import Fetcher

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Runtime:
    """Config, database sessions, the HTTP client, the clock, this worker's name, and
    the extraction workers (`pool` makes them; None: extract in-process). A run keeps
    two pieces of state: `calm`, which hosts' first versions need no second fetch, and
    `furniture`, what it has seen of each host's template lines."""

    config: Config
    sessions: sessionmaker[Session]
    fetcher: Fetcher
    clock: Callable[[], datetime]
    owner: str = "tracker"
    pool: Callable[[], Executor] | None = None
    executor: Executor | None = field(default=None, init=False)
    calm: CalmHosts = field(default_factory=CalmHosts)
    furniture: Furniture = field(default_factory=Furniture)
    _calm_waiters: dict[str, list[asyncio.Future[None]]] = field(default_factory=dict, init=False)
    _workers_ready: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if self.pool is not None:
            self.executor = self.pool()

    async def start_workers(self, timeout: float = 120.0) -> None:
        """Have the extraction workers start (done by the first page to extract, so a run
        with nothing to extract never starts them): a machine that cannot start them (no
        memory, no processes left, a broken install) is told so in one line,
        `WorkersUnavailable`, instead of every check failing with a traceback."""
        if self.pool is None or self._workers_ready:
            return
        if self.executor is None:  # a start that failed before: try again
            self.executor = self.pool()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(timeout):
                await loop.run_in_executor(self.executor, ready)
            self._workers_ready = True
        except (BrokenProcessPool, OSError, TimeoutError) as error:
            self.executor.shutdown(wait=False, cancel_futures=True)
            self.executor = None
            why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise WorkersUnavailable(f"the extraction workers could not start ({why})") from None

    async def confirm_first(self, host: str) -> bool:
        """Whether a new article's first version on `host` is fetched twice (`CalmHosts`),
        waiting while the confirmations in flight may make the host calm. A True must be
        followed by `noted`."""
        while (decision := self.calm.decide(host)) is None:
            waiter = asyncio.get_running_loop().create_future()
            self._calm_waiters.setdefault(host, []).append(waiter)
            await waiter
        return decision

    def noted(self, host: str, agreed: bool | None) -> None:
        """A first version's confirmation is over: `CalmHosts.note`, and the decisions
        waiting for it are taken again."""
        self.calm.note(host, agreed)
        for waiter in self._calm_waiters.pop(host, []):
            if not waiter.done():
                waiter.set_result(None)

    async def analyze(self, html: str, url: str, volatile: frozenset[str]) -> Analysis:
        """Extract a page in the worker pool. A worker that died (the kernel's OOM killer, a
        crash in a parser) breaks the pool: new workers are started and the page is tried
        once more; should it break them again, that check fails and the daemon carries on."""
        rules = site_rules(self.config, url)
        if self.pool is not None and not self._workers_ready:
            await self.start_workers()
        executor = self.executor
        if executor is None:
            return analyze(html, url, rules, volatile)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, analyze, html, url, rules, volatile)
        except BrokenProcessPool:
            self._renew(executor)
            assert self.executor is not None
            return await loop.run_in_executor(self.executor, analyze, html, url, rules, volatile)

    def _renew(self, broken: Executor) -> None:
        if self.executor is not broken or self.pool is None:
            return  # another check has already started new workers
        log.error("an extraction worker died; starting new workers")
        broken.shutdown(wait=False, cancel_futures=True)
        self.executor = self.pool()


def site_rules(config: Config, url: str) -> SiteRules | None:
    """The config's overrides for the site of `url`, as extraction takes them."""
    rules = config.site_rules(site_of(url))
    return SiteRules(drop=rules.drop, keep=rules.keep) if rules else None
