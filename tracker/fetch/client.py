"""The `Fetcher`: one httpx client for a run, redirects followed hop by hop.

A fetch is an `_Ask` (what to ask for, and how) that moves through redirects:
each hop makes a new one (`_Ask.redirected`), as httpx builds a new request for
each redirect, and every hop goes through the same steps: its host name looked up
once and the address rules (`tracker.fetch.addresses`), robots.txt
(`tracker.fetch.robots`), the host's turn (`tracker.fetch.politeness`), then the
request, its connection pinned to the addresses checked (`tracker.fetch.pinning`),
and the response, read within the limits.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from tracker.config import FetchConfig
from tracker.core.urls import host_of
from tracker.fetch import addresses, pinning
from tracker.fetch.addresses import Destination, Resolver
from tracker.fetch.decoding import ACCEPTED, BoundedDecoder, TooLarge, Undecodable
from tracker.fetch.politeness import Ledger, Turns
from tracker.fetch.results import Exchange, FetchFailure, FetchResult, NotModified, Page, Refusal
from tracker.fetch.robots import Robots, robots_url

REDIRECTS = frozenset({301, 302, 303, 307, 308})
HTML_TYPES = ("text/html", "application/xhtml+xml")
ACCEPT_HTML = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"
ACCEPT_ANY = "*/*"


@dataclass(frozen=True, slots=True)
class _Ask:
    """One fetch as it moves through redirects: the URL asked for, its validators,
    how to ask, and the URLs it was redirected to so far (the last is this hop's)."""

    url: str
    etag: str | None = None
    last_modified: str | None = None
    html_only: bool = True
    urgent: bool = False
    not_after: float | None = None
    redirects: tuple[str, ...] = ()
    robots_txt: bool = False  # reads a robots.txt: its hops are not checked against one
    within: frozenset[str] | None = None  # the only hosts its hops may reach (an archive's)

    @property
    def current(self) -> str:
        """The URL this hop asks for."""
        return self.redirects[-1] if self.redirects else self.url

    @property
    def headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        headers["Accept"] = ACCEPT_HTML if self.html_only else ACCEPT_ANY
        return headers

    def seen(self, url: str) -> bool:
        return url == self.url or url in self.redirects

    def redirected(self, location: str) -> _Ask:
        """The next hop: the same ask, at `location`."""
        return replace(self, redirects=(*self.redirects, location))

    def failure(
        self,
        kind: str,
        message: str,
        *,
        status: int | None = None,
        size: int | None = None,
        retry_after: str | None = None,
    ) -> FetchFailure:
        """This hop's failure, told as the fetch's."""
        return FetchFailure(
            self.url, kind, message, status, final_url=self.current, size=size, retry_after=retry_after
        )


@dataclass(slots=True)
class _Chain:
    """The network time a redirect chain may still spend."""

    budget: float
    spent: float = 0.0

    @property
    def left(self) -> float:
        return max(0.001, self.budget - self.spent)


class Fetcher:
    """One HTTP client for a run, with global and per-host limits on requests in flight.

    Use as `async with Fetcher(settings) as fetcher: result = await fetcher.fetch(url)`.

    Each hop's host name is looked up once, by `resolver` (the system's by default),
    and its connection goes to the addresses checked. A test's `transport` replaces
    the network: nothing is pinned then, and with private addresses allowed, no name
    is looked up unless the test also gives a `resolver`.
    """

    def __init__(
        self,
        settings: FetchConfig,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        ledger: Ledger | None = None,
        resolver: Resolver | None = None,
    ):
        self.settings = settings
        seconds = settings.timeout.total_seconds()
        limits = httpx.Limits(max_connections=settings.concurrency)
        self._resolver = resolver
        self._pins = transport is None
        self._client = httpx.AsyncClient(
            # only what `BoundedDecoder` undoes: httpx would add zstd when zstandard is installed
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPTED},
            timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)),
            follow_redirects=False,
            transport=transport or pinning.PinnedTransport(limits),
        )
        self.turns = Turns(
            settings.concurrency,
            settings.per_host_concurrency,
            settings.per_host_delay.total_seconds(),
            ledger=ledger,
        )
        self._robots: dict[str, Robots] = {}
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
        within: frozenset[str] | None = None,
    ) -> FetchResult:
        """GET `url`, following redirects; conditional when `etag`/`last_modified` are given.
        An `urgent` fetch (a confirmation) goes before the others waiting for their host.
        `within`: the only hosts (`host_of`) the fetch may reach, redirects included (a
        web archive's: a memento that redirects elsewhere is refused, kind `outside`).
        Raises `Postponed` when a request of the chain cannot get its turn before
        `not_after` (`time.monotonic()`); waiting for a turn is never a timeout."""
        ask = _Ask(
            url,
            etag=etag,
            last_modified=last_modified,
            html_only=html_only,
            urgent=urgent,
            not_after=not_after,
            within=within,
        )
        chain = _Chain(self._chain_budget())
        result = await self._send(ask, chain)
        return replace(result, elapsed_ms=int(chain.spent * 1000))

    async def _send(self, ask: _Ask, chain: _Chain) -> FetchResult:
        """Ask, then ask again where each redirect leads, checking every hop the same way."""
        while True:
            where = await self._allowed(ask)
            if isinstance(where, Refusal):
                return ask.failure(where.kind, where.message)
            with pinning.pinned(where):  # connected where the address rules looked
                outcome = await self._request(ask, chain)
            if not isinstance(outcome, str):
                return outcome
            if ask.seen(outcome):
                return ask.failure("redirect_loop", f"redirect loop back to {outcome}")
            ask = ask.redirected(outcome)
            if len(ask.redirects) > self.settings.max_redirects:
                return ask.failure("too_many_redirects", f"more than {self.settings.max_redirects} redirects")

    async def _allowed(self, ask: _Ask) -> Destination | Refusal:
        """Where this hop goes, or why it is not asked at all: the hosts it must stay
        within, an address rule, then robots.txt."""
        if ask.within is not None and host_of(ask.current) not in ask.within:
            return Refusal("outside", f"{host_of(ask.current)} is not among the hosts allowed")
        where = await self._destination(ask.current)
        if isinstance(where, Refusal) or ask.robots_txt:
            return where
        refused = await self._disallowed(ask.current)
        return where if refused is None else refused

    async def _destination(self, url: str) -> Destination | Refusal:
        """`url`'s host looked up once and checked; only its form when a test's
        transport stands for the network and private addresses are allowed."""
        allow_private = self.settings.allow_private_addresses
        if not self._pins and self._resolver is None and allow_private:
            return addresses.target(url)
        return await addresses.destination(
            url,
            allow_private=allow_private,
            timeout=self.settings.timeout.total_seconds(),
            resolver=self._resolver or addresses.system_resolver,
        )

    async def _request(self, ask: _Ask, chain: _Chain) -> FetchResult | str:
        """One hop, once its host's turn has come: a result, or the next URL to go to."""
        host = host_of(ask.current)

        async def trace(event: str, _info: object) -> None:
            if event.endswith("send_request_headers.complete"):
                self.turns.sent(host)  # the pace counts from when the request went out

        async with self.turns.turn(host, urgent=ask.urgent, not_after=ask.not_after):
            budget = min(self.settings.timeout.total_seconds(), chain.left)
            sent = time.perf_counter()
            try:
                async with asyncio.timeout(budget):
                    async with self._client.stream(
                        "GET", ask.current, headers=ask.headers, extensions={"trace": trace}
                    ) as response:
                        return await self._read(ask, response)
            except (TimeoutError, httpx.HTTPError, httpx.InvalidURL) as error:
                return _network_failure(ask, error)
            finally:
                chain.spent += time.perf_counter() - sent

    async def _read(self, ask: _Ask, response: httpx.Response) -> FetchResult | str:
        """What a response says: where it redirects to, or the fetch's result."""
        status = response.status_code
        if status in REDIRECTS and "location" in response.headers:
            return urljoin(ask.current, response.headers["location"])
        if status == 304:
            return NotModified(ask.url, ask.current, redirects=ask.redirects)
        if status >= 300:
            retry_after = response.headers.get("retry-after")
            if status in (429, 503):
                await self._hold_back(ask.current, retry_after)
            return ask.failure("http_status", f"HTTP {status}", status=status, retry_after=retry_after)
        received = datetime.now(UTC)
        content_type = response.headers.get("content-type", "")
        if ask.html_only and content_type and not content_type.lower().startswith(HTML_TYPES):
            return ask.failure("not_html", f"not an HTML page: {content_type}", status=status)
        body = await self._body(response)
        if isinstance(body, FetchFailure):
            return ask.failure(body.kind, body.message, status=status, size=body.size)
        return Page(
            ask.url,
            ask.current,
            status,
            body,
            content_type,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            redirects=ask.redirects,
            exchange=_exchange(ask, response, received),
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

    async def _disallowed(self, url: str) -> Refusal | None:
        """Why robots.txt forbids `url` to this agent; robots.txt is read first when
        this fetcher has not read it within the day."""
        if not self.settings.obey_robots or urlsplit(url).path == "/robots.txt":
            return None
        host = host_of(url)
        robots = self._robots.setdefault(host, Robots())
        async with robots.lock:
            if time.monotonic() >= robots.until:
                ask = _Ask(robots_url(url), html_only=False, urgent=True, robots_txt=True)
                result = await self._send(ask, _Chain(self._chain_budget()))
                crawl_delay = robots.learn(result, time.monotonic(), self._agent)
                if crawl_delay:
                    self.turns.set_delay(host, crawl_delay)
        return robots.refusal(url, self.settings.user_agent, self._agent)

    def _chain_budget(self) -> float:
        return self.settings.timeout.total_seconds() * 2


def _exchange(ask: _Ask, response: httpx.Response, received: datetime) -> Exchange:
    """The last hop's request as sent and its response as received, for the archive."""
    stream = response.extensions.get("network_stream")
    server = stream.get_extra_info("server_addr") if stream is not None else None
    encodings = response.headers.get("content-encoding", "")
    return Exchange(
        ask.current,
        received,
        tuple(
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.request.headers.raw
        ),
        response.http_version,
        response.status_code,
        response.reason_phrase,
        tuple((name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw),
        str(server[0]) if isinstance(server, tuple) and server else None,
        tuple(part.strip().lower() for part in encodings.split(",") if part.strip() not in ("", "identity")),
    )


def _network_failure(ask: _Ask, error: Exception) -> FetchFailure:
    """What an exception of the network exchange means, as a failure of this hop."""
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return ask.failure("timeout", "timed out")
    if isinstance(error, httpx.ConnectError):
        return ask.failure("connect", f"cannot connect: {error}")
    if isinstance(error, httpx.RemoteProtocolError):
        if str(error).startswith("Invalid URL in location header"):  # httpx reads Location eagerly
            return ask.failure("invalid_url", f"the redirect leads nowhere: {error}")
        return ask.failure("truncated", f"connection cut: {error}")
    if isinstance(error, httpx.InvalidURL | httpx.UnsupportedProtocol):
        return ask.failure("invalid_url", str(error))
    return ask.failure("network", f"{type(error).__name__}: {error}")


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
