"""Turns: when each request may start, host by host.

A request asks for its turn on its host and is granted it when

- fewer than `concurrency` requests are in flight in all,
- fewer than `per_host` are in flight on its host,
- its host's last request started at least the host's delay ago
  (`per_host_delay`, or its robots.txt Crawl-delay when longer), and no
  Retry-After holds the host back.

A request waiting for its turn holds nothing: no global slot is taken until it
is sent, so one host's backlog never delays another host. Urgent requests (a
confirming fetch, robots.txt) go before the others of their host. Among the
hosts ready at one moment, the one served least recently goes first (round
robin), so hosts are served fairly whatever their backlog.

A request that cannot start before its `not_after` (its batch's end) is told
so with `Postponed`: it is not a failure, the check stays due.

Every `Turns` of one process (each cycle of `run --once --all`, each command
that fetches, opens its own) knows when the earlier ones last sent each host a
request, so a new cycle's first request to a host waits its delay too: they
share a `LastSent`. The process's own, `THIS_PROCESS`, is owned by this module
rather than by an entry point because it describes the process, not a run:
every Fetcher a process opens shares it without the CLI or the daemon passing
it down. A `Turns` on another clock (a test's virtual time) takes a `LastSent`
of its own, since a store's times are on the clock of the `Turns` that wrote
them.

A `Turns` reads the time from its `Clock` and sets its wake-ups on that same
clock: the running event loop by default (on asyncio's loop `loop.time()` is
`time.monotonic()`, the time base of `not_after`), a virtual-time loop in tests.

Several processes on one database keep each host's next allowed start in the
database (a `Ledger`), so that together they ask a host no faster than its
delay: a granted turn is booked there before the request is sent, and a turn
another process booked first sends this one back to wait.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol


class Postponed(Exception):
    """The request could not get its turn before its batch ends; nothing was sent."""


class Ledger(Protocol):
    """Each host's next allowed start, shared by every process that asks it."""

    async def book(self, host: str, delay: float) -> float:
        """Book a start now (the next one `delay` later) and return 0, or return the
        seconds to wait when another process's turn comes first."""

    async def hold_back(self, host: str, seconds: float) -> None:
        """No process may ask `host` for `seconds` (a Retry-After)."""

    def not_before(self, host: str, moment: float) -> Awaitable[None]:
        """No process may ask `host` before `moment` (on the `Turns`' clock): a delay
        after the request that has just gone out. Called as the request goes out (what it
        refers to is taken then); the work may finish later."""


class Clock(Protocol):
    """Where `Turns` reads the time and sets its wake-ups: one time base for both.
    An event loop is one."""

    def time(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object]) -> asyncio.TimerHandle: ...


class LastSent:
    """When this process last sent each host a request, on its `Turns`' clock."""

    def __init__(self) -> None:
        self._moments: dict[str, float] = {}

    def of(self, host: str) -> float | None:
        return self._moments.get(host)

    def note(self, host: str, moment: float) -> None:
        self._moments[host] = moment


THIS_PROCESS = LastSent()


@dataclass(eq=False, slots=True)
class _Waiter:
    future: asyncio.Future[None]
    since: float
    urgent: bool
    not_after: float | None


@dataclass(eq=False, slots=True)
class _Host:
    delay: float
    floor: float = 0.0  # the least delay the operator set for this host (an archive's `delay`)
    in_flight: int = 0
    next_start: float = 0.0
    last_start: float = float("-inf")
    queues: tuple[deque[_Waiter], deque[_Waiter]] = field(default_factory=lambda: (deque(), deque()))

    def head(self) -> _Waiter | None:
        for queue in self.queues:
            if queue:
                return queue[0]
        return None

    def pop(self) -> _Waiter:
        return (self.queues[0] or self.queues[1]).popleft()


class Turns:
    """Per-host queues under one global limit on requests in flight (see the module doc)."""

    def __init__(
        self,
        concurrency: int,
        per_host: int,
        delay: float,
        *,
        ledger: Ledger | None = None,
        last_sent: LastSent = THIS_PROCESS,
        clock: Clock | None = None,
    ):
        self.concurrency = concurrency
        self.per_host = per_host
        self.delay = delay
        self.ledger = ledger
        self.last_sent = last_sent
        self._given_clock = clock
        self._hosts: dict[str, _Host] = {}
        self._in_flight = 0
        self._timer: asyncio.TimerHandle | None = None
        self._background: set[asyncio.Future[None]] = set()
        self._stopping = False

    def set_delay(self, host: str, seconds: float) -> None:
        """The host's own delay (a robots.txt Crawl-delay), when longer than the default
        and the host's floor."""
        state = self._host(host)
        state.delay = max(self.delay, seconds, state.floor)
        state.next_start = max(state.next_start, state.last_start + state.delay)

    def set_floor(self, host: str, seconds: float) -> None:
        """The least delay for `host` whatever its robots.txt says (an archive's published
        rate limit, in `archives[].delay`)."""
        self._host(host).floor = seconds
        self.set_delay(host, seconds)

    def delay_of(self, host: str) -> float:
        return self._host(host).delay

    def hold_back(self, host: str, seconds: float) -> None:
        """Ask `host` nothing for `seconds` (a Retry-After); other hosts go on."""
        state = self._host(host)
        state.next_start = max(state.next_start, self._clock.time() + seconds)
        self._pump()

    def postpone_all(self) -> None:
        """Stopping: every request still waiting for its turn, and any asked later, is
        postponed at once (what is in flight finishes)."""
        self._stopping = True
        for state in self._hosts.values():
            for queue in state.queues:
                while queue:
                    waiter = queue.popleft()
                    if not waiter.future.done():
                        waiter.future.set_exception(Postponed())

    def sent(self, host: str) -> None:
        """The host's request has just gone out: its next turn is a delay from now, not
        from when this one was granted (a busy process may send a granted request late)."""
        state = self._host(host)
        state.last_start = self._clock.time()
        state.next_start = max(state.next_start, state.last_start + state.delay)
        self.last_sent.note(host, state.last_start)
        if self.ledger is not None and state.delay > 0:  # another process's next turn counts from now too
            moment = state.last_start + state.delay
            task = asyncio.ensure_future(self.ledger.not_before(host, moment))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    def free_at(self, host: str) -> float:
        """When `host` may next be asked (on the clock), as this process knows it."""
        return self._host(host).next_start

    @asynccontextmanager
    async def turn(
        self, host: str, *, urgent: bool = False, not_after: float | None = None
    ) -> AsyncIterator[None]:
        """Wait for `host`'s turn; the request is sent inside the block.
        Raises `Postponed` when the turn cannot come before `not_after` (on the clock)."""
        if self._stopping:
            raise Postponed()
        state = self._host(host)
        since = self._clock.time()
        first = True
        while True:
            waiter = _Waiter(asyncio.get_running_loop().create_future(), since, urgent, not_after)
            await self._wait(state, waiter, front=not first)
            wait = await self._book(host, state)
            if wait <= 0:
                break
            first = False  # another process booked the host first: wait for its turn, at the front
            state.next_start = self._clock.time() + wait  # this grant's own booking of the next start is void
            self._release(state)
        try:
            yield
        finally:
            self._release(state)

    async def _wait(self, state: _Host, waiter: _Waiter, *, front: bool = False) -> None:
        queue = state.queues[0 if waiter.urgent else 1]
        if front:
            queue.appendleft(waiter)
        else:
            queue.append(waiter)
        self._pump()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter.future.done() and not waiter.future.cancelled():
                self._release(state)  # granted as it was cancelled: pass the turn on
            else:
                _discard(state, waiter)
            raise

    async def _book(self, host: str, state: _Host) -> float:
        if self.ledger is None or state.delay <= 0:
            return 0.0
        try:
            return await self.ledger.book(host, state.delay)
        except BaseException:
            self._release(state)
            raise

    def _release(self, state: _Host) -> None:
        state.in_flight -= 1
        self._in_flight -= 1
        self._pump()

    @property
    def _clock(self) -> Clock:
        return self._given_clock if self._given_clock is not None else asyncio.get_running_loop()

    def _host(self, host: str) -> _Host:
        state = self._hosts.get(host)
        if state is None:
            state = self._hosts[host] = _Host(self.delay)
            last = self.last_sent.of(host)
            if last is not None:  # an earlier Turns of this process asked it
                state.last_start, state.next_start = last, last + state.delay
        return state

    def _pump(self) -> None:
        """Grant every turn that may start now; wake again when the next one may."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        now = self._clock.time()
        wake = float("inf")
        while True:
            chosen, wake = self._choose(now)
            if chosen is None:
                break
            waiter = chosen.pop()
            chosen.in_flight += 1
            self._in_flight += 1
            chosen.last_start = now
            chosen.next_start = now + chosen.delay
            waiter.future.set_result(None)
        if wake < float("inf"):
            self._timer = self._clock.call_at(wake, self._pump)

    def _choose(self, now: float) -> tuple[_Host | None, float]:
        """The host whose turn it is (urgent first, then the one served least recently),
        and when to look again should none be ready."""
        best: _Host | None = None
        best_key = (2, 0.0, 0.0)
        wake = float("inf")
        for state in self._hosts.values():
            head = _live_head(state, now)
            if head is None:
                continue
            if head.not_after is not None:
                wake = min(wake, head.not_after)
            if state.in_flight >= self.per_host or self._in_flight >= self.concurrency:
                continue  # woken when a request ends
            if state.next_start > now:
                wake = min(wake, state.next_start)
                continue
            key = (0 if head.urgent else 1, state.last_start, head.since)  # round robin over hosts
            if key < best_key:
                best, best_key = state, key
        return best, wake


def _live_head(state: _Host, now: float) -> _Waiter | None:
    """The host's next waiter, after telling those who cannot start before their
    `not_after` so. At `not_after` itself it is too late: a waiter whose host is still
    busy then is postponed by the wake-up set for that moment, not woken again at it."""
    while (head := state.head()) is not None:
        if head.future.done():
            state.pop()
            continue
        if head.not_after is not None and max(now, state.next_start) >= head.not_after:
            state.pop().future.set_exception(Postponed())
            continue
        return head
    return None


def _discard(state: _Host, waiter: _Waiter) -> None:
    for queue in state.queues:
        if waiter in queue:
            queue.remove(waiter)
