"""Polling sources: fetch each due feed, sitemap or URL list and track what it lists.

Endpoints are fetched conditionally (ETag, Last-Modified); a sitemap index is
followed to its child sitemaps (at most MAX_CHILD_SITEMAPS per poll). A list
given as a local path is read from disk. Failures are recorded on the endpoint
and never stop the poll of the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker.extraction.listings import Discovered, Listing, parse_feed, parse_sitemap, parse_url_list
from tracker.fetch import FetchFailure, NotModified, Page
from tracker.pipeline import Runtime
from tracker.pipeline.headlines import settle_other
from tracker.read.sources import polls
from tracker.store import leases, repository
from tracker.store.db import transaction
from tracker.store.headlines import FEED
from tracker.store.models import Article, ArticleStatus, Source, SourceEndpoint, SourceKind

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_CHILD_SITEMAPS = 50
# Entries of one endpoint tracked per poll (`sources[].max_entries`, 5,000 by default),
# in the order it lists them (a feed: the newest first). A news feed lists tens, a news
# sitemap up to 1,000; a 100,000-entry listing is an archive, not news: its first
# entries are tracked and the rest said in the endpoint's error.
# Entries written per transaction: the poll of a long listing commits as it goes and
# lets the event loop run between batches (checks go on; SIGTERM stops it at once).
ENTRIES_PER_BATCH = 500


@dataclass(frozen=True, slots=True)
class PollResult:
    endpoint_id: int
    url: str
    listed: int
    new_articles: int
    problem: str | None = None


async def poll_sources(runtime: Runtime, *, every_endpoint: bool = False) -> list[PollResult]:
    """Poll the endpoints that are due (or all of them) and add the articles they list."""
    now = runtime.clock()
    try:
        with transaction(runtime.sessions) as session:
            dropped = repository.sync_sources(session, runtime.config.sources, now)
        for name in dropped:
            log.warning("source %s is no longer in the config: its feeds are no longer polled", name)
    except IntegrityError:
        log.debug("another worker registered the sources at the same moment")
    caps = {source.name: source.max_entries for source in runtime.config.sources}
    with transaction(runtime.sessions) as session:
        for source in runtime.config.sources:
            source_row = repository.source_named(session, source.name, now, configured=True)
            _add_listings(session, source_row, parse_url_list("\n".join(source.urls)).listings, now)
        endpoints = [
            (e.id, e.kind, e.url, e.etag, e.last_modified, caps.get(e.source.name, 5_000))
            for e in leases.claim_endpoints(session, runtime.config.sources, now, every=every_endpoint)
        ]
    return list(await asyncio.gather(*(_poll(runtime, *endpoint) for endpoint in endpoints)))


async def _poll(
    runtime: Runtime,
    endpoint_id: int,
    kind: str,
    url: str,
    etag: str | None,
    last_modified: str | None,
    max_entries: int,
) -> PollResult:
    discovered, page = await _discover(runtime, kind, url, etag, last_modified)
    listings, problem = discovered.listings, discovered.problem
    if len(listings) > max_entries:
        note = f"lists {len(listings)} entries: the first {max_entries} are tracked (sources[].max_entries)"
        problem = f"{problem}; {note}" if problem else note
        listings = listings[:max_entries]
    new = 0
    for start in range(0, len(listings), ENTRIES_PER_BATCH):
        now = runtime.clock()
        with transaction(runtime.sessions) as session:
            endpoint = session.get(SourceEndpoint, endpoint_id)
            if endpoint is None:
                return PollResult(endpoint_id, url, 0, new, "endpoint removed during the poll")
            new += _add_listings(session, endpoint.source, listings[start : start + ENTRIES_PER_BATCH], now)
        await asyncio.sleep(0)  # a cancellation (the daemon stopping) lands here
    with transaction(runtime.sessions) as session:
        endpoint = session.get(SourceEndpoint, endpoint_id)
        if endpoint is None:
            return PollResult(endpoint_id, url, 0, new, "endpoint removed during the poll")
        warn = _update_endpoint(
            endpoint, page, problem, runtime.clock(), failed=discovered.problem is not None
        )
        failures = endpoint.failures
    if warn:
        log.warning("source %s: %s (%s failed in a row)", url, problem, polls(failures))
    elif problem and not failures:
        log.warning("source %s: %s", url, problem)
    elif problem:
        log.info("source %s: %s (%s failed in a row)", url, problem, polls(failures))
    log.info("poll url=%s listed=%d new=%d", url, len(discovered.listings), new)
    return PollResult(endpoint_id, url, len(discovered.listings), new, problem)


async def _discover(
    runtime: Runtime, kind: str, url: str, etag: str | None, last_modified: str | None
) -> tuple[Discovered, Page | NotModified | None]:
    if kind == SourceKind.LIST and not urlsplit(url).scheme:
        return _read_local_list(url), None
    fetched = await runtime.fetcher.fetch(url, etag=etag, last_modified=last_modified, html_only=False)
    if isinstance(fetched, FetchFailure):
        return Discovered((), problem=f"{fetched.kind}: {fetched.message}"), None
    if isinstance(fetched, NotModified):
        return Discovered(()), fetched
    # parsed off the event loop: a listing of 100,000 entries takes 35 s of feedparser
    if kind == SourceKind.FEED:
        parsed = await off_loop(parse_feed, fetched.content, fetched.final_url, fetched.content_type)
        return parsed, fetched
    if kind == SourceKind.LIST:
        return await off_loop(parse_url_list, fetched.html(), fetched.final_url), fetched
    top = await off_loop(parse_sitemap, fetched.content, fetched.final_url)
    return await _read_sitemaps(runtime, top), fetched


async def off_loop(function: Callable[..., T], *args: Any) -> T:
    """`function(*args)` in a daemon thread of its own. Unlike `asyncio.to_thread`, a
    stopping daemon does not wait for it: SIGTERM during the parse of a huge listing
    exits at once (asyncio.run would join the default executor's threads first)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: Any, error: BaseException | None) -> None:
        if future.done():
            return  # cancelled meanwhile: the daemon stopped
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            outcome: tuple[Any, BaseException | None] = (function(*args), None)
        except Exception as error:
            outcome = (None, error)
        with contextlib.suppress(RuntimeError):  # the event loop is closed: nobody waits any more
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="listing-parser", daemon=True).start()
    return await future


async def _read_sitemaps(runtime: Runtime, top: Discovered) -> Discovered:
    """A sitemap, or a sitemap index followed one level down."""
    if not top.child_sitemaps:
        return top
    children = top.child_sitemaps[:MAX_CHILD_SITEMAPS]
    results = await asyncio.gather(*(runtime.fetcher.fetch(child, html_only=False) for child in children))
    listings: list[Listing] = []
    problems = []
    for child, fetched in zip(children, results, strict=True):
        if isinstance(fetched, Page):
            found = parse_sitemap(fetched.content, fetched.final_url)
            listings.extend(found.listings)
            if found.problem:
                problems.append(f"{child}: {found.problem}")
        elif isinstance(fetched, FetchFailure):
            problems.append(f"{child}: {fetched.kind}: {fetched.message}")
    return Discovered(tuple(listings), problem="; ".join(problems) or None)


def _read_local_list(path: str) -> Discovered:
    try:
        return parse_url_list(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        return Discovered((), problem=f"cannot read URL list {path}: {error}")


def _add_listings(session: Session, source: Source, listings: Iterable[Listing], now: datetime) -> int:
    """Track what the listings name (the new ones in one insert); a listing whose updated
    time is newer than the article's last check makes that article due now (a signal,
    not a guess)."""
    by_url: dict[str, Listing] = {}
    for listing in listings:
        by_url.setdefault(listing.url, listing)
    known = repository.articles_by_urls(session, list(by_url))
    for url, article in known.items():
        if _signals_change(article, by_url[url]):
            article.next_check_at = now
        if (title := by_url[url].title) and article.status == ArticleStatus.ACTIVE:
            settle_other(session, article.id, FEED, (title,), now)  # a feed's own headline test
    fresh = [(url, listing.published_at) for url, listing in by_url.items() if url not in known]
    return repository.add_articles(session, fresh, source=source, now=now)


def _signals_change(article: Article, listing: Listing) -> bool:
    return (
        article.status == ArticleStatus.ACTIVE
        and listing.updated_at is not None
        and article.last_checked_at is not None
        and listing.updated_at > article.last_checked_at
        and (article.next_check_at is None or article.next_check_at > listing.updated_at)
    )


WARN_EVERY = timedelta(days=1)


def _update_endpoint(
    endpoint: SourceEndpoint,
    page: Page | NotModified | None,
    problem: str | None,
    now: datetime,
    *,
    failed: bool,
) -> bool:
    """Record a poll: its error, and the polls failed in a row since when. Whether the
    problem is to be said as a warning: its first time, then once a day while it lasts
    (a feed dead for a day is one warning a day, not one a poll)."""
    endpoint.last_polled_at = now
    endpoint.last_error = problem
    if isinstance(page, Page):
        endpoint.etag, endpoint.last_modified = page.etag, page.last_modified
    if not failed:
        endpoint.failing_since, endpoint.failures, endpoint.warned_at = None, 0, None
        return False
    endpoint.failures = (endpoint.failures or 0) + 1
    if endpoint.failing_since is None:
        endpoint.failing_since = now
    if endpoint.warned_at is None or now - endpoint.warned_at >= WARN_EVERY:
        endpoint.warned_at = now
        return True
    return False
