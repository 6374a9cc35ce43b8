"""Reading history: `changes`, `report` (HTML, Markdown), CSV and sentence exports.

Article text is untrusted: a story whose text contains markup must show that
markup as text everywhere and run nothing. The HTML report is opened in
headless Chromium (installed by .ci/run; TRACKER_REQUIRE_BROWSER=1 makes its
absence a failure rather than a skip).
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from tests.support.histories import HOSTILE, build_history, tracker
from tests.support.site import NewsSite
from tracker.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, NewsSite, list]]:  # type: ignore[type-arg]
    """Three stories and a day of edits (tests/support/histories.py). Built once: the tests only read it."""
    site = NewsSite().start()
    config, stories = build_history(tmp_path_factory.mktemp("report"), site)
    yield config, site, stories
    site.stop()


def test_changes_lists_filters_and_hides_trivial(history) -> None:  # type: ignore[no-untyped-def]
    config, _site, _stories = history
    rows = json.loads(tracker(config, "changes", "--json"))
    assert len(rows) == 3
    assert all("body" not in row for row in rows)
    assert {tuple(row["kinds"]) for row in rows} >= {
        ("headline", "rewording", "addition", "silent"),
        ("addition", "correction"),
    }
    assert len(json.loads(tracker(config, "changes", "--include-trivial", "--json"))) == 4
    headline = json.loads(tracker(config, "changes", "--field", "headline", "--json"))
    assert [row["headline"] for row in headline] == ["Minister says " + HOSTILE]
    assert len(json.loads(tracker(config, "changes", "--kind", "correction", "--json"))) == 1
    assert len(json.loads(tracker(config, "changes", "--kind", "typo", "--json"))) == 1
    strong = json.loads(tracker(config, "changes", "--min-significance", "0.4", "--json"))
    assert strong and all(row["significance"] >= 0.4 for row in strong)
    unknown = CliRunner().invoke(main, ["--config", str(config), "changes", "--source", "elsewhere"])
    assert unknown.exit_code == 1 and "no source named 'elsewhere' (known: sim)" in unknown.output
    assert json.loads(tracker(config, "changes", "--until", "1h", "--json")) == []
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    assert len(json.loads(tracker(config, "changes", "--until", tomorrow, "--json"))) == 3
    text = tracker(config, "changes")
    assert len(text.strip().splitlines()) == 3 and "[addition, correction]" in text


def test_report_escapes_article_text_and_renders_both_views(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, _site, _stories = history
    out = tmp_path / "report.html"
    tracker(config, "report", "--output", str(out))
    page = out.read_text()
    assert "<script" not in page.lower() and "onerror=" not in page.replace("onerror=&#34;", "")
    assert "&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;" in page
    assert "default-src 'none'" in page
    tree = lxml_html.fromstring(page)
    assert tree.xpath("//script") == [] and tree.xpath("//img") == []
    assert len(tree.xpath("(//table)[1]//tr")) == 1 + 3  # the summary: a header and three revisions
    assert tree.xpath("//table[@class='sbs']") and tree.xpath("//ins") and tree.xpath("//del")
    assert not any(
        a.get("href", "").startswith(("http", "//")) and "127.0.0.1" not in a.get("href", "")
        for a in tree.xpath("//a")
    )


def test_markdown_report_escapes_markup(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config, _site, _stories = history
    out = tmp_path / "report.md"
    tracker(config, "report", "--format", "markdown", "--output", str(out))
    text = out.read_text()
    assert "<script>" not in text and "\\<script\\>" in text
    assert text.startswith("# tracker: changes")
    assert (
        "**Correction: an earlier version of this story misstated the date\\.**" in text
        or "> **+** Correction: an earlier version of this story misstated the date\\." in text
    )


def test_csv_and_sentence_exports(history) -> None:  # type: ignore[no-untyped-def]
    config, _site, stories = history
    rows = list(csv.DictReader(io.StringIO(tracker(config, "export", "--format", "csv"))))
    assert len(rows) == 4  # exports include trivial revisions
    assert {row["kinds"] for row in rows} >= {"addition;correction"}
    assert all(row["url"].startswith("http://127.0.0.1") for row in rows)
    pairs = [json.loads(line) for line in tracker(config, "export", "--format", "sentences").splitlines()]
    added = [p for p in pairs if p["kind"] == "added"]
    assert {
        "kind": "added",
        "old": None,
        "new": "Correction: an earlier version of this story misstated the date.",
    }.items() <= next(p for p in added if "Correction" in p["new"]).items()
    changed = [p for p in pairs if p["kind"] == "changed"]
    assert changed and all(p["old"] != p["new"] for p in changed)
    del stories


@pytest.mark.skipif(
    CHROMIUM is None and os.environ.get("TRACKER_REQUIRE_BROWSER") != "1",
    reason="Chromium not installed: browser test SKIPPED (.ci/run installs it)",
)
def test_report_opens_in_a_browser_and_runs_nothing(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert CHROMIUM, "TRACKER_REQUIRE_BROWSER=1 but no chromium on PATH"
    config, _site, _stories = history
    out = tmp_path / "report.html"
    tracker(config, "report", "--output", str(out))
    dom = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium'}",
            "--virtual-time-budget=2000",
            "--dump-dom",
            out.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    rendered = lxml_html.fromstring(dom)
    assert rendered.findtext(".//title") == "tracker: changes"  # no script renamed it
    assert rendered.xpath("//script") == [] and rendered.xpath("//img") == []
    assert "<script>document.title='PWNED'</script>" in rendered.text_content()
    assert len(rendered.xpath("//section")) == 3
