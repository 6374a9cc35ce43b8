"""The fetcher against a real server on loopback."""

from __future__ import annotations

import asyncio
import gzip
import itertools
import json
import subprocess
import sys
import threading
import time
import zlib
from typing import Any

import pytest

from tests.support.site import NewsSite, Request, Response, tolerance
from tracker.config import FetchConfig
from tracker.fetch import Fetcher, FetchFailure, FetchResult, NotModified, Page


def fetch(url: str, **settings: Any) -> FetchResult:
    options = {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "2s", **settings}
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
        # IPv6 forms that carry a private IPv4 address (ipaddress calls the NAT64 ones global)
        "http://[64:ff9b::7f00:1]/x",  # NAT64 of 127.0.0.1
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",  # the cloud metadata address behind NAT64
        "http://[64:ff9b:1::a00:1]/x",  # local-use NAT64 of 10.0.0.1
        "http://[2002:7f00:1::]/x",  # 6to4 of 127.0.0.1
        "http://[::127.0.0.1]/x",  # IPv4-compatible
        "http://[::ffff:0:7f00:1]/x",  # IPv4-translated
        "http://[::ffff:7f00:1]/x",  # IPv4-mapped
    ):
        refused = fetch(url, allow_private_addresses=False)
        assert isinstance(refused, FetchFailure) and refused.kind == "blocked_address", url


def test_an_ipv6_address_carrying_a_public_ipv4_is_public() -> None:
    import ipaddress

    from tracker.fetch import embedded_ipv4, is_public

    assert is_public(ipaddress.ip_address("64:ff9b::808:808"))  # NAT64 of 8.8.8.8
    assert embedded_ipv4(ipaddress.ip_address("64:ff9b::a9fe:a9fe")) == ipaddress.ip_address(
        "169.254.169.254"
    )
    assert is_public(ipaddress.ip_address("2606:4700::1111")) and not is_public(ipaddress.ip_address("::1"))


def test_redirect_loops_and_chains_stop(site: NewsSite) -> None:
    site.route("/a", lambda _r: Response(301, headers={"Location": "/b"}))
    site.route("/b", lambda _r: Response(302, headers={"Location": "/a"}))
    loop = fetch(site.url("/a"))
    assert isinstance(loop, FetchFailure) and loop.kind == "redirect_loop"
    for hop in range(5):
        site.route(f"/hop{hop}", lambda _r, n=hop: Response(307, headers={"Location": f"/hop{n + 1}"}))
    chain = fetch(site.url("/hop0"), max_redirects=3)
    assert isinstance(chain, FetchFailure) and chain.kind == "too_many_redirects"


def test_a_fetch_within_hosts_refuses_a_redirect_out_of_them(site: NewsSite) -> None:
    """A web archive's capture of a redirect leads to the live site: not followed."""
    elsewhere = NewsSite().start()
    try:
        site.route(
            "/web/20261121080000id_/story",
            lambda _r: Response(302, headers={"Location": elsewhere.url("/x")}),
        )
        config = FetchConfig.model_validate({"allow_private_addresses": True, "per_host_delay": "0s"})
        within = frozenset({site.base.removeprefix("http://")})

        async def go() -> FetchResult:
            async with Fetcher(config) as fetcher:
                return await fetcher.fetch(site.url("/web/20261121080000id_/story"), within=within)

        result = asyncio.run(go())
        assert isinstance(result, FetchFailure) and result.kind == "outside", result
        assert elsewhere.hits == {}, "a host outside was asked"
    finally:
        elsewhere.stop()


@pytest.mark.parametrize(
    "location",
    [
        "http://[::1",
        "http://host:port/",
        "https://999.999.999.999/",
        "http://exa mple.com/x",
        "http://:99999/",
    ],
)
def test_a_redirect_to_an_invalid_url_is_an_invalid_url(site: NewsSite, location: str) -> None:
    site.route("/moved", lambda _r: Response(302, headers={"Location": location}))
    result = fetch(site.url("/moved"))
    assert isinstance(result, FetchFailure) and result.kind == "invalid_url", result
    assert {p: n for p, n in site.hits.items() if p != "/robots.txt"} == {"/moved": 1}  # nothing else asked


def test_conditional_request_gives_not_modified(site: NewsSite) -> None:
    def handler(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(304)
        return Response(body=b"<html><body><p>x</p></body></html>", headers={"ETag": '"v1"'})

    site.route("/etag", handler)
    first = fetch(site.url("/etag"))
    assert isinstance(first, Page) and first.etag == '"v1"'

    async def again() -> FetchResult:
        async with Fetcher(FetchConfig(allow_private_addresses=True, per_host_delay=0)) as fetcher:
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
        config = FetchConfig(
            allow_private_addresses=True, per_host_delay=0, per_host_concurrency=per_host, concurrency=8
        )
        async with Fetcher(config) as fetcher:
            return await asyncio.gather(*(fetcher.fetch(site.url("/slow")) for _ in range(8)))

    results = asyncio.run(go())
    assert all(isinstance(r, Page) for r in results)
    assert state["max"] == per_host


def test_an_urgent_fetch_goes_before_the_queue(site: NewsSite) -> None:
    """A confirming fetch follows its first fetch at once, not after a batch's queue."""
    order: list[str] = []
    lock = threading.Lock()

    def slow(request: Request) -> Response:
        with lock:
            order.append(request.path)
        threading.Event().wait(0.03)
        return Response(body=b"<p>ok</p>")

    for name in ("queued", "urgent"):
        site.route(f"/{name}", slow)

    async def go() -> None:
        config = FetchConfig(allow_private_addresses=True, per_host_delay=0, per_host_concurrency=1)
        async with Fetcher(config) as fetcher:
            queued = [asyncio.create_task(fetcher.fetch(site.url("/queued"))) for _ in range(6)]
            await asyncio.sleep(0.01)  # the first is in flight, five wait for the host's one slot
            urgent = asyncio.create_task(fetcher.fetch(site.url("/urgent"), urgent=True))
            await asyncio.sleep(0.01)
            queued[3].cancel()  # a waiter that gives up takes no slot with it
            await asyncio.gather(urgent, *queued, return_exceptions=True)

    asyncio.run(go())
    assert order == ["/queued", "/urgent", "/queued", "/queued", "/queued", "/queued"]


def test_user_agent_comes_from_config(site: NewsSite) -> None:
    seen: dict[str, str] = {}

    def record(request: Request) -> Response:
        seen.update(request.headers)
        return Response(body=b"<p>ok</p>")

    site.route("/ua", record)
    fetch(site.url("/ua"), user_agent="tracker-test/1.0 (+https://example.org/contact)")
    assert seen["User-Agent"] == "tracker-test/1.0 (+https://example.org/contact)"


def fetch_many(urls: list[str], **settings: Any) -> tuple[list[FetchResult], list[float]]:
    """Fetch `urls` one after another with one fetcher; returns results and start times."""
    config = FetchConfig.model_validate({"allow_private_addresses": True, "timeout": "5s", **settings})

    async def go() -> tuple[list[FetchResult], list[float]]:
        async with Fetcher(config) as fetcher:
            results, started = [], []
            for url in urls:
                started.append(time.monotonic())
                results.append(await fetcher.fetch(url))
            return results, started

    return asyncio.run(go())


def arrivals(site: NewsSite, paths: list[str]) -> list[float]:
    """Serve `paths` as small pages and record when each request arrives."""
    times: list[float] = []

    def page(_request: Request) -> Response:
        times.append(time.monotonic())
        return Response(body=b"<p>ok</p>")

    for path in paths:
        site.route(path, page)
    return times


def test_robots_txt_is_obeyed_unless_switched_off(site: NewsSite) -> None:
    site.route(
        "/robots.txt",
        lambda _r: Response(
            body=b"User-agent: *\nDisallow: /private/\n\nUser-agent: tracker\nDisallow: /news/embargoed\n",
            headers={"Content-Type": "text/plain"},
        ),
    )
    arrivals(site, ["/news/open", "/news/embargoed", "/private/x"])
    paths = ["/news/open", "/news/embargoed", "/private/x"]
    results, _ = fetch_many([site.url(p) for p in paths], per_host_delay=0)
    # the group naming tracker replaces the * group (RFC 9309): /private/ is open to tracker
    assert [type(r).__name__ for r in results] == ["Page", "FetchFailure", "Page"]
    refused = results[1]
    assert isinstance(refused, FetchFailure) and refused.kind == "robots"
    assert "robots.txt disallows /news/embargoed for tracker" in refused.message
    assert site.hits.get("/news/embargoed") is None and site.hits["/robots.txt"] == 1
    results, _ = fetch_many([site.url("/news/embargoed")], per_host_delay=0, obey_robots=False)
    assert isinstance(results[0], Page)


def test_a_robots_txt_redirected_within_its_host_is_followed(site: NewsSite) -> None:
    """Its hops are not checked against robots.txt: the host's, being read, would wait
    for itself."""
    site.route("/robots.txt", lambda _r: Response(301, headers={"Location": "/rules.txt"}))
    site.route(
        "/rules.txt",
        lambda _r: Response(
            body=b"User-agent: *\nDisallow: /private/\n", headers={"Content-Type": "text/plain"}
        ),
    )
    arrivals(site, ["/news/open", "/private/x"])
    config = FetchConfig(allow_private_addresses=True, per_host_delay=0, timeout="2s")

    async def go() -> list[FetchResult]:
        async with Fetcher(config) as fetcher:
            return [await fetcher.fetch(site.url(p)) for p in ("/news/open", "/private/x")]

    opened, refused = asyncio.run(asyncio.wait_for(go(), 10))
    assert isinstance(opened, Page)
    assert isinstance(refused, FetchFailure) and refused.kind == "robots"
    assert site.hits["/rules.txt"] == 1 and site.hits.get("/private/x") is None


def test_a_failing_robots_txt_leaves_the_site_alone(site: NewsSite) -> None:
    site.route("/robots.txt", lambda _r: Response(503, b"down"))
    story = site.add_story()
    [result], _ = fetch_many([site.url(story.path)], per_host_delay=0, max_retry_after="1s")
    assert isinstance(result, FetchFailure) and result.kind == "robots"
    assert site.hits.get(story.path) is None


def test_requests_to_one_host_are_spaced_by_the_delay_and_crawl_delay(site: NewsSite) -> None:
    paths = [f"/spaced/{n}" for n in range(3)]
    times = arrivals(site, paths)
    fetch_many([site.url(p) for p in paths], per_host_delay="300ms")
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.3 - tolerance(0.3)
    times.clear()
    site.route(
        "/robots.txt",
        lambda _r: Response(
            body=b"User-agent: *\nCrawl-delay: 0.6\n", headers={"Content-Type": "text/plain"}
        ),
    )
    fetch_many([site.url(p) for p in paths], per_host_delay=0)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 0.6 - tolerance(0.6)


def test_retry_after_holds_the_host_back(site: NewsSite) -> None:
    replies = [Response(429, b"slow down", headers={"Retry-After": "1"})]
    times = arrivals(site, ["/after"])
    site.route(
        "/busy",
        lambda _r: (
            times.append(time.monotonic()),
            replies.pop() if replies else Response(body=b"<p>ok</p>"),
        )[1],
    )
    results, _ = fetch_many([site.url("/busy"), site.url("/after")], per_host_delay=0)
    assert isinstance(results[0], FetchFailure) and results[0].status == 429 and results[0].retry_after == "1"
    assert isinstance(results[1], Page)
    assert times[1] - times[0] >= 1.0 - tolerance(1.0)


def _stacked_gzip_bomb(decoded: int) -> bytes:
    """`decoded` zero bytes, gzipped twice: a couple of kilobytes on the wire."""
    inner = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1 << 20)
    layer = b"".join(inner.compress(zeros) for _ in range(decoded >> 20)) + inner.flush()
    return gzip.compress(layer, 9)


BOMB_PROBE = r"""
import asyncio, json, resource, sys
from tracker.config import FetchConfig
from tracker.fetch import Fetcher, Page
config = FetchConfig(allow_private_addresses=True, per_host_delay=0, timeout="10s")
async def go():
    async with Fetcher(config) as fetcher:
        return await asyncio.gather(*(fetcher.fetch(url) for url in sys.argv[1:]))
results = asyncio.run(go())
print(json.dumps({"peak_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "results": [[type(r).__name__, getattr(r, "kind", None)] for r in results]}))
"""


def test_a_stacked_gzip_bomb_is_refused_within_the_limit_and_harms_no_other_check(site: NewsSite) -> None:
    bomb = _stacked_gzip_bomb(1 << 30)  # 1 GiB decoded
    assert len(bomb) < 10_000
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
    site.route("/bomb", lambda _r: Response(body=bomb, headers=headers))
    story = site.add_story()

    def probe(*paths: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-c", BOMB_PROBE, *(site.url(p) for p in paths)],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return json.loads(done.stdout)

    ordinary = probe(story.path)
    both = probe("/bomb", story.path, "/bomb")
    assert both["results"] == [["FetchFailure", "too_large"], ["Page", None], ["FetchFailure", "too_large"]]
    # two bombs in flight cost at most a few times fetch.max_bytes (5 MB), not a GiB each
    assert both["peak_kib"] - ordinary["peak_kib"] < 40 * 1024, (ordinary, both)


@pytest.mark.parametrize(
    ("encoding", "encode"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", lambda data: zlib.compress(data)[2:-4]),  # raw deflate, as some servers send it
        ("gzip, gzip", lambda data: gzip.compress(gzip.compress(data))),
        ("identity, gzip", gzip.compress),
    ],
)
def test_encoded_pages_are_decoded_by_the_bounded_decoder(site: NewsSite, encoding: str, encode: Any) -> None:
    html = b"<html><body>" + b"<p>A paragraph of the story.</p>" * 2000 + b"</body></html>"
    site.route("/encoded", lambda _r: Response(body=encode(html), headers={"Content-Encoding": encoding}))
    page = fetch(site.url("/encoded"))
    assert isinstance(page, Page) and page.content == html
    small = fetch(site.url("/encoded"), max_bytes=len(html) - 1)
    assert isinstance(small, FetchFailure) and small.kind == "too_large"


def test_an_encoding_not_asked_for_or_a_broken_stream_is_a_clear_failure(site: NewsSite) -> None:
    site.route("/br", lambda _r: Response(body=b"\x8b\x00junk", headers={"Content-Encoding": "br"}))
    site.route("/broken", lambda _r: Response(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    br = fetch(site.url("/br"))
    assert isinstance(br, FetchFailure) and "br was not asked for" in br.message
    broken = fetch(site.url("/broken"))
    assert (
        isinstance(broken, FetchFailure) and broken.kind == "truncated" and "not valid gzip" in broken.message
    )
