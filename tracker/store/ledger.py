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
from collections.abc import Awaitable
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.store.db import describe_error, transaction
from tracker.store.models import HostTurn

log = logging.getLogger(__name__)

HOLD = 1.0  # seconds a booking holds the host beyond its delay until its request has gone out


class DatabaseLedger:
    """`tracker.fetch.politeness.Ledger` over the `host_turns` table."""

    def __init__(self, sessions: sessionmaker[Session]):
        self._sessions = sessions
        self._failing = False
        # the holds this process booked, by host and by the task (one fetch) that booked it
        self._held: dict[tuple[str, int], datetime] = {}

    async def book(self, host: str, delay: float) -> float:
        held, wait = await asyncio.to_thread(self._book, host, delay)
        if held is not None:
            self._held[(host, id(asyncio.current_task()))] = held
        return wait

    async def hold_back(self, host: str, seconds: float) -> None:
        await asyncio.to_thread(self._hold_back, host, seconds)

    def not_before(self, host: str, moment: float) -> Awaitable[None]:
        # called from the fetch's own task as its request goes out: the hold is that fetch's
        # (this process may have booked the host's next turn since, for another fetch)
        held = self._held.pop((host, id(asyncio.current_task())), None)
        return asyncio.to_thread(self._release, host, held, moment)

    def _book(self, host: str, delay: float) -> tuple[datetime | None, float]:
        """(the hold, 0) when booked; (None, seconds to wait) when another turn comes first."""
        try:
            with transaction(self._sessions) as session:
                held = book_host_turn(session, host, delay + max(HOLD, delay))
                if held is None:
                    return None, min(seconds_until_next(session, host), max(0.05, delay / 2))
        except OperationalError as error:
            self._fail(error)
            return None, 0.0
        self._failing = False
        return held, 0.0

    def _release(self, host: str, held: datetime | None, moment: float) -> None:
        """The request went out: the host's next start is `moment` (monotonic here), unless
        another booking has taken the host since (then it stands)."""
        if held is None:
            return
        try:
            with transaction(self._sessions) as session:
                # how long is left is read here, just before the statement: a thread that ran late
                # must not push the next start later than a delay after the request
                release_host_turn(session, host, held, max(0.0, moment - time.monotonic()))
        except OperationalError as error:
            self._fail(error)

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


def book_host_turn(session: Session, host: str, hold: float) -> datetime | None:
    """Hold `host` for `hold` seconds from now when its next start has come, and return the
    hold's end (the token to release it with); None when another process's turn comes
    first. PostgreSQL only: its clock is the one every daemon shares."""
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    now = func.clock_timestamp()
    statement = pg_insert(HostTurn).values(host=host, next_start=now + timedelta(seconds=hold))
    booking = statement.on_conflict_do_update(
        index_elements=[HostTurn.host],
        set_={"next_start": statement.excluded.next_start},
        where=HostTurn.next_start <= now,
    ).returning(HostTurn.next_start)
    return session.execute(booking).scalar()


def seconds_until_next(session: Session, host: str) -> float:
    left = session.scalar(
        select(func.extract("epoch", HostTurn.next_start - func.clock_timestamp())).where(
            HostTurn.host == host
        )
    )
    return max(0.001, float(left or 0))


def release_host_turn(session: Session, host: str, held: datetime, seconds: float) -> None:
    """End this process's hold: the next start is `seconds` from now, if the hold is still
    the host's booking."""
    session.execute(
        update(HostTurn)
        .where(HostTurn.host == host, HostTurn.next_start == held)
        .values(next_start=func.clock_timestamp() + timedelta(seconds=seconds))
    )


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
