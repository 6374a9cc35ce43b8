"""Template furniture learned from stored counts (issue 22, point 1): BBC 2024 pages
(`tests.support.publishers.bbc2024`: a visually hidden "Published" above the text, an
"Attribution" label in the third promo at the article's end) with the hiding class
hashed, as CSS-in-JS sites ship it in production ("ssrcss-1f39n02 e16en2lz0", no
"VisuallyHidden" label in it): no structural rule can tell those labels from the text
(`tracker.extraction.chrome` drops them when the class says it hides), only what the
host's stories share can. On loopback, checked by
a cron of `run --once` (a new process, so a new runtime, each cycle) and by two
workers on one PostgreSQL database. What is learned, and the counts that lead to it,
are in the database: every process learns the same lines, and the first versions of a
new host's batch are stored without them."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.corpus import CORPUS, needs_corpus
from tests.support.databases import emptied
from tests.support.harness import Tracker, make_config
from tests.support.publishers import Host, bbc2024, layouts
from tests.support.publishers.hosts import Render
from tests.support.publishers.mastheads import _when, story_from
from tests.support.publishers.story import LONDON
from tests.support.publishers.texts import text
from tracker.core.urls import site_of
from tracker.daemon import runtime_for
from tracker.pipeline import check_articles
from tracker.store import repository
from tracker.store.models import Article, TemplateSighting, Version, VolatileText

pytestmark = [needs_corpus(CORPUS / "readability"), pytest.mark.slow]

TEXTS = ("bbc-1", "telegraph", "bug-1255978", "wordpress", "nytimes-3", "nytimes-4", "cnet", "engadget")
FURNITURE = {"Published", "Attribution"}


def bbc_host(count: int) -> Host:
    """A BBC 2024 site with `count` stories (its feed lists what `Host.stories` holds)."""
    stories = [
        story_from(
            text(name),
            zone=LONDON,
            section="world",
            published=_when("2024-09-27", number, LONDON),
            byline=["Nada Tawfik"],
        )
        for number, name in enumerate(TEXTS[:count])
    ]
    return Host("bbc2024", "bbc2024", _hashed(layouts.LAYOUTS["bbc2024"]), stories).start()


def _hashed(render: Render) -> Render:
    """The layout with its hiding class reduced to the hashes a production build keeps."""
    return lambda story, page: render(story, page).replace(bbc2024.HIDDEN, "ssrcss-1f39n02 e16en2lz0")


@pytest.fixture
def host() -> Iterator[Host]:
    site = bbc_host(len(TEXTS))
    yield site
    site.stop()


def _tracker(url: str, host: Host) -> Tracker:
    sources = [{"name": "bbc", "feeds": [host.feed()]}]
    return Tracker(make_config(url, sources=sources, schedule={"retire_after": "36500d"}))


def carrying(tracker: Tracker) -> list[tuple[str, str]]:
    """(article URL, line) for every stored version holding a furniture line."""
    with tracker.session() as session:
        rows = session.execute(
            select(Article.url, Version.body).join(Version, Version.article_id == Article.id)
        )
        return [(url, line) for url, body in rows for line in body.split("\n\n") if line in FURNITURE]


def learned(tracker: Tracker, host: Host) -> set[str]:
    with tracker.session() as session:
        return set(session.scalars(select(VolatileText.shape).where(VolatileText.host == _site(host))))


def _site(host: Host) -> str:
    return site_of(host.feed())


def test_a_cron_of_run_once_learns_the_furniture_before_storing_a_new_hosts_first_versions(
    host: Host, tmp_path: Path
) -> None:
    """Six stories in the feed at the first run: the batch's first versions wait for one
    another, the template is learned from them, and none is stored with it; stories that
    come later, one a run, are stored without it too, each run a new runtime."""
    everything = list(host.stories)
    host.stories = everything[:6]
    tracker = _tracker(f"sqlite:///{tmp_path / 'cron.db'}", host)
    try:
        for cycle, count in enumerate((6, 7, 8)):
            host.stories = everything[:count]
            host.advance(cycle)
            tracker.cycle(every_active=False)
            assert {"published", "attribution"} <= learned(tracker, host)
            assert carrying(tracker) == [], f"run {cycle + 1}"
        with tracker.session() as session:
            stored = set(session.scalars(select(Version.article_id).where(Version.number == 1)))
            counted = session.scalars(
                select(TemplateSighting.article_id).where(TemplateSighting.kind == "story")
            ).all()
        assert len(stored) >= 6 and sorted(counted) == sorted(stored)  # each story counted once
    finally:
        tracker.close()


def test_counts_stored_by_earlier_runs_teach_a_host_whose_stories_come_one_a_run(
    host: Host, tmp_path: Path
) -> None:
    """One new story a run: no run sees more than one first version, yet the counts the
    runs stored teach "Published" at the third story (`Rule.few`), and the stories from
    there on are stored without it. (The two before it keep it: a host's template cannot
    be told from two stories. "Attribution" labels the third promo of the stories: a site
    of fewer than four stories has none, so it is not at one place across these.)"""
    everything = list(host.stories)
    tracker = _tracker(f"sqlite:///{tmp_path / 'trickle.db'}", host)
    try:
        for count in range(1, 6):
            host.stories = everything[:count]
            tracker.cycle(every_active=False)
            if count < 3:
                assert learned(tracker, host) == set()
        assert "published" in learned(tracker, host)
        first_two = {host.url(story) for story in everything[:2]}
        assert {url for url, line in carrying(tracker) if line == "Published"} == first_two
    finally:
        tracker.close()


def test_two_workers_on_one_postgresql_database_learn_the_same_lines(
    host: Host, postgres_database: str, tmp_path: Path
) -> None:
    """Two workers check half of a new host's first versions each, at the same moment:
    each learns from the counts both stored, and together they learn what one process
    alone does."""
    host.stories = host.stories[:6]
    alone = _tracker(f"sqlite:///{tmp_path / 'alone.db'}", host)
    try:
        alone.cycle(every_active=False)
        expected = learned(alone, host)
    finally:
        alone.close()
    tracker = _tracker(emptied(postgres_database), host)
    try:
        now = datetime.now(UTC)
        with tracker.session() as session, session.begin():
            ids = [
                repository.add_article(session, host.url(story), source=None, now=now)[0].id
                for story in host.stories
            ]
        start = threading.Barrier(2)

        def worker(name: str, mine: list[int]) -> None:
            async def go() -> None:
                async with runtime_for(
                    tracker.config, tracker.sessions, lambda: datetime.now(UTC)
                ) as runtime:
                    runtime.owner = name
                    start.wait()
                    await check_articles(runtime, mine)

            asyncio.run(go())

        threads = [threading.Thread(target=worker, args=(f"w{n}", ids[n::2])) for n in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert {"published", "attribution"} <= expected
        # what one process learns, the two learn together (from the counts both stored;
        # counts taken in halves may teach a line sooner, as "Related topics" at the third
        # story of a half)
        assert expected <= learned(tracker, host)
        with tracker.session() as session:
            counted = session.scalars(
                select(TemplateSighting.article_id).where(TemplateSighting.kind == "story")
            ).all()
        assert sorted(counted) == sorted(ids)
        # "Published" stands above the text of every story: each worker's half teaches it
        # before its first versions are stored. (A line in some of the stories only, as
        # "Attribution" is, may be learned only from both halves' counts: the worker
        # that stored its half first may keep it.)
        assert [line for _url, line in carrying(tracker) if line == "Published"] == []
    finally:
        tracker.close()
