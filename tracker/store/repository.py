"""Reads and writes of tracker's tables. Every function takes a Session and never
commits: the caller owns the transaction."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from tracker.core.diff import Changes

from tracker.config import SourceConfig
from tracker.core.normalize import Content
from tracker.core.urls import host_of, try_normalize_url
from tracker.errors import NotFoundError
from tracker.store.models import (
    Article,
    ArticleKey,
    ArticleStatus,
    ArticleUrl,
    Check,
    Event,
    Revision,
    Source,
    SourceEndpoint,
    SourceKind,
    Version,
    VolatileText,
    Webhook,
)

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


def claim_endpoints(
    session: Session, sources: Sequence[SourceConfig], now: datetime, *, every: bool = False
) -> list[SourceEndpoint]:
    """The endpoints due for a poll (all with `every`), each moved on to its next poll
    time as it is claimed: on PostgreSQL rows another worker holds are skipped, so
    one endpoint is polled by one worker at a time."""
    query = select(SourceEndpoint).order_by(SourceEndpoint.id).with_for_update(skip_locked=True)
    if not every:
        query = query.where(or_(SourceEndpoint.next_poll_at.is_(None), SourceEndpoint.next_poll_at <= now))
    endpoints = list(session.scalars(query))
    intervals = {source.name: source.poll_interval for source in sources}
    for endpoint in endpoints:
        endpoint.next_poll_at = now + intervals.get(endpoint.source.name, timedelta(minutes=15))
    return endpoints


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


def claim_due(
    session: Session,
    *,
    now: datetime,
    owner: str,
    lease: timedelta,
    limit: int,
    per_host: Callable[[str], int] | None = None,
    every_active: bool = False,
    checked_before: datetime | None = None,
) -> list[int]:
    """Lease up to `limit` due articles to `owner`, at most `per_host(host)` of each host
    (what the host can answer, at its pace, before the batch must end), most overdue
    first and taken from the hosts in turn, so a host with a long backlog never crowds
    the others out of a batch. On PostgreSQL rows another worker holds are skipped
    (FOR UPDATE SKIP LOCKED). `every_active`: every active article not checked since
    `checked_before`, due or not (one cycle of `run --once --all`)."""
    due = (
        Article.status == ArticleStatus.ACTIVE
        if every_active
        else Article.status.in_((ArticleStatus.ACTIVE, ArticleStatus.GONE))
    )
    if not every_active:
        when = Article.next_check_at <= now
    elif checked_before is not None:
        when = or_(Article.last_checked_at.is_(None), Article.last_checked_at < checked_before)
    else:
        when = true()
    rank = func.row_number().over(partition_by=Article.host, order_by=(Article.next_check_at, Article.id))
    ranked = (
        select(Article.id, Article.host, Article.next_check_at, rank.label("rank"))
        .where(due, when, or_(Article.lease_until.is_(None), Article.lease_until < now))
        .subquery()
    )
    candidates = session.execute(
        select(ranked.c.id, ranked.c.host, ranked.c.rank)
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.rank, ranked.c.next_check_at, ranked.c.id)
    ).all()
    budgets: dict[str, int] = {}
    chosen: list[int] = []
    for article_id, host, place in candidates:
        if host not in budgets:
            budgets[host] = per_host(host) if per_host is not None else limit
        if place <= budgets[host]:
            chosen.append(article_id)
            if len(chosen) == limit:
                break
    if not chosen:
        return []
    ids = list(
        session.scalars(
            select(Article.id)
            .where(Article.id.in_(chosen))
            .where(or_(Article.lease_until.is_(None), Article.lease_until < now))
            .order_by(Article.id)
            .with_for_update(skip_locked=True)
        )
    )
    if ids:
        session.execute(
            update(Article).where(Article.id.in_(ids)).values(lease_owner=owner, lease_until=now + lease)
        )
    order = {article_id: index for index, article_id in enumerate(chosen)}
    return sorted(ids, key=order.__getitem__)


def release_dead_leases(session: Session, host: str, alive: Callable[[int], bool]) -> int:
    """Release leases held by workers of `host` whose process is gone (a daemon killed
    mid-cycle): articles' and notification destinations'; leases of other machines
    expire on their own. Returns how many."""
    released = 0
    for table in (Article, Webhook):
        owners = session.scalars(
            select(table.lease_owner).where(table.lease_owner.like(f"{host}:%")).distinct()
        )
        dead = [
            owner
            for owner in owners
            if owner and owner.rpartition(":")[2].isdigit() and not alive(int(owner.rpartition(":")[2]))
        ]
        if dead:
            result = session.execute(
                update(table).where(table.lease_owner.in_(dead)).values(lease_owner=None, lease_until=None)
            )
            released += int(getattr(result, "rowcount", 0) or 0)
    return released


def release(session: Session, article_ids: Iterable[int], owner: str) -> None:
    session.execute(
        update(Article)
        .where(Article.id.in_(list(article_ids)))
        .where(Article.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
    )


def latest_version_number(session: Session, article_id: int) -> int | None:
    return session.scalar(select(func.max(Version.number)).where(Version.article_id == article_id))


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
    raw_html: bytes | None,
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
        raw_html=raw_html,
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
        kinds=list(changes.kinds),
        significance=changes.significance,
    )
    session.add(revision)
    session.flush()
    return revision


def revision_to(session: Session, article_id: int, number: int) -> Revision | None:
    return session.scalar(
        select(Revision).where(Revision.article_id == article_id, Revision.to_number == number)
    )


def mark_template_change(
    session: Session, revision_ids: Sequence[int], line: str, added: bool, now: datetime
) -> None:
    """These revisions recorded the site's template gaining (or losing) `line`, not an
    editor's change: kind `template`, trivial, and a `template_change` event on each."""
    for revision in session.scalars(select(Revision).where(Revision.id.in_(list(revision_ids)))):
        revision.trivial = True
        revision.kinds = [*dict.fromkeys([*revision.kinds, "template"])]
        revision.significance = 0.0
        record_event(session, revision.article_id, "template_change", now, line=line, added=added)
    session.flush()


def record_check(session: Session, check: Check) -> None:
    session.add(check)


def articles_by_id(session: Session, ids: Sequence[int]) -> dict[int, Article]:
    """The articles of these ids that still exist, in one query."""
    return {a.id: a for a in session.scalars(select(Article).where(Article.id.in_(ids)))}


def add_checks(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert check rows (column -> value) in one statement."""
    if rows:
        session.execute(insert(Check), list(rows))


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


def insert_ignoring_duplicates(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING, so concurrent workers may insert the same row."""
    if not rows:
        return
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(model).values(rows).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(model).values(rows).on_conflict_do_nothing())
    else:
        session.execute(insert(model).prefix_with("IGNORE"), rows)


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


def merge_into(session: Session, duplicate: Article, target: Article, now: datetime) -> None:
    """`duplicate` (a URL found to be `target`'s story, with no versions of its own)
    becomes part of `target`: its URLs turn into aliases and its checks move over."""
    session.execute(
        update(ArticleUrl)
        .where(ArticleUrl.article_id == duplicate.id)
        .values(article_id=target.id, kind="moved")
    )
    session.execute(update(Check).where(Check.article_id == duplicate.id).values(article_id=target.id))
    session.execute(update(Event).where(Event.article_id == duplicate.id).values(article_id=target.id))
    session.execute(delete(ArticleKey).where(ArticleKey.article_id == duplicate.id))
    record_event(session, target.id, "merged", now, url=duplicate.url)
    session.flush()
    session.delete(duplicate)
    session.flush()


@dataclass(frozen=True, slots=True)
class Joined:
    """What joining two histories did."""

    versions: int  # in the joined history
    repeated: int  # versions of the other history equal to their predecessor, dropped


def join_histories(session: Session, keep: Article, other: Article, now: datetime, *, why: str) -> Joined:
    """`other` is `keep`'s story under another URL, as the publisher says (a redirect, the
    same declared id or canonical URL), and both have versions: one history. Their
    versions go in the order they were fetched, renumbered; a version equal to the one
    before it is dropped (the same page seen under both URLs); a revision between two
    versions that stay neighbours is kept, the others are computed again; `other`'s
    URLs, keys, checks and events move to `keep`, and a `merged` event says what
    happened. Both rows must be locked."""
    from tracker.core.diff import compare
    from tracker.core.normalize import content_of

    ids = (keep.id, other.id)
    versions = list(
        session.scalars(
            select(Version)
            .where(Version.article_id.in_(ids))
            .order_by(Version.fetched_at, (Version.article_id != keep.id), Version.number)
        )
    )
    kept: list[Version] = []
    for version in versions:
        if kept and version.content_hash == kept[-1].content_hash:
            kept[-1].extra = {**version.extra, **kept[-1].extra}  # what it knew of its URL stays
        else:
            kept.append(version)
    # a revision between two versions that stay neighbours is kept as it was (its id, its
    # time, what was notified of it); the others are computed again
    by_number = {(v.article_id, v.number): v.id for v in versions}
    neighbours = {(older.id, newer.id) for older, newer in itertools.pairwise(kept)}
    preserved: dict[tuple[int, int], dict[str, Any]] = {}
    for revision in session.scalars(select(Revision).where(Revision.article_id.in_(ids))):
        pair = (
            by_number[(revision.article_id, revision.from_number)],
            by_number[(revision.article_id, revision.to_number)],
        )
        if pair in neighbours:
            preserved[pair] = {
                column.key: getattr(revision, column.key)
                for column in Revision.__table__.columns
                if column.key not in ("article_id", "from_number", "to_number")
            }
        session.delete(revision)
    session.flush()
    kept_ids = {version.id for version in kept}
    for version in versions:
        if version.id not in kept_ids:
            session.delete(version)
    for version in kept:  # out of the way of (article, number) while renumbering
        version.number = -version.id
    session.flush()
    for number, version in enumerate(kept, start=1):
        version.article_id, version.number = keep.id, number
    session.flush()
    for older, newer in itertools.pairwise(kept):
        numbers = {"article_id": keep.id, "from_number": older.number, "to_number": newer.number}
        if (older.id, newer.id) in preserved:
            session.add(Revision(**preserved[(older.id, newer.id)], **numbers))
        else:
            changes = compare(content_of(older), content_of(newer))
            add_revision(session, keep.id, older.number, newer.number, changes, newer.fetched_at)
    session.flush()
    session.execute(
        update(ArticleUrl).where(ArticleUrl.article_id == other.id).values(article_id=keep.id, kind="moved")
    )
    session.execute(update(Check).where(Check.article_id == other.id).values(article_id=keep.id))
    session.execute(update(Event).where(Event.article_id == other.id).values(article_id=keep.id))
    held = set(session.scalars(select(ArticleKey.key).where(ArticleKey.article_id == keep.id)))
    for key in session.scalars(select(ArticleKey).where(ArticleKey.article_id == other.id)):
        if key.key in held:
            session.delete(key)
        else:
            key.article_id = keep.id
    joined = Joined(len(kept), len(versions) - len(kept))
    keep.first_seen_at = min(keep.first_seen_at, other.first_seen_at)
    keep.last_changed_at = max((a.last_changed_at for a in (keep, other) if a.last_changed_at), default=None)
    record_event(
        session,
        keep.id,
        "merged",
        now,
        url=other.url,
        why=why,
        versions=joined.versions,
        repeated=joined.repeated,
    )
    session.flush()
    session.delete(other)
    session.flush()
    return joined


def previous_outcome(session: Session, article_id: int) -> str | None:
    return session.scalar(
        select(Check.outcome)
        .where(Check.article_id == article_id)
        .order_by(Check.started_at.desc(), Check.id.desc())
        .limit(1)
    )
