"""The command line contract: commands, --json, exit codes, one-line errors, the export."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from tests.support.site import NewsSite, Response
from tracker.cli import main
from tracker.store import db

EXPORT_KEYS = {
    "id",
    "url",
    "canonical_url",
    "aliases",
    "source",
    "status",
    "first_seen_at",
    "versions",
    "revisions",
    "events",
    "headline_tests",  # issue 23, added
}
VERSION_KEYS = {
    "number",
    "fetched_at",
    "headline",
    "byline",
    "body",
    "published_at",
    "updated_at",
    "published_offset",  # issue 22: added beside the instants, every key before unchanged
    "updated_offset",
    "published_day",
    "archive",  # issue 26: where a version recovered by `backfill` came from; null on tracker's own
}
REVISION_KEYS = {"from", "to", "detected_at", "changed", "kinds", "stats", "diff"}


@pytest.fixture
def config_file(tmp_path: Path, site: NewsSite, db_url: str) -> Path:
    stories = [site.add_story(template) for template in ("jsonld", "meta")]
    site.feed()
    path = tmp_path / "config.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "database": {"url": db_url},
                "sources": [{"name": "sim", "feeds": [site.url("/feed.xml")]}],
                "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "3s"},
                "logging": {"level": "warning"},
            }
        )
    )
    site.test_stories = stories  # type: ignore[attr-defined]
    tracker(path, "init")
    return path


def tracker(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_init_run_history_diff_export(config_file: Path, site: NewsSite, tmp_path: Path) -> None:
    assert f"at schema {db.head_revision()}" in tracker(config_file, "init")
    assert tracker(config_file, "run", "--once").strip() == "new_version 2"
    story = site.test_stories[0]  # type: ignore[attr-defined]
    url = site.url(story.path)
    story.headline = "Ministers agree on harbour budget"
    story.paragraphs.append("The council will vote again in March.")
    assert tracker(config_file, "run", "--once", "--all").strip() == "new_version 1, unchanged 1"

    history = json.loads(tracker(config_file, "history", url, "--json"))
    assert [v["number"] for v in history["versions"]] == [1, 2]
    assert history["revisions"][0]["changed"] == ["headline", "body"]
    text = tracker(config_file, "history", str(history["id"]))
    assert "v2" in text and "changed: headline, body" in text

    diff = json.loads(tracker(config_file, "diff", url, "--format", "json"))
    assert diff["changed"] == ["headline", "body"]
    assert diff["diff"]["body"][-1]["text"] == ["The council will vote again in March."]
    missing = CliRunner().invoke(main, ["--config", str(config_file), "diff", url, "--to", "9"])
    assert missing.exit_code == 1 and "has no version 9" in missing.output
    plain = tracker(config_file, "diff", url)
    assert "{+The council will vote again in March.+}" in plain
    assert "\x1b[" not in plain  # not a terminal: no colour codes
    page = tracker(config_file, "diff", url, "--format", "html")
    assert "<ins>The council will vote again in March.</ins>" in page

    out = tmp_path / "export.jsonl"
    tracker(config_file, "export", "--format", "jsonl", "--output", str(out))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert set(line) == EXPORT_KEYS
        assert line["source"] == "sim"
        assert line["status"] == "active"
        for version in line["versions"]:
            assert set(version) >= VERSION_KEYS
        for revision in line["revisions"]:
            assert set(revision) >= REVISION_KEYS
    edited = next(line for line in lines if line["url"] == url)
    assert edited["versions"][1]["headline"] == "Ministers agree on harbour budget"
    assert edited["versions"][0]["body"] == "\n\n".join(story.paragraphs[:-1])
    assert edited["revisions"][0]["from"] == 1 and edited["revisions"][0]["to"] == 2
    assert edited["versions"][0]["published_at"] == story.published_at.isoformat()
    # the page writes its times in UTC ("+00:00"): that says how they were written, not its zone
    assert (edited["versions"][0]["published_offset"], edited["versions"][0]["published_day"]) == (None, None)


def test_export_to_stdout_and_articles_listing(config_file: Path) -> None:
    tracker(config_file, "run", "--once")
    lines = tracker(config_file, "export").splitlines()
    assert len(lines) == 2 and all(json.loads(line)["versions"] for line in lines)
    rows = json.loads(tracker(config_file, "articles", "--json"))
    assert [row["versions"] for row in rows] == [1, 1]
    assert json.loads(tracker(config_file, "articles", "--changed-since", "1h", "--json"))
    assert json.loads(tracker(config_file, "articles", "--source", "nope", "--json")) == []


def test_add_and_check_by_hand(config_file: Path, site: NewsSite) -> None:
    story = site.add_story(slug="handpicked-a9")
    url = site.url(story.path)
    added = json.loads(tracker(config_file, "add", url + "?utm_campaign=x", "--json"))
    assert added == [{"id": added[0]["id"], "url": url, "added": True}]
    again = json.loads(tracker(config_file, "add", url, "--json"))
    assert again[0]["added"] is False
    result = json.loads(tracker(config_file, "check", url, "--json"))
    assert result["outcome"] == "new_version" and result["version"] == 1
    assert json.loads(tracker(config_file, "check", url, "--json"))["outcome"] == "unchanged"


def test_checks_say_why_a_story_is_not_updating(config_file: Path, site: NewsSite) -> None:
    site.route("/news/pulled-a77", lambda _request: Response(status=500, body=b"oops"))
    url = site.url("/news/pulled-a77")
    [added] = json.loads(tracker(config_file, "add", url, "--json"))
    tracker(config_file, "run", "--once")
    rows = json.loads(tracker(config_file, "checks", str(added["id"]), "--json"))
    assert [(r["outcome"], r["http_status"], r["error_kind"]) for r in rows] == [
        ("error", 500, "http_status")
    ]
    result = CliRunner().invoke(main, ["--config", str(config_file), "checks", added["url"]])
    assert result.exit_code == 0 and "HTTP 500" in result.output and "1 checks; next check:" in result.output
    text = tracker(config_file, "history", str(added["id"]))
    assert "no version stored yet: see the checks below" in text and "last checks (next: " in text
    history = json.loads(tracker(config_file, "history", str(added["id"]), "--json"))
    assert history["checks_total"] == 1 and history["checks"][0]["http_status"] == 500
    tracker(config_file, "run", "--once", "--all")
    limited = CliRunner().invoke(
        main, ["--config", str(config_file), "checks", str(added["id"]), "--limit", "1"]
    )
    assert limited.output.count(" error ") == 1 and "1 of 2 checks shown (--limit)" in limited.output


def test_init_writes_a_commented_first_config_that_loads(tmp_path: Path) -> None:
    from tracker.config import load_config

    path = tmp_path / "mysite.yaml"
    result = CliRunner().invoke(
        main, ["--config", str(tmp_path / "none.yaml"), "init", "--example-config", str(path)]
    )
    assert result.exit_code == 0 and f"tracker --config {path} init" in result.output
    config = load_config(path)
    assert [s.name for s in config.sources] == ["mysite"] and config.fetch.per_host_delay.total_seconds() == 1
    assert path.read_text().count("#") > 10  # commented
    again = CliRunner().invoke(main, ["init", "--example-config", str(path)])
    assert again.exit_code == 1 and "exists" in again.output


def test_small_contract_points(config_file: Path, site: NewsSite, tmp_path: Path) -> None:
    tracker(config_file, "run", "--once")
    [first, _second] = json.loads(tracker(config_file, "articles", "--json"))
    one = CliRunner().invoke(main, ["--config", str(config_file), "diff", str(first["id"])])
    assert one.exit_code == 1 and "has one version: nothing to compare yet" in one.output
    bare = CliRunner().invoke(main, ["--config", str(config_file), "changes", "--since", "24"])
    assert bare.exit_code == 2 and "'24' needs a unit: 24h" in bare.output
    unknown = CliRunner().invoke(main, ["--config", str(config_file), "changes", "--source", "nope"])
    assert unknown.exit_code == 1 and "no source named 'nope' (known: sim)" in unknown.output
    gone = site.route(
        "/news/never-there-a5",
        lambda _request: Response(status=404),
    )
    failed = CliRunner().invoke(main, ["--config", str(config_file), "check", gone])
    assert failed.exit_code == 1 and "not tracked, its check failed" in failed.output
    assert len(json.loads(tracker(config_file, "articles", "--json"))) == 2  # nothing kept of it
    story = site.test_stories[0]  # type: ignore[attr-defined]
    story.headline = "A new headline"
    tracker(config_file, "run", "--once", "--all")
    [row] = json.loads(tracker(config_file, "changes", "--json"))
    assert row["previous_headline"] and row["headline"] == "A new headline"
    assert f"{row['previous_headline']} -> A new headline" in tracker(config_file, "changes")
    cut = CliRunner().invoke(
        main, ["--config", str(config_file), "changes", "--limit", "1", "--include-trivial"]
    )
    assert cut.exit_code == 0
    stdout = CliRunner().invoke(
        main, ["--config", str(config_file), "report", "--output", "-", "--format", "markdown"]
    )
    assert stdout.exit_code == 0 and "| 1 | sim |" in stdout.output and not (Path.cwd() / "-").exists()
    assert (
        f"article {row['article_id']} (`tracker diff {row['article_id']} --from 1 --to 2`)" in stdout.output
    )
    csv_text = tracker(config_file, "export", "--format", "csv")
    assert ",false," in csv_text and "False" not in csv_text


def test_check_dry_run_stores_nothing(config_file: Path, site: NewsSite) -> None:
    story = site.add_story(slug="dry-a1")
    data = json.loads(tracker(config_file, "check", site.url(story.path), "--dry-run", "--json"))
    assert data["headline"] == story.headline
    assert data["body"] == "\n\n".join(story.paragraphs)
    assert data["byline"] == ", ".join(story.byline)
    assert json.loads(tracker(config_file, "articles", "--json")) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["history", "https://nowhere.example/x"], "no tracked article matches"),
        (["history", "999"], "no tracked article matches"),
        (["diff", "999"], "no tracked article matches"),
        (["articles", "--changed-since", "yesterday-ish"], "neither a duration"),
        (["add", "ftp://example.org/file"], "not an http(s) URL"),
    ],
)
def test_user_errors_are_one_line(config_file: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["--config", str(config_file), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("config_text", "message"),
    [
        ("fetch:\n  timout: 10s\n", "fetch.timout: unknown key"),
        ("databse:\n  url: sqlite:///x.db\n", "databse: unknown key"),
        ("sources:\n  - name: a\n    feds: [http://x]\n", "sources.0.feds: unknown key"),
        ("schedule:\n  tick: soon\n", "schedule.tick: 'soon' is not a duration"),
        ("fetch: [1, 2\n", "not valid YAML"),
        ("sources:\n  - name: a\n  - name: a\n", "source names must be unique: a"),
        (
            "sources:\n  - name: a\n    feeds: [rss.example.org/feed]\n",
            "sources.0.feeds: 'rss.example.org/feed' is not",
        ),
        (
            "fetch:\n  timeout: 99999999999999999999d\n",
            "fetch.timeout: '99999999999999999999d' is longer than",
        ),
        ("fetch:\n  timeout: " + "9" * 400 + "\n", "fetch.timeout: 99999"),
        ("schedule:\n  batch_size: " + "9" * 5000 + "\n", "a value cannot be read"),
    ],
)
def test_config_errors_name_the_key_without_traceback(tmp_path: Path, config_text: str, message: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(config_text)
    result = run_cli("--config", str(path), "init")
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_config_and_unreachable_database(tmp_path: Path) -> None:
    result = run_cli("--config", str(tmp_path / "absent.yaml"), "articles")
    assert result.returncode == 1 and "no such config file" in result.stderr
    path = tmp_path / "config.yaml"
    path.write_text("database:\n  url: postgresql+psycopg://nobody@127.0.0.1:1/none\n")
    result = run_cli("--config", str(path), "articles")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "cannot reach" in result.stderr


def test_environment_chooses_config_and_database(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.yaml"
    path.write_text("logging:\n  level: warning\n")
    database = tmp_path / "from-env.db"
    result = run_cli(
        "init", env={"TRACKER_CONFIG": str(path), "TRACKER_DATABASE_URL": f"sqlite:///{database}"}
    )
    assert result.returncode == 0, result.stderr
    assert database.exists()


def test_read_commands_start_without_the_heavy_libraries() -> None:
    """history and changes must not pay for fetching, extraction or diff libraries at start-up."""
    heavy = (
        *("trafilatura", "httpx", "rapidfuzz", "deepdiff", "courlan", "rich", "alembic", "jinja2", "lxml"),
        "sqlalchemy.dialects.postgresql",  # 30-60 ms: loaded by what writes, not by every reader
    )
    probe = f"import sys, tracker.cli; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
