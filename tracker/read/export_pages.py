"""The JSON Lines export, streamed a page of articles at a time.

One server-side cursor walks the articles in id order (`--since` by the index on
`last_changed_at`); each page of `PAGE` articles is completed with one query per table
(aliases, versions, revisions, events, headline tests and sightings, witnesses) over
the page's ids, never a query per story, and is written before the next is read: the
memory an export holds is one page's, whatever the history's size. One article's line
alone is a page of one (`line_of`). The lines are the contract of
docs/reference/export.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, ColumnElement, Integer, any_, bindparam, select, text
from sqlalchemy.orm import QueryableAttribute, Session

from tracker.core.headline_tests import Sighting, shares
from tracker.read import shapes
from tracker.read.shapes import event_json, iso, revision_json, version_json, witness_json
from tracker.store.models import (
    Article,
    ArticleUrl,
    Event,
    HeadlineSighting,
    HeadlineTest,
    Revision,
    Source,
    Version,
)
from tracker.store.witness_rows import Witness, WitnessState

PAGE = 500  # articles a page: one query per table for each


def export(session: Session, *, since: datetime | None = None) -> Iterator[dict[str, Any]]:
    """Every article (changed since `since`, when given), in id order, as export lines."""
    sources: dict[int, str] = dict(session.execute(select(Source.id, Source.name)).all())
    if session.get_bind().dialect.name == "postgresql":
        # every row is read: plan for all of them, not for the first few (a cursor's
        # default), or `--since` walks every article by id instead of sorting its few
        session.execute(text("SET LOCAL cursor_tuple_fraction = 1.0"))
    query = select(*Article.__table__.columns).order_by(Article.id)
    if since is not None:
        query = query.where(Article.last_changed_at >= since)
    result = session.execute(query.execution_options(yield_per=PAGE))
    for page in result.partitions():
        yield from _page(session, page, sources)


def line_of(session: Session, article: Article) -> dict[str, Any]:
    """One article's line: a page of one."""
    sources = {article.source.id: article.source.name} if article.source is not None else {}
    return next(_page(session, [article], sources))


def _page(session: Session, articles: Sequence[Any], sources: dict[int, str]) -> Iterator[dict[str, Any]]:
    """The lines of one page of articles, from one query a table."""
    ids = [a.id for a in articles]
    aliases = _of_page(session, ids, (ArticleUrl.article_id, ArticleUrl.url), ArticleUrl.id)
    versions = _of_page(session, ids, Version.__table__.columns, Version.number)
    revisions = _of_page(session, ids, Revision.__table__.columns, Revision.to_number)
    events = _of_page(session, ids, Event.__table__.columns, Event.at, Event.id)
    tests = _headline_tests(session, ids)
    witnessed = _witnesses(session, ids)
    for article in articles:
        yield _line(
            article,
            sources,
            aliases.get(article.id, []),
            versions.get(article.id, []),
            revisions.get(article.id, []),
            events.get(article.id, []),
            tests.get(article.id, []),
            witnessed,
        )


def _line(
    article: Any,
    sources: dict[int, str],
    aliases: list[Any],
    versions: list[Any],
    revisions: list[Any],
    events: list[Any],
    tests: list[shapes.HeadlineTestJSON],
    witnessed: dict[tuple[int, int], list[Any]],
) -> dict[str, Any]:
    """One article's line."""
    canonical = next(
        (v.extra.get("canonical_url") for v in reversed(versions) if (v.extra or {}).get("canonical_url")),
        None,
    )
    lines = []
    for v in versions:
        line = version_json(v) | {"body": v.body}
        line["witnesses"] = [witness_json(w) for w in witnessed.get((article.id, v.number), [])]
        lines.append(line)
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": canonical or article.url,
        "aliases": [a.url for a in aliases if a.url != article.url],
        "source": sources.get(article.source_id) if article.source_id is not None else None,
        "status": article.status,
        "first_seen_at": iso(article.first_seen_at),
        "versions": lines,
        "revisions": [revision_json(r) for r in revisions],
        "events": [event_json(e) for e in events],
        "headline_tests": tests,
    }


def _among(session: Session, column: QueryableAttribute[int], ids: list[int]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL one array parameter (`= ANY`), not a page's 500."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _of_page(session: Session, ids: list[int], columns: Any, *order: Any) -> dict[int, list[Any]]:
    """The rows of one table (its `columns`, which include `article_id`) for a page's
    articles, by article, each article's in `order`."""
    article_id = next(column for column in columns if column.key == "article_id")
    query = select(*columns).where(_among(session, article_id, ids)).order_by(article_id, *order)
    return _grouped(session.execute(query))


def _grouped(rows: Any) -> dict[int, list[Any]]:
    """Rows by their `article_id`, in the order the query gave them."""
    found: dict[int, list[Any]] = {}
    for row in rows:
        found.setdefault(row.article_id, []).append(row)
    return found


def _headline_tests(session: Session, ids: list[int]) -> dict[int, list[shapes.HeadlineTestJSON]]:
    """Each article's headline tests, oldest first, with its variants' shares (as
    `history.headline_tests` lists them), from two queries for the whole page."""
    found = _grouped(
        session.execute(
            select(*HeadlineTest.__table__.columns)
            .where(_among(session, HeadlineTest.article_id, ids))
            .order_by(HeadlineTest.article_id, HeadlineTest.started_at, HeadlineTest.id)
        )
    )
    if not found:
        return {}
    seen: dict[tuple[int, str], list[Sighting]] = {}
    for r in session.execute(
        select(HeadlineSighting)
        .where(_among(session, HeadlineSighting.article_id, list(found)))
        .order_by(HeadlineSighting.id)
    ).scalars():
        seen.setdefault((r.article_id, r.kind), []).append(
            Sighting(r.text, r.first_seen, r.last_seen, r.count)
        )
    return {
        article_id: [
            shapes.headline_test_json(
                t,
                shares(seen.get((article_id, t.kind), []), {*t.variants, *([t.winner] if t.winner else [])}),
            )
            for t in rows
        ]
        for article_id, rows in found.items()
    }


def _witnesses(session: Session, ids: list[int]) -> dict[tuple[int, int], list[Any]]:
    """The captured witnesses of the page's versions, by (article id, version number),
    oldest memento first."""
    found: dict[tuple[int, int], list[Any]] = {}
    rows = session.execute(
        select(
            Version.article_id, Version.number, Witness.destination, Witness.memento_url, Witness.memento_at
        )
        .join(Version, Version.id == Witness.version_id)
        .where(_among(session, Version.article_id, ids), Witness.state == WitnessState.CAPTURED)
        .order_by(Witness.memento_at, Witness.id)
    )
    for row in rows:
        found.setdefault((row.article_id, row.number), []).append(row)
    return found
