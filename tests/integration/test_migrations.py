"""The migration is the truth: `upgrade head` on an empty database matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from tracker.store import db
from tracker.store.models import SEARCH_INDEX_OBJECTS, Base


def _modelled(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    return name not in SEARCH_INDEX_OBJECTS


def test_upgrade_head_on_empty_database_matches_models(db_url: str) -> None:
    engine = db.create_engine(db_url)
    assert db.upgrade(engine) == db.head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _modelled}
        )
        assert compare_metadata(context, Base.metadata) == []
    engine.dispose()


def test_upgrade_is_idempotent(db_url: str) -> None:
    engine = db.create_engine(db_url)
    db.upgrade(engine)
    assert db.upgrade(engine) == db.head_revision()
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_url: str) -> None:
    engine = db.create_engine(sqlite_url)
    db.upgrade(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_schema_revision_constant_is_the_newest_migration() -> None:
    assert db.head_revision() == db.SCHEMA_REVISION


def test_page_offsets_migration_keeps_versions_and_goes_back(sqlite_url: str) -> None:
    """0008 adds the page's own offsets beside a version's times: a version stored before
    has none (null, not a made-up 0), and the downgrade drops them again."""
    from alembic import command

    engine = db.create_engine(sqlite_url)
    config = db.alembic_config(engine)
    command.upgrade(config, "0007")
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO articles (id, url, status, first_seen_at, consecutive_failures, quick_checks, host) "
            "VALUES (1, 'https://x.example/a', 'active', '2026-12-01 00:00:00', 0, 0, 'x.example')"
        )
        connection.exec_driver_sql(
            "INSERT INTO versions (article_id, number, fetched_at, body, published_at, extra, content_hash) "
            "VALUES (1, 1, '2026-12-01 00:00:00', 'text', '2026-11-30 23:00:00', '{}', 'h')"
        )
    command.upgrade(config, "0008")
    with engine.connect() as connection:
        row = connection.exec_driver_sql(
            "SELECT published_at, published_offset, updated_offset FROM versions"
        ).one()
    assert row[1:] == (None, None)
    command.downgrade(config, "0007")
    with engine.connect() as connection:
        columns = {c[1] for c in connection.exec_driver_sql("PRAGMA table_info(versions)")}
    assert "published_offset" not in columns and "published_at" in columns
    engine.dispose()


def test_captures_migration_moves_raw_html_to_legacy_captures_and_back(db_url: str) -> None:
    """0012 moves each version's zlib HTML to a legacy capture (codec `zlib-html`) that
    reads back as the same bytes, drops the column, and the downgrade puts it back."""
    import zlib

    from alembic import command
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from tracker.store import captures
    from tracker.store.models import Capture

    html = "<html><body><h1>Héadline</h1><p>Body.</p></body></html>".encode()
    engine = db.create_engine(db_url)
    config = db.alembic_config(engine)
    command.upgrade(config, "0011")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO articles (id, url, status, first_seen_at, consecutive_failures, "
                "quick_checks, host) VALUES (1, 'https://x.example/a', 'active', :at, 0, 0, 'x.example')"
            ),
            {"at": "2026-12-01 00:00:00"},
        )
        for number, raw in ((1, zlib.compress(html, 1)), (2, None)):
            connection.execute(
                text(
                    "INSERT INTO versions (article_id, number, fetched_at, body, extra, content_hash, "
                    "raw_html) VALUES (1, :number, :at, 'Body.', '{}', 'h', :raw)"
                ),
                {"number": number, "at": f"2026-12-0{number} 00:00:00", "raw": raw},
            )
    command.upgrade(config, "0012")
    with Session(engine) as session:
        [capture] = session.query(Capture).all()
        assert (capture.article_id, capture.version_number, capture.role) == (1, 1, "version")
        assert capture.codec == "zlib-html" and capture.url == "https://x.example/a"
        assert captures.body(capture) == html
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM versions")).scalar() == 2
    command.downgrade(config, "0011")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT number, raw_html FROM versions ORDER BY number")).all()
    assert [(number, raw and zlib.decompress(raw)) for number, raw in rows] == [(1, html), (2, None)]
    command.upgrade(config, "head")
    engine.dispose()
