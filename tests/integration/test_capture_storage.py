"""Capture storage on SQLite and PostgreSQL (`tracker.store.captures`, `.retention`):
later captures of an article stored as deltas against its key, a host's keys packed with
a dictionary once enough of them are kept, every body read back identical; retention
drops or moves old bodies and keeps every capture that stays readable."""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.support.harness import Tracker, make_config
from tracker.config import DatabaseConfig
from tracker.read.storage import database_size
from tracker.store import bodies, captures, retention
from tracker.store.db import transaction
from tracker.store.models import Article, Capture, CaptureDictionary

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
HOST = "news.example"
_chrome = random.Random(3)
CHROME = "".join(
    f'<li class="{_chrome.getrandbits(40):x}"><a href="/{_chrome.getrandbits(64):x}">x</a>'
    for _ in range(300)
)


def page(story: int, edit: int = 0) -> bytes:
    """A page of the site: its chrome, the story's paragraphs, `edit` of them rewritten,
    and a nonce that changes on every fetch."""
    rng = random.Random(story)
    paragraphs = [" ".join(f"w{rng.randrange(5000)}" for _ in range(60)) for _ in range(12)]
    for n in range(edit):
        paragraphs[n] = f"Rewritten paragraph {n} of edit {edit}."
    nonce = random.getrandbits(64)
    return (
        f"<html><body data-n='{nonce}'><ul>{CHROME}</ul>{''.join(f'<p>{p}</p>' for p in paragraphs)}".encode()
    )


@pytest.fixture
def tracker(db_url: str) -> Iterator[Tracker]:
    made = Tracker(make_config(db_url))
    yield made
    made.close()


def article(session: Session, story: int, host: str = HOST) -> int:
    row = Article(url=f"https://{host}/story/{story}", host=host, first_seen_at=NOW)
    session.add(row)
    session.flush()
    return row.id


def keep(session: Session, article_id: int, content: bytes, at: datetime = NOW) -> Capture:
    url = session.get(Article, article_id).url  # type: ignore[union-attr]
    capture = Capture(article_id=article_id, role=captures.VERSION, at=at, url=url, status=200)
    captures.keep(session, capture, content)
    session.flush()
    return capture


def test_later_captures_are_deltas_against_the_key_and_read_back_identical(tracker: Tracker) -> None:
    kept: dict[int, bytes] = {}
    with transaction(tracker.sessions) as session:
        one = article(session, 1)
        for edit in range(6):
            content = page(1, edit)
            kept[keep(session, one, content).id] = content
    with transaction(tracker.sessions) as session:
        rows = captures.of_article(session, one)
        assert [row.codec for row in rows] == [bodies.ZSTD] + [bodies.DELTA] * 5
        assert {row.base_id for row in rows[1:]} == {rows[0].id}, "every delta is against the key: no chain"
        assert all(captures.body(row) == kept[row.id] for row in rows)
        assert all(len(row.body or b"") < len(rows[0].body or b"") / 4 for row in rows[1:])


def test_a_page_smaller_alone_than_as_a_delta_starts_a_new_key(tracker: Tracker) -> None:
    with transaction(tracker.sessions) as session:
        one = article(session, 1)
        keep(session, one, page(1))
        redesign = random.Random(9).randbytes(30_000)  # another page altogether under the same URL
        redesigned = keep(session, one, redesign)
        after = keep(session, one, redesign + b"<p>An edit.</p>")
        assert redesigned.base_id is None and after.base_id == redesigned.id


def test_a_host_gets_a_dictionary_from_its_first_keys_and_later_keys_use_it(tracker: Tracker) -> None:
    kept: dict[int, bytes] = {}
    with transaction(tracker.sessions) as session:
        for story in range(captures.SAMPLES - 1):
            content = page(story)
            kept[keep(session, article(session, story), content).id] = content
        assert captures.train_dictionaries(session, NOW) == [], "one key short"
        content = page(50)
        kept[keep(session, article(session, 50), content).id] = content
        assert captures.train_dictionaries(session, NOW) == [HOST]
    with transaction(tracker.sessions) as session:
        content = page(60)
        later = keep(session, article(session, 60), content)
        kept[later.id] = content
        dictionary = session.scalar(select(CaptureDictionary))
        assert dictionary is not None and dictionary.host == HOST and dictionary.samples == captures.SAMPLES
        assert later.codec == bodies.DICT and later.dictionary_id == dictionary.id
    with transaction(tracker.sessions) as session:
        rows = list(session.scalars(select(Capture)))
        assert {row.codec for row in rows} == {bodies.DICT}, "the keys it was trained on were packed again"
        assert all(captures.body(row) == kept[row.id] for row in rows)


def test_retention_drops_old_bodies_and_the_deltas_that_stay_are_packed_against_a_new_key(
    tracker: Tracker,
) -> None:
    kept: dict[int, bytes] = {}
    with transaction(tracker.sessions) as session:
        one = article(session, 1)
        for edit in range(5):
            content = page(1, edit)
            kept[keep(session, one, content, NOW - timedelta(days=100 - 10 * edit)).id] = content
    config = DatabaseConfig(url=tracker.config.database.url, raw_html="75d")
    done = retention.tend(tracker.sessions, config, NOW)
    assert (done.dropped, done.repacked) == (3, 2)
    with transaction(tracker.sessions) as session:
        rows = captures.of_article(session, one)
        assert [row.body is None for row in rows] == [True, True, True, False, False]
        assert all(row.digest and row.size for row in rows), "what the body was stays known"
        key, delta = rows[3], rows[4]
        assert key.base_id is None and delta.base_id == key.id
        assert captures.body(key) == kept[key.id] and captures.body(delta) == kept[delta.id]
    assert retention.tend(tracker.sessions, config, NOW).dropped == 0


def test_the_warc_step_is_given_old_captures_readable_and_what_it_places_leaves(tracker: Tracker) -> None:
    kept: dict[int, bytes] = {}
    with transaction(tracker.sessions) as session:
        one = article(session, 1)
        for edit in range(3):
            content = page(1, edit)
            kept[keep(session, one, content, NOW - timedelta(days=60 - 20 * edit)).id] = content
    read: dict[int, bytes | None] = {}

    def archive(old: Sequence[Capture]) -> Mapping[int, str]:
        for capture in old:
            read[capture.id] = captures.body(capture)
        first = min(kept)  # a writer that places only the first: the other keeps its body
        return {c.id: f"/archive/one.warc.gz#{100 * c.id}" for c in old if c.id == first}

    config = DatabaseConfig(url=tracker.config.database.url, raw_html="warc:/archive", raw_html_after="30d")
    assert retention.tend(tracker.sessions, config, NOW).dropped == 0, "no WARC writer: nothing leaves"
    done = retention.tend(tracker.sessions, config, NOW, archive=archive)
    assert read == {i: kept[i] for i in sorted(kept)[:2]}
    assert (done.dropped, done.moved) == (1, 1)
    with transaction(tracker.sessions) as session:
        rows = captures.of_article(session, one)
        assert rows[0].body is None and rows[0].warc == f"/archive/one.warc.gz#{100 * rows[0].id}"
        assert [captures.body(row) for row in rows[1:]] == [kept[row.id] for row in rows[1:]]


def test_status_gives_the_database_size_by_table_and_per_version(tracker: Tracker) -> None:
    with transaction(tracker.sessions) as session:
        keep(session, article(session, 1), page(1))
    with transaction(tracker.sessions) as session:
        size = database_size(session)
    assert size["bytes"] > 0 and size["captures"] == 1 and size["versions"] == 0
    assert size["bytes_per_version"] is None
    assert "captures" in size["tables"] and sum(size["tables"].values()) <= size["bytes"]
    assert size["estimated"] == []
    with transaction(tracker.sessions) as session:  # past 256 MB, SQLite's tables only when asked
        whole = database_size(session, by_table=False)
    if tracker.engine.dialect.name == "sqlite":
        assert whole["tables"] == {} and whole["method"] == "page_count" and whole["bytes"] == size["bytes"]
    if tracker.engine.dialect.name == "postgresql":  # past the threshold: the planner's count
        with tracker.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE captures")
        with transaction(tracker.sessions) as session:
            guessed = database_size(session, estimate_past=0)
        assert guessed["estimated"] == ["captures"] and guessed["captures"] == 1


def test_retention_never_drops_a_key_a_check_is_storing_a_delta_against(tracker: Tracker) -> None:
    """PostgreSQL, two sessions: a check has read the key and is about to commit its
    delta; retention meanwhile passes the key by (SQLite has one writer: no such overlap)."""
    if tracker.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    with transaction(tracker.sessions) as session:
        one = article(session, 1)
        keep(session, one, page(1), NOW - timedelta(days=100))
    content = page(1, 2)
    with transaction(tracker.sessions) as checking:
        delta = keep(checking, one, content)  # holds the key until it commits
        assert delta.codec == bodies.DELTA
        with transaction(tracker.sessions) as pruning:
            assert retention.prune(pruning, NOW, timedelta(days=90)).dropped == 0
    with transaction(tracker.sessions) as session:
        stored = session.get(Capture, delta.id)
        assert stored is not None and captures.body(stored) == content
    config = DatabaseConfig(url=tracker.config.database.url, raw_html="90d")
    assert retention.tend(tracker.sessions, config, NOW).dropped == 1, "the next run drops it"
    with transaction(tracker.sessions) as session:
        stored = session.get(Capture, delta.id)
        assert stored is not None and stored.base_id is None and captures.body(stored) == content


def test_a_host_whose_pages_train_no_dictionary_is_not_tried_again(tracker: Tracker) -> None:
    with transaction(tracker.sessions) as session:
        for story in range(captures.SAMPLES):
            keep(session, article(session, story, "tiny.example"), f"<p>{story}</p>".encode())
        assert captures.train_dictionaries(session, NOW) == []
        tried = session.scalar(select(CaptureDictionary).where(CaptureDictionary.host == "tiny.example"))
        assert tried is not None and tried.data == b"", "zstd could not train one: an empty one says so"
        assert captures.train_dictionaries(session, NOW) == []
        later = keep(session, article(session, 99, "tiny.example"), b"<p>later</p>")
        assert later.codec == bodies.ZSTD and captures.body(later) == b"<p>later</p>"


def test_warc_retention_moves_bodies_into_warc_files_they_read_back_from(
    tracker: Tracker, tmp_path: Path
) -> None:
    from tracker.daemon import archive_for
    from tracker.read.warc import archived_body

    kept: dict[int, bytes] = {}
    with transaction(tracker.sessions) as session:
        for story in range(2):
            one = article(session, story)
            for edit in range(3):
                content = page(story, edit)
                kept[keep(session, one, content, NOW - timedelta(days=50 - 10 * edit)).id] = content
    config = make_config(
        tracker.config.database.url,
        database={
            "url": tracker.config.database.url,
            "raw_html": f"warc:{tmp_path}",
            "raw_html_after": "35d",
        },
    )
    done = retention.tend(tracker.sessions, config.database, NOW, archive=archive_for(config, NOW))
    assert (done.dropped, done.moved) == (4, 4)
    with transaction(tracker.sessions) as session:
        rows = list(session.scalars(select(Capture).order_by(Capture.id)))
        moved = [row for row in rows if row.body is None]
        assert len(moved) == 4 and all(row.warc and row.warc.startswith(str(tmp_path)) for row in moved)
        assert all(archived_body(row.warc or "") == kept[row.id] for row in moved)
        assert all(captures.body(row) == kept[row.id] for row in rows if row.body is not None)
    assert list(tmp_path.glob("*.warc.gz")), "a WARC file on disk"
