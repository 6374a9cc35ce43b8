"""The read side: an article's history, diffs between versions, the export.

The export is a contract (docs/reference/export.md): one JSON object an article.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.core.headline_tests import shares
from tracker.core.normalize import content_of
from tracker.errors import NotFoundError
from tracker.read import shapes
from tracker.read.revisions import REVISION_SUMMARY
from tracker.read.shapes import (
    ArticleSummary,
    VersionJSON,
    archive_origin,
    event_json,
    iso,
    revision_json,
    revision_summary,
    version_json,
    witness_json,
)
from tracker.store import headlines, histories, repository, witnesses
from tracker.store.models import Article, Revision, Source, Version

if TYPE_CHECKING:
    from tracker.core.diff import Changes


def article_summary(session: Session, article: Article) -> ArticleSummary:
    versions = session.scalar(select(func.count()).where(Version.article_id == article.id)) or 0
    return shapes.article_summary(article, versions)


def list_articles(
    session: Session, *, changed_since: datetime | None = None, source: str | None = None
) -> list[Article]:
    query = select(Article).order_by(Article.id)
    if changed_since is not None:
        query = query.where(Article.last_changed_at >= changed_since)
    if source:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == source)
    return list(session.scalars(query))


def headline_tests(session: Session, article_id: int) -> list[shapes.HeadlineTestJSON]:
    """The story's headline tests, oldest first, each with its variants' shares."""
    found = headlines.tests_of(session, article_id)
    seen = {kind: headlines.sightings(session, article_id, kind) for kind in {t.kind for t in found}}
    return [
        shapes.headline_test_json(t, shares(seen[t.kind], {*t.variants, *([t.winner] if t.winner else [])}))
        for t in found
    ]


def history(session: Session, article: Article) -> dict[str, Any]:
    return {
        **article_summary(session, article),
        "aliases": repository.aliases_of(session, article.id),
        "headline_tests": headline_tests(session, article.id),
        "events": [event_json(e) for e in repository.events_of(session, article.id)],
        "versions": _witnessed(
            session,
            article.id,
            [version_json(v, with_body=False) for v in histories.versions_of(session, article.id)],
        ),
        "revisions": [revision_json(r) for r in histories.revisions_of(session, article.id)],
    }


def _witnessed(session: Session, article_id: int, versions: list[VersionJSON]) -> list[VersionJSON]:
    """Each version with its `witnesses`: the archives' copies of its page (empty when
    none was asked or none landed yet)."""
    found = witnesses.of_article(session, article_id)
    for version in versions:
        version["witnesses"] = [witness_json(w) for w in found.get(version["number"], [])]
    return versions


def version_witnesses(session: Session, version_id: int) -> list[shapes.WitnessJSON]:
    """The archives' copies of one version's page (`tracker.witness`), oldest first."""
    return [witness_json(w) for w in witnesses.of_versions(session, [version_id]).get(version_id, [])]


def diff_between(
    session: Session, article: Article, from_number: int | None, to_number: int | None
) -> tuple[Version, Version, Changes]:
    """The versions to compare (default: the last two) and their changes."""
    latest = histories.latest_version(session, article.id)
    if latest is None:
        raise NotFoundError(f"article {article.id} has no version yet")
    if latest.number == 1 and from_number is None and to_number is None:
        raise NotFoundError(f"article {article.id} has one version: nothing to compare yet")
    to_number = to_number or latest.number
    from_number = from_number or max(1, to_number - 1)
    new = histories.version_numbered(session, article.id, to_number)  # the one asked for, first
    old = histories.version_numbered(session, article.id, from_number)
    from tracker.core.diff import compare  # rapidfuzz: only commands that diff pay for its import

    return old, new, compare(content_of(old), content_of(new))


def export_article(session: Session, article: Article) -> dict[str, Any]:
    """One line of the JSON Lines export (see docs/reference/export.md): the streamed
    export's page of one article."""
    from tracker.read import export_pages

    return export_pages.line_of(session, article)


def export(session: Session, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every article (changed since `since`, when given), in id order, streamed a page of
    articles at a time (`tracker.read.export_pages`)."""
    from tracker.read import export_pages

    return export_pages.export(session, since=since)


def count_exported(session: Session, *, since: datetime | None = None) -> int:
    """How many articles `export` yields."""
    query = select(func.count(Article.id))
    if since is not None:
        query = query.where(Article.last_changed_at >= since)
    return session.scalar(query) or 0


def timeline(session: Session, article: Article) -> dict[str, Any]:
    """An article's history for a page: versions (no bodies), revisions (no diffs),
    events and aliases, and every entry on one time line, oldest first."""
    versions = session.execute(
        select(Version.number, Version.fetched_at, Version.headline, Version.byline, Version.extra)
        .where(Version.article_id == article.id)
        .order_by(Version.number)
    ).all()
    revisions = session.execute(
        select(*REVISION_SUMMARY).where(Revision.article_id == article.id).order_by(Revision.to_number)
    ).all()
    events = repository.events_of(session, article.id)
    by_number = {r.to_number: r for r in revisions}
    witnessed = witnesses.of_article(session, article.id)
    entries: list[dict[str, Any]] = []
    for v in versions:
        r = by_number.get(v.number)
        entry: dict[str, Any] = {
            "type": "version",
            "at": iso(v.fetched_at),
            "number": v.number,
            "headline": v.headline,
            "byline": v.byline,
            "archive": archive_origin(v.extra),
            "witnesses": [witness_json(w) for w in witnessed.get(v.number, [])],
        }
        if r is not None:
            entry["revision"] = revision_summary(r)
        entries.append(entry)
    entries.extend({"type": "event", **event_json(e)} for e in events)
    entries.sort(key=lambda e: (e["at"] or "", 0 if e["type"] == "version" else 1))
    latest = versions[-1] if versions else None
    return {
        **article_summary(session, article),
        "headline": latest.headline if latest else None,
        "aliases": [url for url in repository.aliases_of(session, article.id) if url != article.url],
        "headline_tests": headline_tests(session, article.id),
        "timeline": entries,
    }


def revision_with_neighbours(session: Session, article: Article, number: int) -> dict[str, Any]:
    """The revision to version `number` of `article`, both its versions, and the numbers of
    the revisions before and after it (None at either end). Raises NotFoundError."""
    revision = session.scalar(
        select(Revision).where(Revision.article_id == article.id, Revision.to_number == number)
    )
    if revision is None:
        raise NotFoundError(f"article {article.id} has no revision to version {number}")
    old = histories.version_numbered(session, article.id, revision.from_number)
    new = histories.version_numbered(session, article.id, revision.to_number)
    numbers = list(
        session.scalars(
            select(Revision.to_number).where(Revision.article_id == article.id).order_by(Revision.to_number)
        )
    )
    index = numbers.index(number)
    return {
        "article": article,
        "revision": revision,
        "old": old,
        "new": new,
        "previous": numbers[index - 1] if index > 0 else None,
        "next": numbers[index + 1] if index + 1 < len(numbers) else None,
    }


def latest_headline(session: Session, article_id: int) -> str | None:
    return session.scalar(
        select(Version.headline)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
        .limit(1)
    )
