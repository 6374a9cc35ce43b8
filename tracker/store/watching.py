"""What the operator watches: sources and stories paused and resumed, stories removed
(no longer checked, their history kept) or purged (deleted with everything of them).

A paused story, and every story of a paused source, is never claimed
(`leases.watched`); a paused source's endpoints are not polled. Every function takes
a Session and never commits: `purge` counts and deletes in the caller's one
transaction, so nothing is ever half-deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tracker.errors import NotFoundError
from tracker.store import repository
from tracker.store.models import (
    Article,
    ArticleKey,
    ArticleStatus,
    ArticleUrl,
    Check,
    Event,
    Revision,
    Source,
    Version,
)


@dataclass(frozen=True, slots=True)
class Target:
    """What a command names: a source (by name) or an article (by id or URL)."""

    source: Source | None = None
    article: Article | None = None

    @property
    def row(self) -> Source | Article:
        row = self.source or self.article
        assert row is not None, "a target names a source or an article"
        return row

    @property
    def label(self) -> str:
        if self.source is not None:
            return f"source {self.source.name}"
        assert self.article is not None
        return f"article {self.article.id} ({self.article.url})"


def resolve(session: Session, reference: str) -> Target:
    """A source by its name, else an article by id or any of its URLs; an id or a URL
    names an article even when a source bears the same name."""
    reference = reference.strip()
    if not reference.isdigit() and "://" not in reference:
        source = session.scalar(select(Source).where(Source.name == reference))
        if source is not None:
            return Target(source=source)
    try:
        return Target(article=repository.resolve_article(session, reference))
    except NotFoundError:
        known = ", ".join(session.scalars(select(Source.name).order_by(Source.name))) or "none yet"
        raise NotFoundError(
            f"no source or tracked article matches {reference!r} (sources: {known})"
        ) from None


def pause(session: Session, target: Target, now: datetime) -> bool:
    """Pause a source or an article; False when it was paused already."""
    row = target.row
    if row.paused_at is not None:
        return False
    row.paused_at = now
    if target.article is not None:
        repository.record_event(session, target.article.id, "paused", now)
    return True


def resume(session: Session, target: Target, now: datetime) -> bool:
    """Resume a paused source or article, or take back a removed article (due now);
    False when there was nothing to resume."""
    if target.source is not None:
        was = target.source.paused_at is not None
        target.source.paused_at = None
        return was
    article = target.article
    assert article is not None
    if article.paused_at is None and article.status != ArticleStatus.REMOVED:
        return False
    article.paused_at = None
    if article.status == ArticleStatus.REMOVED:
        article.status, article.next_check_at = ArticleStatus.ACTIVE, now
    repository.record_event(session, article.id, "resumed", now)
    return True


def remove(session: Session, article: Article, now: datetime) -> bool:
    """Stop checking an article for good, its history kept; False when already removed."""
    if article.status == ArticleStatus.REMOVED:
        return False
    previous = article.status
    article.status, article.next_check_at = ArticleStatus.REMOVED, None
    repository.record_event(session, article.id, "removed", now, previous_status=previous)
    return True


PURGED = (
    ("versions", Version),
    ("revisions", Revision),
    ("checks", Check),
    ("urls", ArticleUrl),
    ("identity keys", ArticleKey),
    ("events", Event),
)


def purge_counts(session: Session, article_ids: list[int]) -> dict[str, int]:
    """What purging these articles deletes, row kind by row kind."""
    counts = {"articles": len(article_ids)}
    for name, model in PURGED:
        column = model.article_id
        counts[name] = session.scalar(select(func.count()).where(column.in_(article_ids))) or 0
    return counts


def purge(session: Session, article_ids: list[int]) -> None:
    """Delete these articles and everything of them (the schema's cascades), in the
    caller's transaction: all of it or none."""
    # row kind by row kind, revisions before the versions they join, rather than
    # trusting every engine's cascades (and the search index's triggers) to follow
    for _name, model in reversed(PURGED):
        session.execute(delete(model).where(model.article_id.in_(article_ids)))
    session.execute(delete(Article).where(Article.id.in_(article_ids)))
