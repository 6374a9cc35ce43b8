"""Steps 3 to 6, record: the only place a check changes rows, in the article's transaction.

`record` runs them in order, its article's row locked first (PostgreSQL: FOR
UPDATE; the lock orders two workers that checked one story at once):

3. identify: a good page may say the story is tracked under another URL (its
   identity keys, or the URL it now redirects to): one history, joined here;
4. judge (`tracker.pipeline.judge`, pure) what the observation means, against
   what the story is now (`standing`, read here);
5. apply: the rows say it: the story's URLs, keys and learned volatile text, a
   version and its revision, the quick look, a withdrawal or a restoration;
   then what a new version teaches about its host's template;
6. finish: failures in a row counted (here only), the next check scheduled by
   the policy, the lease given back, the check written.

Quick unchanged checks share one transaction per batch (`record_quick`) and go
through the same `finish`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tracker.config import Config
from tracker.core.diff import Changes, compare
from tracker.core.normalize import StoredContent, content_of
from tracker.core.policy import next_check_at
from tracker.core.urls import site_of, try_normalize_url
from tracker.extraction.identity import identity_keys
from tracker.extraction.provenance import stamp
from tracker.fetch import FetchFailure, FetchResult, NotModified
from tracker.pipeline import captures
from tracker.pipeline import headlines as headline_tests
from tracker.pipeline.judge import (
    GONE_STATUSES,
    Failed,
    NewVersion,
    SoftError,
    Standing,
    Story,
    Unchanged,
    Unmodified,
    Verdict,
    judge,
)
from tracker.pipeline.observe import Extracted, Observation, Quick, Seen
from tracker.pipeline.results import CheckResult
from tracker.pipeline.runtime import site_rules
from tracker.pipeline.template import first_body, learn_first_versions, learn_from_revision
from tracker.store import captures as stored_captures
from tracker.store import headlines, histories, repository, witnesses
from tracker.store.models import GOOD_OUTCOMES, Article, ArticleStatus, Check, Outcome

log = logging.getLogger(__name__)

GONE_RECHECK = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Identity:
    """Which article a check's page is of, and the page's identity keys. `new`: the URL
    checked had no history of its own (its keys are kept whatever the page says)."""

    article: Article
    keys: tuple[str, ...] = ()
    new: bool = False


def record(
    session: Session,
    config: Config,
    observation: Observation,
    *,
    now: datetime,
    owner: str,
    sighted: bool = False,
    keep_captures: bool = True,
    live: bool = True,
) -> CheckResult:
    """Steps 3 to 6 for one check: identify, judge, apply, finish. `sighted`: what its
    first fetch shows of the template is stored already (`tracker.pipeline.template`).
    `keep_captures` False: the caller keeps the fetches (`tracker import` keeps each
    capture it read, as `import`); `now` is the check's time (an import's: the capture's).
    `live` False: the page is not the site's now (an import's capture): no archive is
    asked to witness a version made from it."""
    duration_ms = observation.ms()
    identity = identify(session, _locked(session, observation.plan.article_id), observation.first, now)
    article = identity.article
    served = headline_tests.served_by(observation)
    assessment = headline_tests.assess(session, article.id, served, now)
    known = replace(standing(session, article, observation.first), variants=assessment.variants)
    verdict = judge(observation, known)
    result = apply(
        session, config, identity, verdict, observation, now, keep_captures=keep_captures, live=live
    )
    fresh = result.version_number if result.outcome == Outcome.NEW_VERSION else None
    headline_tests.settle(session, article.id, assessment, fresh, now)
    if not (assessment.revealed or assessment.test):  # the whole page's test is not a social one
        socials = headline_tests.socials_of(observation)
        headline_tests.settle_other(session, article.id, headlines.SOCIAL, socials, now)
    if result.outcome == Outcome.NEW_VERSION and result.version_number:
        learn_template(session, observation, article, result.version_number, now, sighted=sighted)
    finish(session, config, article, now, owner, good=result.outcome in GOOD_OUTCOMES)
    repository.record_check(session, _check_row(observation, article, result, duration_ms))
    return result


def _locked(session: Session, article_id: int) -> Article:
    article = session.get(Article, article_id, with_for_update=True, populate_existing=True)
    if article is None:
        raise LookupError(f"article {article_id} vanished during its check")
    return article


def identify(session: Session, article: Article, first: Seen, now: datetime) -> Identity:
    """Step 3: one story, one history. A URL with no history whose page's identity keys
    another article holds becomes that article's alias; an article with versions that
    the publisher says is another one with versions (a redirect to it, its keys) is
    joined with it. Only a good page says which story it is."""
    if not (isinstance(first, Extracted) and first.good):
        return Identity(article)
    keys = tuple(identity_keys(first.analysis.extraction, first.page.final_url))
    if histories.latest_version_number(session, article.id) is None:
        owner = repository.article_with_key(session, keys)
        if owner is None or owner.id == article.id:
            return Identity(article, keys, new=True)
        owner = _locked(session, owner.id)
        log.info("%s is %s under another URL: one history", article.url, owner.url)
        histories.merge_into(session, article, owner, now)
        return Identity(owner, keys, new=True)
    other = _other_history(session, article, first, keys)
    if other is None:
        return Identity(article, keys)
    return Identity(_join(session, article, other, now), keys)


def _other_history(
    session: Session, article: Article, first: Extracted, keys: tuple[str, ...]
) -> Article | None:
    """Another article with versions that the publisher says is this story: the URL this
    one now redirects to (a slug changed; the feed listed the new URL meanwhile), or one
    holding this page's identity keys (its id, its canonical URL). Locked, to be joined.
    A redirect to a site's front page says nothing; text alike is never a reason."""
    final = try_normalize_url(first.page.final_url)
    owners = []
    if final and final != article.url and urlsplit(final).path.strip("/"):
        owners.append(repository.find_article(session, final))
    owners.append(repository.article_with_key(session, keys))
    for owner in owners:
        if (
            owner is not None
            and owner.id != article.id
            and histories.latest_version_number(session, owner.id)
        ):
            return _locked(session, owner.id)
    return None


def _join(session: Session, article: Article, other: Article, now: datetime) -> Article:
    """One history of two: the older article (the first tracked) keeps it."""
    keep, gone = (article, other) if article.id < other.id else (other, article)
    joined = histories.join_histories(
        session, keep, gone, now, why="redirect or identity", compare=compare_stored
    )
    log.info(
        "%s and %s are one story: %d versions (%d repeated dropped)",
        keep.url, gone.url, joined.versions, joined.repeated,
    )  # fmt: skip
    return keep


def compare_stored(older: StoredContent, newer: StoredContent) -> Changes:
    """Two stored versions compared as a check compares contents (joins, re-derivations)."""
    return compare(content_of(older), content_of(newer))


def standing(session: Session, article: Article, first: Seen) -> Standing:
    """What judging the check needs to know of the story now, read under its lock."""
    active = article.status == ArticleStatus.ACTIVE
    if isinstance(first, FetchFailure) and first.status in GONE_STATUSES:
        return Standing(active, gone_before=repository.previous_outcome(session, article.id) == Outcome.GONE)
    if isinstance(first, Extracted) and first.good:
        latest = histories.latest_version(session, article.id)
        return Standing(
            active, latest=latest, volatile=repository.volatile_shapes(session, site_of(article.url))
        )
    return Standing(active)


def apply(
    session: Session,
    config: Config,
    identity: Identity,
    verdict: Verdict,
    observation: Observation,
    now: datetime,
    *,
    keep_captures: bool = True,
    live: bool = True,
) -> CheckResult:
    """Step 5: make the rows say what `judge` found (`record` says what `live` means)."""
    article = identity.article
    match verdict:
        case Failed(failure, withdrawn):
            if withdrawn:
                article.status = ArticleStatus.GONE
                repository.record_event(session, article.id, "gone", now, http_status=failure.status)
            outcome = Outcome.GONE if failure.status in GONE_STATUSES else Outcome.ERROR
            return CheckResult(
                article.id, article.url, outcome, error_kind=failure.kind, message=failure.message
            )
        case Unmodified():
            return CheckResult(article.id, article.url, Outcome.NOT_MODIFIED)
        case SoftError(problem, story):
            if story is not None:
                _the_story(session, identity, story, now)
            return CheckResult(
                article.id, article.url, Outcome.SOFT_ERROR, error_kind="soft_error", message=problem
            )
        case Unchanged(story, number):
            _the_story(session, identity, story, now)
            article.etag, article.last_modified = story.seen.page.etag, story.seen.page.last_modified
            _learn_look(article, observation, story)
            return CheckResult(article.id, article.url, Outcome.UNCHANGED, number)
        case NewVersion(story, changes):
            _the_story(session, identity, story, now)
            _learn_look(article, observation, story)
            keep = keep_captures and config.database.store_raw_html
            return _new_version(
                session, config, identity, story, changes, observation, now, keep=keep, witness=live
            )


def _the_story(session: Session, identity: Identity, story: Story, now: datetime) -> None:
    """A good page of the story: learn the host's chrome, keep a new URL's identity keys
    and the page's URLs, and undo a withdrawal."""
    article, page = identity.article, story.seen.page
    repository.learn_volatile(session, site_of(article.url), story.learned, now)
    if identity.new:
        repository.add_keys(session, article.id, identity.keys, now)
    if article.status == ArticleStatus.GONE:
        article.status = ArticleStatus.ACTIVE
        repository.record_event(session, article.id, "restored", now)
    final = try_normalize_url(page.final_url)
    if final and final != article.url:
        repository.add_alias(session, article, final, "redirect", now)
    canonical = story.seen.analysis.extraction.canonical_url
    if canonical and canonical != article.url:
        repository.add_alias(session, article, canonical, "canonical", now)


def _learn_look(article: Article, observation: Observation, story: Story) -> None:
    """Remember the quick look (learned by the worker that extracted the page) of a fetch
    that shows exactly what is stored (none may: the fetches can disagree on a field)."""
    article.quick_checks = 0
    article.look_places = article.look_fingerprint = None
    for seen in reversed((observation.first, *observation.confirmations)):
        if not (isinstance(seen, Extracted) and seen.good):
            continue
        if seen.content_hash(story.volatile) != story.content.content_hash:
            continue
        if (look := seen.analysis.look) is not None:
            article.look_places, article.look_fingerprint = json.dumps(look.places), look.fingerprint
        return


def _new_version(
    session: Session,
    config: Config,
    identity: Identity,
    story: Story,
    changes: Changes | None,
    observation: Observation,
    now: datetime,
    *,
    keep: bool,
    witness: bool,
) -> CheckResult:
    article, page, latest = identity.article, story.seen.page, story.latest
    if latest is not None:  # a new version may declare new keys (a canonical URL, an id)
        repository.add_keys(session, article.id, identity.keys, now)
    version = histories.add_version(
        session,
        article,
        story.content,
        fetched_at=observation.started,
        extra=extra_of(story.seen),
        extractor=stamp(site_rules(config, page.final_url)),
        offsets=(
            story.seen.analysis.extraction.published_offset,
            story.seen.analysis.extraction.updated_offset,
        ),
    )
    if keep:
        _keep_captures(session, article.id, version.number, observation, story)
    if witness:
        _ask_witness(session, config, article, version.id, page.final_url, now)
    changed: tuple[str, ...] = ()
    if latest is not None and changes is not None:
        histories.add_revision(session, article.id, latest.number, version.number, changes, now)
        changed = changes.changed
    article.etag, article.last_modified = page.etag, page.last_modified
    article.last_changed_at = now
    return CheckResult(article.id, article.url, Outcome.NEW_VERSION, version.number, changed)


def _ask_witness(
    session: Session, config: Config, article: Article, version_id: int, url: str, now: datetime
) -> None:
    """A source with a witness: its archive will be asked to capture the page by the
    daemon's witness job (`tracker.witness`), never by this check: one queued row here."""
    name = article.source.name if article.source is not None else None
    source = next((s for s in config.sources if s.name == name), None)
    if source is not None and source.witness is not None:
        witnesses.enqueue(session, version_id, source.witness, url, now)


def _keep_captures(
    session: Session, article_id: int, number: int, observation: Observation, story: Story
) -> None:
    """Keep the fetch the version was made from and the fetches that agreed with it."""
    captures.keep(
        session,
        article_id,
        story.seen.page,
        role=stored_captures.VERSION,
        version_number=number,
        at=observation.started,
    )
    for seen in (observation.first, *observation.confirmations):
        if seen is story.seen or not (isinstance(seen, Extracted) and seen.good):
            continue
        if seen.page is story.seen.page or seen.content_hash(story.volatile) != story.content.content_hash:
            continue
        captures.keep(
            session,
            article_id,
            seen.page,
            role=stored_captures.CONFIRM,
            version_number=number,
            at=observation.started,
        )


def extra_of(seen: Extracted) -> dict[str, Any]:
    """What a version keeps of its page beside the content: its URLs, language, site."""
    extraction = seen.analysis.extraction
    extra = {
        "final_url": seen.page.final_url,
        "canonical_url": extraction.canonical_url,
        "language": extraction.language,
        "site_name": extraction.site_name,
        "publisher_id": extraction.publisher_id,
    }
    return {key: value for key, value in extra.items() if value}


def learn_template(
    session: Session, observation: Observation, article: Article, number: int, now: datetime, *, sighted: bool
) -> None:
    """What a new version teaches about its host's template (`tracker.pipeline.template`):
    a first version's lines at their places, or a revision's one-line change."""
    host = site_of(article.url)
    if number > 1:
        learn_from_revision(session, host, article.id, number, now)
    elif not sighted and (body := first_body(observation)) is not None:
        learn_first_versions(session, host, {observation.plan.article_id: body}, now)


def finish(
    session: Session, config: Config, article: Article, now: datetime, owner: str | None, *, good: bool
) -> None:
    """Step 6: failures in a row counted (a check that got the page, or learned it had
    not changed, ends them), the next check by the policy, and the lease given back
    (`owner` None: whoever holds it, as after an internal error)."""
    article.consecutive_failures = 0 if good else article.consecutive_failures + 1
    _schedule(session, config, article, now)
    if owner is None or article.lease_owner == owner:
        article.lease_owner, article.lease_until = None, None


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


def _check_row(observation: Observation, article: Article, result: CheckResult, duration_ms: int) -> Check:
    fetched = _fetch_result(observation.first)
    return Check(
        article_id=article.id,
        started_at=observation.started,
        duration_ms=duration_ms,
        final_url=fetched.final_url,
        http_status=fetched.status,
        bytes=None if isinstance(fetched, NotModified) else fetched.size,
        outcome=Outcome(result.outcome),
        version_number=result.version_number,
        error_kind=result.error_kind,
        error_message=result.message,
    )


def _fetch_result(seen: Seen) -> FetchResult:
    return seen.page if isinstance(seen, Extracted) else seen


def record_quick(session: Session, config: Config, quick: list[Quick], *, now: datetime, owner: str) -> None:
    """The checks the quick look found unchanged, written together: one query for their
    articles, one insert for the checks."""
    articles = repository.articles_by_id(session, [q.plan.article_id for q in quick])
    under_test = headlines.running_tests(session, articles)
    rows = []
    for q in quick:
        article = articles.get(q.plan.article_id)
        if article is None:
            continue  # deleted meanwhile
        article.etag, article.last_modified = q.etag, q.last_modified
        article.quick_checks += 1
        finish(session, config, article, now, owner, good=True)
        if (test := under_test.get(article.id)) is not None:  # it served its last version's headline
            shown = histories.version_numbered(session, article.id, q.version_number).headline
            headline_tests.settle_quick(session, test, shown, now)
        rows.append(
            {
                "article_id": article.id,
                "version_number": q.version_number,
                "started_at": q.started,
                "duration_ms": q.duration_ms,
                "final_url": q.final_url,
                "http_status": q.status,
                "bytes": q.size,
                "outcome": Outcome.UNCHANGED.value,
            }
        )
    repository.add_checks(session, rows)


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
        finish(session, config, article, now, None, good=False)
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
