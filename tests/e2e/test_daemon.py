"""The daemon as a user runs it: a real process, real signals."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from tests.support.site import NewsSite


def start_daemon(tmp_path: Path, settings: dict[str, object]) -> subprocess.Popen[str]:
    """`tracker run` on a config.yaml holding `settings`, as a user starts it."""
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"schedule": {"tick": "1s"}, **settings}))
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--config", str(config), "run"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for_versions(database: str, count: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    engine = sa.create_engine(database)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[1]
            try:
                with engine.connect() as connection:
                    if connection.execute(sa.text("select count(*) from versions")).scalar() >= count:
                        return
            except sa.exc.OperationalError:
                pass  # the daemon has not created the schema yet
            time.sleep(0.2)
        pytest.fail(f"the daemon stored fewer than {count} versions in {timeout}s")
    finally:
        engine.dispose()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_daemon_tracks_then_stops_cleanly_on_signal(tmp_path: Path, site: NewsSite, signum: int) -> None:
    for template in ("jsonld", "meta", "time"):
        site.add_story(template)
    database = f"sqlite:///{tmp_path / 'daemon.db'}"
    process = start_daemon(
        tmp_path,
        {
            "database": {"url": database},
            "sources": [{"name": "sim", "feeds": [site.feed()]}],
            "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
            "logging": {"level": "info"},
        },
    )
    try:
        wait_for_versions(database, 3, process)
        process.send_signal(signum)
        started = time.monotonic()
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert time.monotonic() - started < 30
    assert "tracker daemon stopped" in err
    assert "Traceback" not in err
    assert re.search(r"heartbeat articles=\d+ due_now=\d+ next_poll=\S+ last_5m: ", err), (
        err
    )  # alive, and how


def test_daemon_without_network_logs_and_keeps_running(tmp_path: Path) -> None:
    process = start_daemon(
        tmp_path,
        {
            "database": {"url": f"sqlite:///{tmp_path / 'offline.db'}"},
            "sources": [{"name": "nowhere", "feeds": ["http://feeds.invalid/rss"]}],
        },
    )
    try:
        time.sleep(4)
        assert process.poll() is None, "the daemon must keep running when fetches fail"
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "feeds.invalid" in err and "cannot resolve" in err


def test_a_deleted_database_file_stops_the_daemon_and_no_command_makes_a_new_one(
    tmp_path: Path, site: NewsSite
) -> None:
    site.add_story("jsonld")
    path = tmp_path / "watched.db"
    database = f"sqlite:///{path}"
    settings = {
        "database": {"url": database},
        "sources": [{"name": "sim", "feeds": [site.feed()]}],
        "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
        "logging": {"level": "info"},
    }
    process = start_daemon(tmp_path, settings)
    try:
        wait_for_versions(database, 1, process)
        path.unlink()  # an operator's mistake, a cleanup job: the daemon would write into the void
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 1, err
    assert "was deleted or replaced while the daemon ran" in err and "Traceback" not in err
    status = subprocess.run(
        [sys.executable, "-m", "tracker", "--config", str(tmp_path / "config.yaml"), "status"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert status.returncode == 1 and f"no database at {path}" in status.stderr
    assert not path.exists()  # a read command did not create an empty one in its place


def test_sigterm_during_the_poll_of_a_huge_feed_stops_at_once(tmp_path: Path, site: NewsSite) -> None:
    from tests.support.site import Response

    items = "".join(
        f"<item><title>Story {n}</title><link>{site.base}/news/{n}/story-a{n}</link></item>"
        for n in range(30_000)
    )
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()
    )
    site.route("/huge.xml", lambda _r: Response(body=body, headers={"Content-Type": "application/rss+xml"}))
    process = start_daemon(
        tmp_path,
        {
            "database": {"url": f"sqlite:///{tmp_path / 'huge.db'}"},
            "sources": [{"name": "huge", "feeds": [site.url("/huge.xml")]}],
            "fetch": {"allow_private_addresses": True},
            "logging": {"level": "info"},
        },
    )
    try:
        deadline = time.monotonic() + 30
        while site.hits.get("/huge.xml", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # feedparser is busy with 30,000 entries (about 10 s of it)
        asked = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=40)
        took = time.monotonic() - asked
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert took < 5, f"SIGTERM took {took:.1f} s during the poll"  # it waited for the whole poll before
