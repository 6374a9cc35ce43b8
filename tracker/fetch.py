"""HTTP fetching (httpx, asynchronous).

A fetch returns a value, never raises for the network's sake: a `Page`, a
`NotModified` (an ordinary answer to a conditional request) or a
`FetchFailure` that says what went wrong in a word (`kind`) and a sentence.

Redirects are followed here, hop by hop, so that every hop is checked against
the private-address rule and loops are caught. Bodies are streamed and cut at
`max_bytes`; a body shorter than its Content-Length is `truncated`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import charset_normalizer
import httpx
from w3lib.encoding import html_to_unicode

from tracker.config import FetchConfig

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


@dataclass(slots=True)
class _Limits:
    total: asyncio.Semaphore
    per_host: int
    hosts: defaultdict[str, asyncio.Semaphore] = field(init=False)

    def __post_init__(self) -> None:
        self.hosts = defaultdict(lambda: asyncio.Semaphore(self.per_host))


class Fetcher:
    """One HTTP client for a run, with global and per-host limits on requests in flight.

    Use as `async with Fetcher(settings) as fetcher: result = await fetcher.fetch(url)`.
    """

    def __init__(self, settings: FetchConfig, transport: httpx.AsyncBaseTransport | None = None):
        self.settings = settings
        seconds = settings.timeout.total_seconds()
        self._client = httpx.AsyncClient(
            headers={"User-Agent": settings.user_agent},
            timeout=httpx.Timeout(seconds, connect=min(seconds, 10.0)),
            follow_redirects=False,
            transport=transport,
            limits=httpx.Limits(max_connections=settings.concurrency),
        )
        self._limits = _Limits(asyncio.Semaphore(settings.concurrency), settings.per_host_concurrency)

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
    ) -> FetchResult:
        """GET `url`, following redirects; conditional when `etag`/`last_modified` are given."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.timeout.total_seconds() * 2):
                result = await self._follow(url, etag, last_modified, html_only)
        except TimeoutError:
            result = FetchFailure(url, "timeout", "timed out", final_url=url)
        elapsed = int((time.perf_counter() - started) * 1000)
        return _with_elapsed(result, elapsed)

    async def _follow(
        self, url: str, etag: str | None, last_modified: str | None, html_only: bool
    ) -> FetchResult:
        headers = _conditional_headers(etag, last_modified)
        headers["Accept"] = ACCEPT_HTML if html_only else ACCEPT_ANY
        seen = [url]
        current = url
        for _hop in range(self.settings.max_redirects + 1):
            refusal = await self._refuse(current)
            if refusal:
                return FetchFailure(url, refusal[0], refusal[1], final_url=current)
            result = await self._request(url, current, headers, tuple(seen[1:]), html_only)
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
        self,
        url: str,
        current: str,
        headers: dict[str, str],
        redirects: tuple[str, ...],
        html_only: bool,
    ) -> FetchResult | str:
        """One hop: a result, or the next URL to go to."""
        host = urlsplit(current).hostname or ""
        async with self._limits.total, self._limits.hosts[host]:
            try:
                async with self._client.stream("GET", current, headers=headers) as response:
                    return await self._read(url, current, response, redirects, html_only)
            except httpx.TimeoutException:
                return FetchFailure(url, "timeout", "timed out", final_url=current)
            except httpx.ConnectError as error:
                return FetchFailure(url, "connect", f"cannot connect: {error}", final_url=current)
            except httpx.RemoteProtocolError as error:
                return FetchFailure(url, "truncated", f"connection cut: {error}", final_url=current)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as error:
                return FetchFailure(url, "invalid_url", str(error), final_url=current)
            except httpx.HTTPError as error:
                return FetchFailure(url, "network", f"{type(error).__name__}: {error}", final_url=current)

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
            return FetchFailure(
                url,
                "http_status",
                f"HTTP {status}",
                status=status,
                final_url=current,
                retry_after=response.headers.get("retry-after"),
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
        limit = self.settings.max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            return FetchFailure(
                "", "too_large", f"{declared} bytes declared, limit {limit}", size=int(declared)
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                return FetchFailure("", "too_large", f"over the limit of {limit} bytes", size=size)
            chunks.append(chunk)
        return b"".join(chunks)

    async def _refuse(self, url: str) -> tuple[str, str] | None:
        """(kind, message) when `url` may not be fetched, else None."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return "invalid_url", f"not an http(s) URL: {url}"
        if self.settings.allow_private_addresses:
            return None
        addresses = await _resolve(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        if addresses is None:
            return "connect", f"cannot resolve {parts.hostname}"
        private = [address for address in addresses if not address.is_global]
        if private:
            return (
                "blocked_address",
                f"{parts.hostname} resolves to {private[0]}, a private or loopback address "
                "(set fetch.allow_private_addresses to allow it)",
            )
        return None


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


def _detect_charset(content: bytes) -> str | None:
    best = charset_normalizer.from_bytes(content[:65536]).best()
    return best.encoding if best else None
