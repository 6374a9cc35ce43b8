"""Headline sightings and tests on a real database (tracker.store.headlines)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.support.databases import emptied
from tests.support.harness import Tracker
from tracker.store import headlines, repository
from tracker.store.models import Article, HeadlineTest

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_sightings_count_each_fetch_and_two_histories_keep_both(make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    tracker: Tracker = make_tracker(db_url)
    with tracker.session() as session, session.begin():
        repository.add_articles(
            session, [("https://a.example/1", None), ("https://a.example/2", None)], source=None, now=T0
        )
        one, two = session.scalars(select(Article.id).order_by(Article.id)).all()
        headlines.add_sightings(session, one, "headline", ["A", "B", "A"], T0)
        headlines.add_sightings(session, one, "headline", ["A"], T0 + timedelta(hours=1))
        headlines.add_sightings(session, two, "headline", ["B", "C"], T0 - timedelta(hours=1))
        session.add(
            HeadlineTest(article_id=two, kind="social", started_at=T0, variants=["x", "y"], streak_checks=0)
        )
        session.flush()
        seen = {s.text: s for s in headlines.sightings(session, one)}
        assert (seen["A"].count, seen["A"].first_seen, seen["A"].last_seen) == (
            3,
            T0,
            T0 + timedelta(hours=1),
        )
        assert seen["B"].count == 1
        headlines.move_story(session, two, one)
        merged = {s.text: s for s in headlines.sightings(session, one)}
        assert {t: s.count for t, s in merged.items()} == {"A": 3, "B": 2, "C": 1}
        assert merged["B"].first_seen == T0 - timedelta(hours=1) and merged["B"].last_seen == T0
        assert headlines.sightings(session, two) == []
        assert [t.kind for t in headlines.tests_of(session, one)] == ["social"]


def test_two_processes_sighting_one_new_headline_at_once_both_count(
    make_tracker, postgres_database: str
) -> None:  # type: ignore[no-untyped-def]
    """Two feed pollers on one PostgreSQL database see a new headline of one story at the
    same moment: each counts it (one waits on the other's row at the unique key), neither
    fails."""
    tracker: Tracker = make_tracker(emptied(postgres_database))
    with tracker.session() as session, session.begin():
        repository.add_articles(session, [("https://a.example/1", None)], source=None, now=T0)
        story = session.scalars(select(Article.id)).one()
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def poller(at: datetime) -> None:
        try:
            with tracker.session() as session, session.begin():
                start.wait()
                headlines.add_sightings(session, story, "feed", ["New title"], at)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=poller, args=(T0 + timedelta(minutes=n),)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with tracker.session() as session:
        (seen,) = headlines.sightings(session, story, "feed")
    assert (seen.count, seen.first_seen, seen.last_seen) == (2, T0, T0 + timedelta(minutes=1))
