"""The WARC export (`tracker.read.warc_export`) on SQLite and PostgreSQL: every kind of
capture a database holds (fetched, legacy, body moved to a WARC file by the retention
setting, body dropped) written so that warcio reads it back."""

from __future__ import annotations

import zlib
from io import BytesIO
from pathlib import Path

from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from tests.support.site import NewsSite
from tracker.read.warc import archive, metadata_fields
from tracker.read.warc_export import Scope, count_captures, export
from tracker.store import bodies, captures
from tracker.store.models import Capture


def test_every_kind_of_capture_is_exported(site: NewsSite, make_tracker, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story("jsonld") for _ in range(5)]
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(s.path) for s in stories]}])
    assert tracker.cycle() == {"new_version": 5}
    with tracker.session() as session:
        for capture in session.scalars(select(Capture)):  # each alone: bodies are dropped by hand
            content = captures.body(capture)  # below, not by retention (which packs deltas again)
            assert content is not None
            capture.codec, capture.body = bodies.pack(content)
            capture.base_id = capture.dictionary_id = None
        kept = list(session.scalars(select(Capture).where(Capture.role == "version").order_by(Capture.id)))
        legacy, moved, dropped, lost = kept[1], kept[2], kept[3], kept[4]
        html = captures.body(legacy)
        assert html is not None
        legacy.codec, legacy.body, legacy.request_headers, legacy.response_headers = (
            bodies.LEGACY,
            zlib.compress(html, 1),
            None,
            None,
        )
        moved_body = captures.body(moved)
        assert moved_body is not None
        moved.warc = archive(tmp_path / "warc", [(moved, moved_body)], now=moved.at)[moved.id]
        moved.body = None
        dropped_body = captures.body(dropped)
        dropped.body = None
        lost.body, lost.warc = None, f"{tmp_path / 'moved-away.warc.gz'}#0"
        session.commit()
        stream = BytesIO()
        assert count_captures(session, Scope()) == len(list(session.scalars(select(Capture.id))))
        done = export(session, stream, Scope(source="sim"))
    assert done.without_body == 2
    assert len(done.unreadable) == 1 and "moved-away.warc.gz" in done.unreadable[0]
    read = list(_records(stream.getvalue()))
    payloads: dict[str, list[bytes]] = {}
    for kind, url, _warc, _fields, payload in read:
        if kind == "response":
            payloads.setdefault(url, []).append(payload)
    [(url, warc, fields, payload)] = [
        (url, warc, fields, payload)
        for kind, url, warc, fields, payload in read
        if kind == "response" and "Tracker-Synthesized" in warc
    ]
    assert (url, payload) == (legacy.url, html) and fields["Content-Type"] == "text/html; charset=utf-8"
    assert warc["Tracker-Synthesized"].startswith("legacy capture")
    assert moved_body in payloads[moved.url], "a body the retention setting moved is read from its file"
    assert dropped_body not in payloads.get(dropped.url, [])
    notes = {url: metadata_fields(payload) for kind, url, _w, _f, payload in read if kind == "metadata"}
    assert notes[legacy.url]["capture"]["synthesized"].startswith("legacy capture")
    assert notes[dropped.url]["capture"]["body"] == "dropped"
    assert notes[moved.url]["capture"]["body"] == "kept"
    assert notes[lost.url]["capture"]["body"] == "unreadable"
    assert len(notes) == 5 and all(note["version"]["number"] == 1 for note in notes.values())


def test_an_export_of_nothing_is_a_warcinfo_record(make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    tracker = make_tracker(db_url)
    with tracker.session() as session:
        stream = BytesIO()
        done = export(session, stream, Scope(article_id=42))
    assert done.captures == done.metadata == 0
    assert [kind for kind, *_ in _records(stream.getvalue())] == ["warcinfo"]


def _records(data: bytes):  # type: ignore[no-untyped-def]
    for record in ArchiveIterator(BytesIO(data)):
        head = record.http_headers
        yield (
            record.rec_type,
            record.rec_headers.get_header("WARC-Target-URI"),
            dict(record.rec_headers.headers),
            dict(head.headers) if head else {},
            record.raw_stream.read(),
        )
