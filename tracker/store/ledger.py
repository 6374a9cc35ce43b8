"""Each host's next allowed start, kept in PostgreSQL for several daemons.

Every daemon on one database books a host's turn there before it sends the
request (`tracker.fetch.politeness.Ledger`), so three daemons together ask a host
no faster than its delay. SQLite runs one daemon: its turns stay in memory.
A database that cannot be reached is said once and the daemon goes on with
its own turns alone; the daemon's next claim will say the rest.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.store.db import describe_error, transaction
from tracker.store.models import HostTurn

log = logging.getLogger(__name__)


class DatabaseLedger:
    """`tracker.fetch.politeness.Ledger` over the `host_turns` table."""

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
                wait = book_host_turn(session, host, delay)
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
                hold_host_back(session, host, seconds)
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


def book_host_turn(session: Session, host: str, delay: float) -> float:
    """Book a request to `host` now, the next one `delay` seconds later, and return 0;
    or return how many seconds remain before the host's booked next start. PostgreSQL
    only: its clock is the one every daemon shares."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    now = func.clock_timestamp()
    statement = pg_insert(HostTurn).values(host=host, next_start=now + timedelta(seconds=delay))
    booking = statement.on_conflict_do_update(
        index_elements=[HostTurn.host],
        set_={"next_start": statement.excluded.next_start},
        where=HostTurn.next_start <= now,
    ).returning(HostTurn.host)
    if session.execute(booking).first() is not None:
        return 0.0
    left = session.scalar(
        select(func.extract("epoch", HostTurn.next_start - now)).where(HostTurn.host == host)
    )
    return max(0.001, float(left or 0))


def hold_host_back(session: Session, host: str, seconds: float) -> None:
    """No daemon asks `host` for `seconds` (its Retry-After). PostgreSQL only."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    until = func.clock_timestamp() + timedelta(seconds=seconds)
    statement = pg_insert(HostTurn).values(host=host, next_start=until)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[HostTurn.host],
            set_={"next_start": func.greatest(HostTurn.next_start, statement.excluded.next_start)},
        )
    )
