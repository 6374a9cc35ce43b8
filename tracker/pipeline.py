"""Checking articles: fetch -> extract -> normalize -> compare -> confirm -> store.

One check of one article, in order:

1. fetch the page (conditional when a version exists); when the quick look
   (`tracker.glance`) finds the page's fingerprint unchanged, the check is
   "unchanged" without extracting it, and such checks are written together at
   the end of the batch; otherwise extract it;
2. a failed fetch is recorded as a check (error, or gone for 404/410) and backs off;
   a page that is not the article (challenge, error page, cut off) is a soft error;
3. the content, without the host's learned volatile text, is compared with the
   latest version's: the same, the check is "unchanged";
4. different (or no version yet): the page is fetched again at once and only
   what both fetches agree on counts (see `tracker.confirm`); a second page
   whose quick look matches the first's is not extracted again. When those two
   disagree, a third fetch arbitrates: what still differs between the second
   and third is the host's volatile text and is learned; an editor's change
   that landed between the first two fetches is stable from the second on, so
   it is stored, never learned as chrome;
5. the page's identity keys may say it is a story tracked under another URL:
   a new URL then joins that article instead of starting a second history;
6. a body that collapsed against the last version is a soft error; otherwise a
   new version and its revision are stored together;
7. the next check is scheduled by the policy.

Each article is stored in its own transaction, so a failure loses nothing else
and never leaves a partial version (quick unchanged checks store no version and
share one transaction). Unexpected errors become a recorded check.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker import glance, repository
from tracker.analysis import Analysis, analyze
from tracker.config import Config
from tracker.confirm import agree, volatile_shapes, without_volatile
from tracker.db import describe_error, transaction
from tracker.diff import Changes, compare
from tracker.extract import Extraction, SiteRules
from tracker.fetch import Fetcher, FetchFailure, FetchResult, NotModified, Page, Postponed
from tracker.identity import identity_keys, site_of
from tracker.models import Article, ArticleStatus, Check, Outcome
from tracker.normalize import Content, content_of
from tracker.policy import next_check_at
from tracker.soft_errors import collapsed
from tracker.urls import try_normalize_url

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
GONE_RECHECK = timedelta(days=1)
LEASE = timedelta(minutes=10)


class Deferred(StrEnum):
    """A check that did not happen: its host's turn did not come before its batch ended.
    Nothing is recorded; the article stays due."""

    POSTPONED = "postponed"


@dataclass(frozen=True, slots=True)
class CheckResult:
    article_id: int
    url: str
    outcome: Outcome | Deferred
    version_number: int | None = None
    changed: tuple[str, ...] = ()
    error_kind: str | None = None
    message: str | None = None


@dataclass(slots=True)
class Runtime:
    """What a run needs, built once by an entry point."""

    config: Config
    sessions: sessionmaker[Session]
    fetcher: Fetcher
    clock: Callable[[], datetime]
    owner: str = "tracker"
    pool: Callable[[], Executor] | None = None  # makes the extraction workers; None: extract in-process
    executor: Executor | None = field(default=None, init=False)
    # per host: first versions whose confirming fetch showed the same page, in a row;
    # None once a host's two fetches of a page have disagreed (see `_confirm_first`)
    calm: dict[str, int | None] = field(default_factory=dict)

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


@dataclass(frozen=True, slots=True)
class Fetched:
    """One fetch of a page and, when it was a page, what it holds."""

    result: FetchResult
    analysis: Analysis | None = None

    @property
    def good(self) -> bool:
        return isinstance(self.result, Page) and self.analysis is not None and not self.analysis.problem


@dataclass(slots=True)
class _Task:
    article_id: int
    url: str
    etag: str | None
    last_modified: str | None
    latest_hash: str | None
    volatile: frozenset[str] = field(default_factory=frozenset)
    look: glance.Look | None = None  # set when this check may trust a quick look
    latest_number: int | None = None
    baseline_known: bool = True
    not_after: float | None = None  # the first fetch's turn must come before this (monotonic)


@dataclass(frozen=True, slots=True)
class _Quick:
    """A check the quick look found unchanged, to be written with the rest of its batch
    (what it keeps of the page is small: a batch may hold many)."""

    task: _Task
    final_url: str
    status: int
    size: int
    etag: str | None
    last_modified: str | None
    started: datetime
    duration_ms: int

    @classmethod
    def of(cls, task: _Task, page: Page, started: datetime, duration_ms: int) -> _Quick:
        return cls(
            task, page.final_url, page.status, page.size, page.etag, page.last_modified, started, duration_ms
        )


async def check_articles(
    runtime: Runtime, article_ids: list[int], *, not_after: float | None = None
) -> list[CheckResult]:
    """Check these articles concurrently (the fetcher bounds what is in flight and keeps
    each host's pace). A check whose first request cannot get its host's turn before
    `not_after` (`time.monotonic()`) is postponed: nothing is recorded, it stays due."""
    full_every = runtime.config.schedule.full_extraction_every
    with transaction(runtime.sessions) as session:
        volatile: dict[str, frozenset[str]] = {}
        tasks = [_task(session, article_id, volatile, full_every) for article_id in article_ids]
    for task in tasks:
        if task is not None:
            task.not_after = not_after
    done = await asyncio.gather(*(_check(runtime, task) for task in tasks if task))
    results = [r for r in done if isinstance(r, CheckResult)]
    quick = [r for r in done if isinstance(r, _Quick)]
    if quick:
        results.extend(_store_quick(runtime, quick))
    return results


def _task(
    session: Session, article_id: int, volatile: dict[str, frozenset[str]], full_every: int = 1
) -> _Task | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    host = site_of(article.url)
    if host not in volatile:
        volatile[host] = repository.volatile_shapes(session, host)
    if (
        article.look_fingerprint
        and article.look_places
        and article.status == ArticleStatus.ACTIVE
        and article.quick_checks + 1 < full_every
        and (number := repository.latest_version_number(session, article_id)) is not None
    ):  # the last version is read only if the quick look fails
        look = glance.Look(tuple(json.loads(article.look_places)), article.look_fingerprint)
        return _Task(
            article.id, article.url, article.etag, article.last_modified, None, volatile[host], look, number,
            baseline_known=False,
        )  # fmt: skip
    latest = repository.latest_version(session, article_id)
    baseline = without_volatile(content_of(latest), volatile[host]) if latest else None
    return _Task(
        article.id,
        article.url,
        article.etag if latest else None,
        article.last_modified if latest else None,
        baseline.content_hash if baseline else None,
        volatile[host],
    )


def _baseline_hash(runtime: Runtime, task: _Task) -> str | None:
    with transaction(runtime.sessions) as session:
        latest = repository.latest_version(session, task.article_id)
        return without_volatile(content_of(latest), task.volatile).content_hash if latest else None


async def _arbitrating_fetch(runtime: Runtime, task: _Task) -> Fetched:
    """The third fetch, when the first two disagree."""
    return await _analyzed(runtime, await runtime.fetcher.fetch(task.url, urgent=True), task.volatile)


CALM_AFTER = 20  # first versions confirmed without a difference before a host counts as calm
CALM_SAMPLE = 10  # a calm host's first versions are still confirmed one in this many


def _confirm_first(runtime: Runtime, task: _Task) -> bool:
    """Whether a check that found a difference fetches the page again. Always, except for
    an article's first version on a calm host: one whose two fetches of a page have never
    disagreed in this run, over its last CALM_AFTER first versions; there one first version
    in CALM_SAMPLE is still confirmed, and a disagreement ends the calm for the run."""
    if task.latest_hash is not None:
        return True
    host = site_of(task.url)
    calm = runtime.calm.get(host, 0)
    if calm is None or calm < CALM_AFTER or calm % CALM_SAMPLE == 0:
        return True
    runtime.calm[host] = calm + 1
    return False


def _note_calm(runtime: Runtime, task: _Task, agreed: bool) -> None:
    host = site_of(task.url)
    calm = runtime.calm.get(host, 0)
    if calm is not None:
        runtime.calm[host] = calm + 1 if agreed else None


async def _confirming_fetch(runtime: Runtime, task: _Task, first: Fetched) -> Fetched:
    """The second fetch. When the first fetch's quick look (`tracker.glance`) shows it the
    same page, it is not extracted again: it would give the first fetch's extraction."""
    result = await runtime.fetcher.fetch(task.url, urgent=True)
    look = first.analysis.look if first.analysis else None
    if isinstance(result, Page) and look and first.good:
        rules = site_rules(runtime.config, result.final_url)
        if glance.fingerprint(result.html(), look.places, task.volatile, rules) == look.fingerprint:
            return Fetched(result, first.analysis)
    return await _analyzed(runtime, result, task.volatile)


async def _analyzed(runtime: Runtime, result: FetchResult, volatile: frozenset[str]) -> Fetched:
    """The fetch with its page analyzed and, where one can be taken, its quick look."""
    if isinstance(result, Page):
        return Fetched(result, await runtime.analyze(result.html(), result.final_url, volatile))
    return Fetched(result)


def _needs_confirmation(task: _Task, first: Fetched) -> bool:
    return first.good and _hash(first, task.volatile) != task.latest_hash


def _disagree(task: _Task, first: Fetched, second: Fetched) -> bool:
    return first.good and second.good and _hash(first, task.volatile) != _hash(second, task.volatile)


def _hash(fetched: Fetched, volatile: frozenset[str]) -> str | None:
    if fetched.analysis is None:
        return None
    return without_volatile(fetched.analysis.extraction.content(), volatile).content_hash


async def _check(runtime: Runtime, task: _Task) -> CheckResult | _Quick:
    started = runtime.clock()
    began = time.perf_counter()
    try:
        result = await runtime.fetcher.fetch(
            task.url, etag=task.etag, last_modified=task.last_modified, not_after=task.not_after
        )
        # the check starts when its first request went out, not when it began to wait for its turn
        started = runtime.clock() - timedelta(milliseconds=result.elapsed_ms)
        began = time.perf_counter() - result.elapsed_ms / 1000
        if task.look is not None and isinstance(result, Page):
            rules = site_rules(runtime.config, result.final_url)
            if (
                glance.fingerprint(result.html(), task.look.places, task.volatile, rules)
                == task.look.fingerprint
            ):
                return _Quick.of(task, result, started, _ms_since(began))
    except Postponed:
        return _postponed(runtime, task)
    except Exception as error:
        return _internal_error(runtime, task, started, began, error)
    return await check_one(runtime, task, result, started=started, began=began)


async def check_one(
    runtime: Runtime,
    task: _Task,
    fetched: FetchResult | None = None,
    *,
    started: datetime | None = None,
    began: float | None = None,
) -> CheckResult:
    """The full check of one article (`fetched`: its first fetch, when already made)."""
    started = started or runtime.clock()
    began = began or time.perf_counter()
    try:
        if fetched is None:
            fetched = await runtime.fetcher.fetch(
                task.url, etag=task.etag, last_modified=task.last_modified, not_after=task.not_after
            )
        first = await _analyzed(runtime, fetched, task.volatile)
        if not task.baseline_known:
            task.latest_hash, task.baseline_known = _baseline_hash(runtime, task), True
        confirmations: list[Fetched] = []
        if _needs_confirmation(task, first) and _confirm_first(runtime, task):
            confirmations.append(await _confirming_fetch(runtime, task, first))
            if _disagree(task, first, confirmations[0]):
                confirmations.append(await _arbitrating_fetch(runtime, task))
            if task.latest_hash is None:
                agreed = confirmations[0].good and not _disagree(task, first, confirmations[0])
                _note_calm(runtime, task, agreed)
        with transaction(runtime.sessions) as session:
            result = store_check(
                session,
                runtime.config,
                task.article_id,
                first,
                confirmations,
                started=started,
                duration_ms=_ms_since(began),
                now=runtime.clock(),
                owner=runtime.owner,
            )
    except Postponed:
        return _postponed(runtime, task)
    except Exception as error:  # the daemon carries on: the failure becomes a recorded check
        return _internal_error(runtime, task, started, began, error)
    _log_check(task, result, _ms_since(began))
    return result


def _postponed(runtime: Runtime, task: _Task) -> CheckResult:
    """Its host's turn did not come in time: nothing happened, the article stays due
    (its lease is released with the rest of its batch)."""
    result = CheckResult(task.article_id, task.url, Deferred.POSTPONED)
    _log_check(task, result, 0)
    return result


def _internal_error(
    runtime: Runtime, task: _Task, started: datetime, began: float, error: Exception
) -> CheckResult:
    if isinstance(error, OperationalError):
        log.error("check of %s not stored: database unavailable (%s)", task.url, describe_error(error))
    else:
        log.exception("check of %s failed", task.url)
    result = _record_internal_error(runtime, task, started, _ms_since(began), error)
    _log_check(task, result, _ms_since(began))
    return result


def _log_check(task: _Task, result: CheckResult, ms: int, *, quick: bool = False) -> None:
    log.debug(
        "check url=%s outcome=%s version=%s ms=%d error=%s quick=%d",
        task.url,
        result.outcome.value,
        result.version_number,
        ms,
        result.error_kind or "-",
        quick,
    )


def _store_quick(runtime: Runtime, quick: list[_Quick]) -> list[CheckResult]:
    """Write the checks the quick look found unchanged, in one transaction."""
    now = runtime.clock()
    try:
        with transaction(runtime.sessions) as session:
            repository.record_quick_unchanged(
                session,
                [
                    repository.QuickCheck(
                        article_id=q.task.article_id,
                        version_number=q.task.latest_number or 0,
                        started_at=q.started,
                        duration_ms=q.duration_ms,
                        final_url=q.final_url,
                        http_status=q.status,
                        bytes=q.size,
                        etag=q.etag,
                        last_modified=q.last_modified,
                    )
                    for q in quick
                ],
                lambda article: _schedule(session, runtime.config, article, now),
                owner=runtime.owner,
            )
    except Exception as error:  # nothing of the batch was written: each becomes a recorded error
        return [_internal_error(runtime, q.task, q.started, time.perf_counter(), error) for q in quick]
    results = []
    for q in quick:
        result = CheckResult(q.task.article_id, q.task.url, Outcome.UNCHANGED, q.task.latest_number)
        _log_check(q.task, result, q.duration_ms, quick=True)
        results.append(result)
    return results


def store_check(
    session: Session,
    config: Config,
    article_id: int,
    first: Fetched,
    confirmations: list[Fetched] | None = None,
    *,
    started: datetime,
    duration_ms: int,
    now: datetime,
    owner: str = "tracker",
) -> CheckResult:
    """Record one check's outcome, with a new version and revision when the content changed.
    The article's row is locked first (PostgreSQL: FOR UPDATE), so that two workers that
    checked one story at once store it one after the other, each against the latest version."""
    article = session.get(Article, article_id, with_for_update=True, populate_existing=True)
    if article is None:
        raise LookupError(f"article {article_id} vanished during its check")
    fetched = first.result
    check = Check(
        article_id=article.id,
        started_at=started,
        duration_ms=duration_ms,
        final_url=getattr(fetched, "final_url", None),
        http_status=fetched.status,
    )
    if isinstance(fetched, FetchFailure):
        result = _failed(session, article, check, fetched, now)
    elif isinstance(fetched, NotModified):
        result = _not_modified(article, check)
    else:
        check.bytes = fetched.size
        article, result = _page(session, config, article, check, first, confirmations or [], now)
        check.article_id = article.id
    _schedule(session, config, article, now)
    if article.lease_owner == owner:
        article.lease_owner, article.lease_until = None, None
    repository.record_check(session, check)
    return result


def _failed(
    session: Session, article: Article, check: Check, failure: FetchFailure, now: datetime
) -> CheckResult:
    check.bytes = failure.size
    check.error_kind, check.error_message = failure.kind, failure.message
    gone = failure.status in GONE_STATUSES
    check.outcome = Outcome.GONE if gone else Outcome.ERROR
    if (
        gone
        and article.status == ArticleStatus.ACTIVE
        and (repository.previous_outcome(session, article.id) == Outcome.GONE)
    ):
        article.status = ArticleStatus.GONE
        repository.record_event(session, article.id, "gone", now, http_status=failure.status)
    article.consecutive_failures += 1
    return CheckResult(
        article.id, article.url, Outcome(check.outcome), error_kind=failure.kind, message=failure.message
    )


def _not_modified(article: Article, check: Check) -> CheckResult:
    check.outcome = Outcome.NOT_MODIFIED
    article.consecutive_failures = 0
    return CheckResult(article.id, article.url, Outcome.NOT_MODIFIED)


def _soft_error(article: Article, check: Check, problem: str) -> CheckResult:
    check.outcome, check.error_kind, check.error_message = Outcome.SOFT_ERROR, "soft_error", problem
    article.consecutive_failures += 1
    return CheckResult(article.id, article.url, Outcome.SOFT_ERROR, error_kind="soft_error", message=problem)


def _page(
    session: Session,
    config: Config,
    article: Article,
    check: Check,
    first: Fetched,
    confirmations: list[Fetched],
    now: datetime,
) -> tuple[Article, CheckResult]:
    assert isinstance(first.result, Page)
    assert first.analysis is not None
    if first.analysis.problem:
        return article, _soft_error(article, check, first.analysis.problem)
    host = site_of(article.url)
    volatile = repository.volatile_shapes(session, host)
    latest = repository.latest_version(session, article.id)
    baseline = without_volatile(content_of(latest), volatile) if latest else None
    content = without_volatile(first.analysis.extraction.content(), volatile)
    if confirmations and (baseline is None or content != baseline):
        settled = _settle(session, host, content, confirmations, latest, volatile, now)
        if isinstance(settled, str):
            return article, _soft_error(article, check, settled)
        content, baseline, volatile = settled
    if latest is None:  # a URL with no history yet may be a story tracked under another URL
        article = _identify(session, article, first, now)
        if article.id != check.article_id:
            latest = repository.latest_version(session, article.id)
            baseline = without_volatile(content_of(latest), volatile) if latest else None
    _restore(session, article, now)
    _remember_urls(session, article, first.result, first.analysis.extraction, now)
    page = first.result
    same = baseline is not None and content.content_hash == baseline.content_hash
    changes = compare(baseline, content) if baseline is not None and not same else None
    if latest is not None and (same or (changes is not None and not changes.changed)):  # no edit
        article.etag, article.last_modified = page.etag, page.last_modified
        check.outcome, check.version_number = Outcome.UNCHANGED, latest.number
        _learn_look(article, [first, *confirmations], content, volatile)
        return article, CheckResult(article.id, article.url, Outcome.UNCHANGED, latest.number)
    if baseline is not None and collapsed(_words(content), _words(baseline)):
        return article, _soft_error(article, check, "the article's text collapsed against its last version")
    raw = config.database.store_raw_html
    _learn_look(article, [first, *confirmations], content, volatile)
    return article, _new_version(session, article, check, first, content, latest, changes, now, raw)


def _learn_look(article: Article, fetches: list[Fetched], content: Content, volatile: frozenset[str]) -> None:
    """Remember the quick look (learned by the worker that extracted the page) of a fetch
    that shows exactly what is stored (none may: the fetches can disagree on a field)."""
    article.quick_checks = 0
    article.look_places = article.look_fingerprint = None
    for fetched in reversed(fetches):
        page, analysis = fetched.result, fetched.analysis
        if not isinstance(page, Page) or analysis is None or analysis.problem:
            continue
        if without_volatile(analysis.extraction.content(), volatile).content_hash != content.content_hash:
            continue
        if (look := analysis.look) is not None:
            article.look_places, article.look_fingerprint = json.dumps(look.places), look.fingerprint
        return


def _settle(
    session: Session,
    host: str,
    first: Content,
    confirmations: list[Fetched],
    latest: Any,
    volatile: frozenset[str],
    now: datetime,
) -> tuple[Content, Content | None, frozenset[str]] | str:
    """What the fetches agree on (the last two when there are three), the last version
    seen through what was just learned, and the host's volatile text; or why not."""
    failed = next((f for f in confirmations if not f.good), None)
    if failed is not None:
        return "the confirming fetch failed: " + _why(failed)
    later = [without_volatile(f.analysis.extraction.content(), volatile) for f in confirmations if f.analysis]
    older, newer = (later[0], later[1]) if len(later) == 2 else (first, later[0])
    baseline = without_volatile(content_of(latest), volatile) if latest else None
    agreed, differed = agree(older, newer, baseline)
    learned = volatile_shapes(differed)
    repository.learn_volatile(session, host, learned, now)
    # what was just learned applies to the last version too: chrome it kept is not an edit
    volatile = volatile | learned.keys()
    baseline = without_volatile(content_of(latest), volatile) if latest else None
    return without_volatile(agreed, volatile), baseline, volatile


def _new_version(
    session: Session,
    article: Article,
    check: Check,
    first: Fetched,
    content: Content,
    latest: Any,
    changes: Changes | None,
    now: datetime,
    store_raw_html: bool,
) -> CheckResult:
    page = first.result
    assert isinstance(page, Page)
    assert first.analysis is not None
    if latest is not None:  # a new version may declare new keys (a canonical URL, an id)
        repository.add_keys(
            session, article.id, identity_keys(first.analysis.extraction, page.final_url), now
        )
    version = repository.add_version(
        session,
        article,
        content,
        fetched_at=check.started_at,
        extra=_extra(page, first.analysis),
        raw_html=page.html() if store_raw_html else None,
    )
    changed: tuple[str, ...] = ()
    if latest is not None and changes is not None:
        repository.add_revision(session, article.id, latest.number, version.number, changes, now)
        changed = changes.changed
    article.etag, article.last_modified = page.etag, page.last_modified
    article.last_changed_at = now
    check.outcome, check.version_number = Outcome.NEW_VERSION, version.number
    return CheckResult(article.id, article.url, Outcome.NEW_VERSION, version.number, changed)


def _identify(session: Session, article: Article, first: Fetched, now: datetime) -> Article:
    """The article this page is: another one already holding one of its keys, when this
    URL has no history of its own yet (a moved story found under its new URL)."""
    assert isinstance(first.result, Page)
    assert first.analysis is not None
    keys = identity_keys(first.analysis.extraction, first.result.final_url)
    owner = repository.article_with_key(session, keys)
    if owner is not None and owner.id != article.id:
        owner = session.get(Article, owner.id, with_for_update=True, populate_existing=True) or owner
        if repository.latest_version(session, article.id) is None:
            log.info("%s is %s under another URL: one history", article.url, owner.url)
            repository.merge_into(session, article, owner, now)
            article = owner
        else:
            log.warning("%s and %s carry the same identity but both have histories", article.url, owner.url)
    repository.add_keys(session, article.id, keys, now)
    return article


def _restore(session: Session, article: Article, now: datetime) -> None:
    article.consecutive_failures = 0
    if article.status == ArticleStatus.GONE:
        article.status = ArticleStatus.ACTIVE
        repository.record_event(session, article.id, "restored", now)


def _why(fetched: Fetched) -> str:
    if isinstance(fetched.result, FetchFailure):
        return f"{fetched.result.kind}: {fetched.result.message}"
    if isinstance(fetched.result, NotModified):
        return "not modified"
    return (fetched.analysis.problem if fetched.analysis else None) or "unknown"


def _words(content: Content) -> int:
    return sum(len(paragraph.split()) for paragraph in content.body)


def _remember_urls(
    session: Session, article: Article, page: Page, extraction: Extraction, now: datetime
) -> None:
    final = try_normalize_url(page.final_url)
    if final and final != article.url:
        repository.add_alias(session, article, final, "redirect", now)
    if extraction.canonical_url and extraction.canonical_url != article.url:
        repository.add_alias(session, article, extraction.canonical_url, "canonical", now)


def _extra(page: Page, analysis: Analysis) -> dict[str, Any]:
    extraction = analysis.extraction
    extra = {
        "final_url": page.final_url,
        "canonical_url": extraction.canonical_url,
        "language": extraction.language,
        "site_name": extraction.site_name,
        "publisher_id": extraction.publisher_id,
    }
    return {key: value for key, value in extra.items() if value}


def _schedule(session: Session, config: Config, article: Article, now: datetime) -> None:
    article.last_checked_at = now
    if article.status == ArticleStatus.GONE:
        article.next_check_at = now + GONE_RECHECK  # a withdrawn story may come back
        return
    if article.status != ArticleStatus.ACTIVE:
        article.next_check_at = None
        return
    due = next_check_at(
        config.schedule,
        now=now,
        born_at=article.listed_published_at or article.first_seen_at,
        last_changed_at=article.last_changed_at,
        consecutive_failures=article.consecutive_failures,
    )
    if due is None:
        article.status = ArticleStatus.RETIRED
        repository.record_event(session, article.id, "retired", now)
    article.next_check_at = due


def _record_internal_error(
    runtime: Runtime, task: _Task, started: datetime, duration_ms: int, error: Exception
) -> CheckResult:
    message = f"{type(error).__name__}: {error}"[:500]
    try:
        with transaction(runtime.sessions) as session:
            article = session.get(Article, task.article_id)
            if article is not None:
                article.consecutive_failures += 1
                _schedule(session, runtime.config, article, runtime.clock())
                article.lease_owner, article.lease_until = None, None
            repository.record_check(
                session,
                Check(
                    article_id=task.article_id,
                    started_at=started,
                    duration_ms=duration_ms,
                    outcome=Outcome.ERROR,
                    error_kind="internal",
                    error_message=message,
                ),
            )
    except OperationalError:
        pass  # the database is unavailable: said once above; the article stays due
    except Exception:
        log.exception("cannot record the failed check of %s", task.url)
    return CheckResult(task.article_id, task.url, Outcome.ERROR, error_kind="internal", message=message)


def _ms_since(began: float) -> int:
    return int((time.perf_counter() - began) * 1000)
