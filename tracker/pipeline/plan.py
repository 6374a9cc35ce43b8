"""Step 0, plan: what one check will fetch and what it compares with.

A plan is read in one short transaction for the whole batch: the conditional
request's validators, the host's volatile text, and either the quick look to
trust (the last version's hash is then read only if the look fails) or the
last version's hash without the volatile text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from tracker.core.confirm import baseline
from tracker.core.urls import site_of
from tracker.extraction import glance
from tracker.store import histories, repository
from tracker.store.db import transaction
from tracker.store.models import Article, ArticleStatus


@dataclass(slots=True)
class Plan:
    article_id: int
    url: str
    etag: str | None
    last_modified: str | None
    latest_hash: str | None
    volatile: frozenset[str] = field(default_factory=frozenset)
    look: glance.Glance | None = None  # set when this check may trust a quick look
    latest_number: int | None = None
    baseline_known: bool = True
    not_after: float | None = None  # the first fetch's turn must come before this (monotonic)

    @property
    def first_version(self) -> bool:
        return self.baseline_known and self.latest_hash is None


def plan_checks(
    sessions: sessionmaker[Session], article_ids: list[int], full_every: int, not_after: float | None
) -> list[Plan]:
    """The plans of a batch (articles gone since they were claimed are left out)."""
    with transaction(sessions) as session:
        volatile: dict[str, frozenset[str]] = {}
        plans = [plan_check(session, article_id, volatile, full_every) for article_id in article_ids]
    for plan in plans:
        if plan is not None:
            plan.not_after = not_after
    return [plan for plan in plans if plan is not None]


def plan_check(
    session: Session, article_id: int, volatile: dict[str, frozenset[str]], full_every: int = 1
) -> Plan | None:
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
        and (number := histories.latest_version_number(session, article_id)) is not None
    ):  # the last version is read only if the quick look fails
        look = glance.Glance(tuple(json.loads(article.look_places)), article.look_fingerprint)
        return Plan(
            article.id, article.url, article.etag, article.last_modified, None, volatile[host], look, number,
            baseline_known=False,
        )  # fmt: skip
    latest = histories.latest_version(session, article_id)
    base = baseline(latest, volatile[host])
    return Plan(
        article.id,
        article.url,
        article.etag if latest else None,
        article.last_modified if latest else None,
        base.content_hash if base else None,
        volatile[host],
    )


def know_baseline(sessions: sessionmaker[Session], plan: Plan) -> None:
    """Read the last version's hash that a trusted quick look had spared the plan."""
    if plan.baseline_known:
        return
    with transaction(sessions) as session:
        base = baseline(histories.latest_version(session, plan.article_id), plan.volatile)
    plan.latest_hash, plan.baseline_known = (base.content_hash if base else None), True
