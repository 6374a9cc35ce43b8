"""Checking articles: plan -> observe -> judge -> record, one transaction per article.

Rule: the check (write) side uses the edges (`tracker.store`, `tracker.fetch`),
extraction and the core; it never imports the read side or the entry points.

One check of one article, in order; each step hands the next a value built
once and never changed:

0. plan (`plan`): one short transaction for the batch reads each article's
   `Plan`: the validators of a conditional request, the host's volatile text,
   and the baseline: the last version's hash, or, when the quick look may be
   trusted, only its number (`Unread`);
1. the first fetch (`observe.fetch_first`), once its host's turn has come (a
   turn that does not come before the batch ends postpones the check: nothing
   is recorded, it stays due). When the quick look (`tracker.extraction.glance`)
   finds the page's fingerprint unchanged, the check is "unchanged" without
   extracting it (`observe.quick_look`), and such checks are written together
   at the end of the batch (`record.record_quick`);
2. observe (`observe.observe`): the page is extracted in the worker pool; when
   its content (without the host's volatile text) differs from the baseline, it
   is fetched again at once, and a third time when those two disagree on
   something the host is not known to vary (a host whose first versions' two
   fetches keep agreeing is calm, `CalmHosts`: most of its first versions need
   no second fetch). The result, an `Observation`, holds every fetch as a
   `Seen`: a failure, a 304, or a page with its extraction (`Extracted`). A
   first version of a host not yet settled then waits at the batch's template
   gate until the batch's other first versions of its host are extracted and
   what they show of the template is learned (`template.TemplateGate`): it is
   stored without the template's lines;
3. identify (`record.identify`), in the article's transaction, its row locked:
   a good page's identity keys or redirect may say the story is tracked under
   another URL: one history (a new URL becomes an alias; two histories join);
4. judge (`judge.judge`, pure): the observation against the story's standing
   (its last version, its host's volatile text): a failure, not modified, a
   soft error (a challenge, an error page, a cut-off or collapsed text, a
   failed confirmation), unchanged, or a new version with its changes; of two
   or three fetches only what they agree on counts, and what differed is the
   host's volatile text, learned (an editor's change that landed between two
   fetches is stable from the second on, so it is stored, never learned);
5. apply (`record.apply`): the rows say the verdict: URLs, keys, learned
   text, a version and its revision, the quick look; then what a new version
   teaches about the host's template (`template`, counts stored in
   `tracker.store.templates`);
6. finish (`record.finish`): failures in a row counted, the next check
   scheduled by the policy, the lease given back, the check written.

`record` (and `template`, for what a host's template is) are the only modules
here that change rows; `plan` and `observe` only read. `imports` (`tracker
import`) hands each check a WARC holds to `record`, having filed a new URL's
article, and keeps the captures it read. Each article is stored
in its own transaction, with its row locked first, so a failure loses nothing
else, never leaves a partial version, and two workers that checked one story
store it one after the other. Unexpected errors become a recorded check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError

from tracker.config import Config
from tracker.errors import WorkersUnavailable
from tracker.fetch import Fetcher, Postponed
from tracker.pipeline.observe import Quick, Seen, fetch_first, observe, peek, quick_look
from tracker.pipeline.plan import Plan, plan_checks
from tracker.pipeline.record import record, record_internal_error, record_quick
from tracker.pipeline.results import CheckResult, Deferred
from tracker.pipeline.runtime import ExtractionPool, Runtime, site_rules
from tracker.pipeline.template import TemplateGate
from tracker.store.db import describe_error, transaction
from tracker.store.models import Outcome

__all__ = [
    "LEASE",
    "CheckResult",
    "Deferred",
    "ExtractionPool",
    "Runtime",
    "Seen",
    "check_articles",
    "preview",
    "site_rules",
]

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)


async def check_articles(
    runtime: Runtime,
    article_ids: list[int],
    *,
    not_after: float | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Check these articles concurrently (the fetcher bounds what is in flight and keeps
    each host's pace). A check whose first request cannot get its host's turn before
    `not_after` (`time.monotonic()`) is postponed: nothing is recorded, it stays due.
    `on_check` hears each check once it is recorded (the quick ones together, at the
    end of the batch, as they are written)."""
    plans = plan_checks(
        runtime.sessions, article_ids, runtime.config.schedule.full_extraction_every, not_after
    )
    gate = TemplateGate.for_batch(runtime.sessions, runtime.clock, plans)

    async def check(plan: Plan) -> CheckResult | Quick:
        result = await _check(runtime, plan, gate)
        if on_check is not None and isinstance(result, CheckResult):
            on_check(result)
        return result

    done = await asyncio.gather(*(check(plan) for plan in plans))
    results = [r for r in done if isinstance(r, CheckResult)]
    quick = [r for r in done if isinstance(r, Quick)]
    if quick:
        recorded = _record_quick(runtime, quick)
        if on_check is not None:
            for result in recorded:
                on_check(result)
        results.extend(recorded)
    return results


async def preview(config: Config, url: str) -> Seen:
    """What one check of `url` would see (its first fetch and extraction), with nothing
    read from or written to a database: `tracker check --dry-run`."""
    async with Fetcher(config.fetch) as fetcher:
        return await peek(config, fetcher, url)


async def _check(runtime: Runtime, plan: Plan, gate: TemplateGate) -> CheckResult | Quick:
    """One check: the first fetch, its quick look or observation, the template gate (a
    new host's first version waits for its batch's), then record it."""
    started, began = runtime.clock(), time.perf_counter()
    try:
        first = await fetch_first(runtime, plan)
        started, began = first.started, first.began
        if (quick := quick_look(runtime, plan, first)) is not None:
            return quick
        observation = await observe(runtime, plan, first)
        sighted = await gate.arrive(plan, observation)
        with transaction(runtime.sessions) as session:
            checked = record(
                session,
                runtime.config,
                observation,
                now=runtime.clock(),
                owner=runtime.owner,
                sighted=sighted,
            )
    except Postponed:
        return _postponed(plan)
    except WorkersUnavailable:
        raise  # no check can be done: said once, by the caller, not recorded on every article
    except Exception as error:  # the daemon carries on: the failure becomes a recorded check
        return _internal_error(runtime, plan, started, began, error)
    finally:
        gate.leave(plan)  # a check that never reached the gate holds no other back
    _log_check(plan, checked, observation.ms())
    return checked


def _record_quick(runtime: Runtime, quick: list[Quick]) -> list[CheckResult]:
    """Write the checks the quick look found unchanged, in one transaction."""
    try:
        with transaction(runtime.sessions) as session:
            record_quick(session, runtime.config, quick, now=runtime.clock(), owner=runtime.owner)
    except Exception as error:  # nothing of the batch was written: each becomes a recorded error
        return [_internal_error(runtime, q.plan, q.started, time.perf_counter(), error) for q in quick]
    results = []
    for q in quick:
        result = CheckResult(q.plan.article_id, q.plan.url, Outcome.UNCHANGED, q.version_number)
        _log_check(q.plan, result, q.duration_ms, quick=True)
        results.append(result)
    return results


def _postponed(plan: Plan) -> CheckResult:
    """Its host's turn did not come in time: nothing happened, the article stays due
    (its lease is released with the rest of its batch)."""
    result = CheckResult(plan.article_id, plan.url, Deferred.POSTPONED)
    _log_check(plan, result, 0)
    return result


def _internal_error(
    runtime: Runtime, plan: Plan, started: datetime, began: float, error: Exception
) -> CheckResult:
    if isinstance(error, OperationalError):
        log.error("check of %s not stored: database unavailable (%s)", plan.url, describe_error(error))
    else:
        log.exception("check of %s failed", plan.url)
    message = f"{type(error).__name__}: {error}"[:500]
    try:
        with transaction(runtime.sessions) as session:
            record_internal_error(
                session, runtime.config, plan.article_id, started, _ms_since(began), message, runtime.clock()
            )
    except OperationalError:
        pass  # the database is unavailable: said once above; the article stays due
    except Exception:
        log.exception("cannot record the failed check of %s", plan.url)
    result = CheckResult(plan.article_id, plan.url, Outcome.ERROR, error_kind="internal", message=message)
    _log_check(plan, result, _ms_since(began))
    return result


def _log_check(plan: Plan, result: CheckResult, ms: int, *, quick: bool = False) -> None:
    log.debug(
        "check url=%s outcome=%s version=%s ms=%d error=%s quick=%d",
        plan.url,
        result.outcome.value,
        result.version_number,
        ms,
        result.error_kind or "-",
        quick,
    )


def _ms_since(began: float) -> int:
    return int((time.perf_counter() - began) * 1000)
