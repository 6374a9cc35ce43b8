"""Steps 2 to 7, record: the only place a check changes rows.

`record` locks the article's row (PostgreSQL: FOR UPDATE; the lock orders two
workers that checked one story at once), asks `judge` what the observation
means, and `apply` writes it: the check, the article's schedule, failures,
validators and quick look, its lease, a version and its revision. One
transaction per article; quick unchanged checks share one per batch.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from tracker.config import Config
from tracker.core.confirm import without_volatile
from tracker.core.furniture import Furniture
from tracker.core.normalize import Content, split_body
from tracker.core.policy import next_check_at
from tracker.core.urls import site_of, try_normalize_url
from tracker.extraction.identity import identity_keys
from tracker.extraction.worker import Analysis
from tracker.fetch import FetchFailure, Page
from tracker.pipeline.judge import (
    GONE_STATUSES,
    Failed,
    NewVersion,
    SoftError,
    Story,
    Unchanged,
    Unmodified,
    Verdict,
    against,
    judge,
)
from tracker.pipeline.observe import Fetched, Observation, Quick, compressed_html
from tracker.pipeline.results import CheckResult
from tracker.store import histories, repository
from tracker.store.models import Article, ArticleStatus, Check, Outcome

log = logging.getLogger(__name__)

GONE_RECHECK = timedelta(days=1)


def record(
    session: Session,
    config: Config,
    observation: Observation,
    *,
    now: datetime,
    owner: str,
    furniture: Furniture | None = None,
) -> CheckResult:
    """Record one check's outcome, with a new version and revision when the content changed."""
    article_id = observation.plan.article_id
    article = session.get(Article, article_id, with_for_update=True, populate_existing=True)
    if article is None:
        raise LookupError(f"article {article_id} vanished during its check")
    fetched = observation.first.result
    check = Check(
        article_id=article.id,
        started_at=observation.started,
        duration_ms=_ms(observation),
        final_url=fetched.final_url,
        http_status=fetched.status,
    )
    verdict = judge(session, article, observation)
    article, result = apply(session, config, article, check, verdict, observation, now)
    if furniture is not None and result.outcome == Outcome.NEW_VERSION and result.version_number:
        _template(session, furniture, article, result.version_number, now)
    finish(session, config, article, now, owner)
    repository.record_check(session, check)
    return result


def _template(session: Session, furniture: Furniture, article: Article, number: int, now: datetime) -> None:
    """What a new version teaches about its host's template (`tracker.core.furniture`):
    lines on many first versions at one place, or one line every story gained at once."""
    host = site_of(article.url)
    if number == 1:
        version = histories.latest_version(session, article.id)
        if version is not None:
            learned = furniture.first_version(host, article.id, split_body(version.body))
            repository.learn_volatile(session, host, learned, now)
        return
    revision = histories.revision_to(session, article.id, number)
    if revision is None:
        return
    change = furniture.revision(
        host, article.id, revision.id, tuple(revision.changed), tuple(revision.body_diff)
    )
    if change is not None:
        log.info("%s: the template %s %r", host, "gained" if change.added else "lost", change.line)
        repository.learn_volatile(session, host, change.learned, now)
        histories.mark_template_change(session, change.revisions, change.line, change.added, now)


def apply(
    session: Session,
    config: Config,
    article: Article,
    check: Check,
    verdict: Verdict,
    observation: Observation,
    now: datetime,
) -> tuple[Article, CheckResult]:
    """Make the rows say what `judge` found. Returns the article the check is of (a new URL
    may turn out to be a story tracked under another one) and the result."""
    first = observation.first
    if isinstance(first.result, Page | FetchFailure):
        check.bytes = first.result.size
    match verdict:
        case Failed(failure, withdrawn):
            check.error_kind, check.error_message = failure.kind, failure.message
            check.outcome = Outcome.GONE if failure.status in GONE_STATUSES else Outcome.ERROR
            if withdrawn:
                article.status = ArticleStatus.GONE
                repository.record_event(session, article.id, "gone", now, http_status=failure.status)
            article.consecutive_failures += 1
            return article, CheckResult(
                article.id,
                article.url,
                Outcome(check.outcome),
                error_kind=failure.kind,
                message=failure.message,
            )
        case Unmodified():
            check.outcome = Outcome.NOT_MODIFIED
            article.consecutive_failures = 0
            return article, CheckResult(article.id, article.url, Outcome.NOT_MODIFIED)
        case SoftError(problem, None):
            return article, _soft_error(article, check, problem)
    assert isinstance(verdict, SoftError | Unchanged | NewVersion)
    assert verdict.story is not None
    article = _the_story(session, article, verdict.story, first, now)
    if verdict.story.join_with is not None:
        article = _join(session, article, verdict.story.join_with, now)
        latest = histories.latest_version(session, article.id)
        verdict = against(dataclasses.replace(verdict.story, latest=latest, join_with=None))
    check.article_id = article.id
    return article, _page(session, config, article, check, verdict, observation, now)


def _join(session: Session, article: Article, other: Article, now: datetime) -> Article:
    """One history of two: the older article (the first tracked) keeps it."""
    keep, gone = (article, other) if article.id < other.id else (other, article)
    joined = histories.join_histories(session, keep, gone, now, why="redirect or identity")
    log.info(
        "%s and %s are one story: %d versions (%d repeated dropped)",
        keep.url, gone.url, joined.versions, joined.repeated,
    )  # fmt: skip
    return keep


def _page(
    session: Session,
    config: Config,
    article: Article,
    check: Check,
    verdict: SoftError | Unchanged | NewVersion,
    observation: Observation,
    now: datetime,
) -> CheckResult:
    story = verdict.story
    assert story is not None
    fetches = [observation.first, *observation.confirmations]
    match verdict:
        case SoftError(problem, _):
            return _soft_error(article, check, problem)
        case Unchanged(story):
            page = observation.first.result
            assert isinstance(page, Page)
            article.etag, article.last_modified = page.etag, page.last_modified
            check.outcome, check.version_number = Outcome.UNCHANGED, story.latest.number
            _learn_look(article, fetches, story.content, story.volatile)
            return CheckResult(article.id, article.url, Outcome.UNCHANGED, story.latest.number)
    assert isinstance(verdict, NewVersion)
    _learn_look(article, fetches, story.content, story.volatile)
    return _new_version(
        session, config, article, check, verdict, observation.first, now, observation.raw_html
    )


def _the_story(session: Session, article: Article, story: Story, first: Fetched, now: datetime) -> Article:
    """A good page of the story: learn the host's chrome, join the article it turned out
    to be, keep its identity keys and URLs, and undo a withdrawal."""
    assert isinstance(first.result, Page)
    assert first.analysis is not None
    repository.learn_volatile(session, site_of(article.url), story.learned, now)
    if story.merge_into is not None:
        log.info("%s is %s under another URL: one history", article.url, story.merge_into.url)
        histories.merge_into(session, article, story.merge_into, now)
        article = story.merge_into
    if story.keys is not None:
        repository.add_keys(session, article.id, story.keys, now)
    article.consecutive_failures = 0
    if article.status == ArticleStatus.GONE:
        article.status = ArticleStatus.ACTIVE
        repository.record_event(session, article.id, "restored", now)
    final = try_normalize_url(first.result.final_url)
    if final and final != article.url:
        repository.add_alias(session, article, final, "redirect", now)
    canonical = first.analysis.extraction.canonical_url
    if canonical and canonical != article.url:
        repository.add_alias(session, article, canonical, "canonical", now)
    return article


def _soft_error(article: Article, check: Check, problem: str) -> CheckResult:
    check.outcome, check.error_kind, check.error_message = Outcome.SOFT_ERROR, "soft_error", problem
    article.consecutive_failures += 1
    return CheckResult(article.id, article.url, Outcome.SOFT_ERROR, error_kind="soft_error", message=problem)


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


def _new_version(
    session: Session,
    config: Config,
    article: Article,
    check: Check,
    verdict: NewVersion,
    first: Fetched,
    now: datetime,
    observation_raw: bytes | None = None,
) -> CheckResult:
    page, analysis, latest = first.result, first.analysis, verdict.story.latest
    assert isinstance(page, Page)
    assert analysis is not None
    if latest is not None:  # a new version may declare new keys (a canonical URL, an id)
        repository.add_keys(session, article.id, identity_keys(analysis.extraction, page.final_url), now)
    version = histories.add_version(
        session,
        article,
        verdict.story.content,
        fetched_at=check.started_at,
        extra=_extra(page, analysis),
        raw_html=_raw_html(config, page, observation_raw),
    )
    changed: tuple[str, ...] = ()
    if latest is not None and verdict.changes is not None:
        histories.add_revision(session, article.id, latest.number, version.number, verdict.changes, now)
        changed = verdict.changes.changed
    article.etag, article.last_modified = page.etag, page.last_modified
    article.last_changed_at = now
    check.outcome, check.version_number = Outcome.NEW_VERSION, version.number
    return CheckResult(article.id, article.url, Outcome.NEW_VERSION, version.number, changed)


def _raw_html(config: Config, page: Page, compressed: bytes | None) -> bytes | None:
    """The page's HTML as a version keeps it (zlib), when the config keeps it: compressed
    already by `observe` in a thread, or now."""
    if not config.database.store_raw_html:
        return None
    return compressed if compressed is not None else compressed_html(page)


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


def finish(session: Session, config: Config, article: Article, now: datetime, owner: str | None) -> None:
    """Step 7: the next check by the policy, and the lease given back (`owner` None: whoever
    holds it, as after an internal error)."""
    schedule(session, config, article, now)
    if owner is None or article.lease_owner == owner:
        article.lease_owner, article.lease_until = None, None


def schedule(session: Session, config: Config, article: Article, now: datetime) -> None:
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


def record_quick(session: Session, config: Config, quick: list[Quick], *, now: datetime, owner: str) -> None:
    """The checks the quick look found unchanged, written together."""
    repository.record_quick_unchanged(
        session,
        [
            repository.QuickCheck(
                article_id=q.plan.article_id,
                version_number=q.plan.latest_number or 0,
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
        lambda article: schedule(session, config, article, now),
        owner=owner,
    )


def record_internal_error(
    session: Session,
    config: Config,
    article_id: int,
    started: datetime,
    duration_ms: int,
    message: str,
    now: datetime,
) -> None:
    """A check that failed inside tracker: recorded as such, and it backs off."""
    article = session.get(Article, article_id)
    if article is not None:
        article.consecutive_failures += 1
        finish(session, config, article, now, None)
    repository.record_check(
        session,
        Check(
            article_id=article_id,
            started_at=started,
            duration_ms=duration_ms,
            outcome=Outcome.ERROR,
            error_kind="internal",
            error_message=message,
        ),
    )


def _ms(observation: Observation) -> int:
    return int((time.perf_counter() - observation.began) * 1000)
