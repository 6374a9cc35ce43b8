"""A long run: the daemon against a hostile simulated newsroom, killed now and then.

The newsroom edits, moves and withdraws stories and serves bad pages on a clock
(one round every --round seconds); the daemon re-checks every few seconds and is
killed with SIGKILL at random moments, then restarted; at the end it is stopped
with SIGTERM. Then: every live story's latest stored version must be what the
site serves, each story must have exactly one version per content change the
newsroom made, withdrawn stories must be gone, and no history may be split.

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
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.newsroom import Newsroom, snapshot  # noqa: E402
from tests.site import NewsSite  # noqa: E402


def start(config: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tracker", "--config", str(config), "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
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
    daemon = start(config)
    began = time.monotonic()
    for number in range(1, rounds + 1):
        time.sleep(args.round * rng.uniform(0.3, 0.7))
        if number in kill_rounds:
            daemon.kill()
            daemon.communicate(timeout=30)
            daemon = start(config)
        time.sleep(args.round * rng.uniform(0.3, 0.7))
        newsroom.cycle(number, rounds)
    time.sleep(args.round)  # let the last round be seen
    daemon.send_signal(signal.SIGTERM)
    stopping = time.monotonic()
    _out, err = daemon.communicate(timeout=60)
    print(
        f"ran {(time.monotonic() - began) / 60:.1f} min, {rounds} newsroom rounds, "
        f"{len(kill_rounds)} kill -9; "
        f"SIGTERM: exit {daemon.returncode} in {time.monotonic() - stopping:.1f} s; "
        f"tracebacks in the log: {err.count('Traceback')}"
    )
    report(database, site, newsroom)
    site.stop()
    return 0


def report(database: str, site: NewsSite, newsroom: Newsroom) -> None:
    engine = sa.create_engine(database)
    with engine.connect() as connection:
        urls = connection.execute(sa.text("SELECT article_id, url FROM article_urls")).all()
        versions = connection.execute(
            sa.text("SELECT article_id, number, headline, body FROM versions ORDER BY article_id, number")
        ).all()
        statuses = dict(connection.execute(sa.text("SELECT id, status FROM articles")).all())
        outcomes = Counter(
            dict(connection.execute(sa.text("SELECT outcome, count(*) FROM checks GROUP BY 1")).all())
        )
    engine.dispose()
    key_of = {site.base + path: key for key, paths in newsroom.paths.items() for path in paths}
    article_key = {article: key_of[url] for article, url in urls if url in key_of}
    per_key = Counter(article_key.values())
    latest: dict[str, tuple[str, str]] = {}
    count: Counter[str] = Counter()
    for article, _number, headline, body in versions:
        key = article_key.get(article)
        if key:
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


if __name__ == "__main__":
    raise SystemExit(main())
