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
