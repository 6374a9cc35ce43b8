"""HTTP fetching (httpx, asynchronous): the network edge.

Rule: imports `tracker.core` and the leaves only, never the database
(`tracker.store`) nor the check or read sides; what several processes share
(host turns) comes in through the `politeness.Ledger` protocol.

A fetch returns a value, never raises for the network's sake: a `Page`, a
`NotModified` (an ordinary answer to a conditional request) or a
`FetchFailure` that says what went wrong in a word (`kind`) and a sentence.

Redirects are followed here, hop by hop, so that every hop is checked against
the private-address rule and robots.txt, and loops are caught. Bodies are
streamed and cut at `max_bytes`; a body shorter than its Content-Length is
`truncated`.

Politeness, per host (`tracker.fetch.politeness`): at most `per_host_concurrency`
requests in flight, requests started at least `per_host_delay` apart (or the
robots.txt Crawl-delay, if longer), robots.txt obeyed (RFC 9309: a 4xx
robots.txt allows everything, an unreachable one disallows for a while), and a
429 or 503 with Retry-After holds the host back for that long (at most
`max_retry_after`). Waiting for a turn is not part of any timeout: `timeout`
bounds each request's network exchange from when it is sent (connect, each
read, and the whole response), and twice `timeout` bounds the network time of
a whole redirect chain. A fetch that cannot get its turn before its
`not_after` raises `Postponed`: nothing was asked, nothing failed.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import re
import socket
import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import httpx
from w3lib.encoding import html_to_unicode

from tracker.config import FetchConfig
from tracker.core.urls import host_of
from tracker.fetch.decoding import BoundedDecoder, TooLarge, Undecodable
from tracker.fetch.politeness import Ledger, Postponed, Turns

__all__ = ["FetchFailure", "FetchResult", "Fetcher", "NotModified", "Page", "Postponed"]

REDIRECTS = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
ACCEPT_ANY = "*/*"


@dataclass(frozen=True, slots=True)
class Page:
    """A successful response (2xx), body complete and within the size limit."""

    url: str
    final_url: str
    status: int
    content: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    redirects: tuple[str, ...] = ()
    elapsed_ms: int = 0

    @property
    def size(self) -> int:
        return len(self.content)

    def html(self) -> str:
        """The body as text: charset from the header, then `<meta>`, then detection."""
        _encoding, text = html_to_unicode(self.content_type, self.content, auto_detect_fun=_detect_charset)
        return str(text)


@dataclass(frozen=True, slots=True)
class NotModified:
    url: str
    final_url: str
    status: int = 304
    redirects: tuple[str, ...] = ()
    elapsed_ms: int = 0


@dataclass(frozen=True, slots=True)
class FetchFailure:
    """Why a fetch produced no page. `kind` is one of: invalid_url, blocked_address,
    timeout, connect, network, truncated, too_large, redirect_loop, too_many_redirects,
    http_status, not_html."""

    url: str
    kind: str
    message: str
    status: int | None = None
    final_url: str | None = None
    size: int | None = None
    retry_after: str | None = None
    elapsed_ms: int = 0


FetchResult = Page | NotModified | FetchFailure


ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY = 600.0
ROBOTS_MAX_BYTES = 512_000


@dataclass(slots=True)
class _Robots:
    """A host's robots.txt: the parsed rules (None: everything allowed; False: the
    server failed, so nothing is), and until when they hold."""

    rules: Any = None
    until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


@dataclass(slots=True)
class _Chain:
    """The network time a redirect chain may still spend."""

    budget: float
    spent: float = 0.0

    @property
    def left(self) -> float:
        return max(0.001, self.budget - self.spent)


@dataclass(frozen=True, slots=True)
class _Hop:
    url: str  # the URL asked for
    current: str  # this hop's URL
    headers: dict[str, str]
    redirects: tuple[str, ...]
    html_only: bool


class Fetcher:
    """One HTTP client for a run, with global and per-host limits on requests in flight.

    Use as `async with Fetcher(settings) as fetcher: result = await fetcher.fetch(url)`.
    """

    def __init__(
        self,
        settings: FetchConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        ledger: Ledger | None = None,
    ):
        self.settings = settings
        seconds = settings.timeout.total_seconds()
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)),
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=settings.concurrency),
        )
        self.turns = Turns(
            settings.concurrency,
            settings.per_host_concurrency,
            settings.per_host_delay.total_seconds(),
            ledger=ledger,
        )
        self._robots: dict[str, _Robots] = {}
        self._agent = settings.user_agent.split("/")[0].split()[0]

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        html_only: bool = True,
        urgent: bool = False,
        not_after: float | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects; conditional when `etag`/`last_modified` are given.
        An `urgent` fetch (a confirmation) goes before the others waiting for their host.
        Raises `Postponed` when a request of the chain cannot get its turn before
        `not_after` (`time.monotonic()`); waiting for a turn is never a timeout."""
        chain = _Chain(self._chain_budget())
        result = await self._follow(url, etag, last_modified, html_only, urgent, not_after, chain)
        return _with_elapsed(result, int(chain.spent * 1000))

    async def _follow(
        self,
        url: str,
        etag: str | None,
        last_modified: str | None,
        html_only: bool,
        urgent: bool,
        not_after: float | None,
        chain: _Chain,
    ) -> FetchResult:
        headers = _conditional_headers(etag, last_modified)
        headers["Accept"] = ACCEPT_HTML if html_only else ACCEPT_ANY
        seen = [url]
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            refusal = await self._refuse(current) or await self._disallowed(current)
            if refusal:
                return FetchFailure(url, refusal[0], refusal[1], final_url=current)
            hop = _Hop(url, current, headers, tuple(seen[1:]), html_only)
            result = await self._request(hop, urgent, not_after, chain)
            if not isinstance(result, str):
                return result
            if result in seen:
                return FetchFailure(
                    url, "redirect_loop", f"redirect loop back to {result}", final_url=current
                )
            seen.append(result)
            current = result
        return FetchFailure(
            url, "too_many_redirects", f"more than {self.settings.max_redirects} redirects", final_url=current
        )

    async def _request(
        self, hop: _Hop, urgent: bool, not_after: float | None, chain: _Chain
    ) -> FetchResult | str:
        """One hop, once its host's turn has come: a result, or the next URL to go to."""
        url, current, host = hop.url, hop.current, host_of(hop.current)

        async def trace(event: str, _info: object) -> None:
            if event.endswith("send_request_headers.complete"):
                self.turns.sent(host)  # the pace counts from when the request went out

        async with self.turns.turn(host, urgent=urgent, not_after=not_after):
            budget = min(self.settings.timeout.total_seconds(), chain.left)
            sent = time.perf_counter()
            try:
                async with asyncio.timeout(budget):
                    async with self._client.stream(
                        "GET", current, headers=hop.headers, extensions={"trace": trace}
                    ) as response:
                        return await self._read(url, current, response, hop.redirects, hop.html_only)
            except (TimeoutError, httpx.TimeoutException):
                return FetchFailure(url, "timeout", "timed out", final_url=current)
            except httpx.ConnectError as error:
                return FetchFailure(url, "connect", f"cannot connect: {error}", final_url=current)
            except httpx.RemoteProtocolError as error:
                if str(error).startswith("Invalid URL in location header"):  # httpx reads Location eagerly
                    return FetchFailure(
                        url, "invalid_url", f"the redirect leads nowhere: {error}", final_url=current
                    )
                return FetchFailure(url, "truncated", f"connection cut: {error}", final_url=current)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
                return FetchFailure(url, "invalid_url", str(error), final_url=current)
            except httpx.HTTPError as error:
                return FetchFailure(url, "network", f"{type(error).__name__}: {error}", final_url=current)
            finally:
                chain.spent += time.perf_counter() - sent

    async def _read(
        self,
        url: str,
        current: str,
        response: httpx.Response,
        redirects: tuple[str, ...],
        html_only: bool,
    ) -> FetchResult | str:
        status = response.status_code
        if status in REDIRECTS and "location" in response.headers:
            return urljoin(current, response.headers["location"])
        if status == 304:
            return NotModified(url, current, redirects=redirects)
        if status >= 300:
            retry_after = response.headers.get("retry-after")
            if status in (429, 503):
                await self._hold_back(current, retry_after)
            return FetchFailure(
                url,
                "http_status",
                f"HTTP {status}",
                status=status,
                final_url=current,
                retry_after=retry_after,
            )
        content_type = response.headers.get("content-type", "")
        if html_only and content_type and not content_type.lower().startswith(HTML_TYPES):
            return FetchFailure(
                url, "not_html", f"not an HTML page: {content_type}", status=status, final_url=current
            )
        body = await self._body(response)
        if isinstance(body, FetchFailure):
            return FetchFailure(
                url, body.kind, body.message, status=status, final_url=current, size=body.size
            )
        return Page(
            url,
            current,
            status,
            body,
            content_type,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            redirects=redirects,
        )

    async def _body(self, response: httpx.Response) -> bytes | FetchFailure:
        """The decoded body, at most `fetch.max_bytes`: declared sizes are believed when
        they are too large, and encodings are undone here, under the same bound at every
        layer (`tracker.fetch.decoding`), not by httpx, which would expand a stacked
        gzip bomb in full from a single network read."""
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return FetchFailure(
                "", "too_large", f"{declared} bytes declared, limit {limit}", size=int(declared)
            )
        try:
            decoder = BoundedDecoder(response.headers.get("content-encoding", ""), limit)
        except Undecodable as error:
            return FetchFailure("", "network", str(error))
        chunks: list[bytes] = []
        raw = 0
        try:
            async for chunk in response.aiter_raw():
                raw += len(chunk)
                if raw > limit:
                    return FetchFailure("", "too_large", f"over the limit of {limit} bytes", size=raw)
                chunks.append(decoder.feed(chunk))
        except TooLarge:
            return FetchFailure(
                "", "too_large", f"decoded past the limit of {limit} bytes", size=decoder.size
            )
        except Undecodable as error:
            return FetchFailure("", "truncated", str(error), size=decoder.size)
        return b"".join(chunks)

    async def _hold_back(self, url: str, retry_after: str | None) -> None:
        """A 429 or 503: ask this host nothing more until Retry-After has passed."""
        seconds = _retry_after_seconds(retry_after)
        if seconds is None:
            seconds = 60.0
        seconds = min(seconds, self.settings.max_retry_after.total_seconds())
        self.turns.hold_back(host_of(url), seconds)
        if self.turns.ledger is not None:
            await self.turns.ledger.hold_back(host_of(url), seconds)

    async def _disallowed(self, url: str) -> tuple[str, str] | None:
        """(kind, message) when robots.txt forbids `url` to this agent."""
        if not self.settings.obey_robots or urlsplit(url).path == "/robots.txt":
            return None
        robots = self._robots.setdefault(host_of(url), _Robots())
        async with robots.lock:
            if time.monotonic() >= robots.until:
                await self._load_robots(url, robots)
        if robots.rules is False:
            return "robots", "robots.txt could not be read; the site is left alone for now"
        if robots.rules is not None and not robots.rules.can_fetch(url, self.settings.user_agent):
            return "robots", f"robots.txt disallows {urlsplit(url).path} for {self._agent}"
        return None

    async def _load_robots(self, url: str, robots: _Robots) -> None:
        from protego import Protego

        parts = urlsplit(url)
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        result = await self._follow(robots_url, None, None, False, True, None, _Chain(self._chain_budget()))
        robots.until = time.monotonic() + ROBOTS_TTL
        if isinstance(result, Page):
            robots.rules = Protego.parse(result.content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"))
            crawl_delay = robots.rules.crawl_delay(self._agent)
            if crawl_delay:
                self.turns.set_delay(host_of(url), float(crawl_delay))
        elif isinstance(result, FetchFailure) and result.status is not None and 400 <= result.status < 500:
            robots.rules = None  # no robots.txt: everything is allowed
        elif isinstance(result, FetchFailure) and result.status is not None:
            robots.rules = False  # the server fails (5xx): disallow, and ask again later
            robots.until = time.monotonic() + ROBOTS_RETRY
        else:
            robots.rules = None  # not reached at all: the page's own fetch will say why
            robots.until = 0.0

    def _chain_budget(self) -> float:
        return self.settings.timeout.total_seconds() * 2

    async def _refuse(self, url: str) -> tuple[str, str] | None:
        """(kind, message) when `url` may not be fetched, else None."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as error:  # an unclosed [IPv6, a port out of range
            return "invalid_url", f"not a URL ({error}): {url}"
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "invalid_url", f"not an http(s) URL: {url}"
        if _BAD_HOST.search(parts.hostname):
            return "invalid_url", f"not a host name: {parts.hostname!r} in {url}"
        if self.settings.allow_private_addresses:
            return None
        try:
            async with asyncio.timeout(self.settings.timeout.total_seconds()):
                addresses = await _resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
        except TimeoutError:
            return "timeout", f"resolving {parts.hostname} timed out"
        if addresses is None:
            return "connect", f"cannot resolve {parts.hostname}"
        private = [address for address in addresses if not is_public(address)]
        if private:
            return (
                "blocked_address",
                f"{parts.hostname} resolves to {private[0]}, a private or loopback address "
                "(set fetch.allow_private_addresses to allow it)",
            )
        return None


# what no host name holds (a space, a percent sign, a control character...)
_BAD_HOST = re.compile(r"[\x00-\x20%<>\"{}|\\^`\x7f]")
# IPv6 forms that carry an IPv4 address, which is where the packet really goes:
# NAT64 (RFC 6052, and the local-use prefix of RFC 8215) and the IPv4-translated
# ::ffff:0:a.b.c.d (RFC 2765); ipaddress calls the NAT64 forms global whatever they hold
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to (IPv4-mapped, IPv4-translated,
    IPv4-compatible, 6to4, NAT64, Teredo's client), else None."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    value = int(address)
    if any(address in network for network in _NAT64) or value >> 32 == 0xFFFF0000:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if value >> 32 == 0 and value > 1:  # ::a.b.c.d, the deprecated IPv4-compatible form
        return ipaddress.IPv4Address(value)
    return None


def is_public(address: IPAddress) -> bool:
    """Whether tracker may connect there without `fetch.allow_private_addresses`: a
    global address, judged by the IPv4 address it carries when it carries one."""
    carried = embedded_ipv4(address)
    return carried.is_global if carried is not None else address.is_global


async def _resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address] | None:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


def _conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def _with_elapsed(result: FetchResult, elapsed_ms: int) -> FetchResult:
    return replace(result, elapsed_ms=elapsed_ms)


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _detect_charset(content: bytes) -> str | None:
    best = charset_normalizer.from_bytes(content[:65536]).best()
    return best.encoding if best else None
