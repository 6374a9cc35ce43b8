"""Reads and writes of tracker's tables. Every function takes a Session and never
commits: the caller owns the transaction."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from tracker.config import SourceConfig
from tracker.diff import Changes
from tracker.errors import NotFoundError
from tracker.models import (
    Article,
    ArticleStatus,
    ArticleUrl,
    Check,
    Revision,
    Source,
    SourceEndpoint,
    SourceKind,
    Version,
)
from tracker.normalize import Content
from tracker.urls import try_normalize_url

MANUAL_SOURCE = "manual"


def sync_sources(session: Session, sources: Sequence[SourceConfig], now: datetime) -> None:
    """Make the sources and endpoints tables say what config.yaml says (endpoints no
    longer listed are removed; their articles stay)."""
    for config in sources:
        source = source_named(session, config.name, now)
        wanted = {
            (kind, url)
            for kind, urls in (
                (SourceKind.FEED, config.feeds),
                (SourceKind.SITEMAP, config.sitemaps),
                (SourceKind.LIST, config.lists),
            )
            for url in urls
        }
        existing = {(e.kind, e.url): e for e in source.endpoints}
        for key, endpoint in existing.items():
            if key not in wanted:
                session.delete(endpoint)
        for kind, url in sorted(wanted - existing.keys()):
            session.add(SourceEndpoint(source=source, kind=kind, url=url, next_poll_at=now))
    session.flush()


def source_named(session: Session, name: str, now: datetime) -> Source:
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, created_at=now)
        session.add(source)
        session.flush()
    return source


def endpoints_due(session: Session, now: datetime | None) -> list[SourceEndpoint]:
    """Endpoints whose poll is due (all of them when `now` is None)."""
    query = select(SourceEndpoint).order_by(SourceEndpoint.id)
    if now is not None:
        query = query.where(or_(SourceEndpoint.next_poll_at.is_(None), SourceEndpoint.next_poll_at <= now))
    return list(session.scalars(query))


def find_article(session: Session, url: str) -> Article | None:
    """The article any of whose URLs is `url` (already normalized)."""
    return session.scalar(
        select(Article).join(ArticleUrl, ArticleUrl.article_id == Article.id).where(ArticleUrl.url == url)
    )


def add_article(
    session: Session,
    url: str,
    *,
    source: Source | None,
    now: datetime,
    listed_published_at: datetime | None = None,
) -> tuple[Article, bool]:
    """The article for `url`, created (due now) when no article has that URL yet."""
    existing = find_article(session, url)
    if existing is not None:
        return existing, False
    article = Article(
        url=url,
        source=source,
        first_seen_at=now,
        status=ArticleStatus.ACTIVE,
        listed_published_at=listed_published_at,
        next_check_at=now,
        consecutive_failures=0,
    )
    session.add(article)
    session.flush()
    session.add(ArticleUrl(url=url, article_id=article.id, kind="discovered", first_seen_at=now))
    session.flush()
    return article, True


def add_alias(session: Session, article: Article, url: str, kind: str, now: datetime) -> bool:
    """Record `url` as reaching `article` unless some article already has it."""
    if session.scalar(select(ArticleUrl.id).where(ArticleUrl.url == url)) is not None:
        return False
    session.add(ArticleUrl(url=url, article_id=article.id, kind=kind, first_seen_at=now))
    session.flush()
    return True


def resolve_article(session: Session, reference: str) -> Article:
    """An article by id or by any of its URLs; NotFoundError otherwise."""
    reference = reference.strip()
    if reference.isdigit():
        article = session.get(Article, int(reference))
    else:
        url = try_normalize_url(reference)
        article = find_article(session, url) if url else None
    if article is None:
        raise NotFoundError(f"no tracked article matches {reference!r}")
    return article


def claim_due(
    session: Session,
    *,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    every_active: bool = False,
) -> list[int]:
    """Lease up to `limit` due articles to `owner`; on PostgreSQL rows another worker
    holds are skipped (FOR UPDATE SKIP LOCKED)."""
    query = (
        select(Article.id)
        .where(Article.status == ArticleStatus.ACTIVE)
        .where(or_(Article.lease_until.is_(None), Article.lease_until < now))
        .order_by(Article.next_check_at, Article.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if not every_active:
        query = query.where(Article.next_check_at <= now)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(Article).where(Article.id.in_(ids)).values(lease_owner=owner, lease_until=now + lease)
        )
    return ids


def release(session: Session, article_ids: Iterable[int], owner: str) -> None:
    session.execute(
        update(Article)
        .where(Article.id.in_(list(article_ids)))
        .where(Article.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def latest_version(session: Session, article_id: int) -> Version | None:
    return session.scalar(
        select(Version).where(Version.article_id == article_id).order_by(Version.number.desc()).limit(1)
    )


def add_version(
    session: Session,
    article: Article,
    content: Content,
    *,
    fetched_at: datetime,
    extra: dict[str, Any],
    raw_html: str | None,
) -> Version:
    number = (
        session.scalar(select(func.max(Version.number)).where(Version.article_id == article.id)) or 0
    ) + 1
    version = Version(
        article_id=article.id,
        number=number,
        fetched_at=fetched_at,
        headline=content.headline or None,
        byline=content.byline or None,
        body=content.body_text,
        published_at=content.published_at,
        updated_at=content.updated_at,
        extra=extra,
        content_hash=content.content_hash,
        raw_html=zlib.compress(raw_html.encode("utf-8"), 6) if raw_html is not None else None,
    )
    session.add(version)
    session.flush()
    return version


def add_revision(
    session: Session,
    article_id: int,
    from_number: int,
    to_number: int,
    changes: Changes,
    detected_at: datetime,
) -> Revision:
    revision = Revision(
        article_id=article_id,
        from_number=from_number,
        to_number=to_number,
        detected_at=detected_at,
        changed=list(changes.changed),
        field_changes=list(changes.field_changes),
        body_diff=list(changes.body_diff),
        stats=changes.stats,
        trivial=changes.trivial,
    )
    session.add(revision)
    session.flush()
    return revision


def record_check(session: Session, check: Check) -> None:
    session.add(check)


def versions_of(session: Session, article_id: int) -> list[Version]:
    return list(
        session.scalars(select(Version).where(Version.article_id == article_id).order_by(Version.number))
    )


def revisions_of(session: Session, article_id: int) -> list[Revision]:
    return list(
        session.scalars(
            select(Revision).where(Revision.article_id == article_id).order_by(Revision.to_number)
        )
    )


def version_numbered(session: Session, article_id: int, number: int) -> Version:
    version = session.scalar(
        select(Version).where(Version.article_id == article_id, Version.number == number)
    )
    if version is None:
        raise NotFoundError(f"article {article_id} has no version {number}")
    return version


def aliases_of(session: Session, article_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ArticleUrl.url).where(ArticleUrl.article_id == article_id).order_by(ArticleUrl.id)
        )
    )


def checks_of(session: Session, article_id: int, limit: int = 20) -> list[Check]:
    return list(
        session.scalars(
            select(Check)
            .where(Check.article_id == article_id)
            .order_by(Check.started_at.desc(), Check.id.desc())
            .limit(limit)
        )
    )


def raw_html_of(version: Version) -> str | None:
    return zlib.decompress(version.raw_html).decode("utf-8") if version.raw_html else None
