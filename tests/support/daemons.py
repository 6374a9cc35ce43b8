"""`tracker run` as a user starts it, in a process of its own, for the end-to-end tests:
its log is read as it comes, so a test waits for what the daemon says it did (a line, a
row) instead of sleeping and hoping."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
import sqlalchemy as sa
import yaml

T = TypeVar("T")

FAST = {"tick": "1s", "steps": [{"age": "30d", "every": "1s"}], "retire_after": "60d"}
RUNNING = r"tracker daemon \S+ running"  # logged once the daemon holds its database and ticks


def settings(feed: str, database: str, **extra: Any) -> dict[str, Any]:
    """A daemon's config for one source on the simulated site: loopback allowed, no
    politeness delay, every article due each second, warnings only (`extra` overrides)."""
    return {
        "database": {"url": database},
        "sources": [{"name": "sim", "feeds": [feed]}],
        "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
        "schedule": FAST,
        "logging": {"level": "warning"},
        **extra,
    }


class Daemon:
    """`tracker --config PATH run ARGS` on `config` (written to `path`); every line it logs
    is kept, in order, as it comes."""

    def __init__(self, path: Path, config: dict[str, Any], *args: str):
        path.write_text(yaml.safe_dump(config))
        self.path = path
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._ended = False
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(path), "run", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            with self._changed:
                self.lines.append(line)
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    @property
    def log(self) -> str:
        with self._changed:
            return "".join(self.lines)

    @property
    def returncode(self) -> int | None:
        return self.process.poll()

    def wait_for(self, pattern: str, count: int = 1, timeout: float = 60) -> str:
        """The `count`th line of the log that matches `pattern`, once it is logged; fails
        when the daemon exits or `timeout` passes first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                matches = [line for line in self.lines if regex.search(line)]
                if len(matches) >= count:
                    return matches[count - 1]
                left = deadline - time.monotonic()
                if self._ended or left <= 0:
                    why = f"exited ({self.process.poll()})" if self._ended else f"ran {timeout} s"
                    tail = "".join(self.lines[-20:])
                    pytest.fail(f"the daemon {why} without logging {pattern!r} {count}x:\n{tail}")
                self._changed.wait(left)

    def wait_until(self, condition: Callable[[], T], what: str, timeout: float = 60) -> T:
        """`wait_until` while the daemon runs: fails at once, with its log, if it exits."""

        def running_and() -> T:
            if self.process.poll() is not None:
                self.kill()
                pytest.fail(f"the daemon exited ({self.returncode}) awaiting {what}:\n{self.log[-3000:]}")
            return condition()

        return wait_until(running_and, what, timeout)

    def wait(self, timeout: float = 40) -> int:
        """Its exit status, once it exits by itself (and the last of its log is read)."""
        self.process.wait(timeout)
        self.kill()
        return self.process.returncode

    def cpu_seconds(self) -> float:
        """The CPU time the daemon's process used so far (Linux)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 40) -> str:
        """Signal the daemon, wait for it to exit, and return its whole log."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            self.process.wait(timeout)
        finally:
            self.kill()
        return self.log

    def kill(self) -> None:
        """SIGKILL, if it still runs; wait for it and for the last of its log."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(10)
        if self.process.stderr is not None:
            self.process.stderr.close()


def wait_until(condition: Callable[[], T], what: str, timeout: float = 60) -> T:
    """`condition()`'s first true value, asked every 50 ms; fails saying `what` was
    awaited when `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout} s for {what}")
        time.sleep(0.05)
    return value


def count(database: str, sql: str) -> int:
    """A number from the database (0 while it or its schema is not made yet)."""
    url = sa.make_url(database)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return 0  # connecting would make an empty file
    engine = sa.create_engine(database)
    try:
        with engine.connect() as connection:
            return int(connection.execute(sa.text(sql)).scalar() or 0)
    except sa.exc.OperationalError:  # no schema yet, or the file is not there yet
        return 0
    finally:
        engine.dispose()
