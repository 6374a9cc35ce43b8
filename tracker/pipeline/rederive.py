"""Re-extraction: today's extractor run over the stored captures of each article, and
the history derived again where the fields change (`tracker reextract`).

For each article, as named steps:

1. read: each version's capture (role `version` or `import`, its first) is decoded as a check
   decodes a page and extracted as a check extracts it (`worker.analyze` under the
   site rules in force now, the host's volatile text dropped). A version already
   extracted by today's extractor (its stamp is today's), or whose capture cannot be
   read again (none kept, its body dropped, today's extractor finds no article in
   it), keeps the content it has. A capture that drew another variant of a headline
   test reads with the headline the version stored, as the check judged it;
2. plan (`tracker.core.rederive`, pure): which versions collapse, which change,
   which revisions are kept, computed again or dropped;
3. write, in the article's own transaction, its row held (`repository.hold_article`:
   FOR UPDATE on PostgreSQL as a check's `record` locks it, the write lock on SQLite),
   so a running daemon and a re-extraction take turns: the live history is kept as
   a generation (`tracker.store.generations`), derived again
   (`tracker.store.histories.rederive`), and a `reextracted` event says what changed
   and by which extractors. Should a check have changed the history between 1 and 3,
   the article is read again.

A dry run stops after 2: it writes nothing and reports the same counts.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config
from tracker.core.confirm import without_volatile
from tracker.core.headline_tests import substitute
from tracker.core.normalize import Content, content_of
from tracker.core.rederive import Reading, Rederivation, plan_rederivation
from tracker.core.urls import site_of
from tracker.errors import NotFoundError
from tracker.extraction.provenance import stamp
from tracker.extraction.worker import analyze
from tracker.pipeline.captures import page_of, page_url
from tracker.pipeline.observe import Extracted
from tracker.pipeline.record import compare_stored, extra_of
from tracker.pipeline.runtime import site_rules
from tracker.store import captures, generations, headlines, histories, repository
from tracker.store.db import transaction
from tracker.store.models import Article, Capture, Source, Version

log = logging.getLogger(__name__)

FIELDS = ("headline", "byline", "body", "published_at", "updated_at")
EXAMPLES = 10  # field changes a report shows
ATTEMPTS = 3  # reads of an article that checks keep changing meanwhile


@dataclass(frozen=True, slots=True)
class Scope:
    """Which articles: of a source, with a version fetched since a time, or one."""

    source: str | None = None
    since: datetime | None = None
    article_id: int | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One field of one version that reads differently today."""

    article_id: int
    url: str
    number: int
    field: str
    old: str
    new: str


@dataclass
class Report:
    """What a re-extraction changed (or, dry, would change)."""

    articles: int = 0  # looked at
    changed_articles: int = 0
    versions: int = 0  # looked at
    versions_changed: int = 0  # content read differently, kept (a new row)
    versions_collapsed: int = 0  # the same as the version before: gone
    revisions_recomputed: int = 0
    revisions_dropped: int = 0
    current: int = 0  # versions extracted by today's extractor already
    unreadable: Counter[str] = field(default_factory=Counter)  # versions kept as they are, by why
    examples: list[Example] = field(default_factory=list)
    busy: list[int] = field(default_factory=list)  # articles that checks kept changing

    def as_json(self) -> dict[str, Any]:
        return {
            "articles": {"looked_at": self.articles, "changed": self.changed_articles},
            "versions": {
                "looked_at": self.versions,
                "changed": self.versions_changed,
                "collapsed": self.versions_collapsed,
                "current": self.current,
                "not_rederivable": dict(self.unreadable),
            },
            "revisions": {"recomputed": self.revisions_recomputed, "dropped": self.revisions_dropped},
            "examples": [
                {
                    "article": e.article_id,
                    "url": e.url,
                    "version": e.number,
                    "field": e.field,
                    "old": e.old,
                    "new": e.new,
                }
                for e in self.examples
            ],
            "busy": self.busy,
        }


@dataclass(frozen=True, slots=True)
class Derived:
    """A version's capture as today's extractor reads it."""

    content: Content
    seen: Extracted


@dataclass(frozen=True, slots=True)
class Reread:
    """An article's versions read again: what they were when read (to tell whether a
    check changed them since), their readings, and the new content of those changed."""

    stored: tuple[tuple[int, str], ...]  # (version id, content hash), in number order
    readings: tuple[Reading, ...]
    derived: dict[int, Derived]  # by version id, the changed ones
    before: dict[int, Content]  # the changed ones' content as stored
    old: dict[int, dict[str, Any] | None]  # the changed versions' extractor stamps
    unreadable: Counter[str]
    current: int


def articles_in(sessions: sessionmaker[Session], scope: Scope) -> list[int]:
    """The ids of the articles in `scope` that have versions, oldest first."""
    query = select(Article.id).where(select(Version.id).where(Version.article_id == Article.id).exists())
    if scope.article_id is not None:
        query = query.where(Article.id == scope.article_id)
    if scope.source is not None:
        query = query.join(Source, Source.id == Article.source_id).where(Source.name == scope.source)
    if scope.since is not None:
        fetched = select(Version.id).where(
            Version.article_id == Article.id, Version.fetched_at >= scope.since
        )
        query = query.where(fetched.exists())
    with transaction(sessions) as session:
        return list(session.scalars(query.order_by(Article.id)))


def reextract(
    config: Config,
    sessions: sessionmaker[Session],
    article_ids: list[int],
    *,
    now: Callable[[], datetime],
    dry_run: bool = False,
    advance: Callable[[], None] = lambda: None,
) -> Report:
    """Steps 1 to 3 for each article in turn (bounded memory: one article's captures at
    a time); `advance` is called after each."""
    report = Report()
    for article_id in article_ids:
        _one(config, sessions, article_id, report, now=now, dry_run=dry_run)
        advance()
    return report


def _one(
    config: Config,
    sessions: sessionmaker[Session],
    article_id: int,
    report: Report,
    *,
    now: Callable[[], datetime],
    dry_run: bool,
) -> None:
    for _attempt in range(ATTEMPTS):
        try:
            url, reread = read(config, sessions, article_id)
        except NotFoundError:
            return  # purged since it was listed
        if dry_run:
            with transaction(sessions) as session:
                plan = plan_rederivation(reread.readings, histories.revisions_of(session, article_id))
            _count(report, article_id, url, reread, plan, None)
            return
        try:
            with transaction(sessions) as session:
                written = write(config, session, article_id, reread, now())
        except NotFoundError:
            return  # purged meanwhile
        if written is None:
            continue  # a check changed the history meanwhile: read it again
        _count(report, article_id, url, reread, *written)
        return
    report.busy.append(article_id)
    log.warning("article %d kept changing while it was re-extracted: left as it is", article_id)


def read(config: Config, sessions: sessionmaker[Session], article_id: int) -> tuple[str, Reread]:
    """Step 1: the article's versions read again from their captures."""
    readings: list[Reading] = []
    derived: dict[int, Derived] = {}
    before: dict[int, Content] = {}
    old: dict[int, dict[str, Any] | None] = {}
    unreadable: Counter[str] = Counter()
    current = 0
    with transaction(sessions) as session:
        article = session.get(Article, article_id)
        if article is None:
            raise NotFoundError(f"no tracked article {article_id}")
        volatile = repository.volatile_shapes(session, site_of(article.url))
        tested = headlines.tested_headlines(session, article_id)
        versions = histories.versions_of(session, article_id)
        kept = _version_captures(session, article_id)
        for version in versions:
            outcome = _derive(config, version, kept.get(version.number), volatile)
            if isinstance(outcome, Derived) and tested:
                outcome = _as_shown(outcome, version, tested)
            if isinstance(outcome, Derived) and outcome.content.content_hash != version.content_hash:
                derived[version.id], old[version.id] = outcome, version.extractor
                before[version.id] = content_of(version)
            elif outcome == "current":
                current += 1
            elif isinstance(outcome, str):
                unreadable[outcome] += 1
            new = outcome.content.content_hash if isinstance(outcome, Derived) else None
            readings.append(Reading(version.id, version.number, version.content_hash, new))
        stored = tuple((v.id, v.content_hash) for v in versions)
        return article.url, Reread(stored, tuple(readings), derived, before, old, unreadable, current)


def _version_captures(session: Session, article_id: int) -> dict[int, Capture]:
    """The capture each version was made from (its first; a version `tracker backfill`
    recovered: the archive's memento), by version number."""
    kept: dict[int, Capture] = {}
    for capture in captures.of_article(session, article_id):
        if capture.role in captures.MADE_FROM and capture.version_number is not None:
            kept.setdefault(capture.version_number, capture)
    return kept


def _derive(
    config: Config, version: Version, capture: Capture | None, volatile: frozenset[str]
) -> Derived | str:
    """The version's capture as today's extractor reads it, or why it is kept as it is:
    `current` (today's extractor made it), `no capture`, `body dropped`, `not an article`."""
    if capture is None:
        return "no capture"
    rules = site_rules(config, page_url(capture))
    if version.extractor is not None and version.extractor == stamp(rules):
        return "current"
    content = captures.body(capture)
    if content is None:
        return "body dropped"
    page = page_of(capture, content)
    analysis = analyze(page.html(), page.final_url, rules)
    if analysis.problem:
        log.info("version %d of article %d: %s today", version.number, version.article_id, analysis.problem)
        return "not an article"
    return Derived(without_volatile(analysis.extraction.content(), volatile), Extracted(page, analysis))


def _as_shown(derived: Derived, version: Version, tested: frozenset[str]) -> Derived:
    """A capture that drew another variant of a headline test reads with the headline
    the version stored (the one the story showed, as `judge` substituted it)."""
    shown = substitute(derived.content.headline, version.headline, tested)
    if shown is None or shown == derived.content.headline:
        return derived
    return replace(derived, content=replace(derived.content, headline=shown))


def write(
    config: Config, session: Session, article_id: int, reread: Reread, now: datetime
) -> tuple[Rederivation, int | None] | None:
    """Step 3, in the caller's transaction: the plan and the generation the old history
    was kept as (None: nothing to write); None when a check changed the history since
    it was read."""
    repository.hold_article(session, article_id)
    versions = histories.versions_of(session, article_id)
    if tuple((v.id, v.content_hash) for v in versions) != reread.stored:
        return None
    revisions = histories.revisions_of(session, article_id)
    plan = plan_rederivation(reread.readings, revisions)
    if plan.unchanged:
        return plan, None
    generation = generations.supersede(session, article_id, versions, revisions, now)
    by_id = {v.id: v for v in versions}
    fresh = {
        version_id: _fresh(config, by_id[version_id], reread.derived[version_id])
        for version_id in plan.changed
    }
    histories.rederive(session, article_id, by_id, revisions, plan, fresh, compare_stored)
    repository.record_event(
        session, article_id, "reextracted", now, **_detail(plan, reread, generation, fresh, len(versions))
    )
    return plan, generation


def _fresh(config: Config, old: Version, derived: Derived) -> Version:
    """The new row of a version whose capture reads differently today."""
    extraction, page = derived.seen.analysis.extraction, derived.seen.page
    return histories.version_row(
        derived.content,
        fetched_at=old.fetched_at,
        extra={**old.extra, **extra_of(derived.seen)},
        extractor=stamp(site_rules(config, page.final_url)),
        offsets=(extraction.published_offset, extraction.updated_offset),
    )


def _detail(
    plan: Rederivation, reread: Reread, generation: int, fresh: dict[int, Version], before: int
) -> dict[str, Any]:
    """What the `reextracted` event says: the generations, the extractors, the counts."""
    olds = list(dict.fromkeys(_key(s) for s in reread.old.values()))
    news = list(dict.fromkeys(_key(v.extractor) for v in fresh.values()))
    return {
        "generation": generation + 1,
        "superseded": generation,
        "extractor": {"old": [_unkey(s) for s in olds], "new": [_unkey(s) for s in news]},
        "versions": {
            "before": before,
            "after": len(plan.kept),
            "changed": len(plan.changed),
            "collapsed": len(plan.collapsed),
        },
        "revisions": {
            "kept": len(plan.steps) - len(plan.recomputed()),
            "recomputed": len(plan.recomputed()),
            "dropped": len(plan.dropped),
        },
    }


def _key(stamp: dict[str, Any] | None) -> tuple[tuple[str, Any], ...] | None:
    return tuple(sorted(stamp.items())) if stamp is not None else None


def _unkey(key: tuple[tuple[str, Any], ...] | None) -> dict[str, Any] | None:
    return dict(key) if key is not None else None


def _count(
    report: Report, article_id: int, url: str, reread: Reread, plan: Rederivation, _generation: int | None
) -> None:
    report.articles += 1
    report.versions += len(reread.readings)
    report.current += reread.current
    report.unreadable.update(reread.unreadable)
    if plan.unchanged:
        return
    report.changed_articles += 1
    report.versions_changed += len(plan.changed)
    report.versions_collapsed += len(plan.collapsed)
    report.revisions_recomputed += len(plan.recomputed())
    report.revisions_dropped += len(plan.dropped)
    for example in _examples(article_id, url, reread):
        if len(report.examples) >= EXAMPLES:
            return
        report.examples.append(example)


def _examples(article_id: int, url: str, reread: Reread) -> Iterator[Example]:
    """The fields that read differently, version by version, each shown by what differs."""
    numbers = {r.version_id: r.number for r in reread.readings}
    for version_id, derived in reread.derived.items():
        before, after = reread.before[version_id], derived.content
        for name in FIELDS:
            if name == "body" and before.body != after.body:
                old, new = _first_difference(before.body, after.body)
            elif name != "body" and getattr(before, name) != getattr(after, name):
                old, new = str(getattr(before, name) or ""), str(getattr(after, name) or "")
            else:
                continue
            yield Example(article_id, url, numbers[version_id], name, _clip(old), _clip(new))


def _first_difference(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, str]:
    """A body's first paragraph that went, and its first that came (empty: none)."""
    gone = next((p for p in old if p not in new), "")
    came = next((p for p in new if p not in old), "")
    return gone, came


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
