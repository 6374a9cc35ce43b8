"""A small database of real history, built by running tracker against the simulated
site: three stories and a day of edits (a hostile headline and paragraph, a
correction with a new update time, a typo, a trivial fix)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml
from click.testing import CliRunner

from tests.support.site import NewsSite, Story
from tracker.cli import main

HOSTILE = "<script>document.title='PWNED'</script><img src=x onerror=\"document.title='PWNED'\">"


def tracker(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def build_history(tmp_path: Path, site: NewsSite, **settings: object) -> tuple[Path, list[Story]]:
    stories = [
        site.add_story(t, slug=f"s{i}-a{900 + i}") for i, t in enumerate(("jsonld", "meta", "wordpress"))
    ]
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": f"sqlite:///{tmp_path / 'report.db'}"},
                "sources": [{"name": "sim", "feeds": [site.feed()]}],
                "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
                "logging": {"level": "warning"},
                **settings,
            }
        )
    )
    tracker(config, "run", "--once")
    stories[0].headline = "Minister says " + HOSTILE
    stories[0].paragraphs.insert(1, "He wrote " + HOSTILE + " on the council's page.")
    stories[1].paragraphs.append("Correction: an earlier version of this story misstated the date.")
    stories[1].updated_at = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    stories[2].paragraphs[0] = stories[2].paragraphs[0].replace("e", "é", 1)
    tracker(config, "run", "--once", "--all")
    stories[2].paragraphs[1] = stories[2].paragraphs[1].rstrip(".") + "!"
    tracker(config, "run", "--once", "--all")
    return config, stories
