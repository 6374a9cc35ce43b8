"""Reading WARC files (and ARC, which `warcio` reads as WARC): the captures others made
(a Browsertrix or Webrecorder crawl, a Heritrix job, tracker's own export) as the pages
a fetch returns, for `tracker import`.

A multi-gigabyte crawl is never held in memory, nor is its list of records. Two passes:

1. `Index.build` reads every record's WARC and HTTP headers (the payloads are skipped,
   never kept) into an index in a temporary SQLite file (stdlib `sqlite3`, not the
   tracker database): each record's file, offset, type, URL, date, record id,
   digests and status;
2. `Index.captures` reads the captures back in capture order (WARC-Date, the whole
   set of files at once), each record fetched by its offset: a `revisit` resolved to
   the response it refers to (`WARC-Refers-To`, else its target URI and date, else its
   payload digest), a `response` paired with its `request` (`WARC-Concurrent-To`).

Capture order across every article at once is each article's capture order, and the
order in which a daemon would have learned its hosts' templates. A check is a capture
and its confirmations (at most `CONFIRMATIONS`), as a daemon fetches a changed page
again at once: in tracker's own export, each version's `metadata` record refers to the
capture it was made from, which starts a check, and the captures of its URL after it
are its confirmations; in other files, captures of one URL within `CONFIRM_WINDOW` of
the one before are. What is not an HTML page with status 200 is `Skipped` with a
reason. Memory is bounded by the checks being read (each page at most `max_bytes`);
the index costs about 500 bytes of disk a record (with its request's).

The files must be gzipped per record (as every crawler writes them) or not at all: a
WARC gzipped as one stream cannot be read by offset (`warcio recompress` fixes it).
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator
from warcio.bufferedreaders import BufferedReader
from warcio.exceptions import ArchiveLoadFailed

from tracker.errors import TrackerError
from tracker.fetch.client import HTML_TYPES
from tracker.fetch.results import Exchange, Headers, Page

CONFIRM_WINDOW = 300  # seconds: a second capture of a URL this soon after is a confirmation
CONFIRMATIONS = 2  # a check is at most three fetches (`tracker.pipeline.observe`)
CAPTURES = ("response", "revisit", "resource")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ORIGINAL = "X-Archive-Orig-"  # a header field renamed because the stored body no longer fits it

_SCHEMA = """
CREATE TABLE records (
    seq INTEGER PRIMARY KEY, file INTEGER, offset INTEGER, type TEXT, uri TEXT, at_us INTEGER,
    at TEXT, record_id TEXT, refers_to TEXT, refers_uri TEXT, refers_date TEXT, digest TEXT,
    concurrent TEXT, status INTEGER, content_type TEXT, location TEXT
);
"""
_INDEXES = """
CREATE INDEX records_id ON records (record_id);
CREATE INDEX records_concurrent ON records (concurrent) WHERE type = 'request';
CREATE INDEX records_uri_at ON records (uri, at);
CREATE INDEX records_digest ON records (digest) WHERE type = 'response';
"""
# each capture with its group: tracker's own export says which capture each version was
# made from (a `metadata` record refers to it): those start a check, and the captures of
# the URL after one, until the next, are its confirmations. Other URLs' captures start a
# check unless they follow one of their URL within the window. (SQLite's window
# functions: the groups are made by the database, not in memory.)
_GROUPED = """
WITH own AS (
    SELECT DISTINCT refers_to AS record_id FROM records WHERE type = 'metadata'
), marked AS (
    SELECT seq, uri, at_us, record_id IN (SELECT record_id FROM own) AS own
    FROM records WHERE type IN ('response', 'revisit', 'resource')
), gaps AS (
    SELECT seq, uri, at_us, own, max(own) OVER (PARTITION BY uri) AS exported,
           at_us - lag(at_us) OVER (PARTITION BY uri ORDER BY at_us, seq) AS gap
    FROM marked
), groups AS (
    SELECT seq, uri, at_us,
           sum(CASE WHEN exported THEN own WHEN gap IS NULL OR gap > :window THEN 1 ELSE 0 END)
               OVER (PARTITION BY uri ORDER BY at_us, seq) AS grp
    FROM gaps
)
SELECT g.seq, g.uri, g.grp, min(g.at_us) OVER (PARTITION BY g.uri, g.grp) AS start
FROM groups g ORDER BY start, g.uri, g.grp, g.at_us, g.seq
"""


class UnreadableArchive(TrackerError):
    """A file that is not a WARC or ARC file tracker can read by offset."""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A capture that is not an article's page, and why (`reason`, a short phrase that
    summaries count). `location`: where a redirect led."""

    url: str
    at: datetime
    reason: str
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Archived:
    """A page read from a WARC file, and whether it was a `revisit` record (a payload the
    crawler found identical to one it had already kept)."""

    page: Page
    revisit: bool = False

    @property
    def at(self) -> datetime:
        assert self.page.exchange is not None, "an archived page has its exchange"
        return self.page.exchange.at


Check = tuple[Archived, ...]
"""One check read from the files: the first capture and its confirmations."""


@dataclass(frozen=True, slots=True)
class _Row:
    """An indexed record, as the second pass reads it."""

    file: int
    offset: int
    type: str
    uri: str
    at: str
    record_id: str | None
    refers_to: str | None
    refers_uri: str | None
    refers_date: str | None
    digest: str | None
    status: int | None
    content_type: str | None
    location: str | None


class Index:
    """The records of a set of WARC files, in a temporary SQLite file (removed on
    `close`), and the captures read back from it."""

    def __init__(self, paths: list[Path], max_bytes: int):
        self.paths, self.max_bytes = paths, max_bytes
        self._stack = ExitStack()
        folder = self._stack.enter_context(tempfile.TemporaryDirectory(prefix="tracker-import-"))
        self._db = sqlite3.connect(Path(folder) / "index.sqlite3")
        self._stack.callback(self._db.close)
        self._db.executescript(_SCHEMA)
        self._files: list[IO[bytes]] = []

    def close(self) -> None:
        self._stack.close()

    def __enter__(self) -> Index:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def build(self, on_bytes: Callable[[int], None] | None = None) -> int:
        """The first pass: every record's headers indexed; the number of captures.
        `on_bytes` hears how far into the files the pass is, in bytes."""
        for number, path in enumerate(self.paths):
            with path.open("rb") as handle:
                self._index_file(number, path, handle, on_bytes)
        self._db.executescript(_INDEXES)
        self._db.commit()
        placeholders = ",".join("?" * len(CAPTURES))
        query = f"SELECT count(*) FROM records WHERE type IN ({placeholders})"
        return int(self._db.execute(query, CAPTURES).fetchone()[0])

    def _index_file(
        self, number: int, path: Path, handle: IO[bytes], on_bytes: Callable[[int], None] | None
    ) -> None:
        done = 0
        try:
            for record in (records := ArchiveIterator(handle, arc2warc=True)):
                row = _indexed(record)
                offset = records.get_record_offset()  # reads the record to its end
                if row is not None:
                    self._db.execute(
                        "INSERT INTO records (file, offset, type, uri, at_us, at, record_id, refers_to,"
                        " refers_uri, refers_date, digest, concurrent, status, content_type, location)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (number, offset, *row),
                    )
                if on_bytes is not None and (at := handle.tell()) > done:
                    on_bytes(at - done)
                    done = at
        except ArchiveLoadFailed as error:
            raise UnreadableArchive(f"{path}: {_why_unreadable(error)}") from None

    def captures(self) -> Iterator[Check | Skipped]:
        """The second pass: each check (a capture and its confirmations) in capture order,
        and each capture that is not an article's page, `Skipped`."""
        with ExitStack() as files:
            self._files = [files.enter_context(path.open("rb")) for path in self.paths]
            group: list[Archived] = []
            current: tuple[str, int] | None = None
            for seq, uri, grp, _start in self._db.execute(_GROUPED, {"window": CONFIRM_WINDOW * 1_000_000}):
                if (uri, grp) != current or len(group) > CONFIRMATIONS:
                    if group:
                        yield tuple(group)
                    group, current = [], (uri, grp)
                read = self._capture(self._row(seq))
                if isinstance(read, Skipped):
                    yield read
                else:
                    group.append(read)
            if group:
                yield tuple(group)

    def redirects(self) -> Iterator[tuple[str, str]]:
        """(URL, where it redirected to) of every redirect captured, for aliases."""
        query = "SELECT uri, location FROM records WHERE location IS NOT NULL ORDER BY at_us, seq"
        for uri, location in self._db.execute(query):
            yield str(uri), str(location)

    def _row(self, seq: int) -> _Row:
        found = self._db.execute(
            "SELECT file, offset, type, uri, at, record_id, refers_to, refers_uri, refers_date, digest,"
            " status, content_type, location FROM records WHERE seq = ?",
            (seq,),
        ).fetchone()
        return _Row(*found)

    def _capture(self, row: _Row) -> Archived | Skipped:
        """A capture as a page, or why it is not one."""
        at = _moment(row.at)
        if row.type == "revisit":
            original = self._original(row)
            if original is None:
                return Skipped(row.uri, at, "revisit of a capture not in the files")
            return self._page(row, original, revisit=True)
        if row.type == "resource" or row.status is None:
            return Skipped(row.uri, at, "no HTTP response")
        return self._page(row, row)

    def _original(self, row: _Row) -> _Row | None:
        """The response a revisit refers to: by its record id, else by its target URI and
        date, else by its payload digest (the latest before the revisit)."""
        columns = "file, offset, type, uri, at, record_id, refers_to, refers_uri, refers_date, digest"
        columns += ", status, content_type, location"
        lookups = (
            ("record_id = ?", (row.refers_to,)),
            ("uri = ? AND at = ?", (row.refers_uri, row.refers_date)),
            ("digest = ? AND at_us <= ?", (row.digest, _micros(_moment(row.at)))),
        )
        for where, values in lookups:
            if any(value is None for value in values):
                continue
            found = self._db.execute(
                f"SELECT {columns} FROM records WHERE type = 'response' AND {where}"
                " ORDER BY at_us DESC LIMIT 1",
                values,
            ).fetchone()
            if found is not None:
                return _Row(*found)
        return None

    def _page(self, row: _Row, body_row: _Row, *, revisit: bool = False) -> Archived | Skipped:
        """The page of `row` (a response, or a revisit whose body is `body_row`'s)."""
        with ExitStack() as records:
            record = records.enter_context(self._record_at(row.file, row.offset))
            body_record = record
            if body_row is not row:
                body_record = records.enter_context(self._record_at(body_row.file, body_row.offset))
            return self._read_page(row, record, body_record, revisit)

    def _read_page(self, row: _Row, record: Any, body_record: Any, revisit: bool) -> Archived | Skipped:
        at = _moment(row.at)
        http = record.http_headers
        if http is None or not http.statusline:  # a revisit that kept no HTTP headers
            http = body_record.http_headers
        status = int(http.get_statuscode() or 0)
        if status == 304:  # a revisit of a conditional request: the payload it referred to
            status = int(body_record.http_headers.get_statuscode() or 0)
        if (reason := _not_a_page(http, status)) is not None:
            return Skipped(row.uri, at, reason, _location(http, row.uri) if 300 <= status < 400 else None)
        content = _body(body_record, self.max_bytes)
        if isinstance(content, str):
            return Skipped(row.uri, at, content)
        warc = record.rec_headers
        said = body_record.rec_headers.get_header("Tracker-Decoded")
        exchange = Exchange(
            url=row.uri,
            at=at,
            request_headers=self._request_headers(row),
            http_version=warc.get_header("Tracker-Protocol") or http.protocol or "HTTP/1.1",
            status=status,
            reason=(http.statusline.split(" ", 1)[1:] or [""])[0],
            response_headers=as_received([(str(k), str(v)) for k, v in http.headers]),
            peer=warc.get_header("WARC-IP-Address"),
            decoded=tuple(said.split(",")) if said else _decoded(body_record.http_headers),
        )
        page = Page(
            row.uri,
            row.uri,
            status,
            content,
            http.get_header("Content-Type") or "",
            etag=http.get_header("ETag"),
            last_modified=http.get_header("Last-Modified"),
            exchange=exchange,
        )
        return Archived(page, revisit)

    def _request_headers(self, row: _Row) -> tuple[tuple[str, str], ...]:
        """The headers of the request that asked for `row`, when the files hold it."""
        found = None
        if row.record_id is not None:
            found = self._db.execute(
                "SELECT file, offset FROM records WHERE type = 'request' AND concurrent = ? LIMIT 1",
                (row.record_id,),
            ).fetchone()
        if found is None:
            found = self._db.execute(
                "SELECT file, offset FROM records WHERE type = 'request' AND uri = ? AND at = ? LIMIT 1",
                (row.uri, row.at),
            ).fetchone()
        if found is None:
            return ()
        with self._record_at(*found) as request:
            if request.http_headers is None:
                return ()
            return tuple((str(k), str(v)) for k, v in request.http_headers.headers)

    @contextmanager
    def _record_at(self, file: int, offset: int) -> Iterator[Any]:
        """The record at `offset` of the `file`th file, its payload unread until asked.
        Its reader is closed after: an iterator left to the garbage collector holds its
        buffers until a cycle collection, and a large import's memory would grow."""
        handle = self._files[file]
        handle.seek(offset)
        records = ArchiveIterator(handle, arc2warc=True)
        try:
            yield next(iter(records))
        finally:
            records.the_iter.close()
            records.close()


def _indexed(record: Any) -> tuple[Any, ...] | None:
    """What the index keeps of a record (its offset apart); None for records that are
    neither a capture nor a request (warcinfo, metadata, conversion)."""
    kind = record.rec_type
    headers = record.rec_headers
    if kind not in (*CAPTURES, "request") and not (
        kind == "metadata" and headers.get_header("WARC-Refers-To")
    ):
        return None
    uri = (headers.get_header("WARC-Target-URI") or "").strip().strip("<>")  # WARC 1.0 drafts wrap it
    date = headers.get_header("WARC-Date")
    if not uri or not date:
        return None
    try:
        at = _moment(date)
    except ValueError:
        return None  # a record no one can place in time is no capture
    http = record.http_headers
    status = (
        int(http.get_statuscode()) if http is not None and kind != "request" and http.statusline else None
    )
    return (
        kind,
        uri,
        _micros(at),
        date,
        headers.get_header("WARC-Record-ID"),
        headers.get_header("WARC-Refers-To"),
        (headers.get_header("WARC-Refers-To-Target-URI") or "").strip().strip("<>") or None,
        headers.get_header("WARC-Refers-To-Date"),
        headers.get_header("WARC-Payload-Digest"),
        headers.get_header("WARC-Concurrent-To"),
        status,
        http.get_header("Content-Type") if http is not None else None,
        _location(http, uri) if status is not None and 300 <= status < 400 else None,
    )


def as_received(fields: list[tuple[str, str]]) -> Headers:
    """The response's header fields as they were received: tracker's own export renames
    the fields that no longer describe the stored body (`X-Archive-Orig-Content-Encoding`,
    `...-Transfer-Encoding`, a `...-Content-Length` that differs; pywb's convention) and
    then gives the body's own `Content-Length`, last; this undoes it. Other crawlers'
    fields are kept as they are."""
    renamed = [name[len(ORIGINAL) :].lower() for name, _ in fields if name.startswith(ORIGINAL)]
    if not renamed:
        return tuple(fields)
    if fields[-1][0].lower() == "content-length" and {"content-length", "transfer-encoding"} & set(renamed):
        fields = fields[:-1]  # the stored body's length, given in place of the original framing
    return tuple((name.removeprefix(ORIGINAL), value) for name, value in fields)


def _not_a_page(http: Any, status: int) -> str | None:
    if 300 <= status < 400:
        return "redirect"
    if status != 200:
        return f"status {status}"
    content_type = (http.get_header("Content-Type") or "").lower()
    if content_type and not content_type.startswith(HTML_TYPES):
        return "not HTML"
    encoding = (http.get_header("Content-Encoding") or "").lower().strip()
    if encoding not in ("", "identity") and encoding not in BufferedReader.get_supported_decompressors():
        return f"content encoding {encoding} cannot be undone"
    return None


def _body(record: Any, max_bytes: int) -> bytes | str:
    """The payload with its transfer and content encodings undone (`content_stream`),
    read no further than `max_bytes`; or why it cannot be read."""
    try:
        content = record.content_stream().read(max_bytes + 1)
    except (OSError, ValueError, EOFError) as error:
        return f"payload cannot be read ({type(error).__name__})"
    if len(content) > max_bytes:
        return "larger than fetch.max_bytes"
    return bytes(content)


def _decoded(http: Any) -> tuple[str, ...]:
    """The content encodings `content_stream` undid."""
    encoding = (http.get_header("Content-Encoding") or "").lower() if http is not None else ""
    return tuple(part.strip() for part in encoding.split(",") if part.strip() not in ("", "identity"))


def _location(http: Any, uri: str) -> str | None:
    location = http.get_header("Location") if http is not None else None
    return urljoin(uri, location) if location else None


def _moment(date: str) -> datetime:
    """A WARC-Date (`2026-11-28T06:00:00Z`, fractions allowed), UTC."""
    moment = datetime.fromisoformat(date.strip())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _why_unreadable(error: ArchiveLoadFailed) -> str:
    """warcio's reason in one line."""
    if "non-chunked gzip" in str(error):
        return (
            "gzipped as one stream, not record by record, so its records cannot be read by offset: "
            "`warcio recompress FILE NEW_FILE` rewrites it readable"
        )
    first = next((line.strip() for line in str(error).splitlines() if line.strip()), type(error).__name__)
    return f"not a WARC or ARC file ({first})"


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)
