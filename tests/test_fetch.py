"""The fetcher against a real server on loopback."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from tests.site import NewsSite, Request, Response
from tracker.config import FetchConfig
from tracker.fetch import Fetcher, FetchFailure, FetchResult, NotModified, Page


def fetch(url: str, **settings: Any) -> FetchResult:
    options = {"allow_private_addresses": True, "timeout": "2s", **settings}
    config = FetchConfig.model_validate(options)

    async def go() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(url)

    return asyncio.run(go())


def test_loopback_and_private_addresses_are_refused_by_default(site: NewsSite) -> None:
    story = site.add_story()
    result = fetch(site.url(story.path), allow_private_addresses=False)
    assert isinstance(result, FetchFailure) and result.kind == "blocked_address"
    assert "allow_private_addresses" in result.message
    assert site.hits == {}, "a refused address must not be contacted"
    for url in (
        "http://10.0.0.8/x",
        "http://192.168.1.1/x",
        "http://[::1]:8080/x",
        "http://169.254.169.254/",
    ):
        refused = fetch(url, allow_private_addresses=False)
        assert isinstance(refused, FetchFailure) and refused.kind == "blocked_address", url


def test_redirect_loops_and_chains_stop(site: NewsSite) -> None:
    site.route("/a", lambda _r: Response(301, headers={"Location": "/b"}))
    site.route("/b", lambda _r: Response(302, headers={"Location": "/a"}))
    loop = fetch(site.url("/a"))
    assert isinstance(loop, FetchFailure) and loop.kind == "redirect_loop"
    for hop in range(5):
        site.route(f"/hop{hop}", lambda _r, n=hop: Response(307, headers={"Location": f"/hop{n + 1}"}))
    chain = fetch(site.url("/hop0"), max_redirects=3)
    assert isinstance(chain, FetchFailure) and chain.kind == "too_many_redirects"


def test_conditional_request_gives_not_modified(site: NewsSite) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(304)
        return Response(body=b"<html><body><p>x</p></body></html>", headers={"ETag": '"v1"'})

    site.route("/etag", handler)
    first = fetch(site.url("/etag"))
    assert isinstance(first, Page) and first.etag == '"v1"'

    async def again() -> FetchResult:
        async with Fetcher(FetchConfig(allow_private_addresses=True)) as fetcher:
            return await fetcher.fetch(site.url("/etag"), etag=first.etag)

    assert isinstance(asyncio.run(again()), NotModified)


def test_non_html_and_declared_oversize_are_refused(site: NewsSite) -> None:
    site.route(
        "/file.pdf", lambda _r: Response(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    )
    site.route(
        "/big", lambda _r: Response(body=b"x" * 5000, headers={"Content-Length": "999999999"}, truncate_to=10)
    )
    pdf = fetch(site.url("/file.pdf"))
    assert isinstance(pdf, FetchFailure) and pdf.kind == "not_html"
    big = fetch(site.url("/big"), max_bytes=4096)
    assert isinstance(big, FetchFailure) and big.kind == "too_large"


def test_connection_refused_is_a_connect_failure() -> None:
    result = fetch("http://127.0.0.1:9/nothing")
    assert isinstance(result, FetchFailure) and result.kind == "connect"


@pytest.mark.parametrize("per_host", [1, 2])
def test_per_host_concurrency_is_bounded(site: NewsSite, per_host: int) -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(_request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        threading.Event().wait(0.05)
        with lock:
            state["now"] -= 1
        return Response(body=b"<p>ok</p>")

    site.route("/slow", slow)

    async def go() -> list[FetchResult]:
        config = FetchConfig(allow_private_addresses=True, per_host_concurrency=per_host, concurrency=8)
        async with Fetcher(config) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(site.url("/slow")) for _ in range(8)))

    results = asyncio.run(go())
    assert all(isinstance(r, Page) for r in results)
    assert state["max"] == per_host


def test_user_agent_comes_from_config(site: NewsSite) -> None:
    seen: dict[str, str] = {}

    def record(request: Request) -> Response:
        seen.update(request.headers)
        return Response(body=b"<p>ok</p>")

    site.route("/ua", record)
    fetch(site.url("/ua"), user_agent="tracker-test/1.0 (+https://example.org/contact)")
    assert seen["User-Agent"] == "tracker-test/1.0 (+https://example.org/contact)"
