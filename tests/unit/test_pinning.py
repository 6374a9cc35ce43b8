"""The pinned network backend connects where the request's pin says, and nowhere
without one (an in-memory network: httpcore's mock backend, recording where it was
asked to connect)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

import httpcore
import pytest

from tracker.fetch.addresses import Destination
from tracker.fetch.pinning import PinnedBackend, pinned

OK = [b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"]


class Recording(httpcore.AsyncMockBackend):
    """A network that answers OK to any connection and notes where each went."""

    def __init__(self) -> None:
        super().__init__(OK)
        self.connected: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected.append((host, port))
        return await super().connect_tcp(host, port, timeout, local_address, socket_options)


def ask(url: str, pin: Destination | None) -> tuple[int | str, list[tuple[str, int]]]:
    """GET `url` through a pinned pool: the status (or the error), and where it connected."""
    network = Recording()

    async def go() -> int | str:
        async with httpcore.AsyncConnectionPool(network_backend=PinnedBackend(network)) as pool:
            try:
                if pin is None:
                    return (await pool.request("GET", url)).status
                with pinned(pin):
                    return (await pool.request("GET", url)).status
            except httpcore.ConnectError as error:
                return str(error)

    return asyncio.run(go()), network.connected


def at(host: str, port: int, *addresses: str) -> Destination:
    return Destination(host, port, tuple(ipaddress.ip_address(address) for address in addresses))


@pytest.mark.parametrize(
    ("url", "pin", "connected"),
    [
        ("http://news.example/a", at("news.example", 80, "93.184.215.14"), ("93.184.215.14", 80)),
        ("https://news.example/a", at("news.example", 443, "2606:2800::1"), ("2606:2800::1", 443)),
        ("http://[2606:2800::1]:8080/", at("2606:2800::1", 8080, "2606:2800::1"), ("2606:2800::1", 8080)),
    ],
)
def test_a_request_connects_to_its_pinned_address(
    url: str, pin: Destination, connected: tuple[str, int]
) -> None:
    status, where = ask(url, pin)
    assert status == 200 and where == [connected]


@pytest.mark.parametrize(
    "pin",
    [
        None,
        at("other.example", 80, "93.184.215.14"),
        at("news.example", 8080, "93.184.215.14"),
        at("news.example", 80),
    ],
    ids=["no pin", "another host's", "another port's", "no addresses"],
)
def test_without_its_own_pin_a_request_connects_nowhere(pin: Destination | None) -> None:
    outcome, where = ask("http://news.example/a", pin)
    assert outcome == "news.example:80 was not looked up and checked for this request"
    assert where == []
