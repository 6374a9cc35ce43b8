"""WARC files written by hand with warcio in the shape crawlers write them: Browsertrix
and Webrecorder (a `warcinfo` first; a `response` then its `request`, linked by
`WARC-Concurrent-To`; a `revisit` for a payload seen before, with `WARC-Refers-To`,
its target URI and date; payloads chunked and gzip'd as the server sent them)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
)


def chunked(body: bytes, size: int = 4096) -> bytes:
    """`body` in HTTP/1.1 chunks, as a server streaming it sends it."""
    parts = [
        b"%x\r\n%s\r\n" % (len(body[i : i + size]), body[i : i + size]) for i in range(0, len(body), size)
    ]
    return b"".join(parts) + b"0\r\n\r\n"


class Crawl:
    """A WARC file being written as a crawler writes it (gzip per record)."""

    def __init__(self, path: Path, *, software: str = "Browsertrix-Crawler 1.0.4 (with warcio.js 2.2.1)"):
        self.path = path
        self._file: BinaryIO = path.open("wb")
        self.writer = WARCWriter(self._file, gzip=path.suffix == ".gz", warc_version="WARC/1.1")
        info = {"software": software, "format": "WARC File Format 1.1", "isPartOf": "tracker-test-crawl"}
        self.writer.write_record(self.writer.create_warcinfo_record(path.name, info))
        self.ids: dict[tuple[str, datetime], tuple[str, str, str]] = {}  # (uri, at) -> (id, date, digest)

    def page(
        self,
        url: str,
        at: datetime,
        body: bytes,
        *,
        status: str = "200 OK",
        content_type: str = "text/html; charset=utf-8",
        encoding: str | None = "gzip",
        chunks: bool = True,
        headers: list[tuple[str, str]] | None = None,
    ) -> str:
        """A response (its payload gzip'd and chunked unless told otherwise) and the
        request that asked for it; the response's record id."""
        payload = gzip.compress(body, mtime=0) if encoding == "gzip" else body
        fields = [("Content-Type", content_type), ("Server", "nginx"), ("Cache-Control", "max-age=60")]
        if encoding:
            fields.append(("Content-Encoding", encoding))
        if chunks:
            fields.append(("Transfer-Encoding", "chunked"))
            payload = chunked(payload)
        else:
            fields.append(("Content-Length", str(len(payload))))
        fields += headers or []
        date = datetime_to_iso_date(at)
        response = self.writer.create_warc_record(
            url,
            "response",
            payload=BytesIO(payload),
            length=len(payload),
            http_headers=StatusAndHeaders(status, fields, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": date, "WARC-IP-Address": "203.0.113.7"},
        )
        request = self.writer.create_warc_record(
            url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=StatusAndHeaders(
                f"GET {_path(url)} HTTP/1.1",
                [("Host", url.split("/")[2]), ("User-Agent", USER_AGENT), ("Accept-Encoding", "gzip")],
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        self.writer.write_request_response_pair(request, response)
        record_id = response.rec_headers.get_header("WARC-Record-ID")
        digest = response.rec_headers.get_header("WARC-Payload-Digest")
        self.ids[(url, at)] = (record_id, date, digest)
        return str(record_id)

    def revisit(self, url: str, at: datetime, of: datetime, *, refers_to: bool = True) -> None:
        """A revisit record of `url` at `at`: its payload identical to the capture at `of`."""
        record_id, date, digest = self.ids[(url, of)]
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip")]
        revisit = self.writer.create_revisit_record(
            url,
            digest,
            url,
            date,
            http_headers=StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": datetime_to_iso_date(at)},
        )
        if refers_to:
            revisit.rec_headers.add_header("WARC-Refers-To", record_id)
        self.writer.write_record(revisit)

    def resource(self, uri: str, at: datetime, body: bytes, content_type: str) -> None:
        """A `resource` record: what the crawler itself made (Browsertrix's page info, a
        screenshot), no HTTP exchange."""
        record = self.writer.create_warc_record(
            uri,
            "resource",
            payload=BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": datetime_to_iso_date(at)},
        )
        self.writer.write_record(record)

    def redirect(self, url: str, at: datetime, location: str) -> None:
        self.page(
            url,
            at,
            b"",
            status="301 Moved Permanently",
            encoding=None,
            chunks=False,
            headers=[("Location", location)],
        )

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Crawl:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _path(url: str) -> str:
    rest = url.split("/", 3)
    return "/" + (rest[3] if len(rest) > 3 else "")


def moment(hours: float) -> datetime:
    """A crawl's time: `hours` after 28 November 2026, 07:00 UTC."""
    from datetime import timedelta

    return datetime(2026, 11, 28, 7, 0, tzinfo=UTC) + timedelta(hours=hours)


def arc_file(path: Path, captures: list[tuple[str, datetime, bytes]]) -> None:
    """An ARC (version 1) file as the Internet Archive's crawlers wrote them before WARC:
    a `filedesc` header, then each capture's line (URL, IP, date, type, length) and
    the HTTP response as received; gzipped record by record."""
    version = b"1 0 Internet Archive\nURL IP-address Archive-date Content-type Archive-length\n"
    members = [
        b"filedesc://%s 0.0.0.0 20261128000000 text/plain %d\n%s\n"
        % (path.name.encode(), len(version), version)
    ]
    for url, at, html in captures:
        response = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s"
            % (
                len(html),
                html,
            )
        )
        stamp = at.strftime("%Y%m%d%H%M%S").encode()
        line = b"%s 203.0.113.7 %s text/html %d\n" % (url.encode(), stamp, len(response))
        members.append(line + response + b"\n")
    path.write_bytes(b"".join(gzip.compress(member, mtime=0) for member in members))
