"""Fixtures: a simulated news site on loopback, and real databases.

Databases: every test that takes `db_url` runs on SQLite, and on PostgreSQL
when one answers at TRACKER_TEST_POSTGRES_URL (default: the local server,
database `test`). With TRACKER_REQUIRE_POSTGRES=1 (as in CI) a missing
PostgreSQL fails the run instead of skipping. The golden tests read
../shared/corpus; with TRACKER_REQUIRE_CORPUS=1 (as in CI) a missing corpus
fails the run too. What tests import lives in tests/support, not here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.support.databases import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES, emptied, postgres_problem
from tests.support.harness import Tracker, make_config
from tests.support.site import NewsSite
from tracker.store import db


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` hands out whole modules), the slow modules first: a
    long one that starts last keeps one worker busy after the others are done."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end."""
    problem = postgres_problem()
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


@pytest.fixture
def make_tracker() -> Iterator[Callable[..., Tracker]]:
    """Makes `Tracker`s on a database URL with config sections (see `make_config`), and
    closes them after the test."""
    made: list[Tracker] = []

    def factory(database_url: str, **sections: Any) -> Tracker:
        tracker = Tracker(make_config(database_url, **sections))
        made.append(tracker)
        return tracker

    yield factory
    for tracker in made:
        tracker.close()
