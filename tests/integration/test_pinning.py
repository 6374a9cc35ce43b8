"""DNS pinning: a request connects to the address its host name was looked up and checked
at, never to what a second lookup says (DNS rebinding), on every hop.

Two loopback sites listen on the same port, one on 127.0.0.1 and one on 127.0.0.2,
under host names that only the test's resolver knows (`.test` never resolves), so a
fetcher that looked a name up again, or let httpx resolve it, would reach the other
site or nothing.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.site import NewsSite, Request, Response
from tracker.config import FetchConfig
from tracker.fetch import Fetcher, FetchFailure, FetchResult, IPAddress, Page

CHECKED = b"<html><body><p>From the address that was checked.</p></body></html>"
REBOUND = b"<html><body><p>From the address of another lookup.</p></body></html>"


class Rebinding:
    """A resolver whose answer for a name changes from one lookup to the next, as a
    rebinding attacker's name server does: each lookup takes the next answer, the last
    one repeats. A name it does not know does not resolve."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = {host: list(lookups) for host, lookups in answers.items()}
        self.lookups: list[str] = []

    async def __call__(self, host: str, port: int) -> list[IPAddress]:
        self.lookups.append(host)
        queue = self.answers.get(host)
        if not queue:
            raise OSError(f"{host} does not resolve")
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        return [ipaddress.ip_address(address) for address in answer]


@pytest.fixture
def sites() -> Iterator[tuple[NewsSite, NewsSite]]:
    """One site on 127.0.0.1 and one on 127.0.0.2, on the same port."""
    first = NewsSite().start()
    second = NewsSite(host="127.0.0.2", port=first.port).start()
    yield first, second
    first.stop()
    second.stop()


def serve(site: NewsSite, body: bytes, hosts: list[str]) -> None:
    """`/page` answers `body` and notes the Host header it was asked with."""

    def page(request: Request) -> Response:
        hosts.append(request.headers["Host"])
        return Response(body=body)

    site.route("/page", page)


def fetch(urls: list[str], resolver: Rebinding, **settings: Any) -> list[FetchResult]:
    """Fetch `urls` one after another with one fetcher (one connection pool)."""
    options = {
        "allow_private_addresses": True,
        "obey_robots": False,
        "per_host_delay": "0s",
        "timeout": "3s",
        **settings,
    }
    config = FetchConfig.model_validate(options)

    async def go() -> list[FetchResult]:
        async with Fetcher(config, resolver=resolver) as fetcher:
            return [await fetcher.fetch(url) for url in urls]

    return asyncio.run(asyncio.wait_for(go(), 20))


def test_the_connection_goes_to_the_address_checked_not_to_a_second_lookups(
    sites: tuple[NewsSite, NewsSite],
) -> None:
    first, second = sites
    hosts: list[str] = []
    serve(first, CHECKED, hosts)
    serve(second, REBOUND, hosts)
    resolver = Rebinding({"news.test": [["127.0.0.1"], ["127.0.0.2"]]})
    [page] = fetch([f"http://news.test:{first.port}/page"], resolver)
    assert isinstance(page, Page), page
    assert page.content == CHECKED and second.hits == {}
    assert resolver.lookups == ["news.test"], "one lookup a hop, even with private addresses allowed"
    assert page.exchange is not None and page.exchange.peer == "127.0.0.1"
    assert hosts == [f"news.test:{first.port}"], "the Host header names the host, not the address"


def test_every_redirect_hop_connects_where_its_own_lookup_was_checked(
    sites: tuple[NewsSite, NewsSite],
) -> None:
    first, second = sites
    hosts: list[str] = []
    moved = f"http://elsewhere.test:{first.port}/page"
    first.route("/start", lambda _r: Response(302, headers={"Location": moved}))
    serve(first, CHECKED, hosts)
    serve(second, REBOUND, hosts)
    resolver = Rebinding({"news.test": [["127.0.0.1"]], "elsewhere.test": [["127.0.0.2"], ["127.0.0.1"]]})
    [page] = fetch([f"http://news.test:{first.port}/start"], resolver)
    assert isinstance(page, Page), page
    assert page.content == REBOUND and page.redirects == (moved,)
    assert resolver.lookups == ["news.test", "elsewhere.test"]
    assert page.exchange is not None and page.exchange.peer == "127.0.0.2" and page.exchange.url == moved
    assert first.hits == {"/start": 1} and hosts == [f"elsewhere.test:{first.port}"]


def test_a_private_first_answer_is_refused_and_nothing_is_connected(
    sites: tuple[NewsSite, NewsSite],
) -> None:
    first, second = sites
    serve(first, CHECKED, [])
    serve(second, REBOUND, [])
    resolver = Rebinding({"news.test": [["127.0.0.1"], ["127.0.0.2"]]})
    url = f"http://news.test:{first.port}/page"
    refused, unknown = fetch(
        [url, f"http://nowhere.test:{first.port}/page"], resolver, allow_private_addresses=False
    )
    assert isinstance(refused, FetchFailure) and refused.kind == "blocked_address", refused
    assert "news.test resolves to 127.0.0.1" in refused.message
    assert isinstance(unknown, FetchFailure) and unknown.kind == "connect", unknown
    assert resolver.lookups == ["news.test", "nowhere.test"]
    assert first.hits == {} and second.hits == {}, "a refused address must not be contacted"


def test_a_kept_connection_is_reused_and_its_peer_is_the_address_it_was_opened_to(
    sites: tuple[NewsSite, NewsSite],
) -> None:
    """The second fetch's lookup answers 127.0.0.2, but the pool still holds the
    connection opened to 127.0.0.1 (checked for the first): the capture says so."""
    first, second = sites
    serve(first, CHECKED, [])
    serve(second, REBOUND, [])
    resolver = Rebinding({"news.test": [["127.0.0.1"], ["127.0.0.2"]]})
    url = f"http://news.test:{first.port}/page"
    pages = fetch([url, url], resolver)
    assert resolver.lookups == ["news.test", "news.test"]
    assert all(isinstance(page, Page) and page.content == CHECKED for page in pages), pages
    assert [page.exchange.peer for page in pages if isinstance(page, Page) and page.exchange] == [
        "127.0.0.1",
        "127.0.0.1",
    ]
    assert second.hits == {}


def test_the_next_address_is_tried_when_one_does_not_answer(sites: tuple[NewsSite, NewsSite]) -> None:
    first, _second = sites
    serve(first, CHECKED, [])
    resolver = Rebinding({"news.test": [["127.0.0.3", "127.0.0.1"]]})  # nothing listens on 127.0.0.3
    [page] = fetch([f"http://news.test:{first.port}/page"], resolver)
    assert isinstance(page, Page) and page.content == CHECKED, page
    assert page.exchange is not None and page.exchange.peer == "127.0.0.1"


def _certificate(directory: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name` (its own authority) and its key."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", f"/CN={name}",
         "-addext", f"subjectAltName=DNS:{name}"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return cert, key


def test_tls_names_the_host_and_checks_its_certificate_against_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Connected to 127.0.0.1, the TLS handshake still sends the host name (SNI) and the
    certificate is checked against the name: a name the certificate is not for fails."""
    cert, key = _certificate(tmp_path, "news.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    names: list[str | None] = []
    context.sni_callback = lambda _socket, name, _context: names.append(name)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # httpx trusts it as an authority
    site = NewsSite(tls=context).start()
    try:
        hosts: list[str] = []
        serve(site, CHECKED, hosts)
        resolver = Rebinding({"news.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
        page, other = fetch(
            [f"https://news.test:{site.port}/page", f"https://other.test:{site.port}/page"], resolver
        )
    finally:
        site.stop()
    assert isinstance(page, Page) and page.content == CHECKED, page
    assert page.exchange is not None and page.exchange.peer == "127.0.0.1"
    assert names[0] == "news.test" and hosts == [f"news.test:{site.port}"]
    assert isinstance(other, FetchFailure) and other.kind == "connect", other
    assert "certificate" in other.message.lower(), other.message
