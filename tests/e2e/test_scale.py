"""`tracker run --once --all` over a feed of a few hundred articles, then the export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.support.site import TEMPLATES, NewsSite

pytestmark = pytest.mark.slow

ARTICLES = 300


def test_a_feed_of_hundreds_is_tracked_and_exported(tmp_path: Path, site: NewsSite) -> None:
    stories = [site.add_story(TEMPLATES[i % 3], paragraphs=5) for i in range(ARTICLES)]
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": f"sqlite:///{tmp_path / 'scale.db'}"},
                "sources": [{"name": "sim", "feeds": [site.feed()]}],
                "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "per_host_concurrency": 8},
                "logging": {"level": "warning"},
            }
        )
    )

    def tracker(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "tracker", "--config", str(config), *args],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert tracker("run", "--once", "--all").strip() == f"new_version {ARTICLES}"
    export = tmp_path / "export.jsonl"
    tracker("export", "--format", "jsonl", "--output", str(export))
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert len(lines) == ARTICLES
    by_url = {line["url"]: line for line in lines}
    for story in stories:
        [version] = by_url[site.url(story.path)]["versions"]
        assert version["headline"] == story.headline
        assert version["body"] == "\n\n".join(story.paragraphs)
    assert tracker("run", "--once", "--all").strip() == f"unchanged {ARTICLES}"
