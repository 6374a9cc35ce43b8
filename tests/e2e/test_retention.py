"""End to end: the retention setting applied by a run's storage step and by `tracker
prune`, and the database's size in `tracker status`, on a loopback site."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner
from sqlalchemy import select

from tests.support.site import NewsSite
from tracker.cli import main
from tracker.store import captures
from tracker.store.models import Article, Capture, Version


def test_a_run_drops_the_bodies_older_than_the_setting_and_the_rest_stays_readable(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story("jsonld")
    tracker = make_tracker(
        db_url,
        database={"url": db_url, "raw_html": "90d"},
        sources=[{"name": "sim", "urls": [site.url(story.path)]}],
    )
    assert tracker.cycle() == {"new_version": 1}
    with tracker.session() as session, session.begin():  # the first version's fetches, 100 days ago
        for capture in session.scalars(select(Capture)):
            capture.at -= timedelta(days=100)
    story.paragraphs.append("A correction was appended by the desk.")
    assert tracker.cycle() == {"new_version": 1}
    with tracker.session() as session:
        article = session.scalar(select(Article))
        assert article is not None
        kept = captures.of_article(session, article.id)
        old = [c for c in kept if c.version_number == 1]
        new = [c for c in kept if c.version_number == 2]
        assert old and all(c.body is None and c.digest and c.size for c in old)
        assert new and all(c.body is not None for c in new)
        assert all(c.base_id not in {o.id for o in old} for c in new), "no capture left needing a dropped one"
        for capture in new:
            content = captures.body(capture)
            assert content is not None and b"A correction was appended by the desk." in content
        versions = list(session.scalars(select(Version).where(Version.article_id == article.id)))
        assert [v.number for v in versions] == [1, 2] and all(v.body for v in versions), "text is kept"


def test_prune_and_the_database_size_in_status(site: NewsSite, tmp_path: Path, db_url: str) -> None:
    story = site.add_story("jsonld")
    config = tmp_path / "config.yaml"
    settings = {
        "database": {"url": db_url, "raw_html": "30d"},
        "sources": [{"name": "sim", "urls": [site.url(story.path)]}],
        "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
        "logging": {"level": "warning"},
    }
    config.write_text(yaml.safe_dump(settings))

    def tracker(*args: str) -> str:
        result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    tracker("init")
    tracker("run", "--once")
    assert "pruned: 0 bodies dropped" in tracker("prune")
    storage = json.loads(tracker("status", "--json"))["storage"]
    assert storage["versions"] == 1 and storage["captures"] >= 1
    assert storage["bytes_per_version"] > 0 and storage["bytes"] >= sum(storage["tables"].values())
    assert "captures" in storage["tables"] and "versions" in storage["tables"]
    shown = tracker("status")
    assert "database: " in shown and "a version" in shown
