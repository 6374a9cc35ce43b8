"""Managing over HTTP (issue 24): the pages' forms pause, resume and remove only for a
signed-in visitor whose form carries the right CSRF value; the sign-in turns the token
into an HttpOnly, SameSite=Strict session cookie that is not the token; the API takes
the bearer token alone; the Content-Security-Policy still runs no script."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from tests.e2e.test_web_served import CHROMIUM, SCREENSHOTS, running
from tests.support.histories import TOKEN, client_for, history_with_a_failed_check
from tests.support.site import NewsSite
from tracker.web import CSP


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    site = NewsSite().start()
    path, _stories = history_with_a_failed_check(tmp_path_factory.mktemp("manage"), site)
    yield path
    site.stop()


def signed_in(config: Path) -> TestClient:
    client = client_for(config, token=TOKEN)
    response = client.post("/sign-in", data={"token": TOKEN, "next": "/sources"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sources"
    return client


def csrf_in(client: TestClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-security-policy"] == CSP
    tree = lxml_html.fromstring(response.text)
    assert tree.xpath("//script") == []
    [value, *_] = tree.xpath("//form[@method='post']/input[@name='csrf']/@value")
    return str(value)


def article(client: TestClient, article_id: int) -> dict[str, Any]:
    data: dict[str, Any] = client.get(f"/api/articles/{article_id}").json()
    return data


def test_forms_are_refused_without_the_token_or_with_a_wrong_csrf_value(config: Path) -> None:
    off = client_for(config)
    assert off.post("/articles/1/pause", data={"csrf": "x"}).status_code == 403
    assert "Managing over HTTP is off" in off.get("/sign-in").text

    client = client_for(config, token=TOKEN)
    assert client.post("/articles/1/pause", data={"csrf": "x"}).status_code == 401, "no session: refused"
    assert "Sign in" in client.get("/articles/1").text and "Pause" not in client.get("/articles/1").text
    wrong = client.post("/sign-in", data={"token": "not-the-token"}, follow_redirects=False)
    assert wrong.status_code == 401 and "That is not the token" in wrong.text
    client.cookies.set("tracker_session", "forged.0123")
    assert client.post("/articles/1/pause", data={"csrf": "x"}).status_code == 401, "a forged cookie"

    client = signed_in(config)
    cookie = client.cookies["tracker_session"]
    assert TOKEN not in cookie
    response = client.post("/sign-in", data={"token": TOKEN}, follow_redirects=False)
    header = response.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=strict" in header
    assert client.post("/articles/1/pause", data={}).status_code == 403, "no CSRF value"
    refused = client.post("/articles/1/pause", data={"csrf": "0" * 64})
    assert refused.status_code == 403 and "CSRF" in refused.text
    assert article(client, 1)["paused_at"] is None, "a refused form changed nothing"


def test_signed_in_forms_pause_resume_and_remove(config: Path) -> None:
    client = signed_in(config)
    csrf = csrf_in(client, "/articles/1")
    done = client.post(
        "/articles/1/pause", data={"csrf": csrf, "next": "/articles/1"}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == "/articles/1"
    assert article(client, 1)["paused_at"]
    page = client.get("/articles/1").text
    assert "paused since" in page and "Resume checking" in page
    client.post("/articles/1/resume", data={"csrf": csrf})
    assert article(client, 1)["paused_at"] is None
    client.post(
        "/articles/2/remove", data={"csrf": csrf, "next": "//elsewhere.example/"}, follow_redirects=False
    )
    assert article(client, 2)["status"] == "removed" and article(client, 2)["versions"] >= 1
    client.post("/articles/2/resume", data={"csrf": csrf})
    assert article(client, 2)["status"] == "active"

    csrf = csrf_in(client, "/sources")
    moved = client.post(
        "/sources/sim/pause", data={"csrf": csrf, "next": "//evil.example/"}, follow_redirects=False
    )
    assert moved.headers["location"] == "/sources", "never sent to another site"
    sim = next(s for s in client.get("/api/sources").json()["sources"] if s["source"] == "sim")
    assert sim["state"] == "paused"
    assert "Resume" in client.get("/sources").text
    client.post("/sources/sim/resume", data={"csrf": csrf})
    signed_out = client.post("/sign-out", data={"csrf": csrf}, follow_redirects=False)
    assert signed_out.status_code == 303
    assert client.post("/sources/sim/pause", data={"csrf": csrf}).status_code == 401


def test_the_api_takes_the_bearer_token_alone(config: Path) -> None:
    client = signed_in(config)
    assert client.post("/api/articles/1/pause").status_code == 401, "a session cookie is not the API's token"
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    paused = client.post("/api/articles/1/pause", headers=bearer)
    assert paused.status_code == 200 and paused.json()["changed"] is True
    assert client.post("/api/articles/1/pause", headers=bearer).json()["changed"] is False
    assert client.post("/api/articles/1/resume", headers=bearer).json()["changed"] is True
    assert client.post("/api/sources/sim/pause", headers=bearer).json()["action"] == "pause"
    assert client.post("/api/sources/sim/resume", headers=bearer).json()["changed"] is True
    assert client.post("/api/sources/nope/pause", headers=bearer).status_code == 404
    assert client.post("/api/articles/1/explode", headers=bearer).status_code == 404
    schema = client.get("/openapi.json").json()["paths"]
    assert "/api/articles/{article_id}/{action}" in schema and "/api/sources/{name}/{action}" in schema


def test_how_much_changed_is_shown_on_changes_timeline_and_watch_list(config: Path) -> None:
    client = client_for(config)
    changes = lxml_html.fromstring(client.get("/?include_trivial=true").text)
    sizes = changes.xpath("//table[contains(@class,'changes')]//span[@class='size']")
    assert sizes, "the recent changes say how much changed"
    words = [" ".join(s.text_content().split()) for s in sizes]
    assert any(re.search(r"\+\d+ −\d+ words", w) for w in words), words
    assert any("+1 −0 ¶" in w for w in words), "the added correction paragraph"
    meters = changes.xpath("//meter[@class='significance']/@value")
    assert meters and all(0 <= float(v) <= 1 for v in meters)

    headline = changes.xpath("//span[contains(@class,'headline-was')]")[0]
    added = " ".join(headline.xpath(".//ins/text()"))
    assert "Minister" in added and headline.xpath(".//del"), "a word diff, not a line struck out"
    assert not headline.xpath(".//script") and "<script>" in headline.text_content(), "escaped, as text"

    timeline = lxml_html.fromstring(client.get("/articles/2").text)
    assert timeline.xpath("//ol[@class='timeline']//span[@class='size']//meter")
    watch = client.get("/api/articles").json()["items"]
    changed = [row for row in watch if row["last_change"]]
    assert changed and all(
        {"stats", "significance", "changed", "to"} <= set(row["last_change"]) for row in changed
    )
    page = lxml_html.fromstring(client.get("/articles").text)
    assert page.xpath("//table[contains(@class,'watch')]//td[@data-label='last changed']//meter")
    revision = lxml_html.fromstring(client.get("/articles/1/revisions/2").text)
    [words_line] = revision.xpath("//div[@class='headline-change']/p[@class='words']")
    assert "Minister" in " ".join(words_line.xpath("./ins/text()")) and words_line.xpath("./del")


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("TRACKER_REQUIRE_BROWSER") != "1",
    reason="Chromium not installed: browser test SKIPPED (.ci/run installs it)",
)
def test_an_editor_signs_in_pauses_and_removes_in_chromium_at_desktop_and_phone_width(config: Path) -> None:
    """The controls are plain forms a browser posts without any script: sign in, pause a
    source and an article, remove one and take it back; the change sizes show; nothing
    scrolls sideways at 375 px."""
    assert CHROMIUM, "TRACKER_REQUIRE_BROWSER=1 but no chromium on PATH"
    from playwright.sync_api import sync_playwright

    client = client_for(config, token=TOKEN)
    with running(client.app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for width, name in ((1200, "manage"), (375, "manage-phone")):
            page = browser.new_page(viewport={"width": width, "height": 800})
            errors: list[str] = []
            page.on(
                "console",
                lambda message, errors=errors: (
                    errors.append(message.text) if message.type == "error" else None
                ),
            )
            manages_in(page, base, client, name)
            assert [e for e in errors if "Content Security Policy" in e] == [], errors
            page.close()
        browser.close()
    assert (SCREENSHOTS / "manage-phone-article.png").stat().st_size > 5_000


def manages_in(page: Any, base: str, client: TestClient, name: str) -> None:
    page.goto(base + "/articles/1")
    assert page.locator("#manage form").count() == 0, "no control before signing in"
    page.click("#manage a.sign-in")
    page.wait_for_url(lambda url: "/sign-in" in url, timeout=5000)
    page.fill("input[name=token]", TOKEN)
    page.click("form button[type=submit]")
    page.wait_for_url("**/articles/1")
    page.click("#manage button:has-text('Pause')")
    page.wait_for_url("**/articles/1")
    assert "paused since" in page.inner_text("#manage")
    assert article(client, 1)["paused_at"]
    assert page.locator("ol.timeline .size meter").count() >= 1 or article(client, 1)["versions"] == 1
    page.screenshot(path=str(SCREENSHOTS / f"{name}-article.png"), full_page=True)
    page.click("#manage button:has-text('Resume checking')")
    page.wait_for_url("**/articles/1")
    assert article(client, 1)["paused_at"] is None

    page.goto(base + "/sources")
    page.locator("#sources tr:has(a:text-is('sim')) button:has-text('Pause')").click()
    page.wait_for_url("**/sources")
    assert "paused" in page.locator("#sources tr:has(a:text-is('sim'))").inner_text()
    page.screenshot(path=str(SCREENSHOTS / f"{name}-sources.png"), full_page=True)
    page.locator("#sources tr:has(a:text-is('sim')) button:has-text('Resume')").click()
    page.wait_for_url("**/sources")

    page.goto(base + "/?include_trivial=true")
    assert page.locator("table.changes .size meter").count() >= 3
    page.screenshot(path=str(SCREENSHOTS / f"{name}-changes.png"), full_page=True)
    for path in ("/", "/articles", "/articles/1", "/sources", "/sign-in"):
        page.goto(base + path)
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll <= inner, f"{path} scrolls sideways at {inner} px: {scroll}"
        assert page.evaluate("document.scripts.length") == 0
    page.click("nav.top form.sign-out button")
    page.wait_for_url("**/sign-in")
    assert page.context.cookies() == [] or all(c["name"] != "tracker_session" for c in page.context.cookies())
