"""Throughput: tracker against a naive sequential loop, on a local site of articles of
about 70 KB served by another process on loopback, two kinds of page:

- DOM-heavy: half inline script state, half markup around the story (menu, teaser
  cards drawn afresh per request, footer);
- DOM-light: one large inline script, light markup, and chrome that changes on every
  request inside the article container (a readers counter, a lead image's nonce, a
  related box of other headlines, a newsletter box).

The baseline is what a simple tracker does: for each URL, httpx get, trafilatura
extract, compare with the text it kept. Both run as subprocesses; CPU is their
user + system time (tracker's extraction workers included), wall time from start
to end. Cycles: a first one (every article new), one where nothing changed (quick
looks, as most checks run), the same with quick looks off (every check extracts, as
every `schedule.full_extraction_every`th check does), and an edit-heavy one (60% of
the stories edited since the last). Per cycle: articles per second of each, the
ratio, CPU per check, tracker's page requests per story (confirming fetches
included), peak memory (PSS of tracker's process tree, extraction workers
included, sampled 4 times a second). Per-host politeness is off here (CPU is what is
measured); `bench/politeness.py` measures the shipped delays.

With --postgres URL, then two workers share one PostgreSQL database for a first and
an unchanged cycle (DOM-heavy), and every article must have been checked exactly once.

    .venv/bin/python bench/throughput.py [--articles 1000] [--padding 70000]
        [--workload heavy|light|both] [--cycles first,unchanged,full,edit] [--skip-baseline]
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


def serve(articles: int, padding: int, light: bool, ready: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """The site, in its own process. DOM-heavy: the padding half script, half markup
    (menu, teaser cards drawn afresh per request, footer). DOM-light: one large script
    and light markup, with chrome that changes on every request inside the article
    container (the `inline` template: a readers counter, a lead image with a nonce, a
    related box of other headlines, a newsletter box). `/__edit` edits 60% of the
    stories (a paragraph added, a headline rewritten, a word changed, in
    turn); `/__hits` says how many requests the site has answered."""
    sys.path.insert(0, str(ROOT))
    import random

    from tests.support.site import TEMPLATES, NewsSite, Response, sentence

    site = NewsSite(padding=padding, light=light)
    templates = ("inline",) if light else TEMPLATES[:3]
    for n in range(articles):
        site.add_story(templates[n % len(templates)], paragraphs=8)
    site.feed()
    rng = random.Random(5)

    def edit(request):  # type: ignore[no-untyped-def]
        share = 0.6
        stories = list(site.stories.values())
        chosen = rng.sample(stories, int(len(stories) * share))
        for n, story in enumerate(chosen):
            if n % 3 == 0:
                story.paragraphs.append(sentence(rng, 14))
            elif n % 3 == 1:
                story.headline = sentence(rng, 8).rstrip(".")
            else:
                story.paragraphs[2] = story.paragraphs[2].replace(" ", " very ", 1)
        return Response(body=str(len(chosen)).encode())

    site.routes["/__edit"] = edit
    site.routes["/__hits"] = lambda _request: Response(body=str(sum(site.hits.values())).encode())
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
        f"sources: [{{name: bench, feeds: ['{base}/feed.xml'], max_entries: 100000}}]\n"
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


def hits(base: str) -> int:
    import httpx

    return int(httpx.get(f"{base}/__hits").text)


def workload(name: str, light: bool, args: argparse.Namespace) -> dict[str, float]:
    """Every cycle of one kind of page, tracker and the baseline side by side."""
    import httpx

    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    server = spawn.Process(target=serve, args=(args.articles, args.padding, light, ready), daemon=True)
    server.start()
    base, urls = ready.get(timeout=120)
    size = len(httpx.get(urls[0]).content)
    print(f"\n== {name}: {len(urls)} articles of {size / 1024:.0f} KB on {base}")
    work = Path(tempfile.mkdtemp(prefix="tracker-bench-"))
    (work / "urls.json").write_text(json.dumps(urls))
    baseline = [sys.executable, "-c", BASELINE, str(work / "urls.json")]
    again = [*baseline, str(work / "urls.json.state"), str(work / "urls.json.state")]
    configs = []
    for every in (6, 1):
        config = work / f"config-{every}.yaml"
        config.write_text(
            f"database: {{url: 'sqlite:///{work / 'bench.db'}'}}\n"
            f"sources: [{{name: bench, feeds: ['{base}/feed.xml'], max_entries: 100000}}]\n"
            f"schedule: {{full_extraction_every: {every}}}\n"
            "fetch: {allow_private_addresses: true, per_host_delay: 0s, per_host_concurrency: 16, "
            "concurrency: 32}\nlogging: {level: warning}\n"
        )
        configs.append([sys.executable, "-m", "tracker", "--config", str(config), "run", "--once", "--all"])
    nan: Result = (float("nan"), float("nan"), 0, "-")
    rows: list[tuple[str, Result, Result, float]] = []

    def cycle(label: str, baseline_command: list[str] | None, tracker_command: list[str]) -> None:
        b = nan if args.skip_baseline or baseline_command is None else run(baseline_command)
        before = hits(base)
        t = run(tracker_command)
        requests = hits(base) - before - 2  # the feed, and this count
        rows.append((label, b, t, requests / len(urls)))

    wanted = args.cycles.split(",")
    cycle("first cycle", baseline, configs[0])
    if "unchanged" in wanted:
        cycle("unchanged", again, configs[0])
    if "full" in wanted:
        cycle("unchanged, every check extracted", None, configs[1])
    if "edit" in wanted:
        edited = int(httpx.get(f"{base}/__edit").text)
        cycle(f"edit-heavy ({edited / len(urls):.0%} edited)", again, configs[0])
    server.terminate()
    n = len(urls)
    print(
        f"{'cycle':34} {'baseline art/s':>14} {'tracker art/s':>13} {'ratio':>6} "
        f"{'CPU ms/check b / t':>19} {'CPU ratio':>9} {'req/story':>9} {'peak MiB':>8}  result"
    )
    ratios = {}
    reference = (
        rows[1][1] if len(rows) > 1 else rows[0][1]
    )  # "every check extracted" compares with "unchanged"
    for label, b, t, per_story in rows:
        b = reference if label.startswith("unchanged, every") else b
        ratio, cpu = b[0] / t[0], t[1] / b[1]
        ratios[label.split(" (")[0]] = ratio
        ratios[label.split(" (")[0] + " CPU"] = cpu
        print(
            f"{label:34} {n / b[0]:14.1f} {n / t[0]:13.1f} {ratio:5.2f}x "
            f"{b[1] / n * 1000:9.1f} / {t[1] / n * 1000:7.1f} {cpu:9.2f} {per_story:9.2f} "
            f"{t[2] / 1024:8.0f}  {t[3]}"
        )
    if args.postgres and not light:
        two_workers(base, work, args.postgres, n, rows[0][1], rows[1][1])
    return ratios


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--padding", type=int, default=70_000)
    parser.add_argument("--workload", choices=("heavy", "light", "both"), default="both")
    parser.add_argument("--skip-baseline", action="store_true", help="Only tracker (for a memory run).")
    parser.add_argument(
        "--cycles",
        default="first,unchanged,full,edit",
        help="Which cycles after the first (a memory run: first).",
    )
    parser.add_argument("--postgres", help="Also run two workers on this (emptied) PostgreSQL database URL.")
    args = parser.parse_args()
    results = {}
    for name, light in (("DOM-heavy", False), ("DOM-light, chrome inside the article", True)):
        if args.workload in ("both", "light" if light else "heavy"):
            results[name] = workload(name, light, args)
    print("\nratios to the naive loop (articles per second; CPU per check in brackets):")
    for name, ratios in results.items():
        if "edit-heavy" not in ratios or "unchanged" not in ratios:
            continue
        print(
            f"  {name}: first {ratios['first cycle']:.2f}x, unchanged {ratios['unchanged']:.2f}x "
            f"({ratios['unchanged CPU']:.2f}), edit-heavy {ratios['edit-heavy']:.2f}x "
            f"({ratios['edit-heavy CPU']:.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
