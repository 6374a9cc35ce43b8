"""tracker wired as the CLI wires it, for tests that drive its layers in-process: a
config with the test defaults, and a `Tracker` on a real database that runs cycles."""

from __future__ import annotations

import asyncio
import atexit
import functools
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config, config_from_mapping
from tracker.daemon import run_once, runtime_for
from tracker.store import db


def make_config(database_url: str, **sections: Any) -> Config:
    """A config for `database_url`: loopback allowed, no politeness delay, a 3 s timeout;
    `sections` add to or override it."""
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
        _copy_migrated_sqlite(self.engine)
        db.upgrade(self.engine)
        self.sessions: sessionmaker[Session] = db.session_factory(self.engine)

    def cycle(
        self,
        *,
        every_active: bool = True,
        processes: int | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> dict[str, int]:
        """One `run_once` (every active article, or only the due ones), extracting in this
        process or in a pool of `processes`; its outcome counts. `clock`: tracker's time
        (the wall clock unless a test moves its own)."""

        async def go() -> dict[str, int]:
            now = clock or (lambda: datetime.now(UTC))
            async with runtime_for(self.config, self.sessions, now, processes=processes) as runtime:
                return dict(await run_once(runtime, every_active=every_active))

        return asyncio.run(go())

    def session(self) -> Session:
        return self.sessions()

    def close(self) -> None:
        self.engine.dispose()


def _copy_migrated_sqlite(engine: Any) -> None:
    """A SQLite file that does not exist yet starts as a copy of one migrated once per
    process: the same schema `db.upgrade` makes, without running every migration again."""
    path = db.sqlite_path(engine)
    if path is not None and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_migrated_sqlite(), path)


@functools.cache
def _migrated_sqlite() -> Path:
    folder = tempfile.mkdtemp(prefix="tracker-schema-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "migrated.db"
    engine = db.create_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


def two_sources(session: Session, at: datetime) -> tuple[Any, Any]:
    """Sources `one` and `two`, created at `at` (the kept counts' tests move stories between them)."""
    from tracker.store.models import Source

    one, two = Source(name="one", created_at=at), Source(name="two", created_at=at)
    session.add_all([one, two])
    session.flush()
    return one, two
