"""Re-extraction on stored rows: captures decoded as a check decodes a page (a legacy
capture's UTF-8, a response's own charset), and SQLite's revision ids never reused."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import text

from tests.support.harness import Tracker
from tracker.core.normalize import make_content
from tracker.pipeline.rederive import Scope, articles_in, reextract
from tracker.store import bodies, db, histories
from tracker.store.models import Article, Capture

WRONG = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PAGE = (
    "<!DOCTYPE html><html lang='fr'><head>{meta}<title>Le café du port ferme | Journal</title></head><body>"
    "<article><h1>Le café du port ferme</h1><div class='corps'>"
    "<p>Le café du port, ouvert en 1921, fermera ses portes à la fin du mois, a annoncé son gérant.</p>"
    "<p>Les habitués se sont réunis samedi pour une dernière soirée de chansons et de crêpes.</p>"
    "</div></article></body></html>"
)


def test_captures_are_decoded_with_their_own_charset_legacy_ones_as_utf8(db_url: str, make_tracker) -> None:  # type: ignore[no-untyped-def]
    tracker: Tracker = make_tracker(db_url, sites={"journal.example": {"keep": ["div.corps"]}})
    with tracker.sessions.begin() as session:
        article = Article(url="https://journal.example/port", host="journal.example", first_seen_at=AT)
        session.add(article)
        session.flush()
        for number in (1, 2):
            stale = make_content(
                headline=f"old {number}", byline=None, paragraphs=["?"], published_at=None, updated_at=None
            )
            at = AT + timedelta(hours=number)
            histories.add_version(session, article, stale, fetched_at=at, extra={})
        # before 0012 a version kept its page as text, stored as UTF-8 whatever its <meta> says
        legacy = zlib.compress(PAGE.format(meta=WRONG).encode("utf-8"), 1)
        session.add(_capture(article.id, 1, bodies.LEGACY, legacy))
        # the response's Content-Type says the charset; the page's <meta> is wrong (it happens)
        codec, packed = bodies.pack(PAGE.format(meta='<meta charset="utf-8">').encode("iso-8859-1"))
        session.add(_capture(article.id, 2, codec, packed, ["Content-Type", "text/html; charset=ISO-8859-1"]))
    ids = articles_in(tracker.sessions, Scope())
    report = reextract(tracker.config, tracker.sessions, ids, now=lambda: AT + timedelta(days=1))
    assert (report.versions_changed, report.versions_collapsed) == (1, 1), "both read alike: one version"
    with tracker.session() as session:
        [version] = histories.versions_of(session, ids[0])
    assert version.headline == "Le café du port ferme"
    assert "crêpes" in version.body and "ouvert en 1921" in version.body


def _capture(article_id: int, number: int, codec: str, body: bytes, *header: list[str]) -> Capture:
    return Capture(
        article_id=article_id,
        version_number=number,
        role="version",
        at=AT,
        url="https://journal.example/port",
        redirects=[],
        status=200,
        codec=codec,
        body=body,
        response_headers=list(header) or None,
    )


def test_revision_ids_are_never_reused_on_sqlite(sqlite_url: str) -> None:
    """0013 rebuilds `revisions` with AUTOINCREMENT, its rows kept: the id of the last
    revision deleted is not given to the next one (a webhook's cursor has passed it)."""
    engine = db.create_engine(sqlite_url)
    config = db.alembic_config(engine)
    command.upgrade(config, "0012")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, url, status, first_seen_at, consecutive_failures, "
                "quick_checks, host) VALUES (1, 'https://x.example/a', 'active', '2026-12-01 00:00:00', "
                "0, 0, 'x.example')"
            )
        )
        for number in (1, 2, 3):
            connection.execute(
                text(
                    "INSERT INTO versions (article_id, number, fetched_at, body, extra, content_hash) "
                    "VALUES (1, :n, '2026-12-01 00:00:00', 'b', '{}', :h)"
                ),
                {"n": number, "h": f"h{number}"},
            )
        for number in (2, 3):
            connection.execute(text(_REVISION), {"from": number - 1, "to": number})
    command.upgrade(config, "head")
    with engine.begin() as connection:
        assert [row[0] for row in connection.execute(text("SELECT id FROM revisions ORDER BY id"))] == [1, 2]
        connection.execute(text("DELETE FROM revisions WHERE id = 2"))
        connection.execute(text(_REVISION), {"from": 2, "to": 3})
        assert connection.execute(text("SELECT max(id) FROM revisions")).scalar() == 3
    command.downgrade(config, "0012")
    command.upgrade(config, "head")
    engine.dispose()


_REVISION = (
    "INSERT INTO revisions (article_id, from_number, to_number, detected_at, changed, field_changes, "
    "body_diff, stats, trivial, kinds, significance) "
    "VALUES (1, :from, :to, '2026-12-01 00:00:00', '[]', '[]', '[]', '{}', 0, '[]', 0)"
)
