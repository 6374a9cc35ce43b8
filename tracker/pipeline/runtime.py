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
from tracker.extraction.extract import SiteRules
from tracker.extraction.worker import Analysis, analyze
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

    def __post_init__(self) -> None:
        if self.pool is not None:
            self.executor = self.pool()

    async def analyze(self, html: str, url: str, volatile: frozenset[str]) -> Analysis:
        """Extract a page in the worker pool. A worker that died (the kernel's OOM killer, a
        crash in a parser) breaks the pool: new workers are started and the page is tried
        once more; should it break them again, that check fails and the daemon carries on."""
        rules = site_rules(self.config, url)
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
