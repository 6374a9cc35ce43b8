"""Turns (tracker.fetch.politeness) on a real event loop and clock, with small delays."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from tracker.fetch.politeness import Postponed, Turns


async def ask(turns: Turns, host: str, log: list[tuple[str, float]], not_after: float | None = None) -> None:
    async with turns.turn(host, not_after=not_after):
        log.append((host, time.monotonic()))
        await asyncio.sleep(0.001)


def test_a_host_waiting_for_its_turn_holds_no_global_place() -> None:
    """One place in flight; host a asked 0.3 s apart: b's request goes between a's two."""

    async def go() -> list[str]:
        turns, log = Turns(concurrency=1, per_host=2, delay=0.3), []
        await asyncio.gather(ask(turns, "a", log), ask(turns, "a", log), ask(turns, "b", log))
        return [host for host, _at in log]

    assert asyncio.run(go()) == ["a", "b", "a"]


def test_hosts_with_backlogs_are_served_in_turn() -> None:
    async def go() -> list[str]:
        turns, log = Turns(concurrency=1, per_host=1, delay=0.0), []
        await asyncio.gather(
            *[ask(turns, "a", log) for _ in range(4)], *[ask(turns, "b", log) for _ in range(4)]
        )
        return [host for host, _at in log]

    assert asyncio.run(go()) == ["a", "b"] * 4


def test_a_turn_that_cannot_come_before_the_batch_ends_is_postponed_and_takes_nothing() -> None:
    async def go() -> tuple[int, int, list[str]]:
        turns, log = Turns(concurrency=4, per_host=1, delay=0.2), []
        not_after = time.monotonic() + 0.5  # room for three turns: now, 0.2 s, 0.4 s
        results = await asyncio.gather(
            *[ask(turns, "a", log, not_after=not_after) for _ in range(6)], return_exceptions=True
        )
        await ask(turns, "b", log)  # nothing is held by the postponed ones
        postponed = sum(isinstance(result, Postponed) for result in results)
        return len(results) - postponed, postponed, [host for host, _at in log]

    done, postponed, hosts = asyncio.run(go())
    assert (done, postponed) == (3, 3)
    assert hosts == ["a", "a", "a", "b"]


def test_a_held_back_host_postpones_at_once_and_others_go_on() -> None:
    async def go() -> tuple[float, list[str]]:
        turns, log = Turns(concurrency=4, per_host=2, delay=0.0), []
        turns.hold_back("a", 60)  # a Retry-After of a minute
        began = time.monotonic()
        with pytest.raises(Postponed):
            await ask(turns, "a", log, not_after=began + 5)
        await ask(turns, "b", log)
        return time.monotonic() - began, [host for host, _at in log]

    took, hosts = asyncio.run(go())
    assert took < 0.5 and hosts == ["b"]


def test_the_pace_counts_from_when_a_request_went_out() -> None:
    """A request granted at once but sent 0.15 s late pushes the next turn back."""

    async def go() -> float:
        turns = Turns(concurrency=4, per_host=2, delay=0.2)
        times = []

        async def late() -> None:
            async with turns.turn("a"):
                await asyncio.sleep(0.15)
                turns.sent("a")
                times.append(time.monotonic())

        async def next_one() -> None:
            await asyncio.sleep(0.01)
            async with turns.turn("a"):
                times.append(time.monotonic())

        await asyncio.gather(late(), next_one())
        return times[1] - times[0]

    assert asyncio.run(go()) >= 0.2 - 0.005


class SharedClock:
    """A ledger as PostgreSQL keeps it, in memory: two processes' Turns share it."""

    def __init__(self) -> None:
        self.next_start: dict[str, float] = {}

    async def book(self, host: str, delay: float) -> float:
        now = time.monotonic()
        if self.next_start.get(host, 0.0) <= now:
            self.next_start[host] = now + delay
            return 0.0
        return self.next_start[host] - now

    async def hold_back(self, host: str, seconds: float) -> None:
        self.next_start[host] = max(self.next_start.get(host, 0.0), time.monotonic() + seconds)

    async def not_before(self, host: str, moment: float) -> None:
        self.next_start[host] = max(self.next_start.get(host, 0.0), moment)


def test_two_processes_sharing_a_ledger_keep_one_pace() -> None:
    """Together no faster than the delay, and no slower: a turn the other process booked
    first costs only the wait for it (not a whole delay more)."""

    async def go() -> list[float]:
        ledger = SharedClock()
        first, second = Turns(4, 2, 0.1, ledger=ledger), Turns(4, 2, 0.1, ledger=ledger)
        log: list[tuple[str, float]] = []
        await asyncio.gather(*[ask(turns, "a", log) for turns in (first, second) for _ in range(4)])
        times = sorted(at for _host, at in log)
        return [later - earlier for earlier, later in itertools.pairwise(times)]

    gaps = asyncio.run(go())
    assert len(gaps) == 7 and min(gaps) >= 0.1 - 0.005
    assert sum(gaps) < 7 * 0.1 * 1.3, gaps


def test_stopping_postpones_every_waiting_turn_at_once() -> None:
    async def go() -> tuple[float, int, int]:
        turns, log = Turns(concurrency=4, per_host=1, delay=0.5), []
        waiting = [asyncio.ensure_future(ask(turns, "a", log)) for _ in range(10)]
        await asyncio.sleep(0.1)
        began = time.monotonic()
        turns.postpone_all()
        results = await asyncio.gather(*waiting, return_exceptions=True)
        with pytest.raises(Postponed):
            await ask(turns, "b", log)
        return time.monotonic() - began, len(log), sum(isinstance(r, Postponed) for r in results)

    took, done, postponed = asyncio.run(go())
    assert took < 0.1 and done == 1 and postponed == 9


def test_a_turn_booked_elsewhere_costs_only_the_wait_for_it() -> None:
    """Another process asked the host 90 ms ago (delay 100 ms): this one goes 10 ms later,
    not a whole delay later."""

    async def go() -> float:
        ledger = SharedClock()
        first, second = Turns(4, 2, 0.1, ledger=ledger), Turns(4, 2, 0.1, ledger=ledger)
        log: list[tuple[str, float]] = []
        began = time.monotonic()
        await ask(first, "a", log)
        await asyncio.sleep(0.09 - (time.monotonic() - began))
        await ask(second, "a", log)
        return log[1][1] - log[0][1]

    assert 0.1 - 0.005 <= asyncio.run(go()) < 0.15


def test_a_new_turns_of_the_same_process_waits_a_delay_after_the_last_one_sent() -> None:
    """Each cycle of `run --once` opens its own Fetcher: the next cycle's first request to
    a host (its robots.txt) must not follow the last cycle's last one closer than the delay."""

    async def send(turns: Turns, host: str) -> float:
        async with turns.turn(host, urgent=True):
            turns.sent(host)
            return time.monotonic()

    async def go() -> tuple[float, float, float]:
        first = await send(Turns(concurrency=4, per_host=2, delay=0.2), "cycles.example")
        second = await send(Turns(concurrency=4, per_host=2, delay=0.2), "cycles.example")
        other = await send(Turns(concurrency=4, per_host=2, delay=0.2), "other.example")
        return first, second, other - second

    first, second, other = asyncio.run(go())
    assert second - first >= 0.2
    assert other < 0.1  # another host does not wait
