"""Step 0, plan: what one check will fetch and what it compares with.

A plan is read in one short transaction for the whole batch: the conditional
request's validators, the host's volatile text, and the baseline: the last
version's hash without the volatile text (`Known`), or, when the quick look may
be trusted, only the last version's number (`Unread`: its hash is read by
`observe` if the look fails). A plan is built once and never changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from tracker.core.confirm import baseline
from tracker.core.urls import site_of
from tracker.extraction import glance
from tracker.store import histories, repository
from tracker.store.db import transaction
from tracker.store.models import Article, ArticleStatus


@dataclass(frozen=True, slots=True)
class Known:
    """The last version's content hash without the host's volatile text; None: no version."""

    content_hash: str | None


@dataclass(frozen=True, slots=True)
class Unread:
    """A version exists (`number`); its hash is read only if the quick look fails."""

    number: int
    look: glance.Glance


@dataclass(frozen=True, slots=True)
class Plan:
    article_id: int
    url: str
    etag: str | None
    last_modified: str | None
    baseline: Known | Unread
    volatile: frozenset[str]
    not_after: float | None = None  # the first fetch's turn must come before this (monotonic)


def plan_checks(
    sessions: sessionmaker[Session], article_ids: list[int], full_every: int, not_after: float | None
) -> list[Plan]:
    """The plans of a batch (articles gone since they were claimed are left out)."""
    with transaction(sessions) as session:
        volatile: dict[str, frozenset[str]] = {}
        plans = [
            plan_check(session, article_id, volatile, full_every, not_after) for article_id in article_ids
        ]
    return [plan for plan in plans if plan is not None]


def plan_check(
    session: Session,
    article_id: int,
    volatile: dict[str, frozenset[str]],
    full_every: int = 1,
    not_after: float | None = None,
) -> Plan | None:
    """One article's plan; `volatile` caches each host's volatile text for the batch."""
    article = session.get(Article, article_id)
    if article is None:
        return None
    host = site_of(article.url)
    if host not in volatile:
        volatile[host] = repository.volatile_shapes(session, host)
    if (unread := _trusted_look(session, article, full_every)) is not None:
        return Plan(
            article.id, article.url, article.etag, article.last_modified, unread, volatile[host], not_after
        )
    base = baseline(histories.latest_version(session, article_id), volatile[host])
    if base is None:  # no version yet: nothing to be conditional on
        return Plan(article.id, article.url, None, None, Known(None), volatile[host], not_after)
    return Plan(
        article.id,
        article.url,
        article.etag,
        article.last_modified,
        Known(base.content_hash),
        volatile[host],
        not_after,
    )


def _trusted_look(session: Session, article: Article, full_every: int) -> Unread | None:
    """The quick look this check may trust: one is kept, the story is active, and the
    check is not one of those made in full every `full_every`."""
    if not (article.look_fingerprint and article.look_places and article.status == ArticleStatus.ACTIVE):
        return None
    if article.quick_checks + 1 >= full_every:
        return None
    number = histories.latest_version_number(session, article.id)
    if number is None:
        return None
    return Unread(number, glance.Glance(tuple(json.loads(article.look_places)), article.look_fingerprint))


def read_baseline(sessions: sessionmaker[Session], plan: Plan) -> str | None:
    """The last version's hash without the plan's volatile text (read now if the plan
    had left it unread); None: the article has no version yet."""
    if isinstance(plan.baseline, Known):
        return plan.baseline.content_hash
    with transaction(sessions) as session:
        base = baseline(histories.latest_version(session, plan.article_id), plan.volatile)
    return base.content_hash if base else None
