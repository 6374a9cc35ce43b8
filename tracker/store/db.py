"""Engines, sessions and migrations.

SQLite is tuned for a daemon (WAL, foreign keys, a busy timeout); PostgreSQL
goes through psycopg 3. Migrations are Alembic's, run from `alembic/` beside
the package.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from tracker.errors import DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

log = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parents[2] / "alembic"
# The newest migration in alembic/versions (a test keeps the two equal). Checking a
# database against it is one query; Alembic itself is imported only to migrate.
SCHEMA_REVISION = "0019"
SQLITE_BUSY_TIMEOUT_MS = 10_000


def create_engine(url: str) -> Engine:
    """An engine for `url`; SQLite files get WAL, foreign keys and a busy timeout."""
    try:
        engine = sa.create_engine(
            url, future=True, pool_pre_ping=not url.startswith("sqlite"), json_deserializer=_json_loads
        )
    except (ArgumentError, NoSuchModuleError, ImportError) as error:
        raise DatabaseError(f"cannot use database URL {redact(url)!r}: {error}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


def _json_loads(text: str | bytes) -> Any:
    """The JSON columns read back: orjson, four times the standard library's pace (a
    large export reads hundreds of thousands of revisions); what orjson refuses and the
    standard library wrote (NaN, integers past 64 bits) by the standard library."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with sessions() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> str | None:
    """Create or upgrade the schema to the newest migration; returns the revision."""
    _ensure_sqlite_directory(engine)
    before = current_revision(engine)
    chatter = logging.getLogger("alembic")  # its plugins and steps, at info level: one line instead
    level = chatter.level
    chatter.setLevel(logging.WARNING)
    try:
        from alembic import command

        command.upgrade(alembic_config(engine), "head")
    except OperationalError as error:
        raise DatabaseError(f"cannot upgrade {redact(str(engine.url))}: {describe_error(error)}") from None
    finally:
        chatter.setLevel(level)
    after = current_revision(engine)
    if after != before:
        log.info("database %s: schema %s -> %s", redact(str(engine.url)), before or "none", after)
    return after


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except (OperationalError, ProgrammingError) as error:
        raise DatabaseError(f"cannot reach {redact(str(engine.url))}: {describe_error(error)}") from None


def head_revision() -> str | None:
    """The newest migration, read from alembic/versions."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


def ensure_current(engine: Engine, *, upgrade_embedded: bool, create: bool = True) -> None:
    """Fail with a clear message unless the schema is at head; an embedded
    (SQLite) database is upgraded in place when `upgrade_embedded` is set. Without
    `create`, a SQLite file that does not exist is an error, not a new empty database
    (a read command must not hide a deleted or misnamed database behind an empty one)."""
    path = sqlite_path(engine)
    if not create and path is not None and not path.exists():
        raise DatabaseError(
            f"no database at {path}: `tracker init` creates it (or check database.url in the config)"
        )
    if current_revision(engine) == SCHEMA_REVISION:
        return
    if upgrade_embedded and engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    raise DatabaseError(
        f"database {redact(str(engine.url))} is not at the current schema: run `tracker init`"
    )


@contextmanager
def single_writer(engine: Engine) -> Iterator[None]:
    """On SQLite, hold the one writer's lock (a file beside the database) while a
    daemon or cycle runs; a second one gets a clear error. PostgreSQL takes many."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    import fcntl

    path = Path(database).with_name(Path(database).name + ".writer.lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DatabaseError(
                f"another tracker daemon is already writing {database}: SQLite takes one writer "
                "(stop it, or use PostgreSQL to run several workers)"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def sqlite_path(engine: Engine) -> Path | None:
    """The file of an embedded database; None for PostgreSQL and in-memory SQLite."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return Path(database)
    return None


def file_identity(engine: Engine) -> tuple[int, int] | None:
    """(device, inode) of the SQLite file now; None when it is gone (or not SQLite)."""
    path = sqlite_path(engine)
    if path is None:
        return None
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_dev, stat.st_ino


def _ensure_sqlite_directory(engine: Engine) -> None:
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def describe_error(error: Exception) -> str:
    """The first line of what the database driver said."""
    text = str(getattr(error, "orig", None) or error)
    return text.strip().splitlines()[0] if text.strip() else type(error).__name__
