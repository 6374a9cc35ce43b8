"""Witnesses in a real pywb: a collection in record mode on loopback (pywb's recorder,
`recorder: live`) receives a capture of each new version, asked by the witness job after
the check stored the version (never by the check), and the version carries its memento.
Checked through pywb's own CDX API and replay, in process and with `tracker run`."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.daemons import RUNNING, Daemon, count, settings, wait_until
from tests.support.pywb import COLLECTION, Pywb
from tests.support.site import NewsSite
from tracker.read import history
from tracker.store import repository
from tracker.store.witness_rows import Witness
from tracker.web import create_app
from tracker.witness import Witnesser


@pytest.fixture(scope="module")
def pywb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    archive = Pywb(tmp_path_factory.mktemp("pywb-record"), record=True).start()
    yield archive
    archive.stop()


def destination(pywb: Pywb) -> dict[str, Any]:
    return {
        "destinations": [
            {"name": "pywb", "kind": "pywb-record", "url": pywb.collection_url, "min_interval": "0s"}
        ]
    }


def witness(tracker: Any) -> int:
    async def go() -> int:
        job = Witnesser(tracker.config, tracker.sessions, lambda: datetime.now(UTC), owner="test")
        try:
            return await job.tick()
        finally:
            await job.aclose()

    return asyncio.run(go())


def captured(tracker: Any) -> list[Witness]:
    with tracker.session() as session:
        return list(session.scalars(select(Witness).where(Witness.state == "captured").order_by(Witness.id)))


def indexed(pywb: Pywb, url: str, captures: int) -> list[dict[str, str]]:
    """pywb's CDX rows of `url`, once `captures` of them are in its WARC files (indexed
    again at each look: the recorder may still be writing the last record)."""

    def enough() -> list[dict[str, str]]:
        if not pywb.reindex():
            return []
        rows = pywb.captures(url)
        return rows if len(rows) >= captures else []

    try:
        return wait_until(enough, f"{captures} captures of {url} in pywb's index")
    except BaseException:
        print("pywb said:\n" + "".join(pywb.said[-200:]))
        raise


def replayed(pywb: Pywb, memento_url: str) -> str:
    """The page as pywb replays the memento, unchanged (`id_`)."""
    stamp, _, url = memento_url.removeprefix(f"{pywb.collection_url}/").partition("/")
    answer = pywb.get(f"/{COLLECTION}/{stamp}id_/{url}")
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_each_new_version_is_captured_by_pywb_and_carries_its_memento(
    site: NewsSite, make_tracker: Any, db_url: str, pywb: Pywb
) -> None:
    stories = [site.add_story(("jsonld", "meta")[n % 2], paragraphs=3) for n in range(2)]
    tracker = make_tracker(
        db_url,
        sources=[{"name": "sim", "feeds": [site.feed()], "witness": "pywb"}],
        witness=destination(pywb),
    )
    urls = [site.url(story.path) for story in stories]
    assert tracker.cycle() == {"new_version": 2}
    # the check stored the versions and queued their witnesses; the archive has nothing yet
    assert pywb.reindex() and captured(tracker) == []
    assert all(pywb.captures(url) == [] for url in urls)
    assert witness(tracker) == 2
    first = {w.url: w for w in captured(tracker)}
    for story, url in zip(stories, urls, strict=True):
        [row] = indexed(pywb, url, 1)
        memento = first[url]
        assert memento.memento_url == f"{pywb.collection_url}/{row['timestamp']}/{url}"
        assert (
            memento.memento_at is not None and memento.memento_at.strftime("%Y%m%d%H%M%S") == row["timestamp"]
        )
        assert story.headline in replayed(pywb, memento.memento_url)
    # a new version, captured in a later second than the first (pywb's times are seconds)
    wait_until(
        lambda: datetime.now(UTC).replace(microsecond=0) > max(w.memento_at for w in first.values()),
        "a new second",
    )  # type: ignore[type-var]
    stories[0].headline += " as talks collapse"
    assert tracker.cycle() == {"unchanged": 1, "new_version": 1}
    assert witness(tracker) == 1
    rows = indexed(pywb, urls[0], 2)
    newest = captured(tracker)[-1]
    assert newest.memento_url == f"{pywb.collection_url}/{rows[-1]['timestamp']}/{urls[0]}"
    assert stories[0].headline in replayed(pywb, newest.memento_url)
    assert " as talks collapse" not in replayed(pywb, first[urls[0]].memento_url)  # the first stays as it was
    with tracker.session() as session:
        versions = history.history(session, repository.resolve_article(session, urls[0]))["versions"]
    assert [[w["memento_url"] for w in v["witnesses"]] for v in versions] == [
        [first[urls[0]].memento_url],
        [newest.memento_url],
    ]
    assert all(v["witnesses"][0]["archive"] == "pywb" for v in versions)
    shown_on_the_web(tracker, urls[0], [first[urls[0]].memento_url, newest.memento_url])


def shown_on_the_web(tracker: Any, url: str, mementos: list[str]) -> None:
    """The API's article and version, the article page and /sources show the witnesses."""
    client = TestClient(create_app(tracker.config, tracker.sessions))
    with tracker.session() as session:
        article_id = repository.resolve_article(session, url).id
    timeline = client.get(f"/api/articles/{article_id}").json()["timeline"]
    assert [w["memento_url"] for e in timeline if e["type"] == "version" for w in e["witnesses"]] == mementos
    version = client.get(f"/api/articles/{article_id}/versions/2").json()
    assert [w["memento_url"] for w in version["witnesses"]] == mementos[1:]
    page = client.get(f"/articles/{article_id}").text
    assert all(f'href="{memento}"' in page for memento in mementos) and "witnessed by pywb" in page
    [row] = client.get("/api/sources").json()["witnesses"]
    assert (row["name"], row["captured"], row["failing"]) == ("pywb", 3, False)
    assert '<table class="rows witnesses">' in client.get("/sources").text


def test_the_daemon_witnesses_after_its_checks_stored_the_versions(
    site: NewsSite, make_tracker: Any, db_url: str, pywb: Pywb, tmp_path: Path
) -> None:
    make_tracker(db_url)  # `tracker init`: the schema
    stories = [site.add_story(paragraphs=3) for _ in range(2)]
    config = settings(
        site.feed(), db_url, witness={**destination(pywb), "interval": "1s"}, logging={"level": "info"}
    )
    config["sources"][0]["witness"] = "pywb"
    daemon = Daemon(tmp_path / "witness.yaml", config)
    try:
        daemon.wait_for(RUNNING)  # its schema is made
        daemon.wait_until(
            lambda: count(db_url, "SELECT count(*) FROM witnesses WHERE state = 'captured'") == 2,
            "2 witnesses",
        )
    finally:
        log = daemon.stop()
    assert daemon.returncode == 0, log
    for story in stories:
        assert indexed(pywb, site.url(story.path), 1)
    lines = log.splitlines()
    checked = next(i for i, line in enumerate(lines) if "batch checked=" in line and "new_version=" in line)
    witnessed = [i for i, line in enumerate(lines) if "witness pywb captured" in line]
    assert len(witnessed) == 2 and checked < min(witnessed), log  # the check's batch ended before any capture
