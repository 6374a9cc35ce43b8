"""Backfill's network half: what each web archive holds of an article's URLs, and
those captures fetched and kept (`tracker backfill`, step 1).

The two protocols are spoken over tracker's own `Fetcher`, not through a client
library (EDGI's `wayback`, `cdx-toolkit`): those open their own HTTP sessions, so the
archive's requests would escape the host's turns (`per_host_delay`, robots.txt
Crawl-delay, Retry-After shared with every other fetch of the run), the address
rules and the size limits. Every request here is an ordinary fetch: an archive is a
host like any other, and each fetch may reach only the archive's own hosts
(`within`), so a capture that redirects to the live site is refused, never followed.

For each archive, apart from the others (a slow archive delays no other host), and
for each article in turn:

1. list: the CDX endpoint when configured (its digests let identical captures
   collapse unfetched), else the TimeMap, for every URL of the article;
2. sort out: captures kept already (an earlier run), those taken after the article's
   latest version, revisits and repeated digests, captures of something else than a
   page (a redirect, an error status);
3. fetch each remaining capture in its original form (`id_`) and keep it as a
   capture (role `archive`), whatever it holds: whether it is a version of the
   article is judged afterwards (`tracker.pipeline.backfill`).

A 429 or 503 holds the archive back for its Retry-After (the `Fetcher` does that),
after which the request is asked again, at most `ATTEMPTS` times. A listing or a
capture that cannot be had is counted, by why, and is a gap: nothing is inferred
from it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import ArchiveConfig
from tracker.core import mementos
from tracker.core.mementos import Memento, MementoFormatError
from tracker.core.urls import host_of
from tracker.fetch import Fetcher, FetchFailure, FetchResult, Page
from tracker.pipeline.captures import keep
from tracker.store.captures import ARCHIVE
from tracker.store.db import transaction
from tracker.store.models import Capture

log = logging.getLogger(__name__)

ATTEMPTS = 3  # asks of one request that the archive answers 429 or 503
THROTTLED = frozenset({429, 503})


@dataclass
class Harvest:
    """What the archives were asked and answered, all articles together."""

    listed: int = 0  # captures the archives list
    fetched: int = 0  # fetched now and kept
    kept_before: int = 0  # kept by an earlier run
    after_latest: int = 0  # taken after the article's latest version: not fetched
    duplicates: int = 0  # a revisit or the digest of the capture before: not fetched
    not_pages: Counter[str] = field(default_factory=Counter)  # listed, not a page, by why
    failures: Counter[str] = field(default_factory=Counter)  # listings and fetches that failed
    to_fetch: int = 0  # a dry run: what would be fetched


@dataclass(frozen=True, slots=True)
class Story:
    """An article as the archives are asked about it: its id, every URL it has, and
    when its latest version was fetched (what an archive took after that, tracker's own
    checks see: it is not fetched)."""

    article_id: int
    urls: tuple[str, ...]
    until: datetime | None = None


async def harvest(
    fetcher: Fetcher,
    sessions: sessionmaker[Session],
    archives: Sequence[ArchiveConfig],
    stories: Sequence[Story],
    *,
    now: Callable[[], datetime],
    since: datetime | None = None,
    dry_run: bool = False,
    done: Callable[[Story], None] = lambda _story: None,
) -> Harvest:
    """Steps 1 to 3, each archive on its own; `done` is called as each archive
    finishes each story."""
    report = Harvest()
    for archive in archives:
        if archive.delay is not None:
            for host in hosts_of(archive):
                fetcher.turns.set_floor(host, archive.delay.total_seconds())
    asker = _Asker(fetcher, sessions, report, now, since, dry_run)
    await asyncio.gather(*(asker.archive(archive, stories, done) for archive in archives))
    return report


def hosts_of(archive: ArchiveConfig) -> frozenset[str]:
    """Every host the archive answers from: its TimeMap's, its CDX's, its replay's."""
    templates = (archive.timemap, archive.cdx, archive.replay_template())
    return frozenset(host_of(t.replace("{url}", "x")) for t in templates if t is not None)


@dataclass
class _Asker:
    fetcher: Fetcher
    sessions: sessionmaker[Session]
    report: Harvest
    now: Callable[[], datetime]
    since: datetime | None
    dry_run: bool

    async def archive(
        self, archive: ArchiveConfig, stories: Sequence[Story], done: Callable[[Story], None]
    ) -> None:
        """One archive, story after story (its captures fetched side by side, as the
        archive's turns allow)."""
        within = hosts_of(archive)
        for story in stories:
            known = self._known(story.article_id)
            wanted: list[Memento] = []
            for url in story.urls:
                wanted += self._sorted_out(await self._listing(archive, url, within), known, story.until)
            if self.dry_run:
                self.report.to_fetch += len(wanted)
            else:
                await asyncio.gather(*(self._fetch(story.article_id, m, within) for m in wanted))
            done(story)

    def _known(self, article_id: int) -> set[str]:
        """The URLs of the article's captures from archives (asked, and arrived at)."""
        with transaction(self.sessions) as session:
            rows = session.execute(
                select(Capture.url, Capture.redirects).where(
                    Capture.article_id == article_id, Capture.role == ARCHIVE
                )
            )
            return {url for row in rows for url in (row.url, *(row.redirects or ())[:1])}

    async def _listing(self, archive: ArchiveConfig, url: str, within: frozenset[str]) -> list[Memento]:
        """Step 1 for one URL; empty when the archive cannot say (counted)."""
        replay = archive.replay_template()
        use_cdx = archive.cdx is not None and replay is not None
        template = archive.cdx if use_cdx and archive.cdx else archive.timemap
        result = await self._ask(_filled(template, url), within, html_only=False)
        if not isinstance(result, Page):
            self._failed(f"listing: {_why(result)}", archive, url)
            return []
        try:
            text = result.html()
            found = mementos.cdx_rows(text, replay or "") if use_cdx else mementos.timemap(text, url)
        except MementoFormatError as error:
            self._failed("listing: not the expected format", archive, url, str(error))
            return []
        self.report.listed += len(found)
        return [m for m in found if self.since is None or m.at >= self.since]

    def _sorted_out(self, listed: list[Memento], known: set[str], until: datetime | None) -> list[Memento]:
        """Step 2: the captures to fetch."""
        wanted, last_digest = [], None
        for memento in listed:
            asked = mementos.original_form(memento.url)
            if asked in known or memento.url in known:
                self.report.kept_before += 1
            elif until is not None and memento.at >= until:
                self.report.after_latest += 1
            elif memento.revisit or (memento.digest is not None and memento.digest == last_digest):
                self.report.duplicates += 1
            elif memento.status is not None and memento.status != 200:
                self.report.not_pages[f"archived with HTTP {memento.status}"] += 1
            else:
                known.add(asked)
                wanted.append(memento)
            last_digest = memento.digest or last_digest
        return wanted

    async def _fetch(self, article_id: int, memento: Memento, within: frozenset[str]) -> None:
        """Step 3 for one capture."""
        result = await self._ask(mementos.original_form(memento.url), within, html_only=True)
        if isinstance(result, FetchFailure) and result.kind == "outside":
            self.report.not_pages["a redirect out of the archive"] += 1  # what was archived: no page
            return
        if not isinstance(result, Page):
            self._failed(f"capture: {_why(result)}", None, memento.url)
            return
        with transaction(self.sessions) as session:
            keep(session, article_id, result, role=ARCHIVE, version_number=None, at=self.now())
        self.report.fetched += 1

    async def _ask(self, url: str, within: frozenset[str], *, html_only: bool) -> FetchResult:
        """One request, asked again after a 429 or 503 (its Retry-After, kept by the
        `Fetcher`'s turns, is waited first)."""
        result: FetchResult = await self.fetcher.fetch(url, html_only=html_only, within=within)
        for _attempt in range(ATTEMPTS - 1):
            if not (isinstance(result, FetchFailure) and result.status in THROTTLED):
                break
            result = await self.fetcher.fetch(url, html_only=html_only, within=within)
        return result

    def _failed(self, why: str, archive: ArchiveConfig | None, url: str, detail: str = "") -> None:
        self.report.failures[why] += 1
        where = f"{archive.name}: " if archive is not None else ""
        log.warning("backfill %s%s: %s %s", where, url, why, detail)


def _filled(template: str, url: str) -> str:
    """A URL template with the story's URL in it: percent-encoded in a query, as it is
    in a path (where archives expect it raw)."""
    query = template.find("?")
    inside_query = 0 <= query < template.index("{url}")
    return template.replace("{url}", quote(url, safe="") if inside_query else url)


def _why(result: FetchResult) -> str:
    if isinstance(result, FetchFailure):
        return f"HTTP {result.status}" if result.kind == "http_status" else result.kind
    return "not modified"
