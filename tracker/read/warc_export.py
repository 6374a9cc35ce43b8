"""`tracker export --format warc`: the captures of the chosen articles as WARC records
(`tracker.read.warc`), and a `metadata` record for each version, streamed article by
article, a batch of articles at a time (bounded memory).

Within an article, each version's own capture comes first (a `response`), then the
captures that confirmed it: a confirming fetch whose body is byte for byte the
version's (same digest) is written as a `revisit` of it, one that differs as a
`response` of its own. Then the article's versions, each a `metadata` record that
refers to the response it was extracted from (`docs/reference/export.md`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any, TypeVar

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

import tracker
from tracker.read.shapes import iso, version_json
from tracker.read.warc import WarcFile, Written, archived_body, synthesized, warc_date
from tracker.store import bodies
from tracker.store import captures as stored
from tracker.store.models import Article, Capture, Source, Version

Chosen = TypeVar("Chosen", bound="Select[*tuple[Any, ...]]")
BATCH = 100  # articles read at a time, with their captures and versions
UNREADABLE_SHOWN = 10


@dataclass(frozen=True, slots=True)
class Scope:
    """Which captures an export holds: of one source, taken since a moment, of one article."""

    source: str | None = None
    since: datetime | None = None
    article_id: int | None = None

    def describe(self) -> str:
        parts = [f"source {self.source}"] if self.source else []
        if self.article_id is not None:
            parts.append(f"article {self.article_id}")
        if self.since is not None:
            parts.append(f"since {iso(self.since)}")
        return ", ".join(parts) or "everything"


@dataclass(slots=True)
class Exported:
    """What an export wrote: records by kind, and captures whose body was not there."""

    responses: int = 0
    revisits: int = 0
    metadata: int = 0
    without_body: int = 0  # captures with no body: dropped by retention, or unreadable
    unreadable: list[str] = field(
        default_factory=list
    )  # why bodies moved to WARC files were not read (10 at most)

    @property
    def captures(self) -> int:
        return self.responses + self.revisits + self.without_body


def count_captures(session: Session, scope: Scope) -> int:
    """How many captures `export` writes (for its progress)."""
    query = select(func.count(Capture.id)).join(Article, Article.id == Capture.article_id)
    query = _articles_of(query, scope)
    if scope.since is not None:
        query = query.where(Capture.at >= scope.since)
    return session.scalar(query) or 0


def export(
    session: Session,
    stream: IO[bytes],
    scope: Scope,
    *,
    filename: str | None = None,
    advance: Callable[[int], None] = lambda count: None,
) -> Exported:
    """Write the captures and versions of `scope` to `stream` as one WARC 1.1 file
    (`filename`, its name in the warcinfo record); `advance` is told of each article's
    captures written."""
    warc = WarcFile(stream)
    warc.warcinfo(filename, {"description": f"tracker export: {scope.describe()}"})
    done = Exported()
    for batch in _article_batches(session, scope):
        by_article = _captures_of(session, [a.id for a in batch], scope.since)
        versions = _versions_of(session, [a.id for a in batch], scope.since)
        for article in batch:
            _write_article(warc, article, by_article[article.id], versions[article.id], done)
            advance(len(by_article[article.id]))
        session.expunge_all()
    return done


def _write_article(
    warc: WarcFile, article: Any, kept: Sequence[Capture], versions: Sequence[Version], done: Exported
) -> None:
    """An article's captures (each version's own first, then those that confirmed it),
    then a metadata record for each of its versions."""
    originals: dict[int, tuple[Capture, Written]] = {}
    for capture in sorted(kept, key=_order):
        number = capture.version_number
        original = originals.get(number) if number is not None else None
        if capture.role != stored.VERSION and original is not None and _identical(capture, original[0]):
            warc.revisit(capture, original[1])
            done.revisits += 1
            continue
        try:
            body = body_of(capture)
        except (OSError, bodies.CorruptBody) as error:
            if len(done.unreadable) < UNREADABLE_SHOWN:
                done.unreadable.append(f"capture {capture.id}: {capture.warc}: {error}")
            body = None
        if body is None:
            done.without_body += 1
            continue
        written = warc.exchange(capture, body)
        done.responses += 1
        if capture.role in stored.MADE_FROM and number is not None and number not in originals:
            originals[number] = (capture, written)
    for version in versions:
        _write_version(warc, article, version, kept, originals.get(version.number))
        done.metadata += 1


def _write_version(
    warc: WarcFile,
    article: Any,
    version: Version,
    kept: Sequence[Capture],
    original: tuple[Capture, Written] | None,
) -> None:
    """A version's metadata record: about the response it was made from when that was
    written, else about the article (its capture not kept, not chosen, or its body gone)."""
    if original is not None:
        capture, written = original
        content = version_metadata(article, version, capture, written=True)
        warc.metadata(capture.url, written.date, written.record_id, content)
        return
    own = next((c for c in kept if c.role in stored.MADE_FROM and c.version_number == version.number), None)
    content = version_metadata(article, version, own, written=False)
    warc.metadata(article.url, warc_date(version.fetched_at), None, content)


def body_of(capture: Capture) -> bytes | None:
    """The capture's body: from the database, or from the WARC file the retention setting
    moved it to; None once dropped."""
    if capture.body is not None:
        return stored.body(capture)
    if capture.warc:
        return archived_body(capture.warc)
    return None


def version_metadata(
    article: Any, version: Version, capture: Capture | None, *, written: bool
) -> dict[str, Any]:
    """What a version's metadata record holds: the article it belongs to, the version
    as the JSON Lines export writes it (fields, body, content hash), the extractor stamp,
    and the capture it was made from (None: no capture kept)."""
    return {
        "tracker": tracker.__version__,
        "article": {"id": article.id, "url": article.url},
        "version": dict(version_json(version)),
        "extractor": version.extractor,
        "capture": _capture_note(capture, written),
    }


def _capture_note(capture: Capture | None, written: bool) -> dict[str, Any] | None:
    if capture is None:
        return None
    return {
        "id": capture.id,
        "role": capture.role,
        "url": capture.url,
        "at": iso(capture.at),
        "redirects": list(capture.redirects or []),
        "decoded": capture.decoded.split(",") if capture.decoded else [],
        "digest": capture.digest,
        "size": capture.size,
        "synthesized": synthesized(capture),
        "body": "kept" if written else "unreadable" if capture.warc else "dropped",
    }


def _identical(capture: Capture, original: Capture) -> bool:
    return capture.digest is not None and capture.digest == original.digest


def _order(capture: Capture) -> tuple[bool, int, bool, datetime, int]:
    """Each version's own capture, then those that confirmed it; captures of no version last."""
    number = capture.version_number
    return (number is None, number or 0, capture.role not in stored.MADE_FROM, capture.at, capture.id)


def _articles_of(query: Chosen, scope: Scope) -> Chosen:
    if scope.article_id is not None:
        query = query.where(Article.id == scope.article_id)
    if scope.source is not None:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == scope.source)
    return query


def _article_batches(session: Session, scope: Scope) -> Iterator[list[Any]]:
    """The chosen articles (id and URL), in id order, `BATCH` at a time."""
    query = _articles_of(select(Article.id, Article.url), scope)
    if scope.since is not None:
        query = query.where(
            or_(
                exists().where(Capture.article_id == Article.id, Capture.at >= scope.since),
                exists().where(Version.article_id == Article.id, Version.fetched_at >= scope.since),
            )
        )
    after = 0
    while True:
        rows = list(session.execute(query.where(Article.id > after).order_by(Article.id).limit(BATCH)))
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _captures_of(session: Session, ids: list[int], since: datetime | None) -> dict[int, list[Capture]]:
    query = select(Capture).where(Capture.article_id.in_(ids))
    if since is not None:
        query = query.where(Capture.at >= since)
    grouped: dict[int, list[Capture]] = defaultdict(list)
    for capture in session.scalars(query.order_by(Capture.article_id, Capture.at, Capture.id)):
        grouped[capture.article_id].append(capture)
    return grouped


def _versions_of(session: Session, ids: list[int], since: datetime | None) -> dict[int, list[Version]]:
    query = select(Version).where(Version.article_id.in_(ids))
    if since is not None:
        query = query.where(Version.fetched_at >= since)
    grouped: dict[int, list[Version]] = defaultdict(list)
    for version in session.scalars(query.order_by(Version.article_id, Version.number)):
        grouped[version.article_id].append(version)
    return grouped
