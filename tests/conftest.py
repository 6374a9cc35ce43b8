"""Fixtures: a simulated news site on loopback, and real databases.

Databases: every test that takes `db_url` runs on SQLite, and on PostgreSQL
when one answers at TRACKER_TEST_POSTGRES_URL (default: the local server,
database `test`). With TRACKER_REQUIRE_POSTGRES=1 (as in CI) a missing
PostgreSQL fails the run instead of skipping. The golden tests read
../shared/corpus; with TRACKER_REQUIRE_CORPUS=1 (as in CI) a missing corpus
fails the run too.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from tests.support.databases import emptied
from tests.support.site import NewsSite
from tracker.config import Config, config_from_mapping
from tracker.daemon import run_once, runtime_for
from tracker.store import db

POSTGRES_ADMIN_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TRACKER_REQUIRE_POSTGRES") == "1"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REQUIRE_CORPUS = os.environ.get("TRACKER_REQUIRE_CORPUS") == "1"


def needs_corpus(folder: Path) -> pytest.MarkDecorator:
    """For a module of golden tests over `folder` of ../shared/corpus: skipped, saying so,
    when it is missing; with TRACKER_REQUIRE_CORPUS=1 (as in CI) a missing corpus fails."""
    if not folder.is_dir() and REQUIRE_CORPUS:
        pytest.fail(f"corpus not found at {folder} and TRACKER_REQUIRE_CORPUS=1", pytrace=False)
    return pytest.mark.skipif(not folder.is_dir(), reason=f"corpus not found at {folder}: SKIPPED")


def _postgres_problem() -> str | None:
    try:
        engine = sa.create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as error:
        return f"{type(error).__name__}: {str(error).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    problem = _postgres_problem()
    if problem:
        message = f"PostgreSQL not available at {db.redact(POSTGRES_ADMIN_URL)} ({problem})"
        if REQUIRE_POSTGRES:
            pytest.fail(message + " and TRACKER_REQUIRE_POSTGRES=1")
        pytest.skip(message + ": PostgreSQL tests SKIPPED")
    name = f"tracker_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tracker.db'}"
    return emptied(request.getfixturevalue("postgres_database"))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def site() -> Iterator[NewsSite]:
    news = NewsSite().start()
    yield news
    news.stop()


def make_config(database_url: str, **sections: Any) -> Config:
    fetch = {
        "allow_private_addresses": True,
        "per_host_delay": "0s",
        "timeout": "3s",
        "max_bytes": 2_000_000,
        **sections.pop("fetch", {}),
    }
    return config_from_mapping({"database": {"url": database_url}, "fetch": fetch, **sections})


class Tracker:
    """tracker's own layers wired to a real database, as the CLI wires them."""

    def __init__(self, config: Config):
        self.config = config
        self.engine = db.create_engine(config.database.url)
        db.upgrade(self.engine)
        self.sessions: sessionmaker[Session] = db.session_factory(self.engine)

    def cycle(self, *, every_active: bool = True) -> dict[str, int]:
        async def go() -> dict[str, int]:
            async with runtime_for(self.config, self.sessions, lambda: datetime.now(UTC)) as runtime:
                return dict(await run_once(runtime, every_active=every_active))

        return asyncio.run(go())

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def make_tracker() -> Iterator[Any]:
    made: list[Tracker] = []

    def factory(database_url: str, **sections: Any) -> Tracker:
        tracker = Tracker(make_config(database_url, **sections))
        made.append(tracker)
        return tracker

    yield factory
    for tracker in made:
        tracker.close()
