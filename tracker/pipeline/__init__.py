"""Checking articles: plan -> observe -> judge -> apply, one transaction per article.

Rule: the check (write) side uses the edges (`tracker.store`, `tracker.fetch`),
extraction and the core; it never imports the read side or the entry points.

One check of one article, in order (the module that holds each step):

0. plan (`plan`): what to fetch (validators for a conditional request), the
   host's volatile text, and what to compare with: the quick look to trust, or
   the last version's hash;
1. observe (`observe`): the first fetch, once its host's turn has come (a
   turn that does not come before the batch ends postpones the check: nothing
   is recorded, it stays due); when the quick look (`tracker.extraction.glance`)
   finds the page's fingerprint unchanged, the check is "unchanged" without
   extracting it, and such checks are written together at the end of the
   batch; otherwise the page is extracted;
2. judge (`judge`): a failed fetch is a failure (gone for 404/410 twice in a
   row); a page that is not the article (challenge, error page, cut off) is a
   soft error;
3. the content, without the host's learned volatile text, is compared with the
   latest version's: the same, the check is "unchanged";
4. different (or no version yet): the page was fetched again at once (observe)
   and only what both fetches agree on counts (`tracker.core.confirm`); a second
   page whose quick look matches the first's is not extracted again. When those
   two disagree, a third fetch arbitrates: what still differs between the second
   and third is the host's volatile text and is learned; an editor's change that
   landed between the first two fetches is stable from the second on, so it is
   stored, never learned as chrome. A host whose first versions' two fetches
   keep agreeing is calm (`CalmHosts`): most of its first versions need no
   second fetch;
5. the page's identity keys may say it is a story tracked under another URL:
   a new URL then joins that article instead of starting a second history;
6. a body that collapsed against the last version is a soft error; otherwise a
   new version and its revision are stored together;
7. apply (`record`): the only place rows change; the next check is scheduled by
   the policy and the lease given back.

Each article is stored in its own transaction, with its row locked first, so a
failure loses nothing else, never leaves a partial version, and two workers
that checked one story store it one after the other (quick unchanged checks
store no version and share one transaction). Unexpected errors become a
recorded check.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

from sqlalchemy.exc import OperationalError

from tracker.errors import WorkersUnavailable
from tracker.fetch import Postponed
from tracker.pipeline.observe import Quick, fetch_first, observe, quick_look
from tracker.pipeline.plan import Plan, plan_checks
from tracker.pipeline.record import record, record_internal_error, record_quick
from tracker.pipeline.results import CheckResult, Deferred
from tracker.pipeline.runtime import ExtractionPool, Runtime, site_rules
from tracker.store.db import describe_error, transaction
from tracker.store.models import Outcome

__all__ = ["LEASE", "CheckResult", "Deferred", "ExtractionPool", "Runtime", "check_articles", "site_rules"]

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=10)


async def check_articles(
    runtime: Runtime, article_ids: list[int], *, not_after: float | None = None
) -> list[CheckResult]:
    """Check these articles concurrently (the fetcher bounds what is in flight and keeps
    each host's pace). A check whose first request cannot get its host's turn before
    `not_after` (`time.monotonic()`) is postponed: nothing is recorded, it stays due."""
    plans = plan_checks(
        runtime.sessions, article_ids, runtime.config.schedule.full_extraction_every, not_after
    )
    done = await asyncio.gather(*(_check(runtime, plan) for plan in plans))
    results = [r for r in done if isinstance(r, CheckResult)]
    quick = [r for r in done if isinstance(r, Quick)]
    if quick:
        results.extend(_record_quick(runtime, quick))
    return results


async def _check(runtime: Runtime, plan: Plan) -> CheckResult | Quick:
    """One check: observe, then judge and apply in one transaction."""
    started, began = runtime.clock(), time.perf_counter()
    try:
        result, started, began = await fetch_first(runtime, plan)
        if (quick := quick_look(runtime, plan, result, started, began)) is not None:
            return quick
        observation = await observe(runtime, plan, result, started, began)
        with transaction(runtime.sessions) as session:
            checked = record(
                session,
                runtime.config,
                observation,
                now=runtime.clock(),
                owner=runtime.owner,
                furniture=runtime.furniture,
            )
    except Postponed:
        return _postponed(plan)
    except WorkersUnavailable:
        raise  # no check can be done: said once, by the caller, not recorded on every article
    except Exception as error:  # the daemon carries on: the failure becomes a recorded check
        return _internal_error(runtime, plan, started, began, error)
    _log_check(plan, checked, _ms_since(began))
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
        result = CheckResult(q.plan.article_id, q.plan.url, Outcome.UNCHANGED, q.plan.latest_number)
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
