"""Web archives for backfill's tests: a WARC collection of the simulated newsroom's
pages as they were at earlier steps (for a real pywb to serve), and a stub that stands
in front of that pywb as the Internet Archive's front end stands in front of its
wayback machines: the same paths (`/coll/cdx`, `/coll/timemap/link/URL`,
`/coll/<14 digits>id_/URL`), answering 429 with Retry-After when told to, or slowly.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import httpx
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from tracker.core.mementos import timestamp_of


@dataclass
class Collection:
    """Captures to write as one WARC file: (URL, when, status, HTML)."""

    captures: list[tuple[str, datetime, int, bytes, str | None]] = field(default_factory=list)

    def add(
        self, url: str, at: datetime, html: str | bytes, status: int = 200, location: str | None = None
    ) -> None:
        body = html.encode("utf-8") if isinstance(html, str) else html
        self.captures.append((url, at, status, body, location))

    def write(self, path: Path) -> Path:
        """Each capture as a `response` record, as a crawler writes it (gzip members)."""
        with path.open("wb") as stream:
            writer = WARCWriter(stream, gzip=True)
            for url, at, status, body, location in self.captures:
                fields = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
                if location is not None:
                    fields.append(("Location", location))
                head = StatusAndHeaders(
                    f"{status} {'OK' if status == 200 else 'Found'}", fields, protocol="HTTP/1.1"
                )
                record = writer.create_warc_record(
                    url,
                    "response",
                    payload=BytesIO(body),
                    length=len(body),  # a known length: warcio buffers nothing in a temporary file
                    http_headers=head,
                    warc_headers_dict={"WARC-Date": datetime_to_iso_date(at)},
                )
                writer.write_record(record)
        return path


class ArchiveStub:
    """A front end on loopback for a pywb: every request passed to it, its answers
    given back with pywb's address made the stub's. `throttle`: how many requests
    (from the first) answer 429 with `Retry-After: retry_after` instead, as the
    Wayback Machine does; `release`: while unset, every request waits for it (an
    archive answering slowly). `requests`: (time.monotonic() on arrival, path, status)."""

    def __init__(self, pywb_port: int, *, throttle: int = 0, retry_after: int = 1, wayback: bool = False):
        self.upstream = f"http://127.0.0.1:{pywb_port}"
        self.throttle, self.retry_after = throttle, retry_after
        # `wayback`: answer as the Wayback Machine does where pywb answers otherwise: CDX
        # rows as one JSON array under a header row (pywb: a JSON object a line), and a
        # capture of a redirect with a Location in the archive (`<prefix>/<timestamp>id_/
        # <target>`; pywb gives the Location as archived, the live site)
        self.wayback = wayback
        self.broken: set[str] = set()  # paths holding one of these answer 504, as an overloaded archive does
        self.release = threading.Event()
        self.release.set()
        self.requests: list[tuple[float, str, int]] = []
        self.served = threading.Condition()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def archive(self, name: str) -> dict[str, str]:
        """This stub as config.yaml's `archives:` names an archive."""
        return {
            "name": name,
            "timemap": f"{self.base}/coll/timemap/link/{{url}}",
            "cdx": f"{self.base}/coll/cdx?url={{url}}&output=json",
        }

    def asked(self) -> list[tuple[float, str, int]]:
        """The requests answered, robots.txt aside (pywb redirects it to `/robots.txt/`)."""
        with self.served:
            return [r for r in self.requests if not r[1].startswith("/robots.txt")]

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        arrived = time.monotonic()
        with self._lock:
            throttled = self.throttle > 0 and not path.startswith("/robots.txt")
            self.throttle -= throttled
        if throttled:
            answer = (429, {"Retry-After": str(self.retry_after), "Content-Type": "text/html"}, TOO_MANY)
        elif any(mark in path for mark in self.broken):
            answer = (504, {"Content-Type": "text/html"}, b"<html><body>Gateway Time-out</body></html>")
        else:
            self.release.wait(timeout=120)
            answer = self._passed(path)
        with self.served:
            self.requests.append((arrived, path, answer[0]))
            self.served.notify_all()
        return answer

    def _passed(self, path: str) -> tuple[int, dict[str, str], bytes]:
        response = httpx.get(self.upstream + path, timeout=30)
        body = response.content.replace(self.upstream.encode(), self.base.encode())
        if self.wayback and "/cdx?" in path and response.status_code == 200:
            body = wayback_rows(body)
        headers = {
            name: value.replace(self.upstream, self.base)
            for name, value in response.headers.items()
            if name.lower() in ("content-type", "memento-datetime", "link", "content-location")
        }
        location, stamp = response.headers.get("location"), timestamp_of(path)
        if location and self.wayback and stamp:
            headers["location"] = f"{self.base}/coll/{stamp}id_/{location}"
        elif location:
            headers["location"] = location.replace(self.upstream, self.base)
        return response.status_code, headers, body

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                status, headers, body = stub._answer(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


CDX_FIELDS = ("urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length")


def wayback_rows(lines: bytes) -> bytes:
    """pywb's CDX lines as the Wayback Machine's `output=json`: an array of rows, the
    first naming the fields (pywb's `url`, `mime`, `status` are its `original`,
    `mimetype`, `statuscode`)."""
    rows: list[list[str]] = [list(CDX_FIELDS)]
    for line in lines.decode().splitlines():
        record = json.loads(line)
        record |= {"original": record["url"], "mimetype": record["mime"], "statuscode": record["status"]}
        rows.append([str(record[name]) for name in CDX_FIELDS])
    return json.dumps(rows).encode()


TOO_MANY = (
    b"<html><head><title>429 Too Many Requests</title></head><body><h1>Too Many Requests</h1>"
    b"<p>We are limiting the number of URLs you can submit to the Wayback Machine.</p></body></html>"
)
