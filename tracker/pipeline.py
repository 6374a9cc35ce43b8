"""Checking articles: fetch -> extract -> normalize -> compare -> store.

One check of one article, in order:

1. fetch the page (conditional when a version exists);
2. a failure is recorded as a check (error, or gone for 404/410) and backs off;
3. otherwise extract and look for a soft error (a page that is not the article);
4. compare the normalized content with the latest version: same, the check is
   "unchanged"; different, a new version and a revision are stored together;
5. schedule the next check by the policy.

Each article is stored in its own transaction, so a failure loses nothing else
and never leaves a partial version. Unexpected errors become a recorded check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tracker import repository
from tracker.config import Config
from tracker.db import transaction
from tracker.diff import compare
from tracker.extract import Extraction, extract
from tracker.fetch import Fetcher, FetchFailure, FetchResult, NotModified, Page
from tracker.models import Article, ArticleStatus, Check, Outcome
from tracker.normalize import Content, make_content, split_body
from tracker.policy import next_check_at
from tracker.soft_errors import soft_error
from tracker.urls import try_normalize_url

log = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})
GONE_AFTER = 2
LEASE = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class Analysis:
    """What a page holds: the extraction, or why it is not the article."""

    extraction: Extraction
    problem: str | None


def analyze(html: str, url: str) -> Analysis:
    """Extract and classify a page; pure CPU work, run in a process pool by the daemon."""
    extraction = extract(html, url)
    return Analysis(extraction, soft_error(extraction, _title_of(html)))


def _title_of(html: str) -> str | None:
    start = html.find("<title")
    if start < 0:
        return None
    start = html.find(">", start) + 1
    end = html.find("</title", start)
    return html[start:end] if 0 < start <= end else None


@dataclass(frozen=True, slots=True)
class CheckResult:
    article_id: int
    url: str
    outcome: Outcome
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
    executor: Executor | None = None

    async def analyze(self, html: str, url: str) -> Analysis:
        if self.executor is None:
            return analyze(html, url)
        return await asyncio.get_running_loop().run_in_executor(self.executor, analyze, html, url)


@dataclass(frozen=True, slots=True)
class _Task:
    article_id: int
    url: str
    etag: str | None
    last_modified: str | None


async def check_articles(runtime: Runtime, article_ids: list[int]) -> list[CheckResult]:
    """Check these articles concurrently (the fetcher bounds what is in flight)."""
    with transaction(runtime.sessions) as session:
        tasks = [_task(session, article_id) for article_id in article_ids]
    return list(await asyncio.gather(*(check_one(runtime, task) for task in tasks if task)))


def _task(session: Session, article_id: int) -> _Task | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    has_version = repository.latest_version(session, article_id) is not None
    return _Task(
        article.id,
        article.url,
        article.etag if has_version else None,
        article.last_modified if has_version else None,
    )


async def check_one(runtime: Runtime, task: _Task) -> CheckResult:
    started = runtime.clock()
    began = time.perf_counter()
    try:
        fetched = await runtime.fetcher.fetch(task.url, etag=task.etag, last_modified=task.last_modified)
        analysis = None
        if isinstance(fetched, Page):
            analysis = await runtime.analyze(fetched.html(), fetched.final_url)
        elapsed = _ms_since(began)
        with transaction(runtime.sessions) as session:
            result = store_check(
                session,
                runtime.config,
                task.article_id,
                fetched,
                analysis,
                started=started,
                duration_ms=elapsed,
                now=runtime.clock(),
                owner=runtime.owner,
            )
    except Exception as error:  # the daemon carries on: the failure becomes a recorded check
        log.exception("check of %s failed", task.url)
        result = _record_internal_error(runtime, task, started, _ms_since(began), error)
    log.debug("check %s %s %s", task.url, result.outcome, result.message or "")
    return result


def store_check(
    session: Session,
    config: Config,
    article_id: int,
    fetched: FetchResult,
    analysis: Analysis | None,
    *,
    started: datetime,
    duration_ms: int,
    now: datetime,
    owner: str = "tracker",
) -> CheckResult:
    """Record one check's outcome, with a new version and revision when the content changed."""
    article = session.get(Article, article_id)
    if article is None:
        raise LookupError(f"article {article_id} vanished during its check")
    check = Check(
        article_id=article.id,
        started_at=started,
        duration_ms=duration_ms,
        final_url=getattr(fetched, "final_url", None),
        http_status=fetched.status,
    )
    if isinstance(fetched, FetchFailure):
        result = _failed(article, check, fetched)
    elif isinstance(fetched, NotModified):
        result = _not_modified(article, check)
    else:
        assert analysis is not None
        check.bytes = fetched.size
        result = _page(session, config, article, check, fetched, analysis, now)
    _schedule(config, article, result.outcome, now)
    if article.lease_owner == owner:
        article.lease_owner, article.lease_until = None, None
    repository.record_check(session, check)
    return result


def _failed(article: Article, check: Check, failure: FetchFailure) -> CheckResult:
    check.bytes = failure.size
    check.error_kind, check.error_message = failure.kind, failure.message
    gone = failure.status in GONE_STATUSES
    check.outcome = Outcome.GONE if gone else Outcome.ERROR
    article.consecutive_failures += 1
    if gone and article.consecutive_failures >= GONE_AFTER:
        article.status = ArticleStatus.GONE
    return CheckResult(
        article.id, article.url, Outcome(check.outcome), error_kind=failure.kind, message=failure.message
    )


def _not_modified(article: Article, check: Check) -> CheckResult:
    check.outcome = Outcome.NOT_MODIFIED
    article.consecutive_failures = 0
    return CheckResult(article.id, article.url, Outcome.NOT_MODIFIED)


def _page(
    session: Session,
    config: Config,
    article: Article,
    check: Check,
    page: Page,
    analysis: Analysis,
    now: datetime,
) -> CheckResult:
    if analysis.problem:
        check.outcome, check.error_kind, check.error_message = (
            Outcome.SOFT_ERROR,
            "soft_error",
            analysis.problem,
        )
        article.consecutive_failures += 1
        return CheckResult(
            article.id, article.url, Outcome.SOFT_ERROR, error_kind="soft_error", message=analysis.problem
        )
    article.consecutive_failures = 0
    if article.status == ArticleStatus.GONE:
        article.status = ArticleStatus.ACTIVE
    _remember_urls(session, article, page, analysis.extraction, now)
    content = analysis.extraction.content()
    latest = repository.latest_version(session, article.id)
    if latest is not None and latest.content_hash == content.content_hash:
        article.etag, article.last_modified = page.etag, page.last_modified
        check.outcome, check.version_number = Outcome.UNCHANGED, latest.number
        return CheckResult(article.id, article.url, Outcome.UNCHANGED, latest.number)
    version = repository.add_version(
        session,
        article,
        content,
        fetched_at=check.started_at,
        extra=_extra(page, analysis),
        raw_html=page.html() if config.database.store_raw_html else None,
    )
    changed: tuple[str, ...] = ()
    if latest is not None:
        changes = compare(stored_content(latest), content)
        repository.add_revision(session, article.id, latest.number, version.number, changes, now)
        changed = changes.changed
    article.etag, article.last_modified = page.etag, page.last_modified
    article.last_changed_at = now
    check.outcome, check.version_number = Outcome.NEW_VERSION, version.number
    return CheckResult(article.id, article.url, Outcome.NEW_VERSION, version.number, changed)


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
    }
    return {key: value for key, value in extra.items() if value}


def stored_content(version: Any) -> Content:
    """A stored version as Content, for comparison with a fresh extraction."""
    return make_content(
        headline=version.headline,
        byline=version.byline,
        paragraphs=split_body(version.body),
        published_at=version.published_at,
        updated_at=version.updated_at,
    )


def _schedule(config: Config, article: Article, outcome: Outcome, now: datetime) -> None:
    article.last_checked_at = now
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
                _schedule(runtime.config, article, Outcome.ERROR, runtime.clock())
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
    except Exception:
        log.exception("cannot record the failed check of %s", task.url)
    return CheckResult(task.article_id, task.url, Outcome.ERROR, error_kind="internal", message=message)


def _ms_since(began: float) -> int:
    return int((time.perf_counter() - began) * 1000)
