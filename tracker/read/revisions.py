"""Revisions across every article: the `changes` listing, reports and research exports.

Listings are served by indexed queries on `revisions.detected_at` and never
load a body; a report loads the two versions of each revision it shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from tracker.read.shapes import revision_summary
from tracker.store.models import Article, Revision, Source, Version

HEADLINE_TEST = "headline-test"  # a kind: revisions of a headline test, trivial ones included
ARCHIVE = "archive"  # a kind: revisions `tracker backfill` made from web archives' captures


@dataclass(frozen=True, slots=True)
class RevisionFilter:
    """Which revisions: the options of `tracker changes`, `report` and `export`."""

    since: datetime | None = None
    until: datetime | None = None
    source: str | None = None
    field: str | None = None
    kind: str | None = None
    min_significance: float = 0.0
    include_trivial: bool = False
    article_id: int | None = None
    limit: int | None = None
    before: tuple[datetime, int] | None = None  # a cursor: older than this (detected_at, id)
    after_id: int | None = None  # revisions stored after this one (notifications)
    archived: bool = True  # False: without the revisions `tracker backfill` made (kind `archive`)


def _filtered(query: Any, where: RevisionFilter) -> Any:
    if where.since is not None:
        query = query.where(Revision.detected_at >= where.since)
    if where.until is not None:
        query = query.where(Revision.detected_at < where.until)
    if where.source:
        query = query.where(Source.name == where.source)
    if where.field:
        query = query.where(cast(Revision.changed, String).like(f'%"{where.field}"%'))
    if where.kind == HEADLINE_TEST:  # the test's flip-flops, and the revision it ended on
        query = query.where(
            or_(
                cast(Revision.kinds, String).like(f'%"{HEADLINE_TEST}"%'), Revision.headline_test.is_not(None)
            )
        )
    elif where.kind:
        query = query.where(cast(Revision.kinds, String).like(f'%"{where.kind}"%'))
    if where.min_significance:
        query = query.where(Revision.significance >= where.min_significance)
    if not where.include_trivial and where.kind != HEADLINE_TEST:
        query = query.where(Revision.trivial.is_(False))
    if where.article_id is not None:
        query = query.where(Revision.article_id == where.article_id)
    if where.after_id is not None:
        query = query.where(Revision.id > where.after_id)
    if not where.archived:
        query = query.where(cast(Revision.kinds, String).not_like(f'%"{ARCHIVE}"%'))
    if where.before is not None:
        query = query.where(tuple_(Revision.detected_at, Revision.id) < tuple_(*where.before))
    return query.limit(where.limit) if where.limit else query


# A revision without its diffs: what listings and timelines show.
REVISION_SUMMARY = (
    Revision.from_number,
    Revision.to_number,
    Revision.detected_at,
    Revision.changed,
    Revision.kinds,
    Revision.significance,
    Revision.trivial,
    Revision.stats,
)


def recent_changes(session: Session, where: RevisionFilter) -> list[dict[str, Any]]:
    """Revisions, newest first, with their article, source and new headline (and the
    old one, `previous_headline`, when the headline changed); no bodies."""
    old, new = aliased(Version), aliased(Version)
    query = (
        select(
            Revision.id,
            Revision.article_id,
            *REVISION_SUMMARY,
            Article.url,
            Source.name,
            new.headline,
            old.headline.label("previous_headline"),
        )
        .join(Article, Article.id == Revision.article_id)
        .outerjoin(Source, Source.id == Article.source_id)
        .join(new, and_(new.article_id == Revision.article_id, new.number == Revision.to_number))
        .join(old, and_(old.article_id == Revision.article_id, old.number == Revision.from_number))
        .order_by(Revision.detected_at.desc(), Revision.id.desc())
    )
    return [
        {
            "revision_id": row.id,
            "article_id": row.article_id,
            "url": row.url,
            "source": row.name,
            "headline": row.headline,
            "previous_headline": row.previous_headline if row.previous_headline != row.headline else None,
            **revision_summary(row),
        }
        for row in session.execute(_filtered(query, where))
    ]


def count_revisions(session: Session, where: RevisionFilter) -> int:
    """How many revisions the filter matches (its limit and cursor aside)."""
    query = select(func.count(Revision.id))
    if where.source:
        query = query.join(Article, Article.id == Revision.article_id).join(
            Source, Source.id == Article.source_id
        )
    unlimited = RevisionFilter(**{**asdict(where), "limit": None, "before": None})
    return int(session.scalar(_filtered(query, unlimited)) or 0)


@dataclass(frozen=True, slots=True)
class RevisionWithVersions:
    """One revision with both versions, for a report."""

    revision: Revision
    url: str
    source: str | None
    old: Version
    new: Version


def _with_versions() -> Any:
    """Revisions with their article's URL, source, and both versions."""
    old, new = aliased(Version), aliased(Version)
    return (
        select(Revision, Article.url, Source.name, old, new)
        .join(Article, Article.id == Revision.article_id)
        .outerjoin(Source, Source.id == Article.source_id)
        .join(old, and_(old.article_id == Revision.article_id, old.number == Revision.from_number))
        .join(new, and_(new.article_id == Revision.article_id, new.number == Revision.to_number))
    )


def report_items(session: Session, where: RevisionFilter) -> list[RevisionWithVersions]:
    """Revisions for a report, most significant first."""
    query = _with_versions().order_by(
        Revision.significance.desc(), Revision.detected_at.desc(), Revision.id.desc()
    )
    return [RevisionWithVersions(*row) for row in session.execute(_filtered(query, where))]


def iter_report_items(session: Session, where: RevisionFilter) -> Iterator[RevisionWithVersions]:
    """Revisions in detection order, streamed (for exports)."""
    query = _with_versions().order_by(Revision.detected_at, Revision.id).execution_options(yield_per=200)
    for row in session.execute(_filtered(query, where)):
        yield RevisionWithVersions(*row)


def report_items_newest(session: Session, where: RevisionFilter) -> list[RevisionWithVersions]:
    """Revisions with both versions, newest first (feeds, notifications)."""
    query = _with_versions().order_by(Revision.detected_at.desc(), Revision.id.desc())
    return [RevisionWithVersions(*row) for row in session.execute(_filtered(query, where))]


def report_items_after(session: Session, where: RevisionFilter) -> list[RevisionWithVersions]:
    """Revisions with both versions in the order they were stored (notifications)."""
    query = _with_versions().order_by(Revision.id)
    return [RevisionWithVersions(*row) for row in session.execute(_filtered(query, where))]


def source_names(session: Session) -> list[str]:
    """Every source's name, for a filter's choices."""
    return list(session.scalars(select(Source.name).order_by(Source.name)))


def has_source(session: Session, name: str) -> bool:
    return session.scalar(select(Source.id).where(Source.name == name).limit(1)) is not None
