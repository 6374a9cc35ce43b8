"""A long run: the daemon against a hostile simulated newsroom, killed now and then.

The newsroom edits, moves and withdraws stories and serves bad pages on a clock
(one round every --round seconds); the daemon re-checks every few seconds and is
killed with SIGKILL at random moments, then restarted; at the end it is stopped
with SIGTERM. Then: every live story's latest stored version must be what the
site serves, each story must have exactly one version per content change the
newsroom made, withdrawn stories must be gone, and no history may be split.

Any story that fails those is explained: the newsroom's rounds (when, what it
did to the story), each stored version and the newsroom state it matches, and
the article's checks between an edit that was not stored and the story's next
edit. The database and the daemon's log stay in the work folder printed at the end.

    .venv/bin/python bench/soak.py [--minutes 30] [--stories 60] [--round 45]
"""

from __future__ import annotations

import argparse
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.newsroom import Newsroom, snapshot  # noqa: E402
from tests.support.site import NewsSite  # noqa: E402


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as sink:
        return subprocess.Popen(
            [sys.executable, "-m", "tracker", "--config", str(config), "run"],
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--stories", type=int, default=60)
    parser.add_argument("--round", type=float, default=45, help="seconds between newsroom rounds")
    parser.add_argument("--kills", type=int, default=6)
    args = parser.parse_args()
    rng = random.Random(1)
    site = NewsSite(seed=3).start()
    rounds = max(3, int(args.minutes * 60 / args.round))
    newsroom = Newsroom(site, seed=9, edit_share=0.25, trouble_share=0.1, moves=1, withdrawals=1)
    newsroom.publish(args.stories)
    site.feed()
    work = Path(tempfile.mkdtemp(prefix="tracker-soak-"))
    database = f"sqlite:///{work / 'soak.db'}"
    config = work / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": database},
                "sources": [{"name": "sim", "feeds": [site.url("/feed.xml")]}],
                "fetch": {"allow_private_addresses": True, "per_host_delay": "0s", "timeout": "5s"},
                "schedule": {"tick": "2s", "steps": [{"age": "30d", "every": "5s"}], "retire_after": "60d"},
                "logging": {"level": "info"},
            }
        )
    )
    kill_rounds = set(rng.sample(range(1, rounds), min(args.kills, rounds - 1)))
    log = work / "daemon.log"
    timeline = Timeline()
    daemon = start(config, log)
    began = time.monotonic()
    for number in range(1, rounds + 1):
        time.sleep(args.round * rng.uniform(0.3, 0.7))
        if number in kill_rounds:
            daemon.kill()
            daemon.wait(timeout=30)
            timeline.kills.append(now())
            daemon = start(config, log)
        time.sleep(args.round * rng.uniform(0.3, 0.7))
        withdrawn, moved = set(newsroom.withdrawn), {k: set(p) for k, p in newsroom.paths.items()}
        troubled = len(newsroom.troubled)
        newsroom.cycle(number, rounds)
        timeline.rounds[number] = now()
        for key in newsroom.withdrawn - withdrawn:
            timeline.events[key].append((number, "withdrawn"))
        for key, paths in newsroom.paths.items():
            if paths != moved.get(key):
                timeline.events[key].append((number, "moved"))
        for key, _number, kind in newsroom.troubled[troubled:]:
            timeline.events[key].append((number, f"served {kind} once"))
    settled = settle(database, timeline.rounds[rounds], timeout=max(60, 4 * args.round))
    daemon.send_signal(signal.SIGTERM)
    stopping = time.monotonic()
    daemon.wait(timeout=60)
    stopped = time.monotonic() - stopping
    tracebacks = log.read_text(errors="replace").count("Traceback")
    print(
        f"ran {(time.monotonic() - began) / 60:.1f} min, {rounds} newsroom rounds, "
        f"{len(kill_rounds)} kill -9; "
        f"SIGTERM: exit {daemon.returncode} in {stopped:.1f} s; "
        f"tracebacks in the log: {tracebacks}; "
        f"after the last round, {'every' if settled else 'NOT every'} live story was checked successfully"
    )
    report(database, site, newsroom, timeline)
    print(f"database, daemon log: {work}")
    site.stop()
    return 0


def settle(database: str, since: datetime, timeout: float) -> bool:
    """Wait until every active article has been fetched successfully since the last round
    (one backing off after bad pages may take a while); False if that takes over `timeout`."""
    engine = sa.create_engine(database)
    query = sa.text(
        "SELECT count(*) FROM articles a WHERE a.status = 'active' AND NOT EXISTS ("
        "SELECT 1 FROM checks c WHERE c.article_id = a.id AND c.started_at > :since "
        "AND c.outcome IN ('unchanged', 'new_version', 'not_modified'))"
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            time.sleep(2)
            with engine.connect() as connection:
                if connection.execute(query, {"since": since.replace(tzinfo=None)}).scalar() == 0:
                    return True
        return False
    finally:
        engine.dispose()


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Timeline:
    """When the newsroom's rounds happened and what else it did to each story."""

    rounds: dict[int, datetime] = field(default_factory=lambda: {0: now()})
    kills: list[datetime] = field(default_factory=list)
    events: defaultdict[str, list[tuple[int, str]]] = field(default_factory=lambda: defaultdict(list))


def report(database: str, site: NewsSite, newsroom: Newsroom, timeline: Timeline) -> None:
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        urls = connection.execute(sa.text("SELECT article_id, url FROM article_urls")).all()
        statuses = dict(connection.execute(sa.text("SELECT id, status FROM articles")).all())
        outcomes = Counter(
            dict(connection.execute(sa.text("SELECT outcome, count(*) FROM checks GROUP BY 1")).all())
        )
    engine.dispose()
    history = load_history(database)
    key_of = {site.base + path: key for key, paths in newsroom.paths.items() for path in paths}
    article_key = {article: key_of[url] for article, url in urls if url in key_of}
    per_key = Counter(article_key.values())
    latest: dict[str, tuple[str, str]] = {}
    count: Counter[str] = Counter()
    for article, versions in history.versions.items():
        if key := article_key.get(article):
            for _number, _fetched_at, headline, body, *_rest in versions:
                latest[key] = (headline, body)
                count[key] += 1
    live = [key for key in newsroom.stories if key not in newsroom.withdrawn]
    served = {k: snapshot(newsroom.stories[k]) for k in live}
    matches = sum(latest.get(k) == (served[k]["headline"], "\n\n".join(served[k]["body"])) for k in live)
    expected = {k: 1 + len(newsroom.truth[k]) for k in newsroom.stories}
    exact = sum(count[k] == expected[k] for k in newsroom.stories)
    extra = sum(max(0, count[k] - expected[k]) for k in newsroom.stories)
    missing = sum(max(0, expected[k] - count[k]) for k in newsroom.stories)
    gone = sum(statuses.get(a) == "gone" for a, k in article_key.items() if k in newsroom.withdrawn)
    print(f"checks: {dict(outcomes)}")
    print(
        f"edits {sum(len(t) for t in newsroom.truth.values())}, bad pages {len(newsroom.troubled)}; "
        f"live stories whose latest version is what the site serves: {matches}/{len(live)}"
    )
    print(
        f"stories with exactly one version per change: {exact}/{len(newsroom.stories)} "
        f"(extra versions {extra}, missing {missing}); "
        f"split histories {sum(c - 1 for c in per_key.values())}; "
        f"withdrawn marked gone {gone}/{len(newsroom.withdrawn)}"
    )
    kinds: Counter[str] = Counter()
    for key in newsroom.stories:
        articles = [a for a, k in article_key.items() if k == key]
        kinds.update(edit.status for edit in edits_of(key, articles, history, newsroom, timeline))
    print(
        f"edits stored {kinds['stored']}; never fetched whole by tracker before the story's next edit "
        f"(bad pages, back-off, a restart) {kinds['unseen']}; fetched but not stored {kinds['NOT STORED']}"
    )
    stale = [k for k in live if latest.get(k) != (served[k]["headline"], "\n\n".join(served[k]["body"]))]
    wrong = [k for k in newsroom.stories if count[k] != expected[k]]
    for key in list(dict.fromkeys(stale + wrong))[:12]:
        explain(key, [a for a, k in article_key.items() if k == key], history, newsroom, timeline)
    if len(set(stale + wrong)) > 12:
        print(f"... and {len(set(stale + wrong)) - 12} more stories")


@dataclass
class History:
    """What tracker stored: versions and checks by article."""

    versions: defaultdict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))
    checks: defaultdict[int, list[Any]] = field(default_factory=lambda: defaultdict(list))


def load_history(database: str) -> History:
    history = History()
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        for row in connection.execute(
            sa.text(
                "SELECT article_id, number, fetched_at, headline, body, byline, updated_at FROM versions "
                "ORDER BY article_id, number"
            )
        ):
            history.versions[row[0]].append(row[1:])
        for row in connection.execute(
            sa.text(
                "SELECT article_id, started_at, outcome, version_number, error_kind, error_message "
                "FROM checks ORDER BY started_at"
            )
        ):
            history.checks[row[0]].append(row[1:])
    engine.dispose()
    return history


GOOD = ("unchanged", "new_version", "not_modified")


@dataclass
class Edit:
    number: int
    fields: tuple[str, ...]
    status: str  # stored, unseen (no whole page fetched before the next edit), NOT STORED
    checks: list[Any]


def edits_of(
    key: str, articles: list[int], history: History, newsroom: Newsroom, timeline: Timeline
) -> list[Edit]:
    """Each edit of the story, and whether tracker stored it, or never fetched the edited page."""
    fetched = [_aware(v[1]) for a in articles for v in history.versions[a]]
    checks = sorted((c for a in articles for c in history.checks[a]), key=lambda c: _aware(c[0]))
    rounds = sorted(newsroom.truth[key])
    edits = []
    for number, following in zip(rounds, [*rounds[1:], None][: len(rounds)], strict=True):
        begin = timeline.rounds[number]
        until = timeline.rounds[following] if following else now()
        window = [c for c in checks if begin <= _aware(c[0]) < until]
        if any(begin - timedelta(seconds=2) <= moment < until for moment in fetched):
            status = "stored"
        elif not any(c[1] in GOOD for c in window):
            status = "unseen"
        else:
            status = "NOT STORED"
        edits.append(Edit(number, newsroom.truth[key][number], status, window))
    return edits


def explain(key: str, articles: list[int], history: History, newsroom: Newsroom, timeline: Timeline) -> None:
    """Why a story's history differs from what the newsroom did: its rounds, versions, checks."""
    started = timeline.rounds[0]

    def at(moment: datetime | str) -> str:
        return f"{(_aware(moment) - started).total_seconds():7.1f}s"

    def state_of(headline: str, body: str) -> list[int]:
        return [
            number
            for (k, number), state in newsroom.states.items()
            if k == key and state["headline"] == headline and "\n\n".join(state["body"]) == body
        ]

    print(f"\n--- {key} (articles {articles}, template {newsroom.stories[key].template})")
    for number, fetched_at, headline, body, byline, updated_at in (
        v for a in articles for v in history.versions[a]
    ):
        states = state_of(headline, body) or "none"
        print(f"  version {number} fetched {at(fetched_at)}: states {states} ({byline=}, {updated_at=})")
    for edit in edits_of(key, articles, history, newsroom, timeline):
        print(
            f"  round {edit.number} at {at(timeline.rounds[edit.number])}: "
            f"edited {','.join(edit.fields)}: {edit.status}"
        )
        if edit.status == "stored":
            continue
        outcomes = Counter(c[1] + (f"/{c[3]}" if c[3] else "") for c in edit.checks)
        print(f"    checks until the story's next edit: {dict(outcomes) or 'none'}")
        for c in edit.checks[:3]:
            print(f"      {at(c[0])} {c[1]} v{c[2]} {c[3] or ''} {(c[4] or '')[:100]}")
    for number, what in sorted(dict(timeline.events.get(key, [])).items()):
        print(f"  round {number} at {at(timeline.rounds[number])}: {what}")
    print(f"  (kill -9 at {', '.join(at(kill).strip() for kill in timeline.kills)})")


def _aware(moment: datetime | str) -> datetime:
    moment = moment if isinstance(moment, datetime) else datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


if __name__ == "__main__":
    raise SystemExit(main())
