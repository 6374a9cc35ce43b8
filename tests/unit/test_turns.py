"""Turns (tracker.fetch.politeness) on virtual time: every moment asserted is exact.

The event loop's clock is virtual (`tests.support.virtual_time`): it starts at 0 and
jumps to the next timer whenever nothing else can run. `Turns` reads that clock and
sets its wake-ups on it (its clock is the running loop), so delays are whole seconds,
each test takes milliseconds, and no assertion depends on the machine's load.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.support.virtual_time import Deadlock, run
from tracker.fetch.politeness import THIS_PROCESS, LastSent, Ledger, Postponed, Turns

Log = list[tuple[str, float]]


def now() -> float:
    return asyncio.get_running_loop().time()


def fresh(concurrency: int, per_host: int, delay: float, *, ledger: Ledger | None = None) -> Turns:
    """A Turns with a `LastSent` of its own (the process's holds times on the real clock)."""
    return Turns(concurrency, per_host, delay, ledger=ledger, last_sent=LastSent())


async def ask(
    turns: Turns,
    host: str,
    log: Log,
    *,
    work: float = 0.0,
    not_after: float | None = None,
) -> None:
    """Wait for `host`'s turn and hold it for `work` seconds; log when it came, or when
    it was postponed."""
    try:
        async with turns.turn(host, not_after=not_after):
            log.append((host, now()))
            await asyncio.sleep(work)
    except Postponed:
        log.append((f"{host} postponed", now()))


def test_virtual_time_jumps_to_the_next_timer_and_never_waits_for_ever() -> None:
    async def an_hour() -> float:
        await asyncio.sleep(3600)
        return now()

    async def forever() -> None:
        await asyncio.get_running_loop().create_future()

    assert run(an_hour()) == 3600
    with pytest.raises(Deadlock):
        run(forever())


def test_a_host_waiting_for_its_turn_holds_no_global_place() -> None:
    """One place in flight; host a asked 3 s apart: b's request goes between a's two."""

    async def go() -> Log:
        turns = fresh(concurrency=1, per_host=2, delay=3)
        log: Log = []
        await asyncio.gather(*(ask(turns, host, log, work=1) for host in "aab"))
        return log

    assert run(go()) == [("a", 0), ("b", 1), ("a", 3)]


def test_hosts_with_backlogs_are_served_in_turn() -> None:
    """a's backlog came first, b's half a second later: from then on the host served least
    recently goes first, whatever the order of asking."""

    async def go() -> Log:
        turns = fresh(concurrency=1, per_host=1, delay=0)
        log: Log = []

        async def later(host: str) -> None:
            await asyncio.sleep(0.5)
            await ask(turns, host, log, work=1)

        await asyncio.gather(
            *(ask(turns, "a", log, work=1) for _ in range(4)), *(later("b") for _ in range(4))
        )
        return log

    assert run(go()) == [(host, second) for second, host in enumerate("abababab")]


def test_an_urgent_turn_goes_before_those_waiting_for_its_host() -> None:
    """A confirmation asked at 0.5 s goes at the host's next turn, before two asked at 0 s."""

    async def go() -> Log:
        turns = fresh(concurrency=4, per_host=1, delay=1)
        log: Log = []

        async def confirmation() -> None:
            await asyncio.sleep(0.5)
            async with turns.turn("a", urgent=True):
                log.append(("a urgent", now()))

        await asyncio.gather(*(ask(turns, "a", log) for _ in range(3)), confirmation())
        return log

    assert run(go()) == [("a", 0), ("a urgent", 1), ("a", 2), ("a", 3)]


def test_a_turn_that_cannot_come_before_the_batch_ends_is_postponed_and_takes_nothing() -> None:
    """Delay 2 s, the batch ends at 5 s: turns at 0, 2 and 4 s; the other three are
    postponed as soon as that is known, and b, asked next, goes at once."""

    async def go() -> Log:
        turns = fresh(concurrency=4, per_host=1, delay=2)
        log: Log = []
        await asyncio.gather(*(ask(turns, "a", log, not_after=5) for _ in range(6)))
        await ask(turns, "b", log)
        return log

    assert run(go()) == [("a", 0), ("a", 2), ("a", 4), *[("a postponed", 4)] * 3, ("b", 4)]


def test_a_turn_whose_host_stays_busy_past_the_batch_end_is_postponed_at_the_end() -> None:
    async def go() -> Log:
        turns = fresh(concurrency=4, per_host=1, delay=0)
        log: Log = []
        await asyncio.gather(ask(turns, "a", log, work=10), ask(turns, "a", log, not_after=5))
        return log

    assert run(go()) == [("a", 0), ("a postponed", 5)]


def test_a_held_back_host_postpones_at_once_and_others_go_on() -> None:
    """A Retry-After of a minute: a is postponed at once, b goes on, and a is asked again
    exactly a minute later."""

    async def go() -> Log:
        turns = fresh(concurrency=4, per_host=2, delay=0)
        log: Log = []
        turns.hold_back("a", 60)
        await ask(turns, "a", log, not_after=5)
        await ask(turns, "b", log)
        await ask(turns, "a", log)
        return log

    assert run(go()) == [("a postponed", 0), ("b", 0), ("a", 60)]


def test_the_pace_counts_from_when_a_request_went_out() -> None:
    """A request granted at once but sent 1.5 s late pushes the next turn back: the next
    one goes a whole delay (2 s) after it was sent."""

    async def go() -> Log:
        turns = fresh(concurrency=4, per_host=2, delay=2)
        log: Log = []

        async def late() -> None:
            async with turns.turn("a"):
                await asyncio.sleep(1.5)
                turns.sent("a")
                log.append(("a sent", now()))

        async def next_one() -> None:
            await asyncio.sleep(1)
            await ask(turns, "a", log)

        await asyncio.gather(late(), next_one())
        return log

    assert run(go()) == [("a sent", 1.5), ("a", 3.5)]


class SharedLedger:
    """A ledger as PostgreSQL keeps it, in memory: two processes' Turns share it."""

    def __init__(self) -> None:
        self.next_start: dict[str, float] = {}

    async def book(self, host: str, delay: float) -> float:
        if self.next_start.get(host, 0.0) <= now():
            self.next_start[host] = now() + delay
            return 0.0
        return self.next_start[host] - now()

    async def hold_back(self, host: str, seconds: float) -> None:
        self.next_start[host] = max(self.next_start.get(host, 0.0), now() + seconds)

    async def not_before(self, host: str, moment: float) -> None:
        self.next_start[host] = max(self.next_start.get(host, 0.0), moment)


def test_two_processes_sharing_a_ledger_keep_one_pace() -> None:
    """Together no faster than the delay, and no slower: a turn the other process booked
    first costs only the wait for it (not a whole delay more)."""

    async def go() -> list[float]:
        ledger = SharedLedger()
        first, second = fresh(4, 2, 1, ledger=ledger), fresh(4, 2, 1, ledger=ledger)
        log: Log = []
        await asyncio.gather(*(ask(turns, "a", log) for turns in (first, second) for _ in range(4)))
        return sorted(at for _host, at in log)

    assert run(go()) == [0, 1, 2, 3, 4, 5, 6, 7]


def test_a_turn_booked_elsewhere_costs_only_the_wait_for_it() -> None:
    """Another process asked the host 0.75 s ago (delay 1 s): this one goes 0.25 s later,
    not a whole delay later."""

    async def go() -> Log:
        ledger = SharedLedger()
        first, second = fresh(4, 2, 1, ledger=ledger), fresh(4, 2, 1, ledger=ledger)
        log: Log = []
        await ask(first, "a", log)
        await asyncio.sleep(0.75)
        await ask(second, "a", log)
        return log

    assert run(go()) == [("a", 0), ("a", 1)]


def test_stopping_postpones_every_waiting_turn_at_once() -> None:
    """What is in flight finishes; what waits, and what is asked later, is postponed."""

    async def go() -> Log:
        turns = fresh(concurrency=4, per_host=1, delay=5)
        log: Log = []
        waiting = [asyncio.ensure_future(ask(turns, "a", log, work=3)) for _ in range(10)]
        await asyncio.sleep(1)
        turns.postpone_all()
        await asyncio.gather(*waiting)
        await ask(turns, "b", log)
        return log

    assert run(go()) == [("a", 0), *[("a postponed", 1)] * 9, ("b postponed", 3)]


def test_a_new_turns_of_the_same_process_waits_a_delay_after_the_last_one_sent() -> None:
    """Each cycle of `run --once` opens its own Fetcher: the next cycle's first request to
    a host (its robots.txt) must not follow the last cycle's last one closer than the delay.
    The Turns of one process share a `LastSent`: by default, the process's own."""
    assert Turns(4, 2, 1).last_sent is THIS_PROCESS is Turns(1, 1, 0).last_sent

    async def send(turns: Turns, host: str, log: Log) -> None:
        async with turns.turn(host, urgent=True):
            turns.sent(host)
            log.append((host, now()))

    async def go() -> Log:
        process = LastSent()
        log: Log = []
        for host in ("cycles.example", "cycles.example", "other.example"):
            await send(Turns(concurrency=4, per_host=2, delay=2, last_sent=process), host, log)
        await send(fresh(concurrency=4, per_host=2, delay=2), "cycles.example", log)  # another process
        return log

    assert run(go()) == [
        ("cycles.example", 0),
        ("cycles.example", 2),
        ("other.example", 2),  # another host does not wait
        ("cycles.example", 2),  # nor does a Turns that shares nothing
    ]


def test_an_archives_floor_outlasts_a_shorter_crawl_delay() -> None:
    """`archives[].delay` (a floor) holds when the host's robots.txt asks less."""

    async def go() -> Log:
        turns, log = fresh(4, 1, 1.0), []
        turns.set_floor("web.archive.org", 2.5)
        turns.set_delay("web.archive.org", 1.5)  # a robots.txt Crawl-delay read meanwhile
        await asyncio.gather(*(ask(turns, "web.archive.org", log) for _ in range(3)))
        return log

    assert [at for _host, at in run(go())] == [0.0, 2.5, 5.0]
