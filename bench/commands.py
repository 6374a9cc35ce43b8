"""Whole-command speed on a large SQLite database, start-up included.

Builds (once, under bench/out/) a database of 100,000 revisions over 30 days,
100,000 checks (one article in 20 failing), plus one article with 500 versions
and 500 checks, then times as subprocesses, medians of
--rounds: the interpreter alone, `tracker --help` (start-up: imports and
config), `tracker history` of the 500-version article, `tracker changes
--since 24h`, and `tracker report` of 1,000 revisions.

    .venv/bin/python bench/commands.py [--rounds 5] [--rebuild]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from tracker.core.diff import compare
from tracker.core.normalize import make_content
from tracker.store import db
from tracker.store.models import Article, Check, Revision, Source, Version

OUT = Path(__file__).resolve().parent / "out"
ARTICLES = 20_000
VERSIONS_EACH = 6  # 5 revisions each: 100,000 revisions
LONG_HISTORY = 500
CHECKS_EACH = 5  # 100,000 checks; one article in 20 failing (a 404, then a timeout)
NOW = datetime.now(UTC).replace(microsecond=0)


def build(url: str) -> int:
    """Fill the database; returns the id of the article with the long history."""
    engine = db.create_engine(url)
    db.upgrade(engine)
    rng = random.Random(7)
    words = ["council", "harbour", "minister", "budget", "storm", "vote", "election", "court", "police"]
    base = [" ".join(rng.choice(words) for _ in range(40)) + "." for _ in range(6)]
    edited = [base[0].replace("council", "mayor", 1), *base[1:], "A new closing paragraph was added."]
    changes = compare(_content(base), _content(edited))
    with engine.begin() as connection:
        connection.execute(sa.insert(Source), [{"id": 1, "name": "bench", "created_at": NOW}])
        for start in range(0, ARTICLES + 1, 2000):
            ids = range(start + 1, min(start + 2001, ARTICLES + 2))
            connection.execute(sa.insert(Article), [_article(i) for i in ids])
            count = {i: LONG_HISTORY if i == ARTICLES + 1 else VERSIONS_EACH for i in ids}
            connection.execute(
                sa.insert(Version),
                [_version(i, n, base if n % 2 else edited) for i in ids for n in range(1, count[i] + 1)],
            )
            connection.execute(
                sa.insert(Revision),
                [_revision(i, n, changes, rng) for i in ids for n in range(2, count[i] + 1)],
            )
            checks = {i: LONG_HISTORY if i == ARTICLES + 1 else CHECKS_EACH for i in ids}
            connection.execute(sa.insert(Check), [_check(i, n) for i in ids for n in range(checks[i])])
    engine.dispose()
    return ARTICLES + 1


def _content(paragraphs: list[str]):  # type: ignore[no-untyped-def]
    return make_content(
        headline="Harbour plan", byline="Jane Doe", paragraphs=paragraphs, published_at=NOW, updated_at=None
    )


def _article(i: int) -> dict[str, object]:
    return {
        "id": i,
        "url": f"https://news.example/story-{i}",
        "host": "news.example",
        "source_id": 1,
        "first_seen_at": NOW - timedelta(days=30),
        "status": "active",
        "consecutive_failures": 2 if i % 20 == 0 else 0,
        "last_checked_at": NOW - timedelta(minutes=i % 600),
        "last_changed_at": NOW - timedelta(minutes=(i * 7919) % 43200),
        "next_check_at": NOW + timedelta(minutes=i % 900),
    }


def _check(i: int, n: int) -> dict[str, object]:
    failing = i % 20 == 0 and n >= CHECKS_EACH - 2
    return {
        "article_id": i,
        "started_at": NOW - timedelta(days=30) + timedelta(hours=n * 6, seconds=i % 3600),
        "duration_ms": 120 + i % 300,
        "outcome": ("gone" if n == CHECKS_EACH - 2 else "error") if failing else "unchanged",
        "http_status": (404 if n == CHECKS_EACH - 2 else None) if failing else 200,
        "error_kind": ("http_status" if n == CHECKS_EACH - 2 else "timeout") if failing else None,
        "error_message": ("HTTP 404" if n == CHECKS_EACH - 2 else "timed out") if failing else None,
        "bytes": 70_000,
        "final_url": f"https://news.example/story-{i}",
    }


def _version(i: int, n: int, paragraphs: list[str]) -> dict[str, object]:
    return {
        "article_id": i,
        "number": n,
        "fetched_at": NOW - timedelta(days=30) + timedelta(minutes=n),
        "headline": f"Story {i} version {n}",
        "byline": "Jane Doe",
        "body": "\n\n".join(paragraphs),
        "extra": {},
        "content_hash": f"{i:032x}{n:032x}",
        "published_at": NOW,
    }


def _revision(i: int, n: int, changes, rng: random.Random) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "article_id": i,
        "from_number": n - 1,
        "to_number": n,
        "detected_at": NOW - timedelta(seconds=rng.randrange(30 * 86400)),
        "changed": list(changes.changed),
        "field_changes": [],
        "body_diff": list(changes.body_diff),
        "stats": changes.stats,
        "trivial": False,
        "kinds": list(changes.kinds),
        "significance": round(rng.random(), 3),
    }


def timed(args: list[str], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    database = OUT / "commands.db"
    config = OUT / "commands.yaml"
    if args.rebuild or not database.exists():
        database.unlink(missing_ok=True)
        started = time.perf_counter()
        build(f"sqlite:///{database}")
        size = database.stat().st_size / 1e6
        print(f"built {database.name} ({size:.0f} MB) in {time.perf_counter() - started:.0f} s")
    config.write_text(f"database:\n  url: sqlite:///{database}\nlogging:\n  level: warning\n")
    tracker = [sys.executable, "-m", "tracker", "--config", str(config)]
    python = timed([sys.executable, "-c", "pass"], args.rounds)
    startup = timed([*tracker, "--help"], args.rounds)
    print(f"interpreter alone:                 {python:6.0f} ms")
    print(f"tracker --help (start-up):         {startup:6.0f} ms")
    for label, command in (
        ("history (500 versions)", ["history", str(ARTICLES + 1)]),
        ("history --json (500 versions)", ["history", str(ARTICLES + 1), "--json"]),
        ("changes --since 24h", ["changes", "--since", "24h"]),
        ("changes --since 24h --json", ["changes", "--since", "24h", "--json"]),
    ):
        total = timed([*tracker, *command], args.rounds)
        print(
            f"{label:<34} {total:6.0f} ms  (start-up {startup:.0f} ms = {startup / total:.0%}, "
            f"work {total - startup:.0f} ms)"
        )
    report = OUT / "report.html"
    total = timed([*tracker, "report", "--since", "30d", "--limit", "1000", "--output", str(report)], 1)
    print(f"report of 1,000 revisions:         {total:6.0f} ms  ({report.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
