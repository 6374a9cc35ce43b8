"""Each host's next allowed start, kept in PostgreSQL for several daemons.

Every daemon on one database books a host's turn there before it sends the
request (`tracker.politeness.Ledger`), so three daemons together ask a host
no faster than its delay. SQLite runs one daemon: its turns stay in memory.
A database that cannot be reached is said once and the daemon goes on with
its own turns alone; the daemon's next claim will say the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker import repository
from tracker.db import describe_error, transaction

log = logging.getLogger(__name__)


class DatabaseLedger:
    """`tracker.politeness.Ledger` over the `host_turns` table."""

    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions
        self._failing = False

    async def book(self, host: str, delay: float) -> float:
        return await asyncio.to_thread(self._book, host, delay)

    async def hold_back(self, host: str, seconds: float) -> None:
        await asyncio.to_thread(self._hold_back, host, seconds)

    async def not_before(self, host: str, moment: float) -> None:
        # how long is left is read in the thread, just before the statement: a thread that
        # ran late must not push the host's next start later than a delay after the request
        await asyncio.to_thread(lambda: self._hold_back(host, moment - time.monotonic()))

    def _book(self, host: str, delay: float) -> float:
        try:
            with transaction(self._sessions) as session:
                wait = repository.book_host_turn(session, host, delay)
        except OperationalError as error:
            self._fail(error)
            return 0.0
        self._failing = False
        return wait

    def _hold_back(self, host: str, seconds: float) -> None:
        if seconds <= 0:
            return
        try:
            with transaction(self._sessions) as session:
                repository.hold_host_back(session, host, seconds)
        except OperationalError as error:
            self._fail(error)

    def _fail(self, error: OperationalError) -> None:
        if not self._failing:
            log.error("host turns not shared: database unavailable (%s)", describe_error(error))
        self._failing = True


def ledger_for(sessions: sessionmaker[Session]) -> DatabaseLedger | None:
    """A shared ledger where several daemons can share a database (PostgreSQL)."""
    bind = sessions.kw.get("bind")
    if bind is not None and bind.dialect.name == "postgresql":
        return DatabaseLedger(sessions)
    return None
