"""`tracker import`: captures others made, read from WARC files, turned into histories
by the same steps as a check.

The files are read in capture order (`tracker.fetch.warc`, bounded memory); each check
they hold (a capture, and the captures of its URL moments later that confirm it) goes,
in its own transaction, through the steps of a daemon's check at the capture's time:

1. not imported already: a capture of that URL, time and body is kept, or the
   article has a check at that time (the same file imported twice adds nothing);
2. extract (`tracker.extraction.worker.analyze`, with the host's volatile text; in
   the extraction pool's processes, a few checks ahead of the one being recorded);
   a page that is not an article (a soft error: a challenge, an error page, no
   text; or a listing page: a front page, a page that neither dates nor signs nor
   numbers a story) is skipped with its reason;
3. the article: the one any of whose URLs is the capture's, else a new one filed
   under the import's source (paused unless `track`: an import does not make the
   daemon check what it brought). A capture older than the article's last check is
   skipped: a history only grows forward;
4. identify, judge, apply, finish (`tracker.pipeline.record.record`, `now` the
   capture's time): identity keys join two URLs of one story, a revisit or an
   identical page is an unchanged check, a changed one a new version and its revision;
5. the captures kept, role `import`, with their exchange.

Redirects captured become aliases of the article they led to, at the end.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from tracker.config import Config
from tracker.core.urls import site_of, try_normalize_url
from tracker.errors import WorkersUnavailable
from tracker.extraction.extract import Extraction
from tracker.extraction.identity import path_id
from tracker.extraction.worker import Analysis, analyze
from tracker.fetch.warc import Archived, Check, Index, Skipped
from tracker.pipeline import captures
from tracker.pipeline.observe import Extracted, Observation
from tracker.pipeline.plan import Known, Plan
from tracker.pipeline.record import record
from tracker.pipeline.runtime import ExtractionPool, site_rules
from tracker.store import bodies, histories, repository
from tracker.store import captures as stored_captures
from tracker.store.db import transaction
from tracker.store.models import Article, Outcome

log = logging.getLogger(__name__)

IMPORT_SOURCE = "import"
OWNER = "import"
REDIRECTS_A_TRANSACTION = 500

Stage = Callable[[str, int | None], AbstractContextManager[Callable[[int], None]]]
"""How a caller shows progress: given a stage's name and its size, a context whose
value is told how much more is done (`tracker.cli.common.Progress`)."""


@dataclass(slots=True)
class Imported:
    """What an import did: captures read, checks that made a version or found the page
    unchanged, captures skipped by reason, articles touched, aliases learned."""

    captures: int = 0
    revisits: int = 0  # of the captures, `revisit` records read as the page they refer to
    versions: int = 0
    unchanged: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    articles: set[int] = field(default_factory=set)
    aliases: int = 0


@dataclass(frozen=True, slots=True)
class Options:
    source: str = IMPORT_SOURCE
    track: bool = False  # the daemon checks the imported articles from now on


async def import_warcs(
    config: Config,
    sessions: sessionmaker[Session],
    paths: list[Path],
    options: Options,
    stage: Stage,
    *,
    pool: ExtractionPool | None = None,
    ahead: int = 1,
) -> Imported:
    """Import the captures of these WARC (or ARC) files; see the module's docstring.
    Pages are extracted in `pool`'s processes (None: in this one), up to `ahead` checks
    ahead of the one being recorded."""
    done = Imported()
    with Index(paths, config.fetch.max_bytes) as index:
        with stage("indexing", sum(path.stat().st_size for path in paths)) as advance:
            total = index.build(advance)
        with stage("importing", total) as advance:
            replay = _Replay(config, sessions, options, done, advance, pool, ahead)
            await replay.run(index.captures())
        done.aliases = _aliases(sessions, index.redirects())
    return done


Extracting = asyncio.Task[list[Analysis]]


@dataclass(slots=True)
class _Replay:
    """The second pass: each check's pages extracted ahead (extraction reads nothing a
    check writes but the host's volatile text, which only the quick look it learns
    uses), and recorded one after the other, in capture order: a check depends on the
    one before it."""

    config: Config
    sessions: sessionmaker[Session]
    options: Options
    done: Imported
    advance: Callable[[int], None]
    pool: ExtractionPool | None
    ahead: int
    waiting: deque[tuple[Check, Extracting]] = field(default_factory=deque)

    async def run(self, reads: Iterator[Check | Skipped]) -> None:
        try:
            await self._each(reads)
        finally:
            for _check, extracting in self.waiting:  # an import stopped by an error
                extracting.cancel()

    async def _each(self, reads: Iterator[Check | Skipped]) -> None:
        for read in reads:
            if isinstance(read, Skipped):
                self.done.captures += 1
                self.done.skipped[read.reason] += 1
                self.advance(1)
                continue
            volatile = _not_imported(self.sessions, read)
            if isinstance(volatile, str):
                _count(self.done, read, volatile)
                self.advance(len(read))
                continue
            extracting = asyncio.create_task(_analyses(self.config, self.pool, read, volatile))
            self.waiting.append((read, extracting))
            while len(self.waiting) > self.ahead:
                await self._record(*self.waiting.popleft())
        while self.waiting:
            await self._record(*self.waiting.popleft())

    async def _record(self, check: Check, extracting: Extracting) -> None:
        try:
            analyses = await extracting
            with transaction(self.sessions) as session:
                outcome = import_check(session, self.config, check, analyses, self.options)
        except (OperationalError, WorkersUnavailable):
            raise  # the database or the workers are gone: no check can be imported
        except Exception as error:  # one page that breaks tracker does not stop the import
            log.exception("import of %s captured at %s failed", check[0].page.final_url, check[0].at)
            outcome = f"failed inside tracker ({type(error).__name__})"
        _count(self.done, check, outcome)
        self.advance(len(check))


def _not_imported(sessions: sessionmaker[Session], check: Check) -> frozenset[str] | str:
    """The host's volatile text, to extract the check's pages with; or why it is skipped
    before they are (a file imported again is not extracted again)."""
    first = check[0]
    url = try_normalize_url(first.page.final_url)
    if url is None:
        return "not a URL tracker can track"
    with transaction(sessions) as session:
        if _kept(session, first):
            return "imported already"
        return repository.volatile_shapes(session, site_of(url))


async def _analyses(
    config: Config, pool: ExtractionPool | None, check: Check, volatile: frozenset[str]
) -> list[Analysis]:
    pages = [archived.page for archived in check]
    if pool is None:
        return [analyze(p.html(), p.final_url, site_rules(config, p.final_url), volatile) for p in pages]
    return list(
        await asyncio.gather(
            *(pool.analyze(p.html(), p.final_url, site_rules(config, p.final_url), volatile) for p in pages)
        )
    )


def _count(done: Imported, check: Check, outcome: tuple[int, Outcome] | str) -> None:
    done.captures += len(check)
    done.revisits += sum(archived.revisit for archived in check)
    if isinstance(outcome, str):
        done.skipped[outcome] += len(check)
        return
    article_id, result = outcome
    done.articles.add(article_id)
    if result == Outcome.NEW_VERSION:
        done.versions += 1
        done.unchanged += len(check) - 1  # its confirmations
    elif result == Outcome.UNCHANGED:
        done.unchanged += len(check)


def import_check(
    session: Session, config: Config, check: Check, analyses: list[Analysis], options: Options
) -> tuple[int, Outcome] | str:
    """One check read from the files, its pages extracted, recorded (steps 1 to 5): its
    article and outcome, or why it was skipped."""
    first = check[0]
    url = try_normalize_url(first.page.final_url)
    if url is None:
        return "not a URL tracker can track"
    if _kept(session, first):  # a file given twice: the same capture checked ahead twice
        return "imported already"
    volatile = repository.volatile_shapes(session, site_of(url))
    seen = [Extracted(archived.page, analysis) for archived, analysis in zip(check, analyses, strict=True)]
    if (problem := seen[0].analysis.problem) is not None:
        return _reason(problem)
    known = repository.find_article(session, url)
    if known is None and listing(url, seen[0].analysis.extraction):
        return "listing page"  # a URL tracked already is a story: its operator said so
    article = _article(session, known, url, first.at, options)
    if isinstance(article, str):
        return article
    created = known is None
    observation = Observation(
        Plan(article.id, article.url, None, None, Known(None), volatile),
        seen[0],
        first.at,
        time.perf_counter(),
        tuple(seen[1:]),
    )
    result = record(session, config, observation, now=first.at, owner=OWNER, keep_captures=False, live=False)
    if (
        created
        and result.outcome == Outcome.SOFT_ERROR
        and result.article_id == article.id
        and histories.latest_version_number(session, article.id) is None
    ):
        repository.forget_article(session, article.id)  # a URL the import made that never showed its story
        return _reason(result.message or "soft error")
    if config.database.store_raw_html:
        for archived in check:
            captures.keep(
                session,
                result.article_id,
                archived.page,
                role=stored_captures.IMPORT,
                version_number=result.version_number,
                at=archived.at,
            )
    if result.outcome == Outcome.SOFT_ERROR:
        return _reason(result.message or "soft error")
    return result.article_id, Outcome(result.outcome)


def _reason(problem: str) -> str:
    """A soft error's kind, what a summary counts (`looks like an interstitial page`),
    without what it quotes of the page."""
    return problem.split(":", 1)[0]


def _kept(session: Session, first: Archived) -> bool:
    """Whether this capture was imported (or fetched) before."""
    page = first.page
    if stored_captures.kept(session, page.final_url, first.at, bodies.digest(page.content)):
        return True
    url = try_normalize_url(page.final_url)
    article = repository.find_article(session, url) if url else None
    return article is not None and repository.checked_at(session, article.id, first.at)


def _article(
    session: Session, article: Article | None, url: str, at: datetime, options: Options
) -> Article | str:
    """The article of `url` (`article`, when one has the URL), or a new one filed under the
    import's source (paused unless tracked); or why the capture cannot extend its history."""
    if article is None:
        source = repository.source_named(session, options.source, at)
        article, _created = repository.add_article(session, url, source=source, now=at)
        if not options.track:
            article.paused_at = at
        return article
    if article.last_checked_at is not None and at < article.last_checked_at:
        return "older than the article's last check"
    if options.track and article.paused_at is not None:
        article.paused_at = None
    return article


def listing(url: str, extraction: Extraction) -> bool:
    """A page a crawl holds that is not a story: the site's front page, or a page that
    neither dates, signs nor numbers what it shows (a section front, a tag page). A
    daemon never meets one (its sources list stories); a crawl takes every page."""
    parts = urlsplit(url)
    if not parts.path.strip("/") and not parts.query:
        return True
    numbered = path_id(url) or any(
        value.isdigit() and len(value) >= 4 for _name, value in parse_qsl(parts.query)
    )  # a blog's `?p=2895`
    return not (extraction.published_at or extraction.byline or extraction.publisher_id or numbered)


def _aliases(sessions: sessionmaker[Session], redirects: Iterator[tuple[str, str]]) -> int:
    """The URLs that redirected to an article become its aliases (a URL no article has)."""
    added, batch = 0, []
    for pair in redirects:
        batch.append(pair)
        if len(batch) == REDIRECTS_A_TRANSACTION:
            added += _alias_batch(sessions, batch)
            batch = []
    return added + (_alias_batch(sessions, batch) if batch else 0)


def _alias_batch(sessions: sessionmaker[Session], batch: list[tuple[str, str]]) -> int:
    added = 0
    with transaction(sessions) as session:
        for source, target in batch:
            old, new = try_normalize_url(source), try_normalize_url(target)
            if old is None or new is None or old == new:
                continue
            article = repository.find_article(session, new)
            if article is not None and repository.find_article(session, old) is None:
                added += repository.add_alias(session, article, old, "redirect", article.first_seen_at)
    return added
