"""The articles counted per source and status (`article_counts`, kept by the triggers of
migration 0019) equal a recount of the articles after every path that writes, moves or
deletes them: discovery one by one and in bulk, a status change, `remove`, a source
changed or dropped, a merge, a purge, an article forgotten; the migration's backfill
counts what was there. The watch list's total, read from them, equals a count of the
rows; its pages, each found after the previous one's last row, put together are the
whole list in its order (values and NULLs, ties broken by id), as its offsets give it."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from alembic import command
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tests.support.harness import Tracker, make_config, two_sources
from tracker.read.health import status
from tracker.read.sources import sources_overview
from tracker.read.watch import SORTS, WatchFilter, watch_list
from tracker.store import db, histories, repository, watching
from tracker.store.counts import ArticleCount
from tracker.store.models import Article, ArticleStatus, HeadlineTest, Source
from tracker.web.watch import Sort, WatchQuery, watch_page

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _recount(session: Session) -> dict[tuple[int, str], int]:
    """What the kept counts must say, counted from the articles themselves."""
    rows = session.execute(select(Article.source_id, Article.status)).all()
    return dict(Counter((source_id or 0, state) for source_id, state in rows))


def _kept(session: Session) -> dict[tuple[int, str], int]:
    rows = session.scalars(select(ArticleCount))
    return {(row.source_id, row.status): row.articles for row in rows if row.articles}


def test_counts_follow_discovery_status_sources_merges_purges(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            one, two = two_sources(session, AT)
            first, _ = repository.add_article(session, "https://news.example/a", source=one, now=AT)
            listed = [(f"https://news.example/b{i}", None) for i in range(5)]
            assert repository.add_articles(session, listed, source=two, now=AT) == 5
            loose, _ = repository.add_article(session, "https://news.example/c", source=None, now=AT)
            assert _kept(session) == _recount(session) == {(one.id, "active"): 1, (two.id, "active"): 5,
                                                           (0, "active"): 1}  # fmt: skip
        with tracker.sessions.begin() as session:
            article = session.get(Article, first.id)
            assert article is not None
            article.status = ArticleStatus.GONE  # as a check that finds it gone
            session.flush()
            assert watching.remove(session, session.get(Article, loose.id), AT)  # type: ignore[arg-type]
            session.execute(
                update(Article).where(Article.status == "gone").values(status="gone")
            )  # no change
            assert _kept(session) == _recount(session)
            assert _kept(session)[(0, "removed")] == 1 and _kept(session)[(one.id, "gone")] == 1
        with tracker.sessions.begin() as session:
            moved = session.scalars(select(Article.id).where(Article.source_id == two.id)).all()[:2]
            session.execute(update(Article).where(Article.id.in_(moved)).values(source_id=one.id))
            assert _kept(session) == _recount(session), "a story moved to another source moves its count"
            session.execute(delete(Source).where(Source.id == one.id))  # its articles' source: NULL
            assert _kept(session) == _recount(session)
            assert {source for source, _ in _kept(session)} == {0, two.id}
        with tracker.sessions.begin() as session:
            target, duplicate = session.scalars(select(Article).where(Article.source_id == two.id)).all()[:2]
            histories.merge_into(session, duplicate, target, AT)
            assert _kept(session) == _recount(session)
            watching.purge(session, [target.id])
            repository.forget_article(session, first.id)
            assert _kept(session) == _recount(session) == {(two.id, "active"): 1, (0, "active"): 2,
                                                           (0, "removed"): 1}  # fmt: skip
        with tracker.session() as session:
            assert status(session, AT)["articles"] == {"active": 3, "gone": 0, "retired": 0, "removed": 1}
            [row] = [row for row in sources_overview(session, AT) if row["name"] == "two"]
            assert row["stories"] == 1
    finally:
        tracker.close()


def test_the_migration_counts_the_articles_there_are_and_goes_back(db_url: str) -> None:
    engine = db.create_engine(db_url)
    config = db.alembic_config(engine)
    command.upgrade(config, "0017")
    sessions = db.session_factory(engine)

    def add(session: Session, ids: range) -> None:
        session.execute(
            Article.__table__.insert(),
            [
                {"id": i, "url": f"https://news.example/{i}", "host": "news.example", "first_seen_at": AT,
                 "source_id": 1 if i % 2 else None, "status": "active" if i % 3 else "retired",
                 "consecutive_failures": 0, "quick_checks": 0}
                for i in ids
            ],
        )  # fmt: skip

    with sessions.begin() as session:
        session.execute(
            Source.__table__.insert(), [{"id": 1, "name": "one", "created_at": AT, "configured": True}]
        )
        add(session, range(1, 8))
    command.upgrade(config, "head")
    with sessions() as session:
        expected = {(1, "active"): 3, (1, "retired"): 1, (0, "active"): 2, (0, "retired"): 1}
        assert _kept(session) == _recount(session) == expected
    command.downgrade(config, "0017")
    with sessions.begin() as session:
        add(session, range(8, 10))  # no trigger left behind to write a table that is gone
    command.upgrade(config, "head")
    with sessions() as session:
        assert _kept(session) == _recount(session) and sum(_kept(session).values()) == 9
    engine.dispose()


# each article's sort values, drawn from a few (ties) and None (no value)
STAMPS = [AT + timedelta(hours=h) for h in (0, 1, 2, 3)]


def _watched(session: Session) -> list[int]:
    """27 articles, every combination of three columns' values, and of two sources,
    statuses, failures and headline tests; the ids in the order made."""
    one, two = two_sources(session, AT)
    ids = []
    for n, (changed, checked, due) in enumerate(
        product([None, *STAMPS[:2]], [None, *STAMPS[1:3]], [STAMPS[2], STAMPS[3], STAMPS[3]])
    ):
        article = Article(
            url=f"https://news.example/{n}", host="news.example", first_seen_at=STAMPS[n % 3],
            source_id=(one.id, two.id, None)[n % 3], status=("active", "gone")[n % 2],
            last_changed_at=changed, last_checked_at=checked, next_check_at=None if n % 4 == 0 else due,
            consecutive_failures=n % 5 == 0,
        )  # fmt: skip
        session.add(article)
        session.flush()
        ids.append(article.id)
        if n % 4 == 1:
            session.add(
                HeadlineTest(article_id=article.id, kind="social", started_at=AT, variants=["x", "y"])
            )
    return ids


def _ordered(session: Session, where: WatchFilter) -> list[int]:
    """The whole list in the order the watch list promises, filtered and sorted here."""
    column, latest_first = SORTS[where.sort]
    tested = set(session.scalars(select(HeadlineTest.article_id)))
    rows = [
        (row.id, row.value)
        for row in session.execute(
            select(Article.id, column.label("value"), Source.name, Article.status)
            .add_columns(Article.consecutive_failures)
            .outerjoin(Source, Source.id == Article.source_id)
        )
        if (where.source in (None, row.name) and where.status in (None, row.status)
            and (row.consecutive_failures > 0 or not where.failing)
            and (row.id in tested or not where.headline_test))
    ]  # fmt: skip
    valued = sorted(
        ((i, v) for i, v in rows if v is not None),
        key=lambda row: (-row[1].timestamp() if latest_first else row[1].timestamp(), -row[0]),
    )
    return [i for i, _ in valued] + sorted((i for i, v in rows if v is None), reverse=True)


FILTERS = [
    {},
    {"status": "gone"},
    {"source": "one"},
    {"source": "two", "status": "active"},
    {"source": "nobody"},
    {"failing": True},
    {"headline_test": True, "status": "active"},
]


@pytest.mark.parametrize("sort", list(Sort))
def test_pages_after_cursors_put_together_are_the_whole_list(db_url: str, sort: Sort) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            _watched(session)
        with tracker.session() as session:
            for filters in FILTERS:
                query = WatchQuery(sort=sort, **filters)  # type: ignore[arg-type]
                where = WatchFilter(sort=sort.value, **filters)  # type: ignore[arg-type]
                expected = _ordered(session, where)
                assert watch_page(session, query, 100)["total"] == len(expected), filters
                seen, shown, cursor = [], [], None
                while True:
                    page = watch_page(session, query.model_copy(update={"cursor": cursor}), 4)
                    seen += [row["id"] for row in page["items"]]
                    shown.append((page["shown_from"], page["shown_to"], page["total"]))
                    cursor = page["next_cursor"]
                    if cursor is None:
                        break
                    assert not cursor.isdigit()
                assert seen == expected, filters
                assert shown[-1] == ((len(expected) - 1) // 4 * 4 + 1 if expected else 0, len(expected),
                                     len(expected))  # fmt: skip
                by_offsets = [
                    row["id"]
                    for offset in range(0, len(expected), 4)
                    for row in watch_page(session, query.model_copy(update={"cursor": str(offset)}), 4)[
                        "items"
                    ]
                ]
                assert by_offsets == expected, "a number is still the rows to skip"
    finally:
        tracker.close()


def test_the_total_is_a_count_of_the_rows(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            _watched(session)
        with tracker.session() as session:
            for filters in FILTERS:
                where = WatchFilter(**filters)  # type: ignore[arg-type]
                page = watch_list(session, where, limit=1000)
                assert page.total == len(page.rows) == len(_ordered(session, where)), filters
                assert page.next is None
            assert watch_list(session, WatchFilter(), limit=1000).total == 27
            assert watch_list(session, WatchFilter(failing=True), limit=1000).total == 6
        with tracker.sessions.begin() as session:
            # a count no article backs: what the total reads is the kept count, not a recount
            one = session.scalar(select(Source.id).where(Source.name == "one"))
            session.add(ArticleCount(source_id=one, status="retired", articles=5))
        with tracker.session() as session:
            assert watch_list(session, WatchFilter(source="one"), limit=1).total == 9 + 5
            assert watch_list(session, WatchFilter(), limit=1).total == 27 + 5
    finally:
        tracker.close()
