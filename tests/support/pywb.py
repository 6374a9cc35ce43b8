"""A real pywb (Webrecorder's wayback machine) on loopback, for the WARC export's tests
and, in record mode (`Pywb(root, record=True)`), as a witness destination: its
`/<coll>/record/<url>` endpoint fetches a page live and writes it to the collection.

pywb pins old libraries (werkzeug, redis, fakeredis), so it lives in a virtualenv of
its own, `.venv-pywb`, made by `make pywb` (`make test` makes it; CI runs `make test`
from scratch). TRACKER_PYWB names another folder holding `wayback` and `wb-manager`.
With TRACKER_REQUIRE_PYWB=1 (as in CI) a missing pywb fails the tests instead of
skipping them.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
from pathlib import Path

import httpx
import pytest

from tests.support.daemons import wait_until

ROOT = Path(__file__).resolve().parents[2]
FOLDER = Path(os.environ.get("TRACKER_PYWB") or ROOT / ".venv-pywb" / "bin")
REQUIRE = os.environ.get("TRACKER_REQUIRE_PYWB") == "1"
COLLECTION = "coll"


def pywb_folder() -> Path:
    """The folder of pywb's commands; skips (fails, with TRACKER_REQUIRE_PYWB=1) without them."""
    if (FOLDER / "wayback").exists() and (FOLDER / "wb-manager").exists():
        return FOLDER
    message = f"pywb not installed at {FOLDER} (`make pywb` installs it)"
    if REQUIRE:
        pytest.fail(message + " and TRACKER_REQUIRE_PYWB=1")
    pytest.skip(message + ": pywb replay tests SKIPPED")


# pywb's recorder (`recorder: live`) takes pages from its `live` collection. No
# `autoindex`: its indexer reads the recorder's WARC file while a record is still being
# written, and a pass that fails on the cut-off record ends the indexer for good (a CI run
# waited 60 s for a capture pywb had written). The tests index when they look
# (`Pywb.reindex`), from complete files.
RECORDING = """collections:
  live: $live
recorder: live
enable_memento: true
"""


class Pywb:
    """A pywb collection in `root` holding WARC files, and its server on a free loopback
    port; with `record`, pywb's recorder writes the pages asked at `record_url` into it."""

    def __init__(self, root: Path, *, record: bool = False):
        self.folder = pywb_folder()
        self.root = root
        self.port = 0
        self._server: subprocess.Popen[str] | None = None
        self.said: list[str] = []  # what the server printed
        self._manage("init", COLLECTION)
        if record:
            (root / "config.yaml").write_text(RECORDING)

    @property
    def collection_url(self) -> str:
        """The collection's address: a `pywb-record` witness destination's `url`."""
        return f"http://127.0.0.1:{self.port}/{COLLECTION}"

    def captures(self, url: str) -> list[dict[str, str]]:
        """The collection's CDX rows for `url` (exact match), oldest first."""
        answer = httpx.get(
            f"http://127.0.0.1:{self.port}/{COLLECTION}/cdx",
            params={"url": url, "output": "json"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return [json.loads(line) for line in answer.text.splitlines() if line.strip()]

    def reindex(self) -> bool:
        """`wb-manager reindex`: the collection's index made again from its WARC files;
        False when a file could not be read whole (the recorder still writing a record)."""
        done = subprocess.run(
            [str(self.folder / "wb-manager"), "reindex", COLLECTION],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return done.returncode == 0

    def add(self, warc: Path) -> None:
        """`wb-manager add`: copy the file into the collection and index it."""
        self._manage("add", COLLECTION, str(warc))

    def start(self) -> Pywb:
        """Start `wayback` and return once it answers (`wait_until`, tracker's tests' way
        of waiting on a server); fails with its output if it exits first."""
        self.port = _free_port()
        self._server = subprocess.Popen(
            [str(self.folder / "wayback"), "--bind", "127.0.0.1", "--port", str(self.port)],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        said = self.said = []
        threading.Thread(target=_pump, args=(self._server, said), daemon=True).start()
        wait_until(lambda: self._answers(said), "pywb's server to answer")
        return self

    def _answers(self, said: list[str]) -> bool:
        assert self._server is not None
        if self._server.poll() is not None:
            pytest.fail(f"wayback exited ({self._server.returncode}):\n{''.join(said)}")
        try:
            return self.get(f"/{COLLECTION}/cdx?url=example.com").status_code == 200
        except httpx.TransportError:
            return False

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=30)

    def stop(self) -> None:
        if self._server is not None:
            self._server.terminate()
            self._server.wait(timeout=30)
            if self._server.stdout is not None:
                self._server.stdout.close()

    def _manage(self, *args: str) -> None:
        done = subprocess.run(
            [str(self.folder / "wb-manager"), *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"wb-manager {' '.join(args)}: {done.stdout}{done.stderr}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pump(process: subprocess.Popen[str], said: list[str]) -> None:
    """Keep what the server prints (for a failure's message), so its pipe never fills."""
    assert process.stdout is not None
    for line in process.stdout:
        said.append(line)
