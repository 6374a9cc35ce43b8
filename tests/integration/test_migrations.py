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
