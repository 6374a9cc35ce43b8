"""Backfill: a story's earlier versions recovered from web archives (`tracker backfill`).

As named steps:

1. harvest (`tracker.pipeline.archives`): every configured archive asked what it holds
   of each article's URLs, and the captures not kept yet fetched in their original form
   and kept (role `archive`), each archive on its own; once every archive is done with
   an article, steps 2 to 4 follow for it while the archives go on with the next;
2. read, article by article: each archive capture not yet a version judged as a check
   judges a page (`worker.analyze`: a challenge, an error page, a cut-off capture is
   no version, and is counted by why) and extracted as a check extracts it (the site
   rules in force, the host's volatile text dropped; the same content hash);
3. place (`tracker.core.backfill`, pure): which captures become versions, where
   among the article's versions, and which are the same as a neighbour;
4. write, in the article's own transaction, its row held as a check holds it: the
   history as it was kept as a generation (`tracker.store.generations`), the new
   versions added (each marked with its archive, memento URL and time in
   `Version.extra["archive"]`), and the history derived again as re-extraction derives
   it (`tracker.store.histories.rederive`): numbers follow time, a revision between
   two versions that stay neighbours is kept, one leading to a version that now
   follows a capture is computed again under its id. The new revisions are of kind
   `archive`: notifications never send them (an edit of the past is no news), and a
   `backfilled` event says what was added. Should a check have changed the history
   between 2 and 4, the article is read again.

A capture that is missing, failed or was throttled is a gap: the revision across it
is between the versions on either side, never a deletion.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import ArchiveConfig, Config
from tracker.core import mementos
from tracker.core.backfill import Found, Held, Placement, Same, insertion, place
from tracker.core.confirm import without_volatile
from tracker.core.diff import compare
from tracker.core.normalize import Content, content_of
from tracker.core.urls import host_of, site_of
from tracker.errors import NotFoundError
from tracker.extraction.provenance import stamp
from tracker.extraction.worker import analyze
from tracker.fetch import Fetcher
from tracker.pipeline.archives import Harvest, Story, harvest, hosts_of
from tracker.pipeline.captures import page_of
from tracker.pipeline.observe import Extracted
from tracker.pipeline.record import compare_stored, extra_of
from tracker.pipeline.runtime import site_rules
from tracker.store import captures, generations, histories, repository
from tracker.store.db import transaction
from tracker.store.models import Article, Capture, Source, Version

log = logging.getLogger(__name__)

ATTEMPTS = 3  # reads of an article that checks keep changing meanwhile
KIND = "archive"  # the kind of a revision a backfill made
PARKED = -(10**9)  # a new version's number before it has an id (never a real number)


@dataclass
class Report:
    """What a backfill found and did (dry: would do, from the captures kept so far)."""

    harvest: Harvest = field(default_factory=Harvest)
    articles: int = 0
    changed_articles: int = 0
    versions_added: int = 0
    revisions_added: int = 0
    revisions_recomputed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)  # captures that are no version, by why
    busy: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        h = self.harvest
        return {
            "articles": {"looked_at": self.articles, "changed": self.changed_articles},
            "captures": {
                "listed": h.listed,
                "fetched": h.fetched,
                "kept_before": h.kept_before,
                "after_latest": h.after_latest,
                "duplicates": h.duplicates,
                "to_fetch": h.to_fetch,
                "not_pages": dict(h.not_pages),
                "failed": dict(h.failures),
                "not_versions": dict(self.skipped),
            },
            "versions": {"added": self.versions_added},
            "revisions": {"added": self.revisions_added, "recomputed": self.revisions_recomputed},
            "busy": self.busy,
        }


@dataclass(frozen=True, slots=True)
class Recovered:
    """An archive capture read as the article: the content and the page it came from."""

    capture_id: int
    archive: str
    memento: str
    at: datetime
    content: Content
    seen: Extracted
    extractor: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Reading:
    """An article as step 2 read it: its versions (to tell whether a check changed them
    since), the captures that read as the article, and the placement (step 3)."""

    stored: tuple[tuple[int, str], ...]
    held: tuple[Held, ...]
    recovered: dict[int, Recovered]
    placement: Placement
    unread: Counter[str]


def articles_in(sessions: sessionmaker[Session], *, source: str | None, article_id: int | None) -> list[int]:
    """The ids of one article, or of a source's articles (those with versions or not)."""
    query = select(Article.id).order_by(Article.id)
    if article_id is not None:
        query = query.where(Article.id == article_id)
    if source is not None:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == source)
    with transaction(sessions) as session:
        return list(session.scalars(query))


def stories_of(sessions: sessionmaker[Session], article_ids: Sequence[int]) -> list[Story]:
    """Each article with every URL it has (its canonical URL first, then its aliases)."""
    stories = []
    with transaction(sessions) as session:
        for article_id in article_ids:
            article = session.get(Article, article_id)
            if article is not None:
                urls = [article.url, *repository.aliases_of(session, article_id)]
                stories.append(
                    Story(article_id, tuple(dict.fromkeys(urls)), _latest_own(session, article_id))
                )
    return stories


def _latest_own(session: Session, article_id: int) -> datetime | None:
    """When tracker's own latest version of the article was fetched (None: it has none)."""
    rows = session.execute(
        select(Version.fetched_at, Version.extra)
        .where(Version.article_id == article_id)
        .order_by(Version.number.desc())
    )
    return next((row.fetched_at for row in rows if "archive" not in (row.extra or {})), None)


async def backfill(
    config: Config,
    sessions: sessionmaker[Session],
    fetcher: Fetcher,
    archives: Sequence[ArchiveConfig],
    article_ids: Sequence[int],
    *,
    now: Callable[[], datetime],
    since: datetime | None = None,
    dry_run: bool = False,
    advance: Callable[[], None] = lambda: None,
) -> Report:
    """Steps 1 to 4 for every article; `advance` is called as each archive finishes each
    article, and as each article is written. An article is written as soon as every
    archive is done with it (what a long run found shows as it goes; the captures are
    kept as they arrive either way)."""
    report = Report()
    stories = stories_of(sessions, article_ids)
    waiting = {story.article_id: len(archives) for story in stories}

    def finished(story: Story) -> None:
        advance()
        waiting[story.article_id] -= 1
        if waiting[story.article_id] == 0:
            settle(config, sessions, story.article_id, report, now=now, since=since, dry_run=dry_run)
            advance()

    report.harvest = await harvest(
        fetcher, sessions, archives, stories, now=now, since=since, dry_run=dry_run, done=finished
    )
    for story in stories:
        if waiting[story.article_id] > 0:  # no archive to ask
            settle(config, sessions, story.article_id, report, now=now, since=since, dry_run=dry_run)
    return report


def settle(
    config: Config,
    sessions: sessionmaker[Session],
    article_id: int,
    report: Report,
    *,
    now: Callable[[], datetime],
    since: datetime | None = None,
    dry_run: bool = False,
) -> None:
    """Steps 2 to 4 for one article, read again should a check change it meanwhile."""
    for _attempt in range(ATTEMPTS):
        try:
            reading = read(config, sessions, article_id, since)
        except NotFoundError:
            return
        if dry_run or not reading.placement.added:
            _count(report, reading, None)
            return
        try:
            with transaction(sessions) as session:
                written = write(session, article_id, reading, now())
        except NotFoundError:
            return
        if written is not None:
            _count(report, reading, written)
            return
    report.busy.append(article_id)
    log.warning("article %d kept changing while it was backfilled: left as it is", article_id)


def read(config: Config, sessions: sessionmaker[Session], article_id: int, since: datetime | None) -> Reading:
    """Steps 2 and 3."""
    recovered: dict[int, Recovered] = {}
    unread: Counter[str] = Counter()
    with transaction(sessions) as session:
        article = session.get(Article, article_id)
        if article is None:
            raise NotFoundError(f"no tracked article {article_id}")
        volatile = repository.volatile_shapes(session, site_of(article.url))
        pages = {_page_key(url) for url in (article.url, *repository.aliases_of(session, article_id))}
        versions = histories.versions_of(session, article_id)
        loose = session.scalars(
            select(Capture)
            .where(
                Capture.article_id == article_id,
                Capture.role == captures.ARCHIVE,
                Capture.version_number.is_(None),
            )
            .order_by(Capture.id)
        )
        for capture in loose:
            outcome = _recover(config, capture, volatile, pages)
            if isinstance(outcome, Recovered):
                recovered[capture.id] = outcome
            else:
                unread[outcome] += 1
        held = tuple(
            Held(v.id, v.number, v.fetched_at, v.content_hash, _words(v.body), "archive" not in v.extra)
            for v in versions
        )
        contents = {v.id: content_of(v) for v in versions}
    found = [
        Found(r.capture_id, r.at, r.content.content_hash, _words(r.content.body_text))
        for r in recovered.values()
    ]
    placement = place(held, found, since=since, same=_same_as(contents, recovered))
    stored = tuple((h.version_id, h.content_hash) for h in held)
    return Reading(stored, held, recovered, placement, unread)


def _same_as(contents: dict[int, Content], recovered: dict[int, Recovered]) -> Same:
    """A check's rule for two neighbours: one version when their hashes agree, or when
    no field differs (a time written to the minute in one markup, to the second in
    another)."""

    def content(item: Held | Found) -> Content:
        return contents[item.version_id] if isinstance(item, Held) else recovered[item.key].content

    def same(a: Held | Found, b: Held | Found) -> bool:
        return a.content_hash == b.content_hash or not compare(content(a), content(b)).changed

    return same


def _page_key(url: str) -> tuple[str, str, str]:
    """A URL as the same page: its site, path and query (http or https, www. or not, a
    trailing slash or not)."""
    parts = urlsplit(url)
    return site_of(url), parts.path.rstrip("/"), parts.query


def _recover(
    config: Config, capture: Capture, volatile: frozenset[str], pages: set[tuple[str, str, str]]
) -> Recovered | str:
    """A capture from an archive read as a check reads a page; or why it is no version:
    among others, a capture the archive redirected to another page (a story taken down
    and sent to the home page) is not the article."""
    body = captures.body(capture)
    if body is None:
        return "body dropped"
    headers = {name.lower(): value for name, value in capture.response_headers or []}
    at = mementos.memento_time(capture.url, headers)
    if at is None:
        return "no memento time"
    page = page_of(capture, body)
    if _page_key(page.final_url) not in pages:
        return "the capture is of another page"
    rules = site_rules(config, page.final_url)  # the URL the archive captured
    analysis = analyze(page.html(), page.final_url, rules)
    if analysis.problem:
        return analysis.problem
    content = without_volatile(analysis.extraction.content(), volatile)
    name = archive_of(config.archives, capture.url)
    seen = Extracted(page, analysis)
    return Recovered(capture.id, name, capture.url, at, content, seen, stamp(rules))


def archive_of(archives: Sequence[ArchiveConfig], url: str) -> str:
    """The name of the configured archive a memento's URL is from (its host otherwise)."""
    host = host_of(url)
    return next((archive.name for archive in archives if host in hosts_of(archive)), host)


@dataclass(frozen=True, slots=True)
class Written:
    """What step 4 wrote: the generation the history was kept as, the revisions made
    and those computed again."""

    generation: int
    revisions_added: int
    revisions_recomputed: int


def write(session: Session, article_id: int, reading: Reading, now: datetime) -> Written | None:
    """Step 4 in the caller's transaction; None when a check changed the history since
    it was read."""
    repository.hold_article(session, article_id)
    versions = histories.versions_of(session, article_id)
    if tuple((v.id, v.content_hash) for v in versions) != reading.stored:
        return None
    revisions = histories.revisions_of(session, article_id)
    before = {r.id for r in revisions}
    generation = generations.supersede(session, article_id, versions, revisions, now)
    added = _add_versions(session, article_id, reading)
    order = [added[key].id if kind == "found" else key for kind, key in reading.placement.order]
    plan = insertion(order, reading.held, revisions)
    by_id = {v.id: v for v in versions} | {v.id: v for v in added.values()}
    histories.rederive(session, article_id, by_id, revisions, plan, {}, compare_stored)
    made = [r for r in histories.revisions_of(session, article_id) if r.id not in before]
    for revision in made:  # an edit of the past: never sent as news
        revision.kinds = [*revision.kinds, KIND]
    session.flush()
    recomputed = sum(1 for step in plan.recomputed() if step.revision_id is not None)
    repository.record_event(
        session, article_id, "backfilled", now,
        generation=generation + 1, superseded=generation,
        archives=sorted({reading.recovered[key].archive for key in added}),
        versions={"before": len(versions), "added": len(added)},
        revisions={"added": len(made), "recomputed": recomputed},
    )  # fmt: skip
    return Written(generation, len(made), recomputed)


def _add_versions(session: Session, article_id: int, reading: Reading) -> dict[int, Version]:
    """The captures placed, added as versions (numbered out of the way, `-id`, until
    `rederive` numbers them) with their captures attached; by capture id."""
    added: dict[int, Version] = {}
    for index, key in enumerate(reading.placement.added):
        row = _version(reading.recovered[key])
        row.article_id, row.number = article_id, PARKED - index
        session.add(row)
        added[key] = row
    session.flush()
    for key, row in added.items():
        row.number = -row.id
        session.get_one(Capture, key).version_number = -row.id
    session.flush()
    return added


def _version(recovered: Recovered) -> Version:
    """A version's row for a capture from an archive, marked with its origin."""
    extraction = recovered.seen.analysis.extraction
    origin = {
        "name": recovered.archive,
        "memento_url": recovered.memento,
        "memento_at": recovered.at.isoformat(),
    }
    return histories.version_row(
        recovered.content,
        fetched_at=recovered.at,
        extra={**extra_of(recovered.seen), "archive": origin},
        extractor=recovered.extractor,
        offsets=(extraction.published_offset, extraction.updated_offset),
    )


def _count(report: Report, reading: Reading, written: Written | None) -> None:
    report.articles += 1
    report.skipped.update(reading.unread)
    report.skipped.update(why for _key, why in reading.placement.skipped)
    if written is None and not reading.placement.added:
        return
    report.changed_articles += 1
    report.versions_added += len(reading.placement.added)
    if written is not None:
        report.revisions_added += written.revisions_added
        report.revisions_recomputed += written.revisions_recomputed


def _words(text: str) -> int:
    return len(text.split())
