"""DNS pinning: a request's connection goes to the addresses its address rules checked.

tracker looks each hop's host name up itself (`addresses.destination`) and judges
every address it gets. If httpx then looked the name up again to connect, a name
that answers a public address to the check and a private one to the connection
(DNS rebinding) would reach the inside of the network, and the peer address kept
with a capture would not be the one that was checked. So the fetcher's connection
pool connects through `PinnedBackend`, whose `connect_tcp` never resolves: it
connects to the addresses pinned for the request being sent (`pinned`, a context
variable set around each request, so that concurrent fetches never see each
other's pins), in the resolver's order, the first that answers. The name still goes
where it belongs: in the Host header (httpx writes it from the URL) and as the TLS
server name, which the certificate is checked against (httpcore passes the URL's
host to `start_tls`, not the address connected to).

A connection kept alive in the pool is reused for the same scheme, host and port:
it goes to an address checked for an earlier request to that name. A connection
opened with no pin, or with another host's, is refused (`httpcore.ConnectError`).
The addresses are tried one after another, not raced (no Happy Eyeballs, which
httpcore's own backend does when it resolves): one that drops packets costs a
connect timeout (`fetch.timeout`, at most 10 s) before the next is tried; the
system's resolver puts addresses it has no route to last.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import httpcore
import httpx

from tracker.fetch.addresses import Destination

_PIN: ContextVar[Destination | None] = ContextVar("tracker_fetch_pin", default=None)


@contextmanager
def pinned(destination: Destination) -> Iterator[None]:
    """Connections opened within (by this task) go to `destination`'s addresses."""
    token = _PIN.set(destination)
    try:
        yield
    finally:
        _PIN.reset(token)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting to the pinned addresses instead of
    looking the host name up again."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        pin = _PIN.get()
        if pin is None or (pin.host, pin.port) != (host, port) or not pin.addresses:
            raise httpcore.ConnectError(f"{host}:{port} was not looked up and checked for this request")
        *others, last = pin.addresses
        for address in others:  # the next address when one does not answer, as getaddrinfo's list is tried
            try:
                return await self._inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout):
                continue
        return await self._inner.connect_tcp(str(last), port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("tracker fetches over TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (TLS, HTTP/1.1, exceptions mapped) over a connection pool
    that connects through `PinnedBackend`. httpx takes no network backend of its own,
    so the pool it made is replaced by one made the same way with ours."""

    def __init__(self, limits: httpx.Limits) -> None:
        super().__init__(limits=limits)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(),
        )
