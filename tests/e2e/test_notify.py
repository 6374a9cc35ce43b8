"""Webhooks: a signed JSON POST per matching revision, in order, retried with back-off,
never twice, a digest when a source floods; received by a real HTTP server."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.support.daemons import Daemon, count, settings
from tests.support.site import NewsSite
from tracker.notify import Notifier
from tracker.store.models import Webhook

SECRET = "shared-secret"
DEADLINE = 2  # seconds a destination has to take a delivery (notify.timeout)


class Receiver:
    """A webhook endpoint on loopback that records what it gets (and when) and fails on demand."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each delivery received
        self.fail_next = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    self.send_response(503)
                else:
                    receiver.received.append((dict(self.headers), body))
                    receiver.arrivals.append(time.monotonic())
                    self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.server.shutdown()
    made.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def notify(tracker: Any, clock: Clock) -> int:
    async def go() -> int:
        notifier = Notifier(tracker.config, tracker.sessions, clock, owner="test")
        try:
            return await notifier.tick()
        finally:
            await notifier.aclose()

    return asyncio.run(go())


def setup(
    site: NewsSite, make_tracker: Any, db_url: str, receiver: Receiver, stories: int, **hook: Any
) -> Any:
    for n in range(stories):
        site.add_story(("jsonld", "meta")[n % 2], paragraphs=3)
    webhook = {"url": receiver.url, "secret": SECRET, **hook}
    tracker = make_tracker(
        db_url, sources=[{"name": "sim", "feeds": [site.feed()]}], notify={"webhooks": [webhook]}
    )
    assert tracker.cycle() == {"new_version": stories}
    return tracker


def test_each_revision_is_posted_once_signed_with_its_diff(
    site: NewsSite, make_tracker, db_url: str, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    tracker = setup(site, make_tracker, db_url, receiver, 2)
    assert notify(tracker, clock) == 0  # a new webhook starts from now: no history replayed
    stories = list(site.stories.values())
    stories[0].headline += " as talks collapse"
    stories[1].paragraphs.append("Correction: the vote was on Tuesday, not Monday.")
    assert tracker.cycle() == {"new_version": 2}
    assert notify(tracker, clock) == 2
    assert notify(tracker, clock) == 0  # nothing twice
    for headers, body in receiver.received:
        expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert headers["X-Tracker-Signature"] == "sha256=" + expected
        assert headers["X-Tracker-Delivery"] == json.loads(body)["id"]
    payloads = receiver.payloads()
    assert payloads[0]["revision_id"] < payloads[1]["revision_id"]  # in the order stored
    [headline] = [p for p in payloads if p["changed"] == ["headline"]]
    assert headline["type"] == "revision" and headline["source"] == "sim"
    assert headline["diff"]["fields"][0]["new"] == stories[0].headline and headline["id"].startswith(
        "urn:uuid:"
    )
    [correction] = [p for p in payloads if p is not headline]
    assert "correction" in correction["kinds"]
    added = {"op": "insert", "old": [3, 3], "new": [3, 4], "text": [stories[1].paragraphs[-1]]}
    assert added in correction["diff"]["body"]


def test_a_failing_endpoint_is_retried_with_back_off_and_gets_each_revision_once(
    site: NewsSite, make_tracker, db_url: str, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    tracker = setup(site, make_tracker, db_url, receiver, 2)
    notify(tracker, clock)
    for story in site.stories.values():
        story.paragraphs.append("Update: the council met again.")
    tracker.cycle()
    receiver.fail_next = 2
    assert notify(tracker, clock) == 0  # 503: nothing delivered, back off 30 s
    with tracker.session() as session:
        state = session.scalars(select(Webhook)).one()
        assert state.attempts == 1 and state.next_attempt_at == clock.now + timedelta(seconds=30)
        assert state.last_error == "HTTP 503"
    assert notify(tracker, clock) == 0  # not due yet: nothing is even tried
    assert receiver.fail_next == 1  # the second failure is still to come
    clock.now += timedelta(seconds=31)
    assert notify(tracker, clock) == 0  # fails again: 60 s now
    with tracker.session() as session:
        assert session.scalars(select(Webhook)).one().next_attempt_at == clock.now + timedelta(seconds=60)
    clock.now += timedelta(seconds=61)
    assert notify(tracker, clock) == 2
    assert [p["to"] for p in receiver.payloads()] == [2, 2]
    assert len({p["revision_id"] for p in receiver.payloads()}) == 2


def test_a_flood_from_one_source_becomes_one_digest(
    site: NewsSite, make_tracker, db_url: str, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    tracker = setup(site, make_tracker, db_url, receiver, 6, max_per_hour=3)
    notify(tracker, clock)
    for story in site.stories.values():  # a template change: every article "changes"
        story.paragraphs.append("Follow us on our new channel for the latest news.")
    assert tracker.cycle() == {"new_version": 6}
    assert notify(tracker, clock) == 1
    [digest] = receiver.payloads()
    assert digest["type"] == "digest" and digest["count"] == 6 and digest["source"] == "sim"
    assert len({r["revision_id"] for r in digest["revisions"]}) == 6
    [story] = list(site.stories.values())[:1]
    story.headline += " (updated)"
    tracker.cycle()
    assert notify(tracker, clock) == 1  # within the hour's allowance again: one by one
    assert receiver.payloads()[-1]["type"] == "revision"


def test_a_filter_sends_only_matching_revisions(
    site: NewsSite, make_tracker, db_url: str, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    clock = Clock()
    tracker = setup(site, make_tracker, db_url, receiver, 2, filter={"field": "headline"})
    notify(tracker, clock)
    stories = list(site.stories.values())
    stories[0].headline += " as talks collapse"
    stories[1].paragraphs.append("A paragraph that is not a headline change.")
    tracker.cycle()
    assert notify(tracker, clock) == 1
    assert receiver.payloads()[0]["changed"] == ["headline"]


def test_the_daemon_notifies_and_a_dead_endpoint_never_holds_up_checks(
    site: NewsSite, tmp_path: Path, receiver: Receiver
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    stories = [site.add_story(paragraphs=3) for _ in range(3)]
    database = f"sqlite:///{tmp_path / 'notify.db'}"
    hooks = {"webhooks": [{"url": dead}, {"url": receiver.url, "secret": SECRET}], "interval": "1s"}
    daemon = Daemon(tmp_path / "notify.yaml", settings(site.feed(), database, notify=hooks))
    try:
        # every story's first version stored, and both destinations started (from the
        # revisions stored after their first tick)
        daemon.wait_until(lambda: count(database, "SELECT count(*) FROM versions") == 3, "3 versions")
        daemon.wait_until(lambda: count(database, "SELECT count(*) FROM webhooks") == 2, "the webhooks")
        stories[1].headline += " as talks collapse"
        daemon.wait_until(lambda: receiver.received, "a webhook delivered")
        daemon.wait_for(f"notify webhook {dead} failed")
    finally:
        log = daemon.stop()
    assert daemon.returncode == 0, log
    [payload] = receiver.payloads()
    assert payload["headline"] == stories[1].headline and payload["changed"] == ["headline"]


def test_apprise_destinations_get_a_readable_message(
    site: NewsSite, make_tracker, sqlite_url: str, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("apprise", reason="the apprise extra is not installed")
    clock = Clock()
    site.add_story("jsonld", paragraphs=3)
    apprise_url = receiver.url.replace("http://", "json://")  # Apprise's JSON POST, to the receiver
    tracker = make_tracker(
        sqlite_url,
        sources=[{"name": "sim", "feeds": [site.feed()]}],
        notify={"apprise": [{"url": apprise_url}]},
    )
    tracker.cycle()
    notify(tracker, clock)
    [story] = site.stories.values()
    story.paragraphs.append("Correction: the minister spoke on Tuesday.")
    tracker.cycle()
    assert notify(tracker, clock) == 1
    [message] = receiver.payloads()
    assert message["title"] == f"Changed: {story.headline}"
    assert "+ Correction: the minister spoke on Tuesday." in message["message"]


class Drip:
    """A webhook endpoint that answers one byte a second, for as long as it is asked."""

    def __init__(self) -> None:
        self.stopped = threading.Event()
        self.asked = 0
        drip = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                drip.asked += 1
                self.rfile.read(int(self.headers["Content-Length"]))
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
                while not drip.stopped.wait(1.0):
                    try:
                        self.wfile.write(b".")
                        self.wfile.flush()
                    except OSError:
                        return

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/slow"


def test_a_slow_peer_delays_no_other_destination_and_its_failure_is_shown(
    site: NewsSite, make_tracker, sqlite_url: str, receiver: Receiver
) -> None:  # type: ignore[no-untyped-def]
    from tracker.read.health import status

    drip = Drip()
    try:
        for n in range(3):
            site.add_story(("jsonld", "meta")[n % 2], paragraphs=3)
        hooks = [{"url": drip.url}, {"url": receiver.url}]  # the slow one first
        tracker = make_tracker(
            sqlite_url,
            sources=[{"name": "sim", "feeds": [site.feed()]}],
            notify={"webhooks": hooks, "timeout": f"{DEADLINE}s"},
        )
        tracker.cycle()
        clock = Clock()
        notify(tracker, clock)  # both start from now
        for story in site.stories.values():
            story.paragraphs.append("Update: the council met again.")
        tracker.cycle()
        began = time.monotonic()
        assert notify(tracker, clock) == 3  # the good endpoint got all three
        took = time.monotonic() - began
        print(f"\n3 deliveries in {max(receiver.arrivals) - began:.2f} s, the tick in {took:.2f} s")
        assert len(receiver.received) == 3 and max(receiver.arrivals) - began < DEADLINE  # not held up
        assert drip.asked == 1  # the slow one failed once: the rest waits for its back-off
        assert DEADLINE <= took < 2 * DEADLINE  # its deadline, beside the other, not per byte
        with tracker.session() as session:
            health = status(session, clock.now)
        [slow] = [n for n in health["notifications"] if n["failing"]]
        assert slow["last_error"] == "no complete answer within 2s" and slow["attempts"] == 1
        assert [n["failing"] for n in health["notifications"]].count(False) == 1
        from fastapi.testclient import TestClient

        from tracker.web import create_app

        page = TestClient(create_app(tracker.config, tracker.sessions)).get("/sources").text
        assert "failing: no complete answer within 2s" in page
    finally:
        drip.stopped.set()
        drip.server.shutdown()
        drip.server.server_close()
