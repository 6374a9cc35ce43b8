"""Managing what is watched, from the command line, as a new user meets it (issue 24):
the config is the truth for sources, a dead feed is in plain sight, failing stories are
found, the example config loads with every block uncommented, and sources and stories
are paused, resumed, removed and purged. Real loopback HTTP servers, real SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.support.site import NewsSite, Response
from tracker.cli import main
from tracker.config import load_config
from tracker.store import db
from tracker.web import create_app

FETCH = {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"}


def write_config(path: Path, db_url: str, sources: list[dict[str, Any]]) -> Path:
    path.write_text(
        yaml.safe_dump(
            {"database": {"url": db_url}, "sources": sources, "fetch": FETCH, "logging": {"level": "warning"}}
        )
    )
    return path


def tracker(config: Path, *args: str, code: int = 0, stdin: str | None = None) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args], input=stdin, catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


def refusing_port() -> int:
    """A loopback port nothing listens on: a connection to it is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_source_taken_out_of_the_config_is_no_longer_polled(
    tmp_path: Path, site: NewsSite, db_url: str
) -> None:
    kept, dropped = site.add_story(), site.add_story()
    site.feed("/keep.xml", [kept])
    site.feed("/dropped.xml", [dropped])
    two = write_config(
        tmp_path / "two.yaml",
        db_url,
        [
            {"name": "keep", "feeds": [site.url("/keep.xml")]},
            {"name": "dropped", "feeds": [site.url("/dropped.xml")]},
        ],
    )
    one = write_config(tmp_path / "one.yaml", db_url, [{"name": "keep", "feeds": [site.url("/keep.xml")]}])
    tracker(two, "init")
    assert tracker(two, "run", "--once").strip() == "new_version 2"
    assert site.hits["/dropped.xml"] == 1

    said = tracker(one, "init")
    assert "source dropped is no longer in the config" in said
    before = dict(site.hits)
    tracker(one, "run", "--once", "--all")
    assert site.hits["/dropped.xml"] == 1, "a source taken out of the config is still polled"
    assert site.hits[dropped.path] == before[dropped.path], "its stories are still checked"
    assert site.hits[kept.path] > before[kept.path]

    rows = {row["name"]: row for row in json.loads(tracker(one, "sources", "--json"))}
    assert rows["dropped"]["state"] == "no longer configured" and rows["dropped"]["stories"] == 1
    assert rows["keep"]["state"] == "watched"
    assert "dropped  (no longer configured)" in tracker(one, "sources")
    history = json.loads(tracker(one, "history", site.url(dropped.path), "--json"))
    assert len(history["versions"]) == 1, "its history stays"

    tracker(one, "run", "--once", "--all", "--keep-checking")
    assert site.hits[dropped.path] > before[dropped.path], "--keep-checking checks them still"
    assert site.hits["/dropped.xml"] == 1
    tracker(two, "init")  # back in the config: watched again
    rows = {row["name"]: row for row in json.loads(tracker(two, "sources", "--json"))}
    assert rows["dropped"]["state"] == "watched"


def test_a_dead_feed_is_in_plain_sight(tmp_path: Path, site: NewsSite, db_url: str) -> None:
    site.add_story()
    dead = f"http://127.0.0.1:{refusing_port()}/rss.xml"
    config = write_config(
        tmp_path / "config.yaml",
        db_url,
        [{"name": "alive", "feeds": [site.feed()]}, {"name": "dead", "feeds": [dead]}],
    )
    tracker(config, "init")
    tracker(config, "run", "--once")
    tracker(config, "run", "--once")

    report = json.loads(tracker(config, "status", "--json"))
    assert report["failing_endpoints"] == 1
    first = report["sources"][0]
    assert first["source"] == "dead", "failing sources come first"
    [endpoint] = first["endpoints"]
    assert endpoint["url"] == dead and endpoint["failing"] and endpoint["failures_in_a_row"] == 2
    assert endpoint["failing_since"] and "connect" in endpoint["last_error"]
    text = tracker(config, "status")
    assert re.search(rf"{re.escape(dead)}.*FAILING since \S+, 2 polls in a row: .*connect", text), text
    assert "alive" in text
    sized = json.loads(tracker(config, "status", "--json", "--sizes"))["storage"]
    assert "versions" in sized["tables"] and sized["bytes"] >= sum(sized["tables"].values())

    loaded = load_config(config)
    engine = db.create_engine(loaded.database.url)
    try:
        with TestClient(create_app(loaded, db.session_factory(engine))) as client:
            api = client.get("/api/sources").json()
            page = client.get("/sources").text
    finally:
        engine.dispose()
    assert api["sources"][0]["source"] == "dead"
    assert api["sources"][0]["endpoints"][0]["failures_in_a_row"] == 2
    assert dead in page and "2 polls in a row" in page and "connect" in page
    assert page.index("dead") < page.index("alive")
    assert "FAILING" in tracker(config, "sources").splitlines()[1]


def test_failing_articles_are_listed_with_headline_last_check_and_error(
    tmp_path: Path, site: NewsSite, db_url: str
) -> None:
    good, bad = site.add_story(), site.add_story(headline="Harbour budget story")
    config = write_config(tmp_path / "config.yaml", db_url, [{"name": "sim", "feeds": [site.feed()]}])
    tracker(config, "init")
    tracker(config, "run", "--once")
    site.route(bad.path, lambda _request: Response(500, b"<h1>Internal Server Error</h1>"))
    tracker(config, "run", "--once", "--all")

    rows = json.loads(tracker(config, "articles", "--failing", "--json"))
    assert [row["url"] for row in rows] == [site.url(bad.path)]
    assert rows[0]["headline"] == "Harbour budget story"
    assert rows[0]["last_check"]["outcome"] == "error" and rows[0]["last_checked_at"]
    text = tracker(config, "articles", "--failing", "--source", "sim")
    assert "Harbour budget story" in text and "error" in text and "http_500" in text.lower().replace(" ", "_")
    assert site.url(good.path) not in text
    unknown = CliRunner().invoke(main, ["--config", str(config), "articles", "--failing", "--source", "x"])
    assert unknown.exit_code == 1 and "no source named 'x'" in unknown.output


def uncommented(text: str) -> str:
    """The example config with every commented block (and commented key) uncommented;
    the header's prose, before `database:`, stays as it is."""
    head, _, rest = text.partition("\ndatabase:")
    lines = []
    for line in ("database:" + rest).splitlines():
        match = re.match(r"^(\s*)# (\s*(?:[a-z_]+:|- ).*)$", line)
        lines.append(match.group(1) + match.group(2) if match else line)
    return head + "\n" + "\n".join(lines) + "\n"


def test_the_example_config_loads_with_every_block_uncommented(tmp_path: Path) -> None:
    path = tmp_path / "mysite.yaml"
    tracker(tmp_path / "none.yaml", "init", "--example-config", str(path))
    written = path.read_text()
    assert "sqlite:///mysite.db" in written, "the quick start's config uses a database of its own"
    everything = tmp_path / "everything.yaml"
    everything.write_text(uncommented(written))
    assert everything.read_text().count("\n# ") < written.count("\n# ")
    config = load_config(everything)
    assert config.web.token and config.notify.webhooks[0].url == "https://hooks.example.org/tracker"
    assert config.fetch.allow_private_addresses


def test_pause_resume_remove_and_purge(tmp_path: Path, site: NewsSite, db_url: str) -> None:
    first, second = site.add_story(), site.add_story()
    config = write_config(tmp_path / "config.yaml", db_url, [{"name": "sim", "feeds": [site.feed()]}])
    tracker(config, "init")
    tracker(config, "run", "--once")
    one, two = site.url(first.path), site.url(second.path)
    first_id = json.loads(tracker(config, "history", one, "--json"))["id"]

    assert "paused" in tracker(config, "pause", str(first_id))
    assert "already paused" in tracker(config, "pause", one)
    hits = dict(site.hits)
    tracker(config, "run", "--once", "--all")
    assert site.hits[first.path] == hits[first.path], "a paused story is checked"
    assert site.hits[second.path] > hits[second.path]
    assert json.loads(tracker(config, "status", "--json"))["paused_articles"] == 1
    assert "resumed" in tracker(config, "resume", one)

    assert "source sim: paused" in tracker(config, "pause", "sim")
    hits = dict(site.hits)
    tracker(config, "run", "--once", "--all")
    assert site.hits == hits, "a paused source is polled or its stories checked"
    assert json.loads(tracker(config, "sources", "--json"))[0]["state"] == "paused"
    tracker(config, "resume", "sim")

    assert "removed (history kept)" in tracker(config, "remove", one)
    hits = dict(site.hits)
    tracker(config, "run", "--once", "--all")
    assert site.hits[first.path] == hits[first.path], "a removed story is checked"
    history = json.loads(tracker(config, "history", one, "--json"))
    assert history["status"] == "removed" and len(history["versions"]) == 1
    tracker(config, "resume", one)
    assert json.loads(tracker(config, "history", one, "--json"))["status"] == "active"

    refused = tracker(config, "remove", two, "--purge", code=1, stdin="n\n")
    assert "purging deletes 1 articles, 1 versions" in refused and "nothing deleted" in refused
    assert json.loads(tracker(config, "history", two, "--json"))["versions"]
    purged = tracker(config, "remove", two, "--purge", "--yes")
    assert "purged 1 articles, 1 versions, 0 revisions" in purged
    gone = CliRunner().invoke(main, ["--config", str(config), "history", two])
    assert gone.exit_code == 1 and "no tracked article" in gone.output
    not_an_article = CliRunner().invoke(main, ["--config", str(config), "remove", "sim"])
    assert not_an_article.exit_code == 1 and "is a source" in not_an_article.output
    unknown = CliRunner().invoke(main, ["--config", str(config), "pause", "nothing"])
    assert unknown.exit_code == 1 and "no source or tracked article matches 'nothing'" in unknown.output
    assert datetime.now(UTC)  # time is not bounded here


def test_the_progress_bar_advances_per_check_and_log_lines_go_above_it(
    tmp_path: Path, site: NewsSite
) -> None:
    from rich.console import Console

    from tests.support.harness import Tracker, make_config
    from tracker.cli.common import Progress
    from tracker.daemon import run_once, runtime_for

    for _ in range(3):
        site.add_story()
    config = make_config(
        f"sqlite:///{tmp_path / 'progress.db'}", sources=[{"name": "sim", "feeds": [site.feed()]}]
    )
    tracker = Tracker(config)
    heard: list[str] = []

    async def cycle() -> None:
        async with runtime_for(config, tracker.sessions, lambda: datetime.now(UTC)) as runtime:
            await run_once(
                runtime,
                on_polled=lambda: heard.append("polled"),
                on_check=lambda result: heard.append(result.url),
            )

    try:
        asyncio.run(cycle())
    finally:
        tracker.close()
    assert heard[0] == "polled", "the total is known once the feeds are polled, before any check"
    assert sorted(heard[1:]) == sorted(site.url(path) for path in site.stories), "one call a check"

    screen = io.StringIO()
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    try:
        with Progress(
            "checking", 3, console=Console(file=screen, force_terminal=True, width=100)
        ) as progress:
            logging.getLogger("tracker.test").warning("a log line during the cycle")
            progress.advance()
        assert handler.stream is sys.__stderr__, "the handler is given back its stream"
    finally:
        logging.getLogger().removeHandler(handler)
    lines = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "\n", screen.getvalue()).splitlines()
    assert "WARNING a log line during the cycle" in [line.strip() for line in lines], lines


def test_a_first_run_on_a_local_site_says_how_to_watch_it(tmp_path: Path, site: NewsSite) -> None:
    site.add_story()
    config = tmp_path / "mysite.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": f"sqlite:///{tmp_path / 'mysite.db'}"},
                "sources": [{"name": "mysite", "feeds": [site.feed()]}],
                "logging": {"level": "error"},
            }
        )
    )
    tracker(config, "init")
    said = tracker(config, "run", "--once")
    assert "nothing was due" in said and "1 source endpoints failing: `tracker sources` shows why" in said
    assert "set fetch.allow_private_addresses: true" in said
    assert "blocked_address" in tracker(config, "sources")
