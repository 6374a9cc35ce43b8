"""The revisions counted per source and per day (`revision_counts`, kept by the triggers
of migration 0016) equal a recount of the revisions after every path that writes or
deletes them: a new revision, a template change, a join, a re-derivation, a purge, an
article deleted, a source dropped; and the migration's backfill counts what was there.
Checks are counted per source and hour as they are made (`check_counts`), and stay
counted when they are deleted."""

from __future__ import annotations

import zlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from alembic import command
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from tests.support.harness import Tracker, make_config, two_sources
from tracker.core.diff import compare
from tracker.core.normalize import make_content
from tracker.pipeline.rederive import Scope, articles_in, reextract
from tracker.read.charts import revisions_per_day
from tracker.read.health import status
from tracker.read.sources import sources_overview
from tracker.store import bodies, db, histories, watching
from tracker.store.counts import CheckCount, RevisionCount
from tracker.store.models import Article, Capture, Check, Revision, Source, Version

AT = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)  # a day's end: revisions fall on two days


def _recount(session: Session) -> dict[tuple[int, date], tuple[int, int]]:
    """What the kept counts must say, counted from the revisions themselves."""
    rows = session.execute(
        select(Article.source_id, Revision.detected_at, Revision.trivial).join(
            Article, Article.id == Revision.article_id
        )
    ).all()
    revisions: Counter[tuple[int, date]] = Counter()
    trivial: Counter[tuple[int, date]] = Counter()
    for source_id, at, is_trivial in rows:
        key = (source_id or 0, at.astimezone(UTC).date())
        revisions[key] += 1
        trivial[key] += int(is_trivial)
    return {key: (count, trivial[key]) for key, count in revisions.items()}


def _kept(session: Session) -> dict[tuple[int, date], tuple[int, int]]:
    return {
        (row.source_id, row.day): (row.revisions, row.trivial)
        for row in session.scalars(select(RevisionCount))
        if row.revisions or row.trivial
    }


def _content(paragraphs: list[str], headline: str = "Harbour plan"):  # type: ignore[no-untyped-def]
    return make_content(
        headline=headline, byline=None, paragraphs=paragraphs, published_at=None, updated_at=None
    )


def _story(session: Session, url: str, source: Source | None, edits: int, start: datetime = AT) -> Article:
    """An article with `edits` + 1 versions an hour apart and the revisions between them."""
    article = Article(
        url=url, host="news.example", first_seen_at=start, source_id=source.id if source else None
    )
    session.add(article)
    session.flush()
    paragraphs = ["The council met on Monday to discuss the harbour."]
    previous = histories.add_version(session, article, _content(paragraphs), fetched_at=start, extra={})
    for edit in range(1, edits + 1):
        paragraphs = [*paragraphs, f"Update {edit} from {url}: the vote was delayed again."]
        at = start + timedelta(hours=edit)
        version = histories.add_version(session, article, _content(paragraphs), fetched_at=at, extra={})
        changes = compare(previous, version)
        histories.add_revision(session, article.id, previous.number, version.number, changes, at)
        previous = version
    return article


def test_counts_follow_new_revisions_template_marks_purges_and_sources(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            one, two = two_sources(session, AT)
            first = _story(session, "https://news.example/a", one, 3)
            second = _story(session, "https://news.example/b", two, 2)
            _story(session, "https://news.example/c", None, 1)
            assert _kept(session) == _recount(session)
            assert _kept(session)[(one.id, date(2026, 12, 2))] == (2, 0), (
                "two of a's three are after midnight"
            )
        with tracker.sessions.begin() as session:
            marked = session.scalars(select(Revision.id).where(Revision.article_id == first.id)).all()[:2]
            histories.mark_template_change(session, marked, "Subscribe now", True, AT)
            assert _kept(session) == _recount(session)
            assert sum(trivial for _, trivial in _kept(session).values()) == 2
        with tracker.sessions.begin() as session:
            session.execute(update(Article).where(Article.id == second.id).values(source_id=one.id))
            assert _kept(session) == _recount(session), "a story moved to another source moves its counts"
            session.execute(delete(Source).where(Source.id == one.id))  # its articles' source: NULL
            assert _kept(session) == _recount(session)
            assert {source for source, _ in _kept(session)} == {0}
        with tracker.sessions.begin() as session:
            watching.purge(session, [first.id])
            assert _kept(session) == _recount(session)
            session.delete(session.get(Article, second.id))  # the cascade deletes its revisions
            session.flush()
            assert _kept(session) == _recount(session) == {(0, date(2026, 12, 1)): (1, 0)}
    finally:
        tracker.close()


def test_counts_follow_a_join_of_two_histories(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            one, two = two_sources(session, AT)
            keep = _story(session, "https://news.example/keep", one, 2)
            other = _story(session, "https://news.example/other", two, 2, start=AT + timedelta(days=1))
            histories.join_histories(
                session, keep, other, AT + timedelta(days=2), why="redirect", compare=compare
            )
            recount = _recount(session)
            assert _kept(session) == recount
            assert set(recount) == {
                (one.id, date(2026, 12, 1)),
                (one.id, date(2026, 12, 2)),
                (one.id, date(2026, 12, 3)),
            }
    finally:
        tracker.close()


PAGE = (
    "<!DOCTYPE html><html><head><title>The port café closes</title></head><body>"
    "<article><h1>The port café closes</h1><div class='body'>"
    "<p>The port café, opened in 1921, will close at the end of the month, its manager said.</p>"
    "<p>Regulars gathered on Saturday for a last evening of songs and pancakes.</p>"
    "</div></article></body></html>"
)


def test_counts_follow_a_rederivation(db_url: str, make_tracker) -> None:  # type: ignore[no-untyped-def]
    """Two versions read alike when extracted again: one version, its revision gone."""
    tracker: Tracker = make_tracker(db_url, sites={"news.example": {"keep": ["div.body"]}})
    with tracker.sessions.begin() as session:
        (source, _) = two_sources(session, AT)
        article = _story(session, "https://news.example/port", source, 1)
        for number in (1, 2):
            packed = zlib.compress(PAGE.encode(), 1)
            session.add(
                Capture(
                    article_id=article.id, version_number=number, role="version", at=AT, redirects=[],
                    url="https://news.example/port", status=200, codec=bodies.LEGACY, body=packed,
                )
            )  # fmt: skip
        assert _kept(session) == _recount(session) == {(source.id, date(2026, 12, 1)): (1, 0)}
    ids = articles_in(tracker.sessions, Scope())
    report = reextract(tracker.config, tracker.sessions, ids, now=lambda: AT + timedelta(days=1))
    assert report.versions_collapsed == 1
    with tracker.session() as session:
        assert session.scalar(select(Version.number).where(Version.article_id == ids[0])) == 1
        assert _recount(session) == {} and _kept(session) == {}


def test_the_chart_and_the_sources_read_the_kept_counts(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            one, _two = two_sources(session, AT)
            _story(session, "https://news.example/a", one, 3)
            # a count no revision backs: what is read is the kept count, not a recount
            session.add(RevisionCount(source_id=one.id, day=date(2026, 11, 26), revisions=5, trivial=1))
        with tracker.session() as session:
            now = AT + timedelta(days=1)
            bars = revisions_per_day(session, now)["one"]
            assert bars[-2:] == [1, 2] and bars[-7] == 4
            [row] = [row for row in sources_overview(session, now) if row["name"] == "one"]
            assert row["revisions_last_week"] == 3 + 5
    finally:
        tracker.close()


def test_the_migration_counts_the_revisions_there_are(db_url: str) -> None:
    engine = db.create_engine(db_url)
    command.upgrade(db.alembic_config(engine), "0015")
    sessions = db.session_factory(engine)
    with sessions.begin() as session:
        session.execute(
            Source.__table__.insert(), [{"id": 1, "name": "one", "created_at": AT, "configured": True}]
        )
        session.execute(
            Article.__table__.insert(),
            [
                {"id": i, "url": f"https://news.example/{i}", "host": "news.example", "first_seen_at": AT,
                 "source_id": 1 if i % 2 else None, "status": "active", "consecutive_failures": 0,
                 "quick_checks": 0}
                for i in (1, 2, 3)
            ],
        )  # fmt: skip
        session.execute(
            Version.__table__.insert(),
            [
                {"article_id": i, "number": n, "fetched_at": AT, "body": "text", "extra": {},
                 "content_hash": f"{i}{n}"}
                for i in (1, 2, 3) for n in (1, 2, 3)
            ],
        )  # fmt: skip
        session.execute(
            Revision.__table__.insert(),
            [
                {"article_id": i, "from_number": n - 1, "to_number": n,
                 "detected_at": AT + timedelta(hours=n),
                 "changed": [], "field_changes": [], "body_diff": [], "stats": {}, "trivial": n == 3,
                 "kinds": [], "significance": 0.0}
                for i in (1, 2, 3) for n in (2, 3)
            ],
        )  # fmt: skip
        session.execute(
            Check.__table__.insert(),
            [
                {"article_id": i, "started_at": AT + timedelta(minutes=40 * n), "duration_ms": 5,
                 "outcome": "error" if n == 2 else "unchanged"}
                for i in (1, 2, 3) for n in (0, 1, 2)
            ],
        )  # fmt: skip
    db.upgrade(engine)
    with sessions() as session:
        checks = {
            (row.source_id, row.hour.hour, row.good, row.total) for row in session.scalars(select(CheckCount))
        }
        assert checks == {(1, 22, 2, 2), (1, 23, 2, 4), (0, 22, 1, 1), (0, 23, 1, 2)}
        assert (
            _kept(session)
            == _recount(session)
            == {
                (1, date(2026, 12, 2)): (4, 2),
                (0, date(2026, 12, 2)): (2, 1),
            }
        )
    engine.dispose()


def test_checks_are_counted_per_source_and_hour_as_made_and_kept_when_deleted(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            one, _two = two_sources(session, AT)
            story = _story(session, "https://news.example/a", one, 0).id
            loose = _story(session, "https://news.example/b", None, 0).id
            outcomes = ["unchanged", "error", "new_version", "not_modified", "soft_error", "gone"]
            for minutes, outcome in enumerate(outcomes):
                at = AT + timedelta(minutes=20 * minutes)  # 22:30 to 00:10: three hours
                session.add(Check(article_id=story, started_at=at, duration_ms=5, outcome=outcome))
            session.add(Check(article_id=loose, started_at=AT, duration_ms=5, outcome="unchanged"))
        with tracker.sessions.begin() as session:
            kept = {
                (row.source_id, row.hour, row.good, row.total) for row in session.scalars(select(CheckCount))
            }
            assert kept == {
                (one.id, datetime(2026, 12, 1, 22, tzinfo=UTC), 1, 2),
                (one.id, datetime(2026, 12, 1, 23, tzinfo=UTC), 2, 3),
                (one.id, datetime(2026, 12, 2, 0, tzinfo=UTC), 0, 1),
                (0, datetime(2026, 12, 1, 22, tzinfo=UTC), 1, 1),
            }
            watching.purge(session, [story])  # its checks go; that they were made stays
        with tracker.session() as session:
            assert session.scalar(select(func.sum(CheckCount.total))) == 7
            sources = {row["source"]: row for row in status(session, AT + timedelta(hours=3))["sources"]}
            assert (sources["one"]["good_last_day"], sources["one"]["checks_last_day"]) == (3, 6)
            assert (sources["-"]["good_last_day"], sources["-"]["checks_last_day"]) == (1, 1)
            later = {row["source"]: row for row in status(session, AT + timedelta(days=2))["sources"]}
            assert later["one"]["checks_last_day"] == 0 and later["one"]["good_share_week_before"] == 0.5
    finally:
        tracker.close()
