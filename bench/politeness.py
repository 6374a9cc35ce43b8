"""Politeness at the shipped defaults: how long a cycle takes against its floor.

At real scale a cycle is bound by politeness, not CPU: a host is asked once a
`per_host_delay` (1 s shipped), so the floor of a cycle is the busiest host's
requests times its delay. This bench serves simulated news sites on loopback
hosts 127.0.1.1, 127.0.1.2, ... (Linux routes all of 127.0.0.0/8 to loopback),
each with its own feed, from a separate process, and runs `tracker run --once`
(then `--once --all`, where nothing changed, then again after edits to a
third of the stories) with the shipped `fetch` settings, only
`allow_private_addresses` switched on. It prints per cycle: wall time, the
floor and the ratio, requests per story (pages only; pages of the stories after
each host's first 20; and with robots.txt and feeds), checks that timed out,
tracker's CPU (its extraction workers included),
and "repeats": versions equal to the one before them and revisions that change
nothing (a race between workers would show here). With --postgres and
--workers N, N `run --once` workers share one PostgreSQL database.

    .venv/bin/python bench/politeness.py [--hosts 40] [--stories 25] [--cycles first,unchanged,edited]
    .venv/bin/python bench/politeness.py --hosts 1 --stories 150     # one publisher's feed
    .venv/bin/python bench/politeness.py --hosts 1 --stories 150 --light --cycles first
    .venv/bin/python bench/politeness.py --hosts 8 --stories 25 --workers 3 \\
        --postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
DELAY = 1.0  # the shipped fetch.per_host_delay


def serve(hosts: int, stories: int, light: bool, commands: Any, replies: Any) -> None:
    """The sites, in their own process: answers 'counts' (requests per host, pages and all,
    and the page requests of the stories after each host's first 20) and 'edit' (a third
    of the stories get a new paragraph). `light`: DOM-light pages of 70 KB (one large
    script, chrome that changes per request inside the article container)."""
    sys.path.insert(0, str(ROOT))
    from tests.support.site import NewsSite, paragraph

    sites = [
        NewsSite(seed=n, host=f"127.0.1.{n + 1}", padding=70_000 if light else 0, light=light)
        for n in range(hosts)
    ]
    feeds = []
    for site in sites:
        for _ in range(stories):
            site.add_story("inline" if light else "jsonld", paragraphs=6)
        feeds.append(site.feed())
        site.start()
    replies.put(feeds)
    while (command := commands.get()) != "stop":
        if command == "counts":
            counts = []
            for site in sites:
                pages = [path for _at, path in site.requests if path.startswith("/news/")]
                later = set(list(dict.fromkeys(pages))[20:])  # the stories after the host's first 20
                counts.append((len(site.requests), len(pages), sum(p in later for p in pages), len(later)))
            replies.put(counts)
            for site in sites:
                site.requests.clear()
        elif command == "edit":
            for site in sites:
                for story in list(site.stories.values())[::3]:
                    story.paragraphs.append(paragraph(site.rng))
            replies.put("edited")


def run(config: Path, workers: int, *args: str) -> tuple[float, float, str]:
    """`workers` trackers at once on one database; their summed outcomes."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    command = [sys.executable, "-m", "tracker", "--config", str(config), *args]
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True) for _ in range(workers)]
    outputs = [process.communicate()[0] for process in processes]
    took = time.perf_counter() - began
    if any(process.returncode for process in processes):
        raise SystemExit("a tracker run failed")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    outcomes: Counter[str] = Counter()
    for output in outputs:
        for pair in output.strip().split(", "):
            if pair != "nothing was due":
                name, count = pair.split()
                outcomes[name] += int(count)
    return took, cpu, ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))


def damage(url: str) -> tuple[int, int]:
    """Checks that timed out; versions equal to the one before and revisions changing nothing."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        timed_out = connection.execute(sa.text("SELECT count(*) FROM checks WHERE error_kind = 'timeout'"))
        repeats = connection.execute(
            sa.text(
                "SELECT count(*) FROM versions a JOIN versions b ON a.article_id = b.article_id"
                " AND b.number = a.number + 1 AND a.content_hash = b.content_hash"
            )
        )
        changes = connection.execute(sa.text("SELECT changed FROM revisions"))
        empty = sum(
            1 for (changed,) in changes if not (json.loads(changed) if isinstance(changed, str) else changed)
        )
        result = int(timed_out.scalar_one()), int(repeats.scalar_one()) + empty
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--stories", type=int, default=25, help="stories per host")
    parser.add_argument("--cycles", default="first,unchanged,edited")
    parser.add_argument("--postgres", help="a PostgreSQL URL (its schema is reset) instead of SQLite")
    parser.add_argument("--workers", type=int, default=1, help="trackers at once (PostgreSQL only)")
    parser.add_argument(
        "--light", action="store_true", help="DOM-light 70 KB pages, chrome inside the article"
    )
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.support.databases import emptied

    commands: Any = multiprocessing.Queue()
    replies: Any = multiprocessing.Queue()
    server = multiprocessing.Process(
        target=serve, args=(options.hosts, options.stories, options.light, commands, replies)
    )
    server.start()
    feeds = replies.get(timeout=120)
    total = options.hosts * options.stories
    print(
        f"{options.hosts} hosts x {options.stories} stories = {total}; shipped fetch defaults "
        f"(per_host_delay {DELAY:.0f}s, per_host_concurrency 2, concurrency 16, timeout 20s)"
    )
    print(f"{'cycle':<10} {'outcomes':<34} {'wall s':>7} {'floor s':>8} {'ratio':>6} {'req/story':>10} "
          f"{'after 20':>9} {'all req':>8} {'timeouts':>9} {'CPU s':>6} {'repeats':>8}")  # fmt: skip
    try:
        with tempfile.TemporaryDirectory() as folder:
            database = emptied(options.postgres) if options.postgres else f"sqlite:///{folder}/tracker.db"
            config = Path(folder) / "config.yaml"
            config.write_text(
                json.dumps(
                    {
                        "database": {"url": database},
                        "sources": [{"name": "sim", "feeds": feeds}],
                        "fetch": {"allow_private_addresses": True},
                        "logging": {"level": "warning"},
                    }
                )
            )
            subprocess.run([sys.executable, "-m", "tracker", "--config", str(config), "init"], check=True,
                           capture_output=True)  # fmt: skip
            for name in options.cycles.split(","):
                if name == "edited":
                    commands.put("edit")
                    replies.get(timeout=60)
                args = ["run", "--once"] if name == "first" else ["run", "--once", "--all"]
                took, cpu, outcomes = run(config, options.workers, *args)
                commands.put("counts")
                counts = replies.get(timeout=60)
                floor = max((requests - 1) * DELAY for requests, *_rest in counts)
                pages = sum(c[1] for c in counts)
                requests = sum(c[0] for c in counts)
                later = sum(c[3] for c in counts)
                after_20 = f"{sum(c[2] for c in counts) / later:.2f}" if later else "-"
                timed_out, repeated = damage(database)
                print(
                    f"{name:<10} {outcomes:<34} {took:>7.1f} {floor:>8.1f} {took / floor:>6.2f} "
                    f"{pages / total:>10.2f} {after_20:>9} {requests / total:>8.2f} {timed_out:>9}"
                    f" {cpu:>6.1f} {repeated:>8}"
                )
    finally:
        commands.put("stop")
        server.join(timeout=10)


if __name__ == "__main__":
    main()
