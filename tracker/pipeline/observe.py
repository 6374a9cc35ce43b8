"""Steps 1 and 2, observe: what the site showed, as values.

The first fetch (conditional when a version exists), its quick look or its
extraction, and the confirming fetches a difference asks for: a second fetch at
once, and a third to arbitrate when those two disagree. Every fetch becomes a
`Seen`: a failure, a 304, or a page with what it holds (`Extracted`).

Nothing here writes. Three things are read, each only when needed: the
article's URLs when a quick look's page came from another URL, the last
version's hash when the plan left it unread, and the host's volatile text
again when two fetches disagree (other checks of the batch may have learned it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from tracker.config import Config
from tracker.core.confirm import without_volatile
from tracker.core.urls import site_of, try_normalize_url
from tracker.extraction import glance
from tracker.extraction.worker import Analysis, analyze
from tracker.fetch import Fetcher, FetchFailure, FetchResult, NotModified, Page
from tracker.pipeline.plan import Plan, Unread, read_baseline
from tracker.pipeline.runtime import Runtime, site_rules
from tracker.store import repository
from tracker.store.db import transaction


@dataclass(frozen=True, slots=True)
class Extracted:
    """A page and what it holds (or why it is not the article: `analysis.problem`)."""

    page: Page
    analysis: Analysis

    @property
    def good(self) -> bool:
        return not self.analysis.problem

    def content_hash(self, volatile: frozenset[str]) -> str:
        return without_volatile(self.analysis.extraction.content(), volatile).content_hash


Seen = FetchFailure | NotModified | Extracted


@dataclass(frozen=True, slots=True)
class First:
    """The first fetch, and when its request went out (the wait for the host's turn is
    not part of the check)."""

    result: FetchResult
    started: datetime
    began: float  # time.perf_counter() when the request went out

    def ms(self) -> int:
        return int((time.perf_counter() - self.began) * 1000)


@dataclass(frozen=True, slots=True)
class Quick:
    """A check the quick look found unchanged, to be written with the rest of its batch
    (what it keeps of the page is small: a batch may hold many)."""

    plan: Plan
    version_number: int
    final_url: str
    status: int
    size: int
    etag: str | None
    last_modified: str | None
    started: datetime
    duration_ms: int


@dataclass(frozen=True, slots=True)
class Observation:
    """Everything one check saw: the first fetch and the confirmations, and its times."""

    plan: Plan
    first: Seen
    started: datetime
    began: float
    confirmations: tuple[Seen, ...] = ()

    def ms(self) -> int:
        return int((time.perf_counter() - self.began) * 1000)


async def fetch_first(runtime: Runtime, plan: Plan) -> First:
    """The first fetch. Raises `Postponed` when the host's turn did not come in time."""
    result = await runtime.fetcher.fetch(
        plan.url, etag=plan.etag, last_modified=plan.last_modified, not_after=plan.not_after
    )
    started = runtime.clock() - timedelta(milliseconds=result.elapsed_ms)
    return First(result, started, time.perf_counter() - result.elapsed_ms / 1000)


def quick_look(runtime: Runtime, plan: Plan, first: First) -> Quick | None:
    """The page's fingerprint is the one kept at the last version: unchanged, unextracted."""
    page, trusted = first.result, plan.baseline
    if not isinstance(trusted, Unread) or not isinstance(page, Page):
        return None
    if not _reaches_its_article(runtime, plan, page):
        return None
    rules = site_rules(runtime.config, page.final_url)
    if glance.fingerprint(page.html(), trusted.look.places, plan.volatile, rules) != trusted.look.fingerprint:
        return None
    return Quick(
        plan,
        trusted.number,
        page.final_url,
        page.status,
        page.size,
        page.etag,
        page.last_modified,
        first.started,
        first.ms(),
    )


def _reaches_its_article(runtime: Runtime, plan: Plan, page: Page) -> bool:
    """The page came from the article's own URL or one of its aliases. A redirect
    elsewhere (a slug changed, perhaps to a URL tracked as another article) must be
    judged: the quick look would take it for the same page and never join the two."""
    final = try_normalize_url(page.final_url)
    if final is None or final == plan.url:
        return True
    with transaction(runtime.sessions) as session:
        owner = repository.find_article(session, final)
        return owner is not None and owner.id == plan.article_id


async def observe(runtime: Runtime, plan: Plan, first: First) -> Observation:
    """Extract the first fetch; when it differs from the last version, confirm it."""
    seen = await analyzed(runtime, first.result, plan.volatile)
    if not (isinstance(seen, Extracted) and seen.good):
        return Observation(plan, seen, first.started, first.began)
    latest_hash = read_baseline(runtime.sessions, plan)
    confirmations: tuple[Seen, ...] = ()
    if seen.content_hash(plan.volatile) != latest_hash:
        confirmations = await _confirmations(runtime, plan, seen, first_version=latest_hash is None)
    return Observation(plan, seen, first.started, first.began, confirmations)


async def _confirmations(
    runtime: Runtime, plan: Plan, first: Extracted, *, first_version: bool
) -> tuple[Seen, ...]:
    """A second fetch at once, and a third when those two disagree on something the
    host is not known to vary. A new article's first version on a calm host needs none
    (`CalmHosts`), and each first version's confirmation teaches the host's calm."""
    host = site_of(plan.url)
    if first_version and not await runtime.confirm_first(host):
        return ()
    agreed: bool | None = None  # None: the confirmation says nothing of the host's chrome
    try:
        second = await _second_fetch(runtime, plan, first)
        if not (isinstance(second, Extracted) and second.good):
            return (second,)
        agreed = not _disagree(first, second, plan.volatile) or not _disagree(
            first, second, _volatile_now(runtime, host, plan.volatile)
        )
        if agreed:
            return (second,)
        third = await runtime.fetcher.fetch(plan.url, urgent=True)
        return second, await analyzed(runtime, third, plan.volatile)
    finally:
        if first_version:
            runtime.noted(host, agreed)


async def _second_fetch(runtime: Runtime, plan: Plan, first: Extracted) -> Seen:
    """The second fetch. When the first fetch's quick look shows it the same page, it is
    not extracted again: it would give the first fetch's extraction."""
    result = await runtime.fetcher.fetch(plan.url, urgent=True)
    look = first.analysis.look
    if isinstance(result, Page) and look is not None:
        rules = site_rules(runtime.config, result.final_url)
        if glance.fingerprint(result.html(), look.places, plan.volatile, rules) == look.fingerprint:
            return Extracted(result, first.analysis)
    return await analyzed(runtime, result, plan.volatile)


def _disagree(first: Extracted, second: Extracted, volatile: frozenset[str]) -> bool:
    return first.content_hash(volatile) != second.content_hash(volatile)


def _volatile_now(runtime: Runtime, host: str, volatile: frozenset[str]) -> frozenset[str]:
    """The host's volatile text as the database has it now: a plan's was read when its
    batch began, and other checks of the batch may have learned more since."""
    with transaction(runtime.sessions) as session:
        return volatile | repository.volatile_shapes(session, host)


async def analyzed(runtime: Runtime, result: FetchResult, volatile: frozenset[str]) -> Seen:
    """The fetch with its page extracted (in the worker pool) and its quick look learned."""
    if isinstance(result, Page):
        return Extracted(result, await runtime.analyze(result.html(), result.final_url, volatile))
    return result


async def peek(config: Config, fetcher: Fetcher, url: str) -> Seen:
    """One fetch and extraction of `url` as a check would see it, in this process, with
    nothing read or stored (`tracker check --dry-run`)."""
    result = await fetcher.fetch(url)
    if isinstance(result, Page):
        return Extracted(
            result, analyze(result.html(), result.final_url, site_rules(config, result.final_url))
        )
    return result
