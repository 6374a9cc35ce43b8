"""`tracker serve` over real sockets: a reviewer in Chromium, the command itself, and
requests written byte by byte (a write refused before its body is read)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.histories import HOSTILE, TOKEN, client_for
from tests.support.site import NewsSite

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = Path(os.environ.get("TRACKER_ARTIFACTS", Path(__file__).resolve().parents[2] / "build"))


@contextmanager
def running(app: Any) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a thread."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("TRACKER_REQUIRE_BROWSER") != "1",
    reason="Chromium not installed: browser test SKIPPED (.ci/run installs it)",
)
def test_a_reviewer_filters_opens_an_article_and_reads_the_diff_in_chromium(
    served: tuple[Path, NewsSite, list[Any]],
) -> None:
    assert CHROMIUM, "TRACKER_REQUIRE_BROWSER=1 but no chromium on PATH"
    from playwright.sync_api import sync_playwright

    client = client_for(served[0])
    with running(client.app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        reads_a_diff(page, base, client)
        # the watch list, a story whose check failed, a version in full, versions 1 and 3 compared
        trivial = walks_the_watch_list(page, base, client)
        fits_a_phone(browser.new_page(viewport={"width": 375, "height": 740}), base, trivial)
        browser.close()
    assert dialogs == []
    assert (SCREENSHOTS / "diff-side-by-side.png").stat().st_size > 10_000


def reads_a_diff(page: Any, base: str, client: TestClient) -> None:
    """Recent changes filtered to headlines, the article, its diff inline and side by side."""
    headline = "Minister says " + HOSTILE
    page.goto(base + "/")
    assert page.title() == "tracker: recent changes"
    assert page.locator("table.changes tr:has(td)").count() == 3
    page.select_option("select[name=field]", "headline")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/?*field=headline*")
    assert page.locator("table.changes tr:has(td)").count() == 1
    page.get_by_role("link", name=headline).click()
    page.wait_for_url("**/articles/*")
    assert page.locator("h1").inner_text() == headline  # the markup shows as text
    assert page.title() == f"{headline}: tracker"  # no script retitled the page
    page.locator("a.diff").first.click()
    page.wait_for_url("**/revisions/2")
    added = page.locator(".headline-change ins").all_inner_texts()  # a word diff: the words put in
    assert added and "Minister" in " ".join(added) and page.locator(".headline-change del").count() >= 1
    assert page.locator("div.inline ins").count() >= 1
    page.click("#side-by-side")
    page.wait_for_url("**/revisions/2?view=side")
    inserted = page.locator("table.sbs tr.insert td").nth(1).inner_text()
    assert inserted == f"He wrote {HOSTILE} on the council's page."
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.images.length") == 0
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "diff-side-by-side.png"), full_page=True)
    page.click("#inline")
    page.wait_for_url("**/revisions/2?view=inline")
    page.screenshot(path=str(SCREENSHOTS / "diff-inline.png"), full_page=True)
    correction = client.get("/api/changes?kind=correction").json()["items"][0]
    page.goto(f"{base}/articles/{correction['article_id']}/revisions/{correction['to']}?view=side")
    assert page.locator("table.sbs tr.insert").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "diff-correction.png"), full_page=True)


def walks_the_watch_list(page: Any, base: str, client: TestClient) -> int:
    """The watch list, the failing story, a version in full, two versions compared; the id of
    the article with a trivial revision."""
    page.click("nav.top a[href='/articles']")
    page.wait_for_url("**/articles")
    assert page.locator("table.watch tr:has(td)").count() >= 4
    page.screenshot(path=str(SCREENSHOTS / "watch-list.png"), full_page=True)
    page.check("input[name=failing]")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/articles?*failing=true*")
    page.locator("table.watch tr.failing a").first.click()
    page.wait_for_url("**/articles/*")
    assert "404" in page.locator("table.checks").inner_text()
    assert "No version stored yet" in page.inner_text("main")
    trivial = next(i for i in client.get("/api/changes?include_trivial=true").json()["items"] if i["trivial"])
    page.goto(f"{base}/articles/{trivial['article_id']}")
    page.click("li.version a:has-text('version 2')")
    page.wait_for_url("**/versions/2")
    assert page.locator("article.version p").count() >= 3
    page.go_back()
    page.fill("#compare input[name=from]", "1")
    page.fill("#compare input[name=to]", "3")
    page.click("#compare button[type=submit]")
    page.wait_for_url("**/compare?from=1&to=3")
    unchanged = page.locator("div.inline details.same").first
    assert not unchanged.locator("p").first.is_visible()
    unchanged.locator("summary").click()  # opened without a script
    assert unchanged.locator("p").first.is_visible()
    page.screenshot(path=str(SCREENSHOTS / "compare-1-3.png"), full_page=True)
    return int(trivial["article_id"])


def fits_a_phone(phone: Any, base: str, trivial: int) -> None:
    """No page scrolls sideways at a phone's width."""
    for path in ("/articles", f"/articles/{trivial}", "/sources", "/"):
        phone.goto(base + path)
        width = phone.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], f"{path} scrolls sideways on a phone: {width}"
    phone.goto(base + "/articles")
    phone.screenshot(path=str(SCREENSHOTS / "watch-list-phone.png"), full_page=True)
    assert phone.evaluate("document.scripts.length") == 0


def test_tracker_serve_serves_the_database_of_a_config(served: tuple[Path, NewsSite, list[Any]]) -> None:
    import subprocess
    import sys

    import httpx

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "tracker", "--config", str(served[0]), "serve", "--port", str(port)],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/changes")
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "tracker serve did not answer"
                time.sleep(0.2)
        assert response.status_code == 200 and len(response.json()["items"]) == 3
    finally:
        server.terminate()
        _out, errors = server.communicate(timeout=15)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the parent sees why it ended
    assert server.returncode in (0, -signal.SIGTERM) and "Traceback" not in errors
    assert "serving the database sqlite:///" in errors and "report.db" in errors  # which one, said


def _post_headers_only(base: str, headers: str) -> str:
    """POST /api/articles announcing a 300 MB body and sending none of it: the answer
    must come from the headers alone."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as conn:
        conn.sendall(
            f"POST /api/articles HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: 300000000\r\n{headers}\r\n".encode()
        )
        answer = b""
        while b"}" not in answer and (chunk := conn.recv(65536)):  # the JSON detail ends it
            answer += chunk
        return answer.decode("latin-1")


def test_a_write_is_refused_before_its_body_is_read(served: tuple[Path, NewsSite, list[Any]]) -> None:
    with running(client_for(served[0]).app) as base:
        assert _post_headers_only(base, "").startswith("HTTP/1.1 403")  # writing is off
    client = client_for(served[0], token=TOKEN, max_body_bytes=2048)
    with running(client.app) as base:
        refused = _post_headers_only(base, "")
        assert refused.startswith("HTTP/1.1 401") and "default-src 'none'" in refused
        too_big = _post_headers_only(base, f"Authorization: Bearer {TOKEN}\r\n")
        assert too_big.startswith("HTTP/1.1 413") and "web.max_body_bytes" in too_big
    good = {"Authorization": f"Bearer {TOKEN}"}

    def chunks() -> Iterator[bytes]:
        yield b'{"url": "https://example.org/news/a-1", "source": "'
        yield b"x" * 4096
        yield b'"}'

    assert client.post("/api/articles", content=chunks(), headers=good).status_code == 413  # streamed
    small = client.post("/api/articles", json={"url": "https://example.org/news/small-a2"}, headers=good)
    assert small.status_code == 201 and small.json()["added"]


def test_non_finite_numbers_in_a_body_are_a_422(served: tuple[Path, NewsSite, list[Any]]) -> None:
    client = client_for(served[0], token=TOKEN)
    good = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    for body in (
        '{"url": NaN}',
        '{"url": Infinity}',
        '{"url": "https://example.org/a", "source": -Infinity}',
    ):
        response = client.post("/api/articles", content=body, headers=good)
        assert response.status_code == 422, body
        assert "detail" in response.json()
