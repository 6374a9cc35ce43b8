"""A stand-in for the Internet Archive's Save Page Now 2 API on loopback, answering in
its published shapes (the SPN2 public API docs, Vangelis Banos): `POST /save` with
`Authorization: LOW key:secret` and a form (`url`, `capture_all=1`) answers
`{"url": ..., "job_id": ...}`; `GET /save/status/<job_id>` answers
`{"status": "pending", "job_id", "resources"}` until
`{"status": "success", "job_id", "original_url", "timestamp", "duration_sec", ...}`, or
`{"status": "error", "exception", "status_ext", "job_id", "message"}`; too many
requests: a 429 with `Retry-After` (and an HTML page, as the archive sends).

Only the archive's behaviour a test sets is simulated: how many polls a job stays
pending, a 429 or another status for the next requests, a job that errs, a request
held open until the test lets it go."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

KEY, SECRET = "spn-access-key", "spn-secret"


class SavePageNow:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, in order
        self.saved: list[dict[str, list[str]]] = []  # the forms POSTed to /save
        self.jobs: dict[str, dict[str, Any]] = {}
        self.pending_polls = 1  # status answers "pending" this many times, then "success"
        self.refuse: list[tuple[int, dict[str, str]]] = []  # (status, headers) for the next requests
        self.job_error: str | None = None  # a status_ext: every job ends in this error
        self.hold = threading.Event()  # set: a POST /save waits for `release` before answering
        self.arrived = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        archive = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                archive._post(self)

            def do_GET(self) -> None:
                archive._get(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _refused(self, handler: BaseHTTPRequestHandler) -> bool:
        with self._lock:
            self.requests.append((handler.command, handler.path))
            if handler.headers.get("Authorization") != f"LOW {KEY}:{SECRET}":
                _send(handler, 401, {"message": "You need to be logged in to use Save Page Now."})
                return True
            if not self.refuse:
                return False
            status, headers = self.refuse.pop(0)
        body = b"<html><body><h1>Too Many Requests</h1></body></html>" if status == 429 else b""
        handler.send_response(status)
        for name, value in {"Content-Type": "text/html", **headers}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
        return True

    def _post(self, handler: BaseHTTPRequestHandler) -> None:
        form = parse_qs(handler.rfile.read(int(handler.headers["Content-Length"])).decode())
        if handler.path != "/save" or self._refused(handler):
            return
        if self.hold.is_set():
            self.arrived.set()
            self.release.wait(timeout=60)
        with self._lock:
            self.saved.append(form)
            job_id = f"spn2-{len(self.saved):08x}-1d1225e98695"
            self.jobs[job_id] = {"url": form["url"][0], "polls": 0}
        _send(handler, 200, {"url": form["url"][0], "job_id": job_id})

    def _get(self, handler: BaseHTTPRequestHandler) -> None:
        if not handler.path.startswith("/save/status/") or self._refused(handler):
            return
        job_id = handler.path.removeprefix("/save/status/")
        with self._lock:
            job = self.jobs.get(job_id)
            if job is not None:
                job["polls"] += 1
        if job is None:
            _send(handler, 200, {"status": "error", "status_ext": "error:not-found", "job_id": job_id})
        elif job["polls"] <= self.pending_polls:
            _send(handler, 200, {"status": "pending", "job_id": job_id, "resources": [job["url"]]})
        elif self.job_error:
            _send(handler, 200, _error(job_id, self.job_error))
        else:
            _send(handler, 200, _success(job_id, job["url"]))


def _success(job_id: str, url: str) -> dict[str, Any]:
    return {
        "status": "success",
        "job_id": job_id,
        "original_url": url,
        "screenshot": f"http://web.archive.org/screenshot/{url}",
        "timestamp": datetime.now(UTC).strftime("%Y%m%d%H%M%S"),
        "duration_sec": 6.203,
        "resources": [url],
        "outlinks": {},
    }


def _error(job_id: str, status_ext: str) -> dict[str, Any]:
    return {
        "status": "error",
        "exception": "[Errno -2] Name or service not known",
        "status_ext": status_ext,
        "job_id": job_id,
        "message": "Couldn't resolve host for the URL.",
    }


def _send(handler: BaseHTTPRequestHandler, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
