"""WARC out: captures written as WARC 1.1 records with `warcio`, one gzip member each.

A capture becomes a `response` record (status line, header fields as received, body)
and a `request` record concurrent to it (request line, header fields as sent); a
capture whose payload is identical to one already written becomes a `revisit` record
(identical-payload-digest profile) that refers to it. What the stored capture changed
on the way, the record says, so that a replay serves the bytes it holds as they are:

- a body stored decoded (`Capture.decoded`): `Content-Encoding` is renamed
  `X-Archive-Orig-Content-Encoding` and the WARC header `Tracker-Decoded` names the
  encodings undone; `Transfer-Encoding` (the body is stored de-chunked) is renamed the
  same way, and `Content-Length` is the stored body's (a different original is kept as
  `X-Archive-Orig-Content-Length`);
- a capture with no exchange (a legacy row, the page's HTML as UTF-8; a page not
  fetched over HTTP) gets a synthesized minimal response, no request record, and the
  WARC header `Tracker-Synthesized` saying why.

Digests are SHA-256 in base32 (`sha256:…`), block and payload alike. Header fields are
written back byte for byte (latin-1, as received), where warcio would percent-encode.

For the retention setting (`database.raw_html: warc:<dir>`), `archive` writes a batch
of captures to a new file in a directory and says where each one's response landed
(`path#offset`, what `Capture.warc` holds); `archived_body` reads a body back from there.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

import tracker
from tracker.store import bodies
from tracker.store.models import Capture

ORIGINAL = "X-Archive-Orig-"  # the prefix pywb itself gives the original header fields
LEGACY_TYPE = "text/html; charset=utf-8"
REVISIT_PROFILE = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
GZIP_LEVEL = 6
CONFORMS_TO = "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"


@dataclass(frozen=True, slots=True)
class Written:
    """A response record written: what a revisit or a metadata record refers to."""

    record_id: str
    url: str
    date: str  # its WARC-Date
    digest: str  # its WARC-Payload-Digest
    offset: int  # where its gzip member starts in the file


def payload_digest(body: bytes) -> str:
    """A WARC labelled digest of `body`: `sha256:` and the digest in base32."""
    return "sha256:" + base64.b32encode(hashlib.sha256(body).digest()).decode("ascii")


def warc_date(moment: datetime) -> str:
    """A WARC 1.1 date: UTC, to the microsecond when there is one."""
    return str(datetime_to_iso_date(moment.astimezone(UTC).replace(tzinfo=None), use_micros=True))


class WarcFile:
    """A WARC 1.1 file being written to `stream` (a file or a pipe: offsets are counted,
    not asked of the stream), one gzip member per record."""

    def __init__(self, stream: IO[bytes]):
        self._out = _Counted(stream)
        self._writer = _Writer(self._out, gzip=False, warc_version="1.1")

    @property
    def position(self) -> int:
        """Bytes written so far: where the next record starts."""
        return self._out.position

    def warcinfo(self, filename: str | None, fields: Mapping[str, str]) -> None:
        """The file's `warcinfo` record: what wrote it, and `fields`."""
        info = {
            "software": f"tracker/{tracker.__version__} (warcio)",
            "format": "WARC File Format 1.1",
            "conformsTo": CONFORMS_TO,
            **fields,
        }
        self._write(self._writer.create_warcinfo_record(filename, info))

    def exchange(self, capture: Capture, body: bytes) -> Written:
        """The capture's `response` record, then its `request` record concurrent to it
        (none for a capture that kept no exchange)."""
        head, notes = response_head(capture, len(body))
        written = Written(
            _record_id(), capture.url, warc_date(capture.at), payload_digest(body), self.position
        )
        fields = _fields("response", written.record_id, capture.url, written.date, capture.peer)
        fields.append(("WARC-Payload-Digest", written.digest))
        self._write(
            self._writer.create_warc_record(
                capture.url,
                "response",
                payload=BytesIO(body),
                length=len(body),
                http_headers=head,
                warc_headers=_warc_headers(fields + notes),
            )
        )
        self.request(capture, written.record_id, written.date)
        return written

    def revisit(self, capture: Capture, original: Written) -> str:
        """A `revisit` record for a capture whose payload is `original`'s, with its own
        status line and header fields (its body's length is the original's: the same
        bytes); then its request record. Its record id."""
        head, notes = response_head(capture, capture.size)
        record_id, date = _record_id(), warc_date(capture.at)
        fields = _fields("revisit", record_id, capture.url, date, capture.peer)
        fields += [
            ("WARC-Profile", REVISIT_PROFILE),
            ("WARC-Refers-To", original.record_id),
            ("WARC-Refers-To-Target-URI", original.url),
            ("WARC-Refers-To-Date", original.date),
            ("WARC-Payload-Digest", original.digest),
        ]
        self._write(
            self._writer.create_warc_record(
                capture.url, "revisit", http_headers=head, warc_headers=_warc_headers(fields + notes)
            )
        )
        self.request(capture, record_id, date)
        return record_id

    def request(self, capture: Capture, concurrent_to: str, date: str) -> None:
        """The capture's `request` record, concurrent to the record `concurrent_to` (its
        response or revisit) and dated as it is; none when the request was not kept."""
        if capture.request_headers is None:
            return
        fields = _fields("request", _record_id(), capture.url, date)
        fields.append(("WARC-Concurrent-To", concurrent_to))
        self._write(
            self._writer.create_warc_record(
                capture.url, "request", http_headers=request_head(capture), warc_headers=_warc_headers(fields)
            )
        )

    def metadata(self, url: str, date: str, refers_to: str | None, content: Mapping[str, Any]) -> str:
        """A `metadata` record about `url` holding `content` as `application/warc-fields`,
        each field's value JSON on one line (what replay tools index and serve, it is not:
        pywb skips warc-fields records). Its record id."""
        record_id = _record_id()
        fields = _fields("metadata", record_id, url, date)
        if refers_to is not None:
            fields.append(("WARC-Refers-To", refers_to))
        data = "".join(
            f"{name}: {json.dumps(value, ensure_ascii=False, sort_keys=True)}\r\n"
            for name, value in content.items()
        ).encode("utf-8")
        self._write(
            self._writer.create_warc_record(
                url,
                "metadata",
                payload=BytesIO(data),
                length=len(data),
                warc_content_type="application/warc-fields",
                warc_headers=_warc_headers(fields),
            )
        )
        return record_id

    def _write(self, record: Any) -> None:
        """One record, its own gzip member (warcio writes one record per `out`)."""
        self._writer.out = _Member(self._out)
        self._writer.write_record(record)


def metadata_fields(payload: bytes) -> dict[str, Any]:
    """What `WarcFile.metadata` wrote, read back: each field's name and JSON value."""
    fields: dict[str, Any] = {}
    for line in payload.decode("utf-8").split("\r\n"):
        name, colon, value = line.partition(":")
        if colon:
            fields[name.strip()] = json.loads(value)
    return fields


def response_head(capture: Capture, length: int | None) -> tuple[StatusAndHeaders, list[tuple[str, str]]]:
    """The status line and header fields to write for `capture` (a body of `length`
    bytes; None: a revisit's, whose body is elsewhere), and the WARC header fields that
    say what was changed from what was received."""
    reason = capture.reason or _phrase(capture.status)
    if capture.request_headers is None:
        kept = {name.lower(): value for name, value in capture.response_headers or []}
        fields = [("Content-Type", kept.get("content-type", LEGACY_TYPE))]
        if length is not None:
            fields.append(("Content-Length", str(length)))
        why = synthesized(capture) or ""
        return _Head(f"{capture.status} {reason}", fields, protocol="HTTP/1.1"), [
            ("Tracker-Synthesized", why)
        ]
    notes = [("Tracker-Decoded", capture.decoded)] if capture.decoded else []
    fields = replayable(capture.response_headers or [], decoded=bool(capture.decoded), length=length)
    protocol, said = _protocol(capture.http_version)
    return _Head(f"{capture.status} {reason}", fields, protocol=protocol), notes + said


def synthesized(capture: Capture) -> str | None:
    """Why the capture's response record is synthesized (it kept no exchange), or None."""
    if capture.request_headers is not None:
        return None
    if capture.codec == bodies.LEGACY:
        return "legacy capture: the page's HTML as UTF-8, no exchange kept; a minimal response written"
    return "no HTTP exchange kept; a minimal response written"


def replayable(
    fields: Sequence[Sequence[str]], *, decoded: bool, length: int | None
) -> list[tuple[str, str]]:
    """Response header fields that describe the stored body: the encodings undone and
    the framing dropped renamed `X-Archive-Orig-…`, `Content-Length` the body's."""
    out: list[tuple[str, str]] = []
    exact = False
    for name, value in fields:
        lower = name.lower()
        if lower == "transfer-encoding" or (lower == "content-encoding" and decoded):
            out.append((ORIGINAL + name, value))
        elif lower == "content-length" and length is not None:
            if value.strip() == str(length) and not exact:
                out.append((name, value))
                exact = True
            else:
                out.append((ORIGINAL + name, value))
        else:
            out.append((name, value))
    if length is not None and not exact:
        out.append(("Content-Length", str(length)))
    return out


def request_head(capture: Capture) -> StatusAndHeaders:
    """The request line and header fields as sent (tracker asks with GET)."""
    parts = urlsplit(capture.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    protocol, _ = _protocol(capture.http_version)
    fields = [(name, value) for name, value in capture.request_headers or []]
    return _Head(f"GET {target} {protocol}", fields, is_http_request=True)


def archive(directory: Path, batch: Sequence[tuple[Capture, bytes]], *, now: datetime) -> dict[int, str]:
    """Write `batch` (captures, each with its body as received) to a new WARC file in
    `directory`, made if missing: each capture's response and request record, as the
    export writes them. Returns, for each capture id, where its response record is,
    `path#offset` (the file's absolute path, the byte offset of the record's gzip
    member): what `Capture.warc` holds. The file is complete and on disk (fsync'd,
    renamed from `.partial`) when this returns, so the caller may drop the bodies from
    the database then; an empty batch writes no file."""
    if not batch:
        return {}
    directory.mkdir(parents=True, exist_ok=True)
    path = (
        directory.resolve() / f"tracker-{now.astimezone(UTC):%Y%m%d%H%M%S%f}-{uuid.uuid4().hex[:8]}.warc.gz"
    )
    partial = path.with_name(path.name + ".partial")
    where: dict[int, str] = {}
    with partial.open("xb") as stream:
        warc = WarcFile(stream)
        warc.warcinfo(path.name, {"description": "tracker: capture bodies moved out of the database"})
        for capture, body in batch:
            where[capture.id] = f"{path}#{warc.exchange(capture, body).offset}"
        stream.flush()
        os.fsync(stream.fileno())
    partial.replace(path)
    _sync_folder(path.parent)
    return where


def archived_body(reference: str) -> bytes:
    """The body of the response record at `reference` (`path#offset`, as `archive`
    returned it), checked against the record's payload digest."""
    path, _, offset = reference.rpartition("#")
    with open(path, "rb") as stream:
        stream.seek(int(offset))
        record = next(iter(ArchiveIterator(stream)), None)
        if record is None or record.rec_type != "response":
            raise bodies.CorruptBody(f"no response record at {reference}")
        body: bytes = record.raw_stream.read()
        expected = record.rec_headers.get_header("WARC-Payload-Digest")
    if expected != payload_digest(body):
        raise bodies.CorruptBody(f"the body at {reference} does not match its digest")
    return body


class _Head(StatusAndHeaders):  # type: ignore[misc]  # warcio is untyped
    """Header fields written back as the bytes they were received as (latin-1); a value
    that was never bytes on the wire (a synthesized one) as UTF-8."""

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        text = self.to_str(header_filter)
        try:
            self.headers_buff = text.encode("latin-1") + b"\r\n"
        except UnicodeEncodeError:
            self.headers_buff = text.encode("utf-8") + b"\r\n"


class _Writer(WARCWriter):  # type: ignore[misc]
    """warcio's writer with SHA-256 block digests (its default is SHA-1)."""

    @staticmethod
    def _create_digester() -> Any:
        return Digester("sha256")


class _Member:
    """A gzip member around one record, at level 6: warcio's own level 9 took 45% more
    CPU on news pages for a file 0.4% smaller (2,048 captures of 62 KB: 5.2 s, 3.6 s)."""

    def __init__(self, out: _Counted):
        self._out = out
        self._zip = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)

    def write(self, data: bytes) -> None:
        self._out.write(self._zip.compress(data))

    def flush(self) -> None:
        self._out.write(self._zip.flush())
        self._out.flush()


class _Counted:
    """A binary stream that counts what was written to it."""

    def __init__(self, stream: IO[bytes]):
        self._stream, self.position = stream, 0

    def write(self, data: bytes) -> int:
        self.position += len(data)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()


def _fields(kind: str, record_id: str, url: str, date: str, peer: str | None = None) -> list[tuple[str, str]]:
    fields = [
        ("WARC-Type", kind),
        ("WARC-Record-ID", record_id),
        ("WARC-Date", date),
        ("WARC-Target-URI", url),
    ]
    if peer:
        fields.append(("WARC-IP-Address", peer))
    return fields


def _warc_headers(fields: list[tuple[str, str]]) -> StatusAndHeaders:
    return StatusAndHeaders("", fields, protocol="WARC/1.1")


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _protocol(version: str | None) -> tuple[str, list[tuple[str, str]]]:
    """The protocol of the status and request lines: a WARC holds HTTP/1.x messages, so a
    response that came over HTTP/2 or 3 is written as HTTP/1.1 and says so."""
    if version in (None, "HTTP/1.1", "HTTP/1.0"):
        return version or "HTTP/1.1", []
    return "HTTP/1.1", [("Tracker-Protocol", str(version))]


def _sync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX: fsync the directory)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
