"""Search looks in the newest versions first, then further back, window after window,
each read a page at a time: whatever the windows, the answer is the same as one look
over the whole history (the newest matching version of each article, newest first)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tests.support.harness import Tracker, make_config
from tracker.core.normalize import make_content
from tracker.read.search import search
from tracker.store import histories
from tracker.store.models import Article, Version

AT = datetime(2026, 12, 1, tzinfo=UTC)


def _article(session: Session, name: str, bodies: list[str]) -> int:
    article = Article(url=f"https://news.example/{name}", host="news.example", first_seen_at=AT)
    session.add(article)
    session.flush()
    for number, body in enumerate(bodies, start=1):
        content = make_content(
            headline=f"Story {name}", byline=None, paragraphs=[body], published_at=None, updated_at=None
        )
        histories.add_version(session, article, content, fetched_at=AT + timedelta(minutes=number), extra={})
    return article.id


def test_search_finds_old_and_new_matches_whatever_the_windows(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            oldest = _article(session, "oldest", ["The lighthouse keeper retired after forty years."])
            older = _article(session, "older", ["The harbour master spoke to the council."])
            busy = _article(
                session, "busy", [f"Harbour update {n}: the ferry is late again." for n in range(20)]
            )
            for n in range(30):
                _article(session, f"filler{n}", [f"The weather on day {n} was mild for the season."])
        with tracker.session() as session:
            for windows in ((3, 7), (1000,), ()):
                rare = search(session, "lighthouse", windows=windows)
                assert [row["article_id"] for row in rare] == [oldest], windows
                # 20 versions of one story fill more than a page (limit 2: 16 rows) before the other
                both = search(session, "harbour", limit=2, windows=windows)
                assert [(row["article_id"], row["version"]) for row in both] == [(busy, 20), (older, 1)], (
                    windows
                )
                assert "<" not in both[0]["snippet"] and "\x02" in both[0]["snippet"]
                assert (
                    search(session, "harbour", limit=1, offset=1, windows=windows)[0]["article_id"] == older
                )
                assert search(session, "season", limit=5, windows=windows)[-1]["headline"] == "Story filler25"
    finally:
        tracker.close()


def test_a_match_is_in_one_version_and_shown_from_it(db_url: str) -> None:
    """Words a story had in different versions, never together, do not match it; a word its
    later versions lost still finds it, shown from the last version that had it; and what a
    deleted version alone had is no longer found (PostgreSQL: the story's document is made
    again from the versions left, migration 0018)."""
    tracker = Tracker(make_config(db_url))
    try:
        with tracker.sessions.begin() as session:
            moved = _article(
                session,
                "moved",
                ["The quarry reopened on Monday.", "The orchard was sold on Tuesday.", "Nothing else."],
            )
            _article(session, "both", ["The quarry and the orchard flooded."])
        with tracker.session() as session:
            assert [row["headline"] for row in search(session, "quarry orchard")] == ["Story both"]
            [quarry] = [row for row in search(session, "quarry") if row["article_id"] == moved]
            assert quarry["version"] == 1 and "\x02quarry\x03" in quarry["snippet"].lower()
            [orchard] = [row for row in search(session, "orchard") if row["article_id"] == moved]
            assert orchard["version"] == 2
        with tracker.sessions.begin() as session:
            session.execute(delete(Version).where(Version.article_id == moved, Version.number == 2))
        with tracker.session() as session:
            assert [row["headline"] for row in search(session, "orchard")] == ["Story both"]
            assert {row["article_id"] for row in search(session, "quarry")} >= {moved}
        with tracker.sessions.begin() as session:
            session.execute(delete(Version).where(Version.article_id == moved))
            session.execute(delete(Article).where(Article.id == moved))
        with tracker.session() as session:
            assert [row["headline"] for row in search(session, "quarry")] == ["Story both"]
    finally:
        tracker.close()
