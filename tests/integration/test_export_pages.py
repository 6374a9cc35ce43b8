"""The streamed JSON Lines export writes, byte for byte, the lines the article-by-article
export wrote, with a number of queries that does not grow with the stories."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from tests.support.harness import Tracker
from tests.support.rich_history import START, add_stories
from tracker.read import export_pages, history
from tracker.read.shapes import event_json, iso, revision_json, version_json, witness_json
from tracker.store import histories, repository, witnesses
from tracker.store.models import Article


def _lines(rows: object) -> list[str]:
    return [json.dumps(row, ensure_ascii=False) + "\n" for row in rows]  # type: ignore[attr-defined]


def _export_article(session: Session, article: Article) -> dict[str, Any]:
    """An article's line as the export wrote it before it streamed, from the per-article
    readers the history and the API use: the oracle the pages are held to."""
    found = witnesses.of_article(session, article.id)
    versions = histories.versions_of(session, article.id)
    canonical = next(
        (v.extra.get("canonical_url") for v in reversed(versions) if v.extra.get("canonical_url")), None
    )
    return {
        "id": article.id,
        "url": article.url,
        "canonical_url": canonical or article.url,
        "aliases": [url for url in repository.aliases_of(session, article.id) if url != article.url],
        "source": article.source.name if article.source else None,
        "status": article.status,
        "first_seen_at": iso(article.first_seen_at),
        "versions": [
            version_json(v)
            | {"body": v.body, "witnesses": [witness_json(w) for w in found.get(v.number, [])]}
            for v in versions
        ],
        "revisions": [revision_json(r) for r in histories.revisions_of(session, article.id)],
        "events": [event_json(e) for e in repository.events_of(session, article.id)],
        "headline_tests": history.headline_tests(session, article.id),
    }


def _one_by_one(tracker: Tracker, since: object = None) -> list[str]:
    """The export as it was written before it streamed: an article at a time."""
    with tracker.session() as session:
        query = select(Article).order_by(Article.id)
        if since is not None:
            query = query.where(Article.last_changed_at >= since)
        return _lines(_export_article(session, a) for a in session.scalars(query))


def test_the_streamed_export_writes_the_same_lines(
    db_url: str, make_tracker: Callable[..., Tracker], monkeypatch: pytest.MonkeyPatch
) -> None:
    tracker = make_tracker(db_url)
    with tracker.session() as session:
        add_stories(session, 60)
        session.commit()
    monkeypatch.setattr(export_pages, "PAGE", 7)  # pages that end inside the history
    before = _one_by_one(tracker)
    with tracker.session() as session:
        after = _lines(history.export(session))
    assert len(after) == 60
    assert after == before
    assert sum('"witnesses": [{' in line for line in after) > 5  # every part was there to compare
    assert sum('"headline_tests": [{' in line for line in after) > 5
    since = START + timedelta(hours=3)
    with tracker.session() as session:
        recent = _lines(history.export(session, since=since))
    assert recent == _one_by_one(tracker, since)
    assert 0 < len(recent) < 60


def test_the_queries_do_not_grow_with_the_stories(
    sqlite_url: str, make_tracker: Callable[..., Tracker]
) -> None:
    tracker = make_tracker(sqlite_url)
    with tracker.session() as session:
        add_stories(session, 30)
        session.commit()
    seen: list[str] = []
    event.listen(tracker.engine, "before_cursor_execute", lambda *args: seen.append(str(args[2])))
    with tracker.session() as session:
        assert len(list(history.export(session))) == 30
    # sources, the articles' cursor, then one query a table for the page: never one a story
    assert len(seen) <= 10, seen
