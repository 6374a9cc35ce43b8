"""Sources and endpoints, articles and their URLs, checks, identity keys, volatile
text and events. Versions and revisions are in `histories`, claims and leases in
`leases`. Every function takes a Session and never commits: the caller owns the
transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.config import SourceConfig
from tracker.core.urls import host_of, try_normalize_url
from tracker.errors import NotFoundError
from tracker.store.models import (
    Article,
    ArticleKey,
    ArticleStatus,
    ArticleUrl,
    Check,
    Event,
    Source,
    SourceEndpoint,
    SourceKind,
    VolatileText,
)

MANUAL_SOURCE = "manual"


def sync_sources(session: Session, sources: Sequence[SourceConfig], now: datetime) -> list[str]:
    """Make the sources and endpoints tables say what config.yaml says: its sources are
    configured, endpoints no longer listed are removed (their articles stay), and a source
    the config named once and no longer does is marked no longer configured (its
    endpoints are kept but not polled; its stories and history stay). Returns the names
    of the sources this sync found gone from the config."""
    for config in sources:
        source = source_named(session, config.name, now, configured=True)
        source.configured, source.unconfigured_at = True, None
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
    named = {config.name for config in sources}
    dropped = list(
        session.scalars(select(Source).where(Source.configured.is_(True), Source.name.not_in(named)))
    )
    for source in dropped:
        source.configured, source.unconfigured_at = False, now
    session.flush()
    return [source.name for source in dropped]


def source_named(session: Session, name: str, now: datetime, *, configured: bool = False) -> Source:
    """The source of this name, made when there is none yet: `configured` when the config
    names it, otherwise one made by hand (`tracker add --source`)."""
    source = session.scalar(select(Source).where(Source.name == name))
    if source is None:
        source = Source(name=name, created_at=now, configured=configured)
        session.add(source)
        session.flush()
    return source


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
    try:
        with session.begin_nested():  # another worker may insert the same URL at this moment
            article = _new_article(url, source, now, listed_published_at)
            session.add(article)
            session.flush()
            session.add(ArticleUrl(url=url, article_id=article.id, kind="discovered", first_seen_at=now))
            session.flush()
    except IntegrityError:
        existing = find_article(session, url)
        if existing is None:
            raise
        return existing, False
    return article, True


def _new_article(
    url: str, source: Source | None, now: datetime, listed_published_at: datetime | None
) -> Article:
    """A newly tracked article: active and due now."""
    return Article(
        url=url,
        host=host_of(url),
        source=source,
        first_seen_at=now,
        status=ArticleStatus.ACTIVE,
        listed_published_at=listed_published_at,
        next_check_at=now,
        consecutive_failures=0,
    )


def articles_by_urls(session: Session, urls: Sequence[str]) -> dict[str, Article]:
    """The articles reached by any of `urls` (normalized), keyed by the URL given."""
    found: dict[str, Article] = {}
    for start in range(0, len(urls), 500):  # within any database's limit on parameters
        rows = session.execute(
            select(ArticleUrl.url, Article)
            .join(Article, Article.id == ArticleUrl.article_id)
            .where(ArticleUrl.url.in_(urls[start : start + 500]))
        )
        found.update((url, article) for url, article in rows)
    return found


def add_articles(
    session: Session, listed: Sequence[tuple[str, datetime | None]], *, source: Source | None, now: datetime
) -> int:
    """Track many new URLs (each with its listed publication time) in two statements; the
    number created. Should another worker insert one of them meanwhile, the batch is
    added one by one instead (`add_article` tells who won)."""
    if not listed:
        return 0
    try:
        with session.begin_nested():
            articles = [_new_article(url, source, now, published) for url, published in listed]
            session.add_all(articles)
            session.flush()
            session.add_all(
                ArticleUrl(url=a.url, article_id=a.id, kind="discovered", first_seen_at=now) for a in articles
            )
            session.flush()
        return len(articles)
    except IntegrityError:
        return sum(
            add_article(session, url, source=source, now=now, listed_published_at=published)[1]
            for url, published in listed
        )


def forget_article(session: Session, article_id: int) -> None:
    """Delete an article and everything of it (its URLs, checks, versions: the schema's
    cascades), as if it had never been tracked."""
    session.execute(delete(Article).where(Article.id == article_id))


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


def record_check(session: Session, check: Check) -> None:
    session.add(check)


def checked_at(session: Session, article_id: int, at: datetime) -> bool:
    """Whether the article has a check that started at `at` (an import's capture seen
    before: `tracker import` of a file imported already)."""
    found = session.scalar(
        select(Check.id).where(Check.article_id == article_id, Check.started_at == at).limit(1)
    )
    return found is not None


def articles_by_id(session: Session, ids: Sequence[int]) -> dict[int, Article]:
    """The articles of these ids that still exist, in one query."""
    return {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}


def add_checks(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert check rows (column -> value) in one statement."""
    if rows:
        session.execute(insert(Check), list(rows))


def aliases_of(session: Session, article_id: int) -> list[str]:
    return list(
        session.scalars(
            select(ArticleUrl.url).where(ArticleUrl.article_id == article_id).order_by(ArticleUrl.id)
        )
    )


def insert_ignoring_duplicates(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, so concurrent workers may insert the same row
    (tracker runs on SQLite and PostgreSQL only)."""
    if not rows:
        return
    # imported here: the dialects cost the reading commands' start-up 30-60 ms
    from sqlalchemy.dialects import postgresql, sqlite

    if session.get_bind().dialect.name == "postgresql":
        session.execute(postgresql.insert(model).values(rows).on_conflict_do_nothing())
    else:
        session.execute(sqlite.insert(model).values(rows).on_conflict_do_nothing())


def volatile_shapes(session: Session, host: str) -> frozenset[str]:
    return frozenset(session.scalars(select(VolatileText.shape_hash).where(VolatileText.host == host)))


def learn_volatile(session: Session, host: str, shapes: dict[str, str], now: datetime) -> None:
    """Remember paragraph shapes (hash -> shape) that changed between two fetches of `host`."""
    insert_ignoring_duplicates(
        session,
        VolatileText,
        [
            {"host": host, "shape_hash": digest, "shape": text[:2000], "first_seen_at": now}
            for digest, text in sorted(shapes.items())  # one order: concurrent writers lock rows alike
        ],
    )


def article_with_key(session: Session, keys: Iterable[str]) -> Article | None:
    keys = list(keys)
    if not keys:
        return None
    return session.scalar(
        select(Article)
        .join(ArticleKey, ArticleKey.article_id == Article.id)
        .where(ArticleKey.key.in_(keys))
        .order_by(Article.id)
        .limit(1)
    )


def add_keys(session: Session, article_id: int, keys: Iterable[str], now: datetime) -> None:
    insert_ignoring_duplicates(
        session, ArticleKey, [{"key": key, "article_id": article_id, "first_seen_at": now} for key in keys]
    )


def record_event(session: Session, article_id: int, kind: str, now: datetime, **detail: Any) -> None:
    session.add(Event(article_id=article_id, at=now, kind=kind, detail=detail))


def events_of(session: Session, article_id: int) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.article_id == article_id).order_by(Event.at, Event.id))
    )


def previous_outcome(session: Session, article_id: int) -> str | None:
    return session.scalar(
        select(Check.outcome)
        .where(Check.article_id == article_id)
        .order_by(Check.started_at.desc(), Check.id.desc())
        .limit(1)
    )


def hold_article(session: Session, article_id: int) -> Article:
    """The article's row, held until the transaction ends, so that what is read of its
    history next cannot change before it is written: FOR UPDATE on PostgreSQL (as a
    check's `record` locks it); on SQLite, whose driver begins a transaction only at the
    first write, the database's write lock taken at once by a write that changes nothing."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Article).where(Article.id == article_id).values(id=Article.id))
    article = session.get(Article, article_id, with_for_update=True, populate_existing=True)
    if article is None:
        raise NotFoundError(f"no tracked article {article_id}")
    return article
