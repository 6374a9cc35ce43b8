"""`tracker serve` on a large SQLite database: response times of the pages and their
JSON twins, medians over --rounds requests, against a static file served by the
same server in the same run (the floor: HTTP, ASGI and uvicorn alone).

Uses the database of bench/commands.py (100,000 revisions over 30 days, 100,000
checks, one article with 500 versions and 500 checks), built under bench/out/ on first use.

    .venv/bin/python bench/web.py [--rounds 30] [--rebuild]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from commands import LONG_HISTORY, OUT, build

DATABASE = OUT / "web.db"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    url = f"sqlite:///{DATABASE}"
    if args.rebuild or not DATABASE.exists():
        DATABASE.unlink(missing_ok=True)
        started = time.perf_counter()
        long_id = build(url)
        print(f"built {DATABASE} in {time.perf_counter() - started:.0f} s")
    else:
        long_id = 20_001
    config = OUT / "web.yaml"
    config.write_text(f"database: {{url: '{url}'}}\nlogging: {{level: warning}}\n")
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--config", str(config), "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            deadline = time.monotonic() + 60
            while True:
                try:
                    client.get("/static/tracker.css")
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "tracker serve did not start"
                    time.sleep(0.2)
            paths = {
                "static file (floor)": "/static/tracker.css",
                "recent changes page": "/",
                "recent changes JSON": "/api/changes",
                "changes, 2nd page": None,
                "changes ?field=headline&since=7d": "/api/changes?field=headline&since=7d",
                f"timeline page ({LONG_HISTORY} versions)": f"/articles/{long_id}",
                f"timeline JSON ({LONG_HISTORY} versions)": f"/api/articles/{long_id}",
                "revision diff page": f"/articles/{long_id}/revisions/250",
                "revision diff side by side": f"/articles/{long_id}/revisions/250?view=side",
                "search page": "/search?q=mayor+harbour",
                "watch list page": "/articles",
                "watch list JSON": "/api/articles",
                "watch list, failing, by last checked": "/api/articles?failing=true&sort=last_checked",
                "watch list, 100th page": "/articles?cursor=4950",
                f"article JSON with checks ({LONG_HISTORY})": f"/api/articles/{long_id}",
                "a version in full (page)": f"/articles/{long_id}/versions/250",
                "a version in full (JSON)": f"/api/articles/{long_id}/versions/250",
                "compare versions 1 and 499 (page)": f"/articles/{long_id}/compare?from=1&to=499",
                "compare versions 1 and 499 (JSON)": f"/api/articles/{long_id}/compare?from=1&to=499",
                "sources page (30-day bars)": "/sources",
                "Atom feed of changes": "/feeds/changes.atom",
            }
            cursor = client.get("/api/changes").json()["next_cursor"]
            paths["changes, 2nd page"] = f"/api/changes?cursor={cursor}"
            print(f"{'':40} {'median ms':>10} {'p90 ms':>8} {'bytes':>9}")
            for label, path in paths.items():
                assert path is not None
                times, size = [], 0
                for _ in range(args.rounds):
                    started = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code, response.text[:200])
                    size = len(response.content)
                times.sort()
                p90 = times[int(len(times) * 0.9) - 1]
                print(f"{label:40} {statistics.median(times):10.1f} {p90:8.1f} {size:9d}")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
