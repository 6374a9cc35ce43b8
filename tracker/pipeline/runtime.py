"""What a run needs, built once by an entry point: wiring, and the extraction pool."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from multiprocessing import get_context

from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config
from tracker.core.confirm import CalmHosts
from tracker.core.urls import site_of
from tracker.errors import WorkersUnavailable
from tracker.extraction.extract import SiteRules
from tracker.extraction.worker import Analysis, analyze, die_with_parent, ready
from tracker.fetch import Fetcher

log = logging.getLogger(__name__)

START_TIMEOUT = 120.0  # seconds for the extraction workers to start


@dataclass(slots=True)
class Runtime:
    """Config, database sessions, the HTTP client, the clock, this worker's name, and
    the extraction workers (`pool`; None: extract in-process). A run keeps one piece
    of state: `calm`, which hosts' first versions need no second fetch (what it learns
    of a host's template is stored: `tracker.pipeline.template`)."""

    config: Config
    sessions: sessionmaker[Session]
    fetcher: Fetcher
    clock: Callable[[], datetime]
    owner: str = "tracker"
    pool: ExtractionPool | None = None
    keep_checking: bool = False  # `run --keep-checking`: stories of sources gone from the config too
    calm: CalmHosts = field(default_factory=CalmHosts)
    _calm_waiters: dict[str, list[asyncio.Future[None]]] = field(default_factory=dict, init=False)

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
        """Extract a page: in the worker pool when there is one, in-process otherwise."""
        rules = site_rules(self.config, url)
        if self.pool is None:
            return analyze(html, url, rules, volatile)
        return await self.pool.analyze(html, url, rules, volatile)


class ExtractionPool:
    """The extraction worker processes. They start with the first page to extract (a
    run with nothing to extract never starts them); a worker that dies is replaced by
    new workers; whoever made the pool closes it."""

    def __init__(self, make: Callable[[], Executor]) -> None:
        self._make = make
        self._executor: Executor | None = None
        self._ready = False

    @classmethod
    def spawning(cls, processes: int) -> ExtractionPool:
        """`processes` spawned workers, each of which ends when this process dies."""
        return cls(
            partial(
                ProcessPoolExecutor,
                processes,
                mp_context=get_context("spawn"),
                initializer=die_with_parent,
                initargs=(os.getpid(),),
            )
        )

    async def start(self, timeout: float = START_TIMEOUT) -> Executor:
        """The started workers. A machine that cannot start them (no memory, no processes
        left, a broken install) is told so in one line, `WorkersUnavailable`, instead of
        every check failing with a traceback; the next call tries again."""
        if self._ready and self._executor is not None:
            return self._executor
        executor = self._executor = self._executor or self._make()
        try:
            async with asyncio.timeout(timeout):
                await asyncio.get_running_loop().run_in_executor(executor, ready)
        except (BrokenProcessPool, OSError, TimeoutError) as error:
            executor.shutdown(wait=False, cancel_futures=True)
            if self._executor is executor:
                self._executor = None
            why = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
            raise WorkersUnavailable(f"the extraction workers could not start ({why})") from None
        self._ready = True
        return executor

    async def analyze(
        self, html: str, url: str, rules: SiteRules | None, volatile: frozenset[str]
    ) -> Analysis:
        """`worker.analyze` in a worker. A worker that died (the kernel's OOM killer, a
        crash in a parser) breaks the pool: new workers are started and the page is tried
        once more; should it break them again, that check fails and the daemon carries on."""
        executor = await self.start()
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(executor, analyze, html, url, rules, volatile)
        except BrokenProcessPool:
            executor = self._renew(executor)
            return await loop.run_in_executor(executor, analyze, html, url, rules, volatile)

    def close(self) -> None:
        """Stop the workers, cancelling what waits for them."""
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def _renew(self, broken: Executor) -> Executor:
        if self._executor is not broken and self._executor is not None:
            return self._executor  # another check has already started new workers
        log.error("an extraction worker died; starting new workers")
        broken.shutdown(wait=False, cancel_futures=True)
        self._executor = self._make()
        return self._executor


def site_rules(config: Config, url: str) -> SiteRules | None:
    """The config's overrides for the site of `url`, as extraction takes them."""
    rules = config.site_rules(site_of(url))
    return SiteRules(drop=rules.drop, keep=rules.keep) if rules else None
