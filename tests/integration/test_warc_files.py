"""WARC records of captures (`tracker.read.warc`) read back by warcio: header fields made
to describe the stored body, legacy captures' synthesized responses, and the files the
retention setting moves bodies to (`archive`, `archived_body`)."""

from __future__ import annotations

import gzip
import subprocess
import sys
import zlib
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from tracker.read.warc import WarcFile, archive, archived_body, metadata_fields, payload_digest, replayable
from tracker.store import bodies
from tracker.store.models import Capture

AT = datetime(2026, 12, 5, 9, 30, 15, 123456, tzinfo=UTC)
PAGE = "<!DOCTYPE html><html><body><p>Grüße aus der Redaktion.</p></body></html>".encode()


def fetched(number: int, body: bytes = PAGE, **changes: object) -> Capture:
    """A capture as a check keeps it: a gzip'd, chunked response, stored decoded."""
    capture = Capture(
        id=number,
        article_id=1,
        version_number=1,
        role="version",
        at=AT,
        url=f"https://news.example/story-{number}?page=1",
        redirects=[],
        request_headers=[
            ["Host", "news.example"],
            ["User-Agent", "tracker/0.1"],
            ["Accept-Encoding", "gzip"],
        ],
        http_version="HTTP/1.1",
        status=200,
        reason="OK",
        response_headers=[
            ["Content-Type", "text/html; charset=utf-8"],
            ["Content-Encoding", "gzip"],
            ["Transfer-Encoding", "chunked"],
            ["X-Served-By", "cache-fra1 (\xe9t\xe9)"],
        ],
        peer="203.0.113.9",
        decoded="gzip",
        digest=bodies.digest(body),
        size=len(body),
        codec=bodies.ZSTD,
    )
    for name, value in changes.items():
        setattr(capture, name, value)
    return capture


def read(data: bytes) -> list[tuple[str, dict[str, str], str, dict[str, str], bytes]]:
    """(type, WARC header fields, HTTP first line, HTTP header fields, payload) of every record."""
    out = []
    for record in ArchiveIterator(BytesIO(data)):
        head = record.http_headers
        line = f"{head.protocol} {head.statusline}" if head else ""
        fields = dict(head.headers) if head else {}
        out.append(
            (record.rec_type, dict(record.rec_headers.headers), line, fields, record.raw_stream.read())
        )
    return out


def test_header_fields_describe_the_body_as_stored() -> None:
    received = [
        ["Content-Type", "text/html"],
        ["Content-Encoding", "br"],
        ["Content-Length", "512"],
        ["Transfer-Encoding", "chunked"],
    ]
    assert replayable(received, decoded=True, length=2048) == [
        ("Content-Type", "text/html"),
        ("X-Archive-Orig-Content-Encoding", "br"),
        ("X-Archive-Orig-Content-Length", "512"),
        ("X-Archive-Orig-Transfer-Encoding", "chunked"),
        ("Content-Length", "2048"),
    ]
    exact = [["Content-Length", "2048"], ["Content-Encoding", "identity"]]
    assert replayable(exact, decoded=False, length=2048) == [
        ("Content-Length", "2048"),
        ("Content-Encoding", "identity"),
    ], "nothing undone, the right length: the fields as received"


def test_a_capture_is_a_response_and_a_request_concurrent_to_it() -> None:
    stream = BytesIO()
    WarcFile(stream).exchange(fetched(1), PAGE)
    (response, warc, line, fields, payload), (request, sent, asked, asked_fields, empty) = read(
        stream.getvalue()
    )
    assert (response, request) == ("response", "request")
    assert payload == PAGE and empty == b""
    assert warc["WARC-Date"] == "2026-12-05T09:30:15.123456Z", "WARC 1.1: to the microsecond"
    assert warc["WARC-IP-Address"] == "203.0.113.9" and warc["Tracker-Decoded"] == "gzip"
    assert warc["WARC-Payload-Digest"] == payload_digest(PAGE) and warc["WARC-Block-Digest"].startswith(
        "sha256:"
    )
    assert line == "HTTP/1.1 200 OK"
    assert fields["X-Served-By"] == "cache-fra1 (\xe9t\xe9)", "written back as the latin-1 bytes received"
    assert fields["Content-Length"] == str(len(PAGE)) and "Content-Encoding" not in fields
    assert sent["WARC-Concurrent-To"] == warc["WARC-Record-ID"] and sent["WARC-Date"] == warc["WARC-Date"]
    assert asked == "GET /story-1?page=1 HTTP/1.1" and asked_fields["Accept-Encoding"] == "gzip"


def test_a_legacy_capture_gets_a_synthesized_response_and_no_request() -> None:
    legacy = fetched(
        2,
        codec=bodies.LEGACY,
        request_headers=None,
        response_headers=None,
        http_version=None,
        reason=None,
        peer=None,
        decoded=None,
    )
    stream = BytesIO()
    WarcFile(stream).exchange(legacy, PAGE)
    [(kind, warc, line, fields, payload)] = read(stream.getvalue())
    assert kind == "response" and payload == PAGE and line == "HTTP/1.1 200 OK"
    assert fields == {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(PAGE))}
    assert warc["Tracker-Synthesized"].startswith("legacy capture")
    assert "WARC-IP-Address" not in warc


def test_metadata_reads_back_field_by_field() -> None:
    content = {"article": {"id": 3, "url": "https://news.example/a"}, "version": {"body": "One.\n\nTwo."}}
    stream = BytesIO()
    WarcFile(stream).metadata("https://news.example/a", "2026-12-05T09:30:15Z", "<urn:uuid:x>", content)
    [(kind, warc, _line, _fields, payload)] = read(stream.getvalue())
    assert kind == "metadata" and warc["Content-Type"] == "application/warc-fields"
    assert warc["WARC-Refers-To"] == "<urn:uuid:x>"
    assert payload.count(b"\r\n") == 2, "one line a field: the body's line breaks stay escaped"
    assert metadata_fields(payload) == content


def test_archive_moves_a_batch_to_a_new_file_and_reads_each_body_back(tmp_path: Path) -> None:
    pages = [PAGE, gzip.compress(PAGE), b"", zlib.compress(PAGE * 40)]
    batch = [(fetched(number, body), body) for number, body in enumerate(pages, start=10)]
    where = archive(tmp_path / "warc", batch, now=AT)
    assert set(where) == {10, 11, 12, 13}
    [path] = (tmp_path / "warc").iterdir()
    assert path.name.startswith("tracker-20261205093015123456-") and path.name.endswith(".warc.gz")
    for (capture, body), reference in zip(batch, [where[c.id] for c, _ in batch], strict=True):
        file, _, offset = reference.rpartition("#")
        assert Path(file) == path.resolve() and offset.isdigit()
        assert archived_body(reference) == body, f"capture {capture.id}"
    warcio = Path(sys.executable).parent / "warcio"
    checked = subprocess.run([str(warcio), "check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert archive(tmp_path / "warc", [], now=AT) == {} and len(list((tmp_path / "warc").iterdir())) == 1


def test_a_body_that_does_not_match_its_digest_is_refused(tmp_path: Path) -> None:
    [reference] = archive(tmp_path, [(fetched(20), PAGE)], now=AT).values()
    path = Path(reference.rpartition("#")[0])
    record = gzip.decompress(path.read_bytes()[int(reference.rpartition("#")[2]) :])
    tampered = record.replace("Grüße".encode(), "Grüsse".encode()[:7])
    head = path.read_bytes()[: int(reference.rpartition("#")[2])]
    path.write_bytes(head + gzip.compress(tampered))
    with pytest.raises(bodies.CorruptBody, match="does not match its digest"):
        archived_body(reference)


def test_a_synthesized_field_beyond_latin_1_is_written_as_utf_8() -> None:
    page = fetched(3, request_headers=None, response_headers=[["Content-Type", "text/html; title=\u20ac"]])
    stream = BytesIO()
    WarcFile(stream).exchange(page, PAGE)
    [(_kind, warc, _line, fields, payload)] = read(stream.getvalue())
    assert (
        payload == PAGE and warc["Tracker-Synthesized"] == "no HTTP exchange kept; a minimal response written"
    )
    assert "title=" in fields["Content-Type"]
