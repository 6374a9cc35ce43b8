"""A small database of real history, built by running tracker against the simulated
site: three stories and a day of edits (a hostile headline and paragraph, a
correction with a new update time, a typo, a trivial fix); and a web client on it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.support.site import NewsSite, Response, Story
from tracker.cli import main
from tracker.config import load_config
from tracker.store import db
from tracker.web import create_app

TOKEN = "a-long-enough-test-token"  # web.token: writing through the API
WITHDRAWN = "/news/withdrawn-story-a990"
GONE_AFTER = 0.2  # seconds the site takes to say that story is gone
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


def history_with_a_failed_check(tmp_path: Path, site: NewsSite) -> tuple[Path, list[Story]]:
    """`build_history`, and a tip sent by hand whose page is gone (the site takes
    GONE_AFTER seconds to say so): its only check failed."""
    config, stories = build_history(tmp_path, site)
    gone = Response(status=404, body=b"<html><body>Not found</body></html>", delay=GONE_AFTER)
    site.route(WITHDRAWN, lambda _request: gone)
    tracker(config, "add", "--source", "tips", site.url(WITHDRAWN))
    tracker(config, "run", "--once")
    return config, stories


def client_for(config_path: Path, **web: object) -> TestClient:
    """The web app on the database of `config_path`, its `web` settings changed by `web`."""
    config = load_config(config_path)
    config = config.model_copy(update={"web": config.web.model_copy(update=web)})
    engine = db.create_engine(config.database.url)
    return TestClient(create_app(config, db.session_factory(engine)))
