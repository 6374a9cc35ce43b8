"""Notifications: each new revision that matches a destination's filter is sent to it,
in the order revisions were stored, by the daemon's notify tick (never by a check).

Destinations come from config: webhooks (a JSON POST, signed with HMAC-SHA256 of
the body when a secret is set: `X-Tracker-Signature: sha256=<hex>`) and, with the
`apprise` extra, Apprise URLs (chat, mail). Each destination has its state in the
`webhooks` table: the last revision it was sent, its failed attempts and when to
try again. So:

- a failure (network, a non-2xx answer) is retried with exponential back-off
  (30 s doubling, at most an hour); after `notify.max_attempts` the revision is
  skipped and logged, so one poisoned payload cannot stop a destination;
- nothing is sent twice in normal operation: the position moves after each
  success; a crash between a POST and its commit, or a failure after a digest,
  may repeat a payload (at-least-once; `X-Tracker-Delivery` is a stable id);
- more revisions of one source than `max_per_hour` allows (a template change
  that touches every article) go out as one digest instead of a flood;
- a destination added to the config starts with the revisions stored from then on;
- several daemons on one database: a destination is leased by one at a time.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import ChangeFilterConfig, Config
from tracker.read.revisions import RevisionFilter, RevisionWithVersions, report_items_after
from tracker.read.shapes import entry_id, revision_json
from tracker.store import deliveries, leases
from tracker.store.db import transaction

log = logging.getLogger(__name__)

BATCH = 100
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LAST_RETRY = timedelta(hours=1)


class DeliveryFailed(Exception):
    """A destination did not take a payload. Internal: `Notifier._serve` catches it and
    backs off (after `notify.max_attempts`, logs and skips); it never reaches a user."""


@dataclass(frozen=True, slots=True)
class Destination:
    name: str
    kind: str  # "webhook" or "apprise"
    url: str
    filter: ChangeFilterConfig
    max_per_hour: int
    secret: str | None = None


def destinations(config: Config) -> list[Destination]:
    """The config's destinations, each named by what it is (so reordering keeps state)."""
    found = [
        Destination(_name("webhook", w.url, w.filter), "webhook", w.url, w.filter, w.max_per_hour, w.secret)
        for w in config.notify.webhooks
    ]
    found += [
        Destination(_name("apprise", a.url, a.filter), "apprise", a.url, a.filter, a.max_per_hour)
        for a in config.notify.apprise
    ]
    return found


def _name(kind: str, url: str, where: ChangeFilterConfig) -> str:
    digest = hashlib.sha256(f"{kind}\n{url}\n{where.model_dump_json()}".encode()).hexdigest()
    return f"{kind}:{digest[:32]}"


def revision_payload(item: RevisionWithVersions, base_url: str | None) -> dict[str, Any]:
    revision = item.revision
    payload = {
        "type": "revision",
        "id": entry_id(item.url, revision.to_number),
        "revision_id": revision.id,
        "article_id": revision.article_id,
        "url": item.url,
        "source": item.source,
        "headline": item.new.headline,
        **revision_json(revision),
    }
    if base_url:
        payload["link"] = (
            f"{base_url.rstrip('/')}/articles/{revision.article_id}/revisions/{revision.to_number}"
        )
    return payload


def digest_payload(
    source: str | None, items: list[RevisionWithVersions], base_url: str | None
) -> dict[str, Any]:
    summaries = []
    for item in items:
        full = revision_payload(item, base_url)
        del full["diff"], full["type"]
        summaries.append(full)
    return {
        "type": "digest",
        "id": entry_id(items[0].url, items[0].revision.to_number) + f"+{len(items)}",
        "source": source,
        "count": len(items),
        "reason": "more revisions of this source than the destination's max_per_hour",
        "revisions": summaries,
    }


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class Notifier:
    """Sends what is pending to every destination; one call is one notify tick."""

    def __init__(
        self,
        config: Config,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        *,
        owner: str,
        client: httpx.AsyncClient | None = None,
    ):
        self.config = config
        self.sessions = sessions
        self.clock = clock
        self.owner = owner
        self.client = client or httpx.AsyncClient(
            timeout=config.notify.timeout.total_seconds(),
            headers={"User-Agent": config.fetch.user_agent},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self.client.aclose()

    async def tick(self) -> int:
        """Deliver what is pending; the number of payloads sent. Destinations are served
        side by side: a slow or dead one delays no other."""
        served = await asyncio.gather(
            *(self._serve(destination) for destination in destinations(self.config)), return_exceptions=True
        )
        for destination, outcome in zip(destinations(self.config), served, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # cancelled: the daemon is stopping
                log.error("notify %s %s: %s", destination.kind, destination.url, outcome)
        return sum(outcome for outcome in served if isinstance(outcome, int))

    async def _serve(self, destination: Destination) -> int:
        state_id = self._claim(destination)
        if state_id is None:
            return 0
        sent = 0
        try:
            while True:
                with transaction(self.sessions) as session:
                    where = RevisionFilter(
                        **destination.filter.model_dump(),
                        after_id=deliveries.position(session, state_id),
                        archived=False,  # an edit of the past, recovered from an archive, is no news
                        limit=BATCH,
                    )
                    items = report_items_after(session, where)
                    if not items:
                        return sent
                    payloads = self._payloads(session, state_id, destination, items)
                    batch_end = items[-1].revision.id
                for index, (source, ids, payload) in enumerate(payloads):
                    # everything before the next payload's first revision is then delivered
                    position = payloads[index + 1][1][0] - 1 if index + 1 < len(payloads) else batch_end
                    try:
                        await self._send(destination, payload)
                    except DeliveryFailed as error:
                        self._failed(state_id, destination, position, str(error))
                        return sent
                    self._delivered(state_id, position, source, len(ids), payload["type"] == "digest")
                    sent += 1
        finally:
            self._release(state_id)

    def _payloads(
        self, session: Session, state_id: int, destination: Destination, items: list[RevisionWithVersions]
    ) -> list[tuple[str | None, list[int], dict[str, Any]]]:
        """(source, revision ids, payload), ordered by their first revision: one payload per
        revision, or one digest for a source with more revisions than this hour allows."""
        base = self.config.web.base_url
        hour_ago = self.clock() - timedelta(hours=1)
        by_source: dict[str | None, list[RevisionWithVersions]] = {}
        for item in items:
            by_source.setdefault(item.source, []).append(item)
        out: list[tuple[str | None, list[int], dict[str, Any]]] = []
        for source, batch in by_source.items():
            used = deliveries.sent_since(session, state_id, source, hour_ago)
            if len(batch) > destination.max_per_hour - used:
                out.append((source, [i.revision.id for i in batch], digest_payload(source, batch, base)))
            else:
                out.extend((source, [i.revision.id], revision_payload(i, base)) for i in batch)
        return sorted(out, key=lambda planned: planned[1][0])

    async def _send(self, destination: Destination, payload: dict[str, Any]) -> None:
        """One delivery, from connecting to the last byte of the answer within
        `notify.timeout` (httpx's timeouts bound each read: a peer answering a byte a
        second would hold a delivery for ever)."""
        deadline = self.config.notify.timeout.total_seconds()
        try:
            async with asyncio.timeout(deadline):
                await self._deliver(destination, payload)
        except TimeoutError:
            raise DeliveryFailed(f"no complete answer within {deadline:g}s") from None

    async def _deliver(self, destination: Destination, payload: dict[str, Any]) -> None:
        if destination.kind == "apprise":
            await _send_apprise(destination.url, payload)
            return
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Tracker-Event": payload["type"],
            "X-Tracker-Delivery": payload["id"],
        }
        if destination.secret:
            headers["X-Tracker-Signature"] = signature(destination.secret, body)
        try:
            response = await self.client.post(destination.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"{type(error).__name__}: {error}") from None
        if not response.is_success:
            raise DeliveryFailed(f"HTTP {response.status_code}")

    # --- state ---------------------------------------------------------------------

    def _claim(self, destination: Destination) -> int | None:
        """The destination's state row, leased to this daemon; None when it is not due
        (backing off) or another daemon holds it."""
        now = self.clock()
        with transaction(self.sessions) as session:
            state_id = deliveries.state_of(session, destination.name)
            claimed = leases.claim_destination(session, state_id, owner=self.owner, now=now, lease=LEASE)
            return state_id if claimed else None

    def _delivered(self, state_id: int, last_id: int, source: str | None, count: int, digest: bool) -> None:
        now = self.clock()
        with transaction(self.sessions) as session:
            deliveries.delivered(
                session, state_id, last_id, source=source, count=count, digest=digest, now=now
            )

    def _failed(self, state_id: int, destination: Destination, last_id: int, error: str) -> None:
        now = self.clock()
        with transaction(self.sessions) as session:
            attempts = deliveries.failed_again(session, state_id, error)
            if attempts >= self.config.notify.max_attempts:
                log.error(
                    "notify %s %s: giving up on revisions up to %d after %d attempts (%s)",
                    destination.kind, destination.url, last_id, attempts, error,
                )  # fmt: skip
                deliveries.skip_to(session, state_id, last_id)
                return
            wait = min(LAST_RETRY, FIRST_RETRY * 2 ** (attempts - 1))
            deliveries.retry_at(session, state_id, now + wait)
            log.warning(
                "notify %s %s failed (%s); attempt %d, next in %ds",
                destination.kind, destination.url, error, attempts, wait.total_seconds(),
            )  # fmt: skip

    def _release(self, state_id: int) -> None:
        with transaction(self.sessions) as session:
            leases.release_destination(session, state_id, self.owner)


async def _send_apprise(url: str, payload: dict[str, Any]) -> None:
    try:
        import apprise  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise DeliveryFailed("Apprise is not installed: pip install 'tracker[apprise]'") from None
    title, body = _message(payload)

    def send() -> bool:
        sender = apprise.Apprise()
        if not sender.add(url):
            raise DeliveryFailed("Apprise does not understand this URL")
        return bool(sender.notify(title=title, body=body))

    if not await asyncio.to_thread(send):
        raise DeliveryFailed("Apprise could not deliver")


def _message(payload: dict[str, Any]) -> tuple[str, str]:
    """A short plain-text title and body for chat and mail."""
    if payload["type"] == "digest":
        lines = [
            f"- {r['headline'] or r['url']} ({', '.join(r['changed'])})" for r in payload["revisions"][:20]
        ]
        return f"{payload['count']} articles of {payload['source']} changed", "\n".join(lines)
    fields = ", ".join(payload["changed"]) or "nothing"
    lines = [f"{payload['url']}", f"Changed: {fields} ({', '.join(payload['kinds'])})"]
    for change in payload["diff"]["fields"]:
        lines.append(f"{change['field']}: {change['old']!r} -> {change['new']!r}")
    for op in payload["diff"]["body"]:
        if op["op"] in ("insert", "delete"):
            sign = "+" if op["op"] == "insert" else "-"
            lines.extend(f"{sign} {text}" for text in op["text"])
    if "link" in payload:
        lines.append(payload["link"])
    return f"Changed: {payload['headline'] or payload['url']}", "\n".join(lines)
