"""Which URLs may be asked, and where their connections go: http(s) to a real host
name, (unless `fetch.allow_private_addresses`) only to public addresses, and only to
the addresses that were checked.

A feed or a redirect may point anywhere, so the rule is checked on every hop,
against what the host name resolves to now: `destination` looks the name up once
(through a `Resolver`, the system's unless a test gives its own) and returns the
addresses it judged, which the connection is then pinned to (`tracker.fetch.pinning`),
so that a second lookup, which could answer otherwise (DNS rebinding), never happens.
An IPv6 address that carries an IPv4 address (mapped, translated, compatible, 6to4,
NAT64, Teredo) is judged by the IPv4 address it carries, which is where the packet
really goes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import httpx

from tracker.fetch.results import Refusal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[IPAddress]]]
"""Looks a host name up: its addresses for a TCP connection to that port, in the order to
try them; raises `OSError` when the name does not resolve."""

# what no host name holds (a space, a percent sign, a control character...)
_BAD_HOST = re.compile(r"[\x00-\x20%<>\"{}|\\^`\x7f]")
# IPv6 forms that carry an IPv4 address, which is where the packet really goes:
# NAT64 (RFC 6052, and the local-use prefix of RFC 8215) and the IPv4-translated
# ::ffff:0:a.b.c.d (RFC 2765); ipaddress calls the NAT64 forms global whatever they hold
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


@dataclass(frozen=True, slots=True)
class Destination:
    """Where one hop's request goes: the host name and port as httpx connects to them
    (an IDN in its ASCII form, an IPv6 address without brackets), and the addresses
    the name resolved to and the address rules allowed, in the order to try them.
    No addresses: the name was not looked up (a test's transport connects nowhere)."""

    host: str
    port: int
    addresses: tuple[IPAddress, ...] = ()


async def destination(
    url: str, *, allow_private: bool, timeout: float, resolver: Resolver
) -> Destination | Refusal:
    """Where `url` may be asked, its host name looked up once; or why not (not an
    http(s) URL to a host name, a name that does not resolve, one that resolves to a
    private or loopback address while `allow_private` is off)."""
    where = target(url)
    if isinstance(where, Refusal):
        return where
    try:
        async with asyncio.timeout(timeout):
            found = await _resolve(where.host, where.port, resolver)
    except TimeoutError:
        return Refusal("timeout", f"resolving {where.host} timed out")
    if not found:
        return Refusal("connect", f"cannot resolve {where.host}")
    private = [address for address in found if not is_public(address)]
    if private and not allow_private:
        return Refusal(
            "blocked_address",
            f"{where.host} resolves to {private[0]}, a private or loopback address "
            "(set fetch.allow_private_addresses to allow it)",
        )
    return Destination(where.host, where.port, found)


def target(url: str) -> Destination | Refusal:
    """The host and port `url` asks, as httpx reads them (not yet looked up), or why it
    is not an http(s) URL to a host name."""
    try:
        parts = httpx.URL(url)
    except httpx.InvalidURL as error:  # an unclosed [IPv6, a port that is not a number
        return Refusal("invalid_url", f"not a URL ({error}): {url}")
    host = parts.raw_host.decode("ascii")
    if parts.scheme not in ("http", "https") or not host:
        return Refusal("invalid_url", f"not an http(s) URL: {url}")
    if _BAD_HOST.search(host):
        return Refusal("invalid_url", f"not a host name: {host!r} in {url}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if not 0 < port < 65536:
        return Refusal("invalid_url", f"not a URL (port {port} out of range): {url}")
    return Destination(host, port)


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    """The system's answer (getaddrinfo), as httpcore would have asked it."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]


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


async def _resolve(host: str, port: int, resolver: Resolver) -> tuple[IPAddress, ...]:
    """The addresses of `host`, each once, in the resolver's order: an IP address is
    its own (no lookup); a name that does not resolve has none."""
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        found = await resolver(host, port)
    except OSError:
        return ()
    return tuple(dict.fromkeys(found))
