"""An asyncio event loop on virtual time, for unit tests of code that waits on timers.

Its clock starts at 0 and moves only when the loop has nothing ready to run: it then
jumps to the loop's next timer at once. A test of a one-minute delay takes
microseconds, and the moments the code under test reads are exactly those its timers
asked for, whatever the machine's load. A loop with nothing ready and no timer would
wait for ever (only I/O could wake it, and such a test has none): it raises
`Deadlock` instead of hanging.

Use `run(main())` where `asyncio.run(main())` would be.

Why not a library: looptime 0.9 registers a pytest plugin that fails the setup of
every fixture when pytest-asyncio is not installed (tracker does not use it);
aiotools' `VirtualClock` patches a running loop's private attributes and spins for
ever when the loop has nothing to wait for.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Deadlock(RuntimeError):
    """Nothing can run and no timer is set: on virtual time, the loop would never wake."""


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose `time()` is virtual and whose select, when nothing is
    ready, jumps the clock to the next timer instead of sleeping."""

    def __init__(self) -> None:
        self._virtual_now = 0.0
        super().__init__(_JumpingSelector(self))

    def time(self) -> float:
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        self._virtual_now += seconds


class _JumpingSelector(selectors.DefaultSelector):
    """Polls without waiting; where the loop would wait `timeout`, advances its clock by it."""

    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or timeout == 0:
            return ready
        if timeout is None:
            raise Deadlock("nothing to run and no timer: the loop would wait for ever")
        self._loop.advance(timeout)
        return ready


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on virtual time."""
    with asyncio.Runner(loop_factory=VirtualTimeLoop) as runner:
        return runner.run(main)
