"""Which URLs may be asked: http(s) to a real host name, and (unless
`fetch.allow_private_addresses`) only to public addresses.

A feed or a redirect may point anywhere, so the rule is checked on every hop,
against what the host name resolves to now. An IPv6 address that carries an IPv4
address (mapped, translated, compatible, 6to4, NAT64, Teredo) is judged by the
IPv4 address it carries, which is where the packet really goes.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from tracker.fetch.results import Refusal

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# what no host name holds (a space, a percent sign, a control character...)
_BAD_HOST = re.compile(r"[\x00-\x20%<>\"{}|\\^`\x7f]")
# IPv6 forms that carry an IPv4 address, which is where the packet really goes:
# NAT64 (RFC 6052, and the local-use prefix of RFC 8215) and the IPv4-translated
# ::ffff:0:a.b.c.d (RFC 2765); ipaddress calls the NAT64 forms global whatever they hold
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


async def refusal(url: str, *, allow_private: bool, timeout: float) -> Refusal | None:
    """Why `url` may not be asked (not an http(s) URL to a host name, or a host that
    resolves to a private or loopback address), else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:  # an unclosed [IPv6, a port out of range
        return Refusal("invalid_url", f"not a URL ({error}): {url}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return Refusal("invalid_url", f"not an http(s) URL: {url}")
    if _BAD_HOST.search(parts.hostname):
        return Refusal("invalid_url", f"not a host name: {parts.hostname!r} in {url}")
    if allow_private:
        return None
    try:
        async with asyncio.timeout(timeout):
            addresses = await _resolve(parts.hostname, port or (443 if parts.scheme == "https" else 80))
    except TimeoutError:
        return Refusal("timeout", f"resolving {parts.hostname} timed out")
    if addresses is None:
        return Refusal("connect", f"cannot resolve {parts.hostname}")
    private = [address for address in addresses if not is_public(address)]
    if private:
        return Refusal(
            "blocked_address",
            f"{parts.hostname} resolves to {private[0]}, a private or loopback address "
            "(set fetch.allow_private_addresses to allow it)",
        )
    return None


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


async def _resolve(host: str, port: int) -> list[IPAddress] | None:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        return None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
