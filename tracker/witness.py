"""Witnesses: each new version of a source that names a witness destination is
captured by an archive, so that a reader can check tracker's word against a third
party's copy. The check only queues a row (`tracker.store.witnesses.enqueue`); the
daemon's witness job (this module, a tick of its own like notifications) asks the
archives, so a slow or throttling archive never delays a check.

Archives (`witness.destinations` in config.yaml):

- `spn`: the Internet Archive's Save Page Now 2 API. `POST /save` (`url`,
  `capture_all=1`, `Authorization: LOW key:secret`) answers `{"url", "job_id"}`;
  `GET /save/status/<job_id>` answers `{"status": "pending"}` until
  `{"status": "success", "timestamp", "original_url"}` (the memento is
  `/web/<timestamp>/<original_url>`) or `{"status": "error", "status_ext", "message"}`.
- `pywb-record`: a pywb collection in record mode: `GET <collection>/record/id_/<url>`
  fetches the page live and writes it to the collection's WARC; its
  `Memento-Datetime` gives the memento `<collection>/<timestamp>/<url>`.

A failure (network, a non-2xx answer, a job that errs or stays pending past
`witness.max_pending`) is retried with exponential back-off (a minute doubling, at
most an hour); after `witness.max_attempts` the witness is given up, failed, and shown
by `tracker status` and /sources. A 429 (or Save Page Now's session limit) holds every
witness of the destination until its `Retry-After` (capped by `fetch.max_retry_after`)
without counting as a failure. Captures asked
of one archive are `min_interval` apart. The archives are named hosts the operator
configured: requests go to them as webhooks do (httpx), outside the fetcher's
address rules, which are for the sites tracked.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config, WitnessDestinationConfig
from tracker.store import leases, witnesses
from tracker.store.db import transaction
from tracker.store.witness_rows import WitnessState

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=10)
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=1)
DEFAULT_HOLD = timedelta(minutes=1)  # a 429 without Retry-After
TIMESTAMP = "%Y%m%d%H%M%S"


@dataclass(frozen=True, slots=True)
class Captured:
    memento_url: str
    memento_at: datetime


@dataclass(frozen=True, slots=True)
class Submitted:
    job_id: str


@dataclass(frozen=True, slots=True)
class Pending:
    pass


@dataclass(frozen=True, slots=True)
class Throttled:
    until: datetime
    reason: str


@dataclass(frozen=True, slots=True)
class Failed:
    error: str


Outcome = Captured | Submitted | Pending | Throttled | Failed


@dataclass(frozen=True, slots=True)
class Due:
    """A leased witness as the job needs it (read in one transaction, used after it)."""

    id: int
    url: str
    state: str
    job_id: str | None
    submitted_at: datetime | None


class Witnesser:
    """Asks the archives for what is due; one call of `tick` is one witness tick."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        owner: str,
        client: httpx.AsyncClient | None = None,
        environ: Mapping[str, str] | None = None,
    ):
        self.config = config
        self.sessions = sessions
        self.clock = clock
        self.owner = owner
        self.environ = os.environ if environ is None else environ
        self.client = client or httpx.AsyncClient(
            timeout=config.witness.timeout.total_seconds(),
            headers={"User-Agent": config.fetch.user_agent},
            follow_redirects=False,
        )
        self._next_capture: dict[str, float] = {}  # monotonic time each archive may be asked again
        for destination in config.witness.destinations:
            if destination.kind == "spn" and isinstance(failed := self._spn_headers(destination), Failed):
                log.error("witness %s: %s: no capture can be asked of it", destination.name, failed.error)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def tick(self) -> int:
        """Serve every destination side by side (a slow archive delays no other); the
        number of captures that landed."""
        destinations = self.config.witness.destinations
        served = await asyncio.gather(*(self._serve(d) for d in destinations), return_exceptions=True)
        for destination, outcome in zip(destinations, served, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # cancelled: the daemon is stopping
                log.error("witness %s: %s", destination.name, outcome)
        return sum(outcome for outcome in served if isinstance(outcome, int))

    async def _serve(self, destination: WitnessDestinationConfig) -> int:
        """The destination's due witnesses, one after the other, a batch at a time until
        none is due; a 429 ends the turn (and holds every witness of the destination, in
        the table: every daemon waits)."""
        landed = 0
        while due := self._claim(destination.name):
            try:
                for item in due:
                    outcome = await self._attempt(destination, item)
                    self._record(destination, item, outcome)
                    landed += isinstance(outcome, Captured)
                    if isinstance(outcome, Throttled):
                        return landed
            finally:
                self._release([item.id for item in due])
        return landed

    async def _attempt(self, destination: WitnessDestinationConfig, item: Due) -> Outcome:
        """Ask about a job under way, or ask for a capture (in this archive's turn), within
        `witness.timeout` from connecting to the last byte."""
        limit = self.config.witness.timeout.total_seconds()
        if item.state == WitnessState.SUBMITTED and item.job_id is not None:
            if item.submitted_at and self.clock() - item.submitted_at > self.config.witness.max_pending:
                return Failed(
                    f"the archive's job {item.job_id} was still pending after {self._max_pending()}"
                )
            call = self._spn_status(destination, item.job_id)
        else:
            await self._turn(destination)
            call = self._capture(destination, item.url)
        try:
            async with asyncio.timeout(limit):
                return await call
        except TimeoutError:
            return Failed(f"no complete answer within {limit:g}s")
        except httpx.HTTPError as error:
            return Failed(f"{type(error).__name__}: {error}")

    def _max_pending(self) -> str:
        return f"{self.config.witness.max_pending.total_seconds():g}s"

    async def _turn(self, destination: WitnessDestinationConfig) -> None:
        """Captures asked of one archive are `min_interval` apart (politeness: Save Page
        Now allows a few a minute)."""
        wait = self._next_capture.get(destination.name, 0.0) - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._next_capture[destination.name] = time.monotonic() + destination.min_interval.total_seconds()

    async def _capture(self, destination: WitnessDestinationConfig, url: str) -> Outcome:
        if destination.kind == "pywb-record":
            return await self._pywb_record(destination, url)
        return await self._spn_save(destination, url)

    # --- pywb in record mode ------------------------------------------------------

    async def _pywb_record(self, destination: WitnessDestinationConfig, url: str) -> Outcome:
        response = await self.client.get(f"{destination.url}/record/id_/{url}")
        if (refused := self._refused(response)) is not None:
            return refused
        stamp = response.headers.get("Memento-Datetime")
        at = _http_date(stamp) if stamp else None
        at = at or self.clock().replace(microsecond=0)
        return Captured(f"{destination.url}/{at.strftime(TIMESTAMP)}/{url}", at)

    # --- Save Page Now 2 ------------------------------------------------------------

    def _spn_headers(self, destination: WitnessDestinationConfig) -> dict[str, str] | Failed:
        names = (destination.access_key_env, destination.secret_env)
        if None in names:
            return Failed("access_key_env and secret_env must name the environment variables of the keys")
        key, secret = (self.environ.get(name or "") for name in names)
        if not key or not secret:
            return Failed(f"environment variables {names[0]} and {names[1]} must hold the archive's keys")
        return {"Accept": "application/json", "Authorization": f"LOW {key}:{secret}"}

    async def _spn_save(self, destination: WitnessDestinationConfig, url: str) -> Outcome:
        headers = self._spn_headers(destination)
        if isinstance(headers, Failed):
            return headers
        response = await self.client.post(
            f"{destination.url}/save", data={"url": url, "capture_all": "1"}, headers=headers
        )
        if (refused := self._refused(response)) is not None:
            return refused
        answer = _json(response)
        if isinstance(answer.get("job_id"), str) and answer["job_id"]:
            return Submitted(answer["job_id"])
        return self._spn_error(answer)

    async def _spn_status(self, destination: WitnessDestinationConfig, job_id: str) -> Outcome:
        headers = self._spn_headers(destination)
        if isinstance(headers, Failed):
            return headers
        response = await self.client.get(f"{destination.url}/save/status/{job_id}", headers=headers)
        if (refused := self._refused(response)) is not None:
            return refused
        answer = _json(response)
        if answer.get("status") == "pending":
            return Pending()
        if answer.get("status") == "success" and answer.get("timestamp") and answer.get("original_url"):
            try:
                at = datetime.strptime(str(answer["timestamp"]), TIMESTAMP).replace(tzinfo=UTC)
            except ValueError:
                return Failed(f"a timestamp that is not one: {answer['timestamp']!r}")
            return Captured(f"{destination.url}/web/{answer['timestamp']}/{answer['original_url']}", at)
        return self._spn_error(answer)

    def _spn_error(self, answer: dict[str, Any]) -> Outcome:
        """Save Page Now's refusal: its session limit is a throttle; anything else fails."""
        reason = str(answer.get("status_ext") or answer.get("message") or answer or "an empty answer")[:300]
        if answer.get("status_ext") == "error:user-session-limit":
            return Throttled(self.clock() + DEFAULT_HOLD, reason)
        return Failed(reason)

    def _refused(self, response: httpx.Response) -> Outcome | None:
        """A 429 (a hold, until its Retry-After), another non-2xx (a failure), or None."""
        if response.status_code == 429:
            wait = _retry_after(response.headers.get("Retry-After"), self.clock())
            wait = min(wait or DEFAULT_HOLD, self.config.fetch.max_retry_after)
            return Throttled(self.clock() + wait, f"HTTP 429: held back {wait.total_seconds():g}s")
        if not response.is_success:
            return Failed(f"HTTP {response.status_code}")
        return None

    # --- the queue ------------------------------------------------------------------

    def _claim(self, destination: str) -> list[Due]:
        now = self.clock()
        with transaction(self.sessions) as session:
            ids = leases.claim_witnesses(
                session, destination, owner=self.owner, now=now, lease=LEASE, limit=BATCH
            )
            rows = [witnesses.get(session, i) for i in ids]
            return [Due(r.id, r.url, r.state, r.job_id, r.submitted_at) for r in rows]

    def _record(self, destination: WitnessDestinationConfig, item: Due, outcome: Outcome) -> None:
        now = self.clock()
        with transaction(self.sessions) as session:
            if not witnesses.exists(session, item.id):
                return  # its article was purged while the archive was asked
            match outcome:
                case Captured(memento_url, memento_at):
                    witnesses.captured(session, item.id, memento_url, memento_at)
                    log.info("witness %s captured %s: %s", destination.name, item.url, memento_url)
                case Submitted(job_id):
                    witnesses.submitted(session, item.id, job_id, now, now + self.config.witness.poll_every)
                case Pending():
                    witnesses.still_pending(session, item.id, now + self.config.witness.poll_every)
                case Throttled(until, reason):
                    witnesses.held_back(session, destination.name, item.id, until, reason)
                    log.warning("witness %s: %s", destination.name, reason)
                case Failed(error):
                    self._failed(session, destination, item, error, now)

    def _failed(
        self, session: Session, destination: WitnessDestinationConfig, item: Due, error: str, now: datetime
    ) -> None:
        attempts = witnesses.failed_again(session, item.id, error)
        if attempts >= self.config.witness.max_attempts:
            witnesses.give_up(session, item.id)
            log.error(
                "witness %s: giving up on %s after %d attempts (%s)",
                destination.name,
                item.url,
                attempts,
                error,
            )
            return
        wait = min(LAST_RETRY, FIRST_RETRY * 2 ** (attempts - 1))
        witnesses.retry_at(session, item.id, now + wait)
        log.warning(
            "witness %s: %s failed (%s); attempt %d, next in %ds",
            destination.name, item.url, error, attempts, wait.total_seconds(),
        )  # fmt: skip

    def _release(self, ids: list[int]) -> None:
        if ids:
            with transaction(self.sessions) as session:
                leases.release_witnesses(session, ids, self.owner)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        answer = response.json()
    except ValueError:
        return {"message": f"not JSON: {response.text[:200]!r}"}
    return answer if isinstance(answer, dict) else {"message": f"not a JSON object: {answer!r}"[:300]}


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _retry_after(value: str | None, now: datetime) -> timedelta | None:
    """A Retry-After header (seconds, or an HTTP date) as a wait from `now`."""
    if not value:
        return None
    if value.strip().isdigit():
        return timedelta(seconds=int(value.strip()))
    moment = _http_date(value)
    return max(timedelta(0), moment - now) if moment else None
