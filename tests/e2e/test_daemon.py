"""The daemon as a user runs it: a real process, real signals."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.daemons import Daemon, count
from tests.support.site import NewsSite, Response

pytestmark = pytest.mark.slow

VERSIONS = "select count(*) from versions"


def start_daemon(tmp_path: Path, settings: dict[str, Any]) -> Daemon:
    """`tracker run` on a config.yaml holding `settings` (a check tick of 1 s), as a user starts it."""
    return Daemon(tmp_path / "config.yaml", {"schedule": {"tick": "1s"}, **settings})


def simulated(site: NewsSite, database: str) -> dict[str, Any]:
    return {
        "database": {"url": database},
        "sources": [{"name": "sim", "feeds": [site.feed()]}],
        "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
        "logging": {"level": "info"},
    }


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_daemon_tracks_then_stops_cleanly_on_signal(tmp_path: Path, site: NewsSite, signum: int) -> None:
    for template in ("jsonld", "meta", "time"):
        site.add_story(template)
    database = f"sqlite:///{tmp_path / 'daemon.db'}"
    daemon = start_daemon(tmp_path, simulated(site, database))
    try:
        daemon.wait_until(lambda: count(database, VERSIONS) >= 3, "3 versions stored")
    finally:
        log = daemon.stop(signum)
    assert daemon.returncode == 0, log
    assert "tracker daemon stopped" in log
    assert "Traceback" not in log
    assert re.search(
        r"heartbeat articles=\d+ due_now=\d+ next_poll=\S+ failing_endpoints=\d+ last_5m: ", log
    ), log  # alive, and how


def test_daemon_without_network_logs_and_keeps_running(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'offline.db'}"
    daemon = start_daemon(
        tmp_path,
        {
            "database": {"url": database},
            "sources": [{"name": "nowhere", "feeds": ["http://feeds.invalid/rss"]}],
        },
    )
    try:
        failure = daemon.wait_for("cannot resolve")
        assert "WARNING" in failure and "http://feeds.invalid/rss" in failure, failure
        errors = "select count(*) from source_endpoints where last_error like '%cannot resolve feeds.invalid'"
        assert count(database, errors) == 1  # the feed shows why it is not read
        assert daemon.returncode is None, "the daemon must keep running when fetches fail"
    finally:
        log = daemon.stop()
    assert daemon.returncode == 0, log
    assert "stopping: finishing" in log.split(failure)[1]  # it was still ticking when asked to stop
    assert "Traceback" not in log


def test_a_deleted_database_file_stops_the_daemon_and_no_command_makes_a_new_one(
    tmp_path: Path, site: NewsSite
) -> None:
    site.add_story("jsonld")
    path = tmp_path / "watched.db"
    daemon = start_daemon(tmp_path, simulated(site, f"sqlite:///{path}"))
    try:
        daemon.wait_until(lambda: count(f"sqlite:///{path}", VERSIONS) >= 1, "a version stored")
        path.unlink()  # an operator's mistake, a cleanup job: the daemon would write into the void
        returncode = daemon.wait(timeout=30)
    finally:
        daemon.kill()
    assert returncode == 1, daemon.log
    assert "was deleted or replaced while the daemon ran" in daemon.log and "Traceback" not in daemon.log
    status = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(daemon.path), "status"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert status.returncode == 1 and f"no database at {path}" in status.stderr
    assert not path.exists()  # a read command did not create an empty one in its place


def test_sigterm_during_the_poll_of_a_huge_feed_stops_at_once(tmp_path: Path, site: NewsSite) -> None:
    """The poll of a 30,000-entry feed takes feedparser about 10 s of CPU; SIGTERM once it
    is well under way stops the daemon in a few seconds (it used to wait for the whole poll)."""
    items = "".join(
        f"<item><title>Story {n}</title><link>{site.base}/news/{n}/story-a{n}</link></item>"
        for n in range(30_000)
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    )
    site.route("/huge.xml", lambda _r: Response(body=body, headers={"Content-Type": "application/rss+xml"}))
    daemon = start_daemon(
        tmp_path,
        {
            "database": {"url": f"sqlite:///{tmp_path / 'huge.db'}"},
            "sources": [{"name": "huge", "feeds": [site.url("/huge.xml")]}],
            "fetch": {"allow_private_addresses": True},
            "logging": {"level": "info"},
        },
    )
    try:
        daemon.wait_until(lambda: site.hits.get("/huge.xml", 0), "the feed asked for")
        asked_at = daemon.cpu_seconds()
        daemon.wait_until(lambda: daemon.cpu_seconds() > asked_at + 1, "a second of CPU into the poll")
        began = time.monotonic()
        log = daemon.stop()
        took = time.monotonic() - began
    finally:
        daemon.kill()
    print(f"\nSIGTERM a second of CPU into the poll of 30,000 entries: exit in {took:.1f} s")
    assert daemon.returncode == 0, log
    assert "poll url=" not in log  # it was stopped inside the poll, not after it
    assert took < 5, f"SIGTERM took {took:.1f} s during the poll"  # it waited for the whole poll before
