"""What a page keeps of its HTTP exchange (`Page.exchange`, the capture an archive keeps):
the request as the server received it, the status line and header fields as sent, the
peer address, and which content encodings were undone, against a loopback server."""

from __future__ import annotations

import asyncio
import gzip
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.site import NewsSite, Request, Response
from tracker.config import FetchConfig
from tracker.fetch import Exchange, Fetcher, FetchResult, Page

HTML = b"<html><body>" + b"<p>A paragraph of the story, as published.</p>" * 400 + b"</body></html>"


def fetch(url: str, **options: Any) -> FetchResult:
    config = FetchConfig.model_validate(
        {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s", "obey_robots": False}
    )

    async def go() -> FetchResult:
        async with Fetcher(config) as fetcher:
            return await fetcher.fetch(url, **options)

    return asyncio.run(asyncio.wait_for(go(), 20))


def exchange_of(result: FetchResult) -> tuple[Page, Exchange]:
    assert isinstance(result, Page), result
    assert result.exchange is not None
    return result, result.exchange


def chunked(data: bytes, size: int = 1000) -> bytes:
    """`data` in the chunked transfer coding (RFC 9112 7.1), chunks of `size` bytes."""
    parts = [data[start : start + size] for start in range(0, len(data), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def test_the_request_is_kept_as_the_server_received_it(site: NewsSite) -> None:
    received: list[tuple[str, str]] = []

    def record(request: Request) -> Response:
        received.extend(request.headers.items())
        return Response(body=HTML)

    site.route("/page", record)
    before = datetime.now(UTC)
    page, exchange = exchange_of(
        fetch(site.url("/page"), etag='"v1"', last_modified="Tue, 01 Dec 2026 06:00:00 GMT")
    )
    assert exchange.request_headers == tuple(received), "every field, in order, as sent"
    sent = dict(exchange.request_headers)
    assert sent["Host"] == site.base.removeprefix("http://")
    assert sent["Accept-Encoding"] == "gzip, deflate", "only what the bounded decoder undoes"
    assert sent["User-Agent"].startswith("tracker")
    assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Tue, 01 Dec 2026 06:00:00 GMT"
    assert exchange.url == site.url("/page") and exchange.peer == "127.0.0.1"
    assert before <= exchange.at <= datetime.now(UTC)
    assert page.content == HTML and exchange.decoded == ()


def test_the_status_line_and_response_fields_are_kept_in_order_as_sent(site: NewsSite) -> None:
    headers = {"X-First": "1", "Cache-Control": "max-age=60", "ETag": '"abc"', "X-Last": "2"}
    site.route("/page", lambda _r: Response(203, HTML, headers=headers))
    _page, exchange = exchange_of(fetch(site.url("/page")))
    assert (exchange.http_version, exchange.status, exchange.reason) == (
        "HTTP/1.1",
        203,
        "Non-Authoritative Information",
    )
    # http.server writes Server and Date first, then the handler's fields in its order
    assert [name for name, _ in exchange.response_headers] == [
        "Server",
        "Date",
        "Content-Type",
        *headers,
        "Content-Length",
    ]
    assert dict(exchange.response_headers)["ETag"] == '"abc"'


@pytest.mark.parametrize(
    ("fields", "body", "decoded"),
    [
        ({"Content-Encoding": "gzip"}, gzip.compress(HTML), ("gzip",)),
        ({"Transfer-Encoding": "chunked", "Content-Length": ""}, chunked(HTML), ()),
        (
            {"Content-Encoding": "gzip", "Transfer-Encoding": "chunked", "Content-Length": ""},
            chunked(gzip.compress(HTML), 300),
            ("gzip",),
        ),
    ],
    ids=["gzip", "chunked", "gzip-chunked"],
)
def test_a_page_is_decoded_and_its_fields_say_how_it_came(
    site: NewsSite, fields: dict[str, str], body: bytes, decoded: tuple[str, ...]
) -> None:
    site.route("/page", lambda _r: Response(body=body, headers=fields))
    page, exchange = exchange_of(fetch(site.url("/page")))
    assert page.content == HTML, "the content encodings and the chunking undone"
    assert exchange.decoded == decoded
    received = dict(exchange.response_headers)
    for name, value in fields.items():
        if value:
            assert received[name] == value, "the fields as received, Content-Encoding still listed"
    if "Transfer-Encoding" not in fields:
        assert received["Content-Length"] == str(len(body)), "the length on the wire, not the decoded one"


def test_a_redirected_page_keeps_the_last_hops_exchange(site: NewsSite) -> None:
    site.route("/old", lambda _r: Response(301, headers={"Location": "/moved"}))
    site.route("/moved", lambda _r: Response(302, headers={"Location": "/story"}))
    site.route("/story", lambda _r: Response(body=HTML, headers={"X-Hop": "last"}))
    page, exchange = exchange_of(fetch(site.url("/old")))
    assert page.url == site.url("/old") and page.redirects == (site.url("/moved"), site.url("/story"))
    assert exchange.url == site.url("/story") == page.final_url
    assert exchange.status == 200 and dict(exchange.response_headers)["X-Hop"] == "last"
    assert "Location" not in dict(exchange.response_headers)
