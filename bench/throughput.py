"""Throughput: tracker against a naive sequential loop, on a local site of articles of
about 70 KB served by another process on loopback: half inline script state, half
markup around the story (menu, teaser cards drawn afresh per request, footer).

The baseline is what a simple tracker does: for each URL, httpx get, trafilatura
extract, compare with the text it kept. Both run as subprocesses; CPU is their
user + system time (tracker's extraction workers included), wall time from start
to end. Figures: a first cycle (every article new), a cycle where nothing changed
(quick looks, as most checks run), the same with quick looks off (every check
extracts, as every `schedule.full_extraction_every`th check does); peak memory
(PSS of tracker's process tree, extraction workers included, sampled 4 times a second).

With --postgres URL, then two workers share one PostgreSQL database for a first and
an unchanged cycle, and every article must have been checked exactly once.

    .venv/bin/python bench/throughput.py [--articles 1000] [--padding 70000]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/bench]
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

BASELINE = r"""
import hashlib, json, sys, httpx, trafilatura
urls = json.load(open(sys.argv[1]))
state = json.load(open(sys.argv[2])) if len(sys.argv) > 2 else {}
changed = 0
with httpx.Client(timeout=20) as client:
    for url in urls:
        text = trafilatura.extract(client.get(url).text) or ""
        digest = hashlib.sha256(text.encode()).hexdigest()
        changed += state.get(url) != digest
        state[url] = digest
json.dump(state, open(sys.argv[-1] if len(sys.argv) > 2 else sys.argv[1] + ".state", "w"))
print(changed)
"""


def serve(articles: int, padding: int, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    sys.path.insert(0, str(ROOT))
    from tests.support.site import TEMPLATES, NewsSite

    site = NewsSite(padding=padding)
    for n in range(articles):
        site.add_story(TEMPLATES[n % 3], paragraphs=8)
    site.feed()
    site.start()
    ready.put((site.base, [site.url(path) for path in site.stories]))
    time.sleep(10**6)


Result = tuple[float, float, int, str]


def tree_pss_kib(root: int) -> int:
    """Proportional set size of a process and its descendants: memory it really holds,
    pages shared between them (libraries, forked state) counted once."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/smaps_rollup") as smaps:
                total += next(int(line.split()[1]) for line in smaps if line.startswith("Pss:"))
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                todo.extend(int(child) for child in children.read().split())
        except (OSError, StopIteration):
            continue
    return total


def run(*commands: list[str]) -> tuple[float, float, int, str]:
    """Run the commands side by side: wall seconds, CPU seconds (they and their children),
    peak memory (KiB, PSS of the process trees, sampled), their stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    processes = [
        subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands
    ]
    peak = 0
    while any(p.poll() is None for p in processes):
        peak = max(peak, sum(tree_pss_kib(p.pid) for p in processes))
        time.sleep(0.25)
    wall = time.perf_counter() - started
    outs = []
    for process, command in zip(processes, commands, strict=True):
        out, err = process.communicate()
        if process.returncode:
            raise SystemExit(f"{' '.join(command)} failed:\n{err}")
        outs.append(out.strip())
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, peak, " | ".join(outs)


def two_workers(base: str, work: Path, postgres: str, n: int, b_first: Result, b_again: Result) -> None:
    """Two daemons' cycles on one PostgreSQL database: each claims due articles (FOR UPDATE
    SKIP LOCKED); afterwards every article must have exactly one check from the cycle."""
    import sqlalchemy as sa

    engine = sa.create_engine(postgres)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    config = work / "config-pg.yaml"
    config.write_text(
        f"database: {{url: '{postgres}'}}\n"
        f"sources: [{{name: bench, feeds: ['{base}/feed.xml']}}]\n"
        "fetch: {allow_private_addresses: true, per_host_delay: 0s, per_host_concurrency: 16, "
        "concurrency: 32}\nlogging: {level: warning}\n"
    )
    tracker = [sys.executable, "-m", "tracker", "--config", str(config)]
    subprocess.run([*tracker, "init"], check=True, capture_output=True)
    # the articles are known before the workers start: a worker that finds the feed being
    # polled by the other would otherwise find nothing due yet and end its one cycle
    urls = json.loads((work / "urls.json").read_text())
    subprocess.run([*tracker, "add", "--source", "bench", *urls], check=True, capture_output=True)
    print(
        f"\ntwo workers on PostgreSQL ({n} articles, added beforehand), "
        "each `tracker run --once` claiming due articles:"
    )
    for label, baseline in (("first cycle", b_first), ("unchanged", b_again)):
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE articles SET next_check_at = now() - interval '1 second'"))
            since = connection.execute(sa.text("SELECT now()")).scalar_one()
        wall, cpu, peak, out = run([*tracker, "run", "--once"], [*tracker, "run", "--once"])
        with engine.connect() as connection:
            counts = connection.execute(
                sa.text(
                    "SELECT count(*) AS articles, coalesce(max(n), 0) AS most, coalesce(min(n), 0) AS least "
                    "FROM (SELECT a.id, count(c.id) AS n FROM articles a LEFT JOIN checks c "
                    "ON c.article_id = a.id AND c.started_at >= :since GROUP BY a.id) per_article"
                ),
                {"since": since},
            ).one()
        print(
            f"  {label:12} wall {wall:6.1f} s  {n / wall:6.1f} art/s  {baseline[0] / wall:5.2f}x baseline  "
            f"CPU {cpu / n * 1000:6.1f} ms/article ({cpu / baseline[1]:.2f} of the baseline's)  "
            f"peak {peak / 1024:.0f} MiB  [{out}]"
        )
        print(
            f"  {'':12} checks per article in the cycle: least {counts.least}, most {counts.most} "
            f"over {counts.articles} articles"
        )
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--padding", type=int, default=70_000)
    parser.add_argument("--skip-baseline", action="store_true", help="Only tracker (for a memory run).")
    parser.add_argument("--postgres", help="Also run two workers on this (emptied) PostgreSQL database URL.")
    args = parser.parse_args()
    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    server = spawn.Process(target=serve, args=(args.articles, args.padding, ready), daemon=True)
    server.start()
    base, urls = ready.get(timeout=120)
    size = len(__import__("httpx").get(urls[0]).content)
    print(f"site: {len(urls)} articles of {size / 1024:.0f} KB on {base}")
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    (work / "urls.json").write_text(json.dumps(urls))
    baseline = [sys.executable, "-c", BASELINE, str(work / "urls.json")]
    if args.skip_baseline:
        b_first = b_again = (float("nan"), float("nan"), 0, "-")
    else:
        b_first = run(baseline)
        b_again = run([*baseline, str(work / "urls.json.state"), str(work / "urls.json.state")])
    configs = []
    for every in (6, 1):
        config = work / f"config-{every}.yaml"
        config.write_text(
            f"database: {{url: 'sqlite:///{work / 'bench.db'}'}}\n"
            f"sources: [{{name: bench, feeds: ['{base}/feed.xml']}}]\n"
            f"schedule: {{full_extraction_every: {every}}}\n"
            "fetch: {allow_private_addresses: true, per_host_delay: 0s, per_host_concurrency: 16, "
            "concurrency: 32}\nlogging: {level: warning}\n"
        )
        configs.append([sys.executable, "-m", "tracker", "--config", str(config), "run", "--once", "--all"])
    t_first = run(configs[0])
    t_again = run(configs[0])
    t_full = run(configs[1])
    n = len(urls)
    print(f"{'':28} {'wall s':>8} {'art/s':>8} {'CPU ms/article':>15}  result")
    for label, (wall, cpu, _rss, out) in (
        ("baseline, first cycle", b_first),
        ("tracker, first cycle", t_first),
        ("baseline, unchanged", b_again),
        ("tracker, unchanged", t_again),
        ("tracker, unchanged, full", t_full),
    ):
        print(f"{label:28} {wall:8.1f} {n / wall:8.1f} {cpu / n * 1000:15.1f}  {out}")
    print(f"first cycle: tracker {b_first[0] / t_first[0]:.2f}x the baseline's articles per second")
    print(
        f"unchanged:   tracker {b_again[0] / t_again[0]:.2f}x the baseline's articles per second, "
        f"CPU per check {t_again[1] / b_again[1]:.2f} of the baseline's"
    )
    print(
        f"unchanged, every check extracted: tracker {b_again[0] / t_full[0]:.2f}x the baseline's articles "
        f"per second, CPU per check {t_full[1] / b_again[1]:.2f} of the baseline's"
    )
    print(
        "peak memory of tracker with its extraction workers (PSS): "
        f"first cycle {t_first[2] / 1024:.0f} MiB, unchanged {t_again[2] / 1024:.0f} MiB, "
        f"unchanged with full extraction {t_full[2] / 1024:.0f} MiB"
    )
    if args.postgres:
        two_workers(base, work, args.postgres, n, b_first, b_again)
    server.terminate()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
