"""Several workers on one PostgreSQL database, politeness on.

Whatever the race (two workers checking one story at once, a story reached
through its old URL's redirect and its new URL in one cycle), storing a
version serializes on the story: no version equals the one before it, and
every revision is computed against the version it follows. Together the
workers ask a host no faster than its delay.
"""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from sqlalchemy import select

from tests.support import measure
from tests.support.databases import emptied
from tests.support.harness import Tracker, make_config
from tests.support.newsroom import Newsroom
from tests.support.site import NewsSite, too_close
from tracker.daemon import runtime_for
from tracker.pipeline import check_articles
from tracker.store.models import Article, Revision, Version

pytestmark = pytest.mark.slow


def history_problems(tracker: Tracker) -> list[str]:
    """Versions equal to the one before them, and revisions that change nothing or do
    not follow the version before theirs."""
    problems = []
    with tracker.session() as session:
        versions = session.execute(
            select(Version.article_id, Version.number, Version.content_hash).order_by(
                Version.article_id, Version.number
            )
        ).all()
        for a, b in itertools.pairwise(versions):
            if a.article_id == b.article_id and a.content_hash == b.content_hash:
                problems.append(f"article {a.article_id}: version {b.number} repeats {a.number}")
        for revision in session.scalars(select(Revision)):
            if not revision.changed:
                problems.append(
                    f"article {revision.article_id}: revision {revision.to_number} changes nothing"
                )
            if revision.from_number != revision.to_number - 1:
                problems.append(
                    f"article {revision.article_id}: revision {revision.from_number} -> {revision.to_number}"
                )
    return problems


def test_two_workers_checking_one_story_at_once_store_its_edit_once(
    site: NewsSite, postgres_database: str
) -> None:
    """The race of issue 11: two workers read version 1 as the latest and both stored the
    edit, as versions 2 and 3. Two threads, each its own event loop, runtime and owner,
    check the same 40 edited stories at the same moment."""
    config = make_config(
        emptied(postgres_database),
        sources=[{"name": "sim", "feeds": [site.feed()]}],
        fetch={
            "per_host_concurrency": 40,
            "concurrency": 40,
            "timeout": "15s",
        },  # 80 fetches at once, one CPU
    )
    tracker = Tracker(config)
    stories = [site.add_story(paragraphs=4) for _ in range(40)]
    try:
        tracker.cycle()
        for round_ in range(3):
            for story in stories:
                story.headline += f" (update {round_})"
            with tracker.session() as session:
                ids = list(session.scalars(select(Article.id)))
            start = threading.Barrier(2)

            def worker(name: str, start: threading.Barrier = start, ids: list[int] = ids) -> None:
                async def go() -> None:
                    async with runtime_for(config, tracker.sessions, lambda: datetime.now(UTC)) as runtime:
                        runtime.owner = name
                        start.wait()
                        await check_articles(runtime, ids)

                asyncio.run(go())

            threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        with tracker.session() as session:
            counts = session.execute(
                select(Version.article_id, sa.func.count()).group_by(Version.article_id)
            ).all()
        assert history_problems(tracker) == []
        assert sorted(count for _article, count in counts) == [4] * 40
    finally:
        tracker.close()


class Workers(Tracker):
    """`tracker run --once --all` in three processes at once, as a cron job on three machines."""

    def __init__(self, config: Any, path: Path, settings: dict[str, Any], count: int = 3):
        super().__init__(config)
        self.path = path
        self.path.write_text(yaml.safe_dump(settings))
        self.count = count

    def cycle(self, *, every_active: bool = True) -> dict[str, int]:
        command = [sys.executable, "-m", "tracker", "--config", str(self.path), "run", "--once", "--all"]
        workers = [
            subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(self.count)
        ]
        done = [worker.communicate(timeout=300) for worker in workers]
        outcomes: dict[str, int] = {}
        for worker, (out, err) in zip(workers, done, strict=True):
            assert worker.returncode == 0, err
            for pair in out.strip().split(", "):
                if pair != "nothing was due":
                    outcome, count = pair.split()
                    outcomes[outcome] = outcomes.get(outcome, 0) + int(count)
        return outcomes


def test_three_workers_at_the_pace_of_one_host_record_every_edit_once(
    site: NewsSite, tmp_path: Path, postgres_database: str
) -> None:
    """Three `run --once --all` workers on one PostgreSQL database, one host asked 100 ms
    apart at most (the shipped 1 s, scaled), stories edited and moved (the old URL 301s to
    the new slug and the feed lists the new one) between cycles."""
    delay = 0.1
    database = emptied(postgres_database)
    newsroom = Newsroom(site, seed=41, edit_share=0.35, moves=2)
    newsroom.publish(20)
    settings = {
        "database": {"url": database},
        "sources": [{"name": "sim", "feeds": [site.feed()]}],
        "fetch": {
            "allow_private_addresses": True,
            "per_host_delay": f"{int(delay * 1000)}ms",
            "timeout": "1s",
        },
        "logging": {"level": "warning"},
    }
    workers = Workers(make_config(database), tmp_path / "worker.yaml", settings)
    try:
        began = time.monotonic()
        report = measure.run(newsroom, workers, cycles=3)
        took = time.monotonic() - began
        print("\n" + "\n".join(report.lines()), f"\n{len(site.requests)} requests in {took:.1f} s")
        print(report.explain())
        assert history_problems(workers) == []
        assert report.edits >= 20
        assert report.precision >= 0.995 and report.recall >= 0.995
        assert report.split_histories == 0
    finally:
        workers.close()
    assert too_close(site, delay) == [], "three workers together asked the host faster than its delay"
