"""Storage: bytes a version and decompression time of a page's body, for the codecs of
`tracker.store.bodies`, on real pages; and the database of the 1,000-story benchmark.

- zlib: what versions kept before 0012 (the page's HTML as UTF-8, zlib level 1);
- zstd: zstd level 3 alone (0012's captures);
- zstd + dictionary: a dictionary trained per host on its first `captures.SAMPLES`
  pages (the pages it was trained on included, as tracker packs them again);
- zstd + delta: what `tracker.store.captures.keep` does: an article's first capture a
  key (with the host's dictionary), later ones deltas against it, a new key when the
  page compressed alone is smaller than its delta.

Pages: (a) ../shared/corpus: the five New York Times pages of Readability's test set
(one host; each dictionary trained on the other four: they are different articles, no
delta); (b) histories of real article texts inside real publishers' templates
(tests/support/publishers: BBC, New York Times, Guardian, Washington Post, CNN), edited
over 16 cycles as editors do (paragraphs added, removed, rewritten), the chrome drawn
afresh on every request, one capture per version. Decompression: the median per page,
a delta's key decompressed too.

With --templates N: (c) tracker itself over those publishers' sites on loopback (as
tests/golden/test_templates.py runs it, a first check and N rounds of edits, a
`run --once --all` each), then the database's bytes a version (the SQLite file after
VACUUM, everything tracker writes included). With --newsroom N: bench/throughput.py's
DOM-heavy site of N stories, a first cycle and an edit-heavy one, the same figure.
With --tree DIR (repeatable), those runs by another checkout's tracker (its .venv) for
a before/after.

    .venv/bin/python bench/storage.py [--templates 8] [--newsroom 1000] [--tree /work/main --tree .]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracker.store import bodies, captures  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "readability" / "test" / "test-pages"
Read = Callable[[], bytes]
PACKING: list[float] = []  # seconds to pack a page as a delta (what a check's keep costs)


def nytimes_pages() -> list[bytes]:
    return [(CORPUS / f"nytimes-{n}" / "source.html").read_bytes() for n in range(1, 6)]


def histories(cycles: int = 16) -> dict[str, list[list[bytes]]]:
    """Per publisher template, per story: the page of each version."""
    from tests.support.publishers.desk import Desk
    from tests.support.publishers.mastheads import history_hosts
    from tests.support.publishers.story import Page

    hosts = history_hosts(22)
    desk = Desk(hosts)
    out: dict[str, dict[str, list[bytes]]] = {host.name: {} for host in hosts}
    last: dict[str, object] = {}
    for cycle in range(cycles):
        if cycle:
            desk.cycle(cycle)
        for host in hosts:
            for story in host.stories:
                snapshot = story.snapshot()
                if last.get(story.slug) == snapshot:
                    continue
                last[story.slug] = snapshot
                history = out[host.name].setdefault(story.slug, [])
                page = Page(
                    url=f"https://{host.name}.example{host.paths[story.slug]}",
                    base=f"https://{host.name}.example",
                    now=host.now,
                    rng=random.Random(f"22:{story.slug}:{len(history)}"),
                    others=tuple(s for s in host.stories if s is not story),
                )
                history.append(host.render(story, page).encode())
    return {name: list(stories.values()) for name, stories in out.items()}


class Tally:
    """Bytes stored and decompression times of one codec over many pages."""

    def __init__(self) -> None:
        self.stored: list[int] = []
        self.seconds: list[float] = []

    def add(self, data: bytes, read: Read, original: bytes) -> None:
        self.stored.append(len(data))
        started = time.perf_counter()
        back = read()
        self.seconds.append(time.perf_counter() - started)
        assert back == original, "a codec lost bytes"

    def row(self, name: str) -> str:
        per = sum(self.stored) / len(self.stored) / 1024
        return f"  {name:22} {per:8.1f} KB a version {statistics.median(self.seconds) * 1000:8.3f} ms a page"


def measure(stories: list[list[bytes]], dictionary: bytes | None) -> dict[str, Tally]:
    """Every codec over one host's stories (each a list of versions' pages)."""
    tallies = {name: Tally() for name in ("zlib", "zstd", "zstd + dictionary", "zstd + delta")}
    for history in stories:
        key: tuple[bytes, bytes] | None = None  # (page, stored)
        for page in history:
            data = zlib.compress(page.decode("utf-8", "replace").encode(), 1)
            tallies["zlib"].add(
                data, lambda d=data: zlib.decompress(d), page.decode("utf-8", "replace").encode()
            )
            codec, data = bodies.pack(page)
            tallies["zstd"].add(data, lambda c=codec, d=data: bodies.unpack(c, d), page)
            codec, alone = bodies.pack(page, dictionary=dictionary)
            read_alone = lambda c=codec, d=alone: bodies.unpack(c, d, dictionary=dictionary)  # noqa: E731
            tallies["zstd + dictionary"].add(alone, read_alone, page)
            if key is not None:
                started = time.perf_counter()
                codec, delta = bodies.pack(page, base=key[0])
                PACKING.append(time.perf_counter() - started)
                if len(delta) <= captures.KEY_SHARE * len(key[1]) or len(delta) < len(alone):
                    stored_key = key[1]

                    def read_delta(c: str = codec, d: bytes = delta, k: bytes = stored_key) -> bytes:
                        base = bodies.unpack(
                            bodies.DICT if dictionary else bodies.ZSTD, k, dictionary=dictionary
                        )
                        return bodies.unpack(c, d, base=base)

                    tallies["zstd + delta"].add(delta, read_delta, page)
                    continue
            key = (page, alone)
            tallies["zstd + delta"].add(alone, read_alone, page)
    return tallies


def trained(pages: list[bytes]) -> tuple[bytes, float]:
    started = time.perf_counter()
    data = bodies.train(pages, min(captures.DICTIONARY_SIZE, sum(map(len, pages)) // 4))
    return data, time.perf_counter() - started


def corpus_figures() -> None:
    pages = nytimes_pages()
    print(f"\n(a) ../shared/corpus, one host: {len(pages)} New York Times pages of Readability's test set, "
          f"{statistics.mean(map(len, pages)) / 1024:.0f} KB on average; "
          "each dictionary trained on the other four")  # fmt: skip
    total: dict[str, Tally] = {}
    for n, page in enumerate(pages):
        dictionary, _ = trained(pages[:n] + pages[n + 1 :])
        for name, tally in measure([[page]], dictionary).items():
            mine = total.setdefault(name, Tally())
            mine.stored += tally.stored
            mine.seconds += tally.seconds
    for name, tally in total.items():
        if name != "zstd + delta":
            print(tally.row(name))


def template_figures() -> None:
    hosts = histories()
    versions = sum(len(h) for stories in hosts.values() for h in stories)
    size = statistics.mean(len(p) for stories in hosts.values() for h in stories for p in h)
    print(f"\n(b) real texts in real publishers' templates, edited over 16 cycles: {len(hosts)} templates, "
          f"{versions} versions, {size / 1024:.0f} KB a page")  # fmt: skip
    total: dict[str, Tally] = {}
    trainings = []
    for stories in hosts.values():
        firsts = [h[0] for h in stories] + [p for h in stories for p in h[1:]]
        dictionary, seconds = trained(firsts[: captures.SAMPLES])
        trainings.append(seconds)
        for name, tally in measure(stories, dictionary).items():
            mine = total.setdefault(name, Tally())
            mine.stored += tally.stored
            mine.seconds += tally.seconds
    for name, tally in total.items():
        print(tally.row(name))
    print(f"  packing a page as a delta: {statistics.median(PACKING) * 1000:.2f} ms (median)")
    median, most = statistics.median(trainings) * 1000, max(trainings) * 1000
    print(f"  training a dictionary on {captures.SAMPLES} pages: {median:.0f} ms "
          f"(median of {len(trainings)} hosts, max {most:.0f} ms), in the storage job")  # fmt: skip


TEMPLATE_RUN = r"""
import sys
from tests.support.harness import Tracker, make_config
from tests.support.publishers import Desk, history_hosts, run
hosts = history_hosts(22)
for host in hosts:
    host.start()
sources = [{"name": host.name, "feeds": [host.feed()]} for host in hosts]
config = make_config("sqlite:///" + sys.argv[1], sources=sources, schedule={"retire_after": "36500d"})
tracker = Tracker(config)
run(Desk(hosts, seed=22), tracker, int(sys.argv[2]))
tracker.close()
for host in hosts:
    host.stop()
"""


def database_figures(path: Path, label: str) -> None:
    """The SQLite file's bytes a version, everything included, after VACUUM."""
    db = sqlite3.connect(path)
    db.execute("VACUUM")
    versions = db.execute("SELECT count(*) FROM versions").fetchone()[0]
    size = path.stat().st_size
    tables = db.execute(
        "SELECT COALESCE(m.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s "
        "LEFT JOIN sqlite_master m ON m.name = s.name GROUP BY 1 ORDER BY 2 DESC LIMIT 5"
    ).fetchall()
    db.close()
    print(f"\n{label}: {versions} versions")
    print(f"  database {size / 1e6:.2f} MB (after VACUUM), {size / versions / 1024:.1f} KB a version; "
          + ", ".join(f"{name} {pages / 1024 / versions:.1f} KB" for name, pages in tables)
          + " a version")  # fmt: skip


def template_run(tree: Path, cycles: int) -> None:
    """tracker (of `tree`) over the publishers' templates on loopback, as
    tests/golden/test_templates.py runs it: a first check and `cycles` rounds of edits."""
    path = Path(tempfile.mkdtemp(prefix="tracker-storage-")) / "templates.db"
    python = str(tree / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "-c", TEMPLATE_RUN, str(path), str(cycles)], cwd=tree, check=True, capture_output=True
    )
    database_figures(path, f"(c) tracker by {tree} over the publishers' templates, {cycles} rounds of edits")
    shutil.rmtree(path.parent)


def newsroom(articles: int, tree: Path) -> None:
    """bench/throughput.py's DOM-heavy site: a first cycle and an edit-heavy one by the
    tracker of `tree`; the SQLite file's bytes a version."""
    import httpx

    from bench.throughput import serve

    spawn = multiprocessing.get_context("spawn")
    ready = spawn.Queue()
    server = spawn.Process(target=serve, args=(articles, 70_000, False, ready), daemon=True)
    server.start()
    base, urls = ready.get(timeout=300)
    work = Path(tempfile.mkdtemp(prefix="tracker-storage-"))
    config = work / "config.yaml"
    config.write_text(
        f"database: {{url: 'sqlite:///{work / 'bench.db'}'}}\n"
        f"sources: [{{name: bench, feeds: ['{base}/feed.xml'], max_entries: 100000}}]\n"
        "fetch: {allow_private_addresses: true, per_host_delay: 0s, per_host_concurrency: 16, "
        "concurrency: 32}\nlogging: {level: warning}\n"
    )
    python = str(tree / ".venv" / "bin" / "python")
    command = [python, "-m", "tracker", "--config", str(config), "run", "--once", "--all"]
    subprocess.run(command, cwd=tree, check=True, capture_output=True)
    httpx.get(f"{base}/__edit")
    subprocess.run(command, cwd=tree, check=True, capture_output=True)
    server.terminate()
    database_figures(
        work / "bench.db", f"newsroom of {len(urls)} stories by {tree}, a first cycle and an edit-heavy one"
    )
    shutil.rmtree(work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--newsroom", type=int, default=0, help="Also the database of a newsroom of N stories."
    )
    parser.add_argument("--templates", type=int, default=0, help="Also tracker over the templates, N rounds.")
    parser.add_argument("--tree", type=Path, action="append", help="The checkout(s) whose tracker runs them.")
    args = parser.parse_args()
    corpus_figures()
    template_figures()
    for tree in args.tree or [ROOT]:
        if args.templates:
            template_run(tree.resolve(), args.templates)
        if args.newsroom:
            newsroom(args.newsroom, tree.resolve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
