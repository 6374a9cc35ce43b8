"""A history of NewsEdits' shape at scale, and how long every answer takes over it.

Builds (once; `--rebuild` to build again) with tracker's own migrations the history of
`bench/scale_history.py` (`--stories` stories over 22 hosts, 30 sources and 90 days,
3.6 versions and about 20 checks a story, those older than 30 days folded into day
rows; COPY on PostgreSQL). Then times, in this process, every page and JSON answer of
the web UI (the FastAPI app through Starlette's TestClient: no HTTP or uvicorn in the
figures), the revisions-per-day chart uncached, the claims, and as whole commands
(start-up included) the CLI's reading commands: medians of `--rounds` after a warm-up,
and the slowest. Every query over 50 ms is shown with its plan (`EXPLAIN (ANALYZE,
BUFFERS)` on PostgreSQL, `EXPLAIN QUERY PLAN` on SQLite), and the database's size by table.

    .venv/bin/python bench/scale.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_reads
    .venv/bin/python bench/scale.py --database bench/out/scale.db --stories 100000
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from scale_history import build, built_stories, vocabulary, wipe
from sqlalchemy import event

from tracker.read.watch import WatchFilter, watch_list
from tracker.store import db
from tracker.web.watch import encode_cursor

OUT = Path(__file__).resolve().parent / "out"
SLOW_MS = 50.0


# --- timing ------------------------------------------------------------------------------


class Queries:
    """Every statement's time (an SQLAlchemy cursor event), the slow ones kept with
    their parameters to be explained."""

    def __init__(self, engine: sa.Engine):
        self.slow: dict[str, tuple[float, str, Any, str]] = {}
        self.label = ""
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        elapsed = (time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())) * 1000
        explaining = statement.lstrip().upper().startswith("EXPLAIN")
        if elapsed > max(SLOW_MS, self.slow.get(statement, (0.0,))[0]) and not explaining:
            self.slow[statement] = (elapsed, statement, parameters, self.label)


def measure(function: Any, rounds: int) -> tuple[float, float]:
    """Median and slowest of `rounds` calls, after one call to warm up."""
    function()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def pick_words(engine: sa.Engine, writer_words: list[str]) -> dict[str, str]:
    """A rare word (in a few dozen stories), a middling one and a common one."""
    return {
        "rare": writer_words[min(len(writer_words) - 1, 6000)],
        "middling": writer_words[400],
        "common": "the",
    }


def half_way_cursor(engine: sa.Engine, stories: int) -> str:
    """The `next_cursor` of the watch list's page that ends half-way (found once, by an
    offset, outside the timing): what a person who paged there holds."""
    with db.session_factory(engine)() as session:
        page = watch_list(session, WatchFilter(), limit=1, offset=stories // 2 - 1)
    assert page.next is not None
    return encode_cursor(page.next, "last_changed")


def web_paths(engine: sa.Engine, stories: int, words: dict[str, str]) -> dict[str, str]:
    with engine.connect() as connection:
        long_id = connection.execute(
            sa.text("SELECT article_id FROM versions WHERE number = 7 ORDER BY article_id DESC LIMIT 1")
        ).scalar()
        recent = connection.execute(
            sa.text("SELECT article_id FROM revisions ORDER BY id DESC LIMIT 1")
        ).scalar()
    paths = {
        "recent changes page": "/",
        "recent changes JSON": "/api/changes",
        "changes ?field=headline&since=7d": "/api/changes?field=headline&since=7d",
        "changes of a source": "/api/changes?source=outlet05",
        "article page (7 versions)": f"/articles/{long_id}",
        "article JSON (7 versions)": f"/api/articles/{long_id}",
        "article JSON (recent)": f"/api/articles/{recent}",
        "revision diff page": f"/articles/{long_id}/revisions/4",
        "revision diff side by side": f"/articles/{long_id}/revisions/4?view=side",
        "a version (page)": f"/articles/{long_id}/versions/3",
        "a version (JSON)": f"/api/articles/{long_id}/versions/3",
        "compare 1 and 7 (JSON)": f"/api/articles/{long_id}/compare?from=1&to=7",
        "compare 1 and 7 (page)": f"/articles/{long_id}/compare?from=1&to=7",
        "a revision (JSON)": f"/api/articles/{long_id}/revisions/4",
        "Atom feed of an article": f"/feeds/articles/{long_id}.atom",
        "watch list page": "/articles",
        "watch list JSON": "/api/articles",
        "watch list, half-way": f"/api/articles?cursor={half_way_cursor(engine, stories)}",
        "watch list, half-way by an offset (older clients)": f"/api/articles?cursor={stories // 2}",
        "watch list, failing": "/api/articles?failing=true",
        "watch list, by last checked": "/api/articles?sort=last_checked",
        "watch list of a source": "/api/articles?source=outlet05",
        "sources page": "/sources",
        "sources JSON": "/api/sources",
        "Atom feed of changes": "/feeds/changes.atom",
        "Atom feed of a source": "/feeds/sources/outlet05.atom",
    }
    for kind, word in words.items():
        paths[f"search page, {kind} word ({word})"] = f"/search?q={word}"
        paths[f"search JSON, {kind} word"] = f"/api/search?q={word}"
    paths["search JSON, two words"] = f"/api/search?q={words['middling']}+{words['common']}"
    paths["search JSON, middling word, page 3"] = f"/api/search?q={words['middling']}&cursor=100"
    return paths


def time_web(
    url: str, config_path: Path, stories: int, words: dict[str, str], rounds: int
) -> tuple[list[Any], Queries]:
    from starlette.testclient import TestClient

    from tracker.config import load_config
    from tracker.web import create_app

    engine = db.create_engine(url)
    queries = Queries(engine)
    app = create_app(load_config(config_path), db.session_factory(engine))
    results = []
    with TestClient(app) as client:
        for label, path in web_paths(engine, stories, words).items():
            queries.label = label

            def get(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code, response.text[:300])

            results.append((label, *measure(get, rounds)))
            print(f"  {label:48} {results[-1][1]:9.1f} {results[-1][2]:9.1f}", flush=True)
    results.extend(time_store(engine, queries, rounds))
    return results, queries


def time_store(engine: sa.Engine, queries: Queries, rounds: int) -> list[Any]:
    from tracker.read.charts import revisions_per_day
    from tracker.store.leases import claim_due

    sessions = db.session_factory(engine)
    now = datetime.now(UTC)

    def chart() -> None:
        with sessions() as session:
            revisions_per_day(session, now)

    def claim(at: datetime = now) -> None:
        with sessions() as session, session.begin():
            claimed = claim_due(session, now=at, owner="bench", lease=timedelta(minutes=5), limit=200)
            assert claimed, "nothing due"
            session.rollback()

    def backlog() -> None:  # the daemon stopped for a day: every story due by then is overdue
        claim(now + timedelta(days=1))

    results = []
    for label, function in (
        ("revisions per day (chart), uncached", chart),
        ("claim 200 due stories", claim),
        ("claim 200, a day's backlog due", backlog),
    ):
        queries.label = label
        results.append((label, *measure(function, rounds)))
        print(f"  {label:48} {results[-1][1]:9.1f} {results[-1][2]:9.1f}", flush=True)
    return results


def time_cli(config_path: Path, article_id: int, rounds: int) -> list[Any]:
    tracker = [sys.executable, "-m", "tracker", "--config", str(config_path)]
    export = OUT / "scale-export.jsonl"
    commands = {
        "tracker --help (start-up)": ["--help"],
        "tracker status": ["status"],
        "tracker status --json": ["status", "--json"],
        "tracker sources": ["sources"],
        "tracker history ID": ["history", str(article_id)],
        "tracker changes --since 1d": ["changes", "--since", "1d"],
        "tracker articles --failing": ["articles", "--failing"],
        "tracker export --since 1d": ["export", "--since", "1d", "--output", str(export)],
    }
    results = []
    for label, command in commands.items():

        def run(command: list[str] = command) -> None:
            subprocess.run([*tracker, *command], check=True, capture_output=True)

        results.append((label, *measure(run, rounds if "export" not in label else max(1, rounds // 2))))
        print(f"  {label:48} {results[-1][1]:9.1f} {results[-1][2]:9.1f}", flush=True)
    return results


def explain(url: str, queries: Queries) -> None:
    engine = db.create_engine(url)
    postgres = engine.dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    raw = engine.raw_connection()
    try:
        for elapsed, statement, parameters, label in sorted(queries.slow.values(), key=lambda s: -s[0]):
            print(
                f"\n--- {elapsed:.0f} ms, in {label}:\n{statement.strip()}\n  params: {str(parameters)[:300]}"
            )
            cursor = raw.cursor()
            cursor.execute(prefix + statement, parameters)
            for row in cursor.fetchall():
                print("   ", " ".join(str(value) for value in row))
            raw.rollback()
    finally:
        raw.close()
        engine.dispose()


def sizes(url: str) -> None:
    engine = db.create_engine(url)
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            rows = connection.execute(
                sa.text(
                    "SELECT relname, pg_table_size(c.oid), pg_indexes_size(c.oid), "
                    "(SELECT reltuples::bigint FROM pg_class WHERE oid = c.oid) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = 'public' AND c.relkind = 'r' "
                    "ORDER BY pg_total_relation_size(c.oid) DESC"
                )
            ).all()
            total = connection.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
        else:
            rows = connection.execute(
                sa.text("SELECT name, sum(pgsize), 0, 0 FROM dbstat GROUP BY name ORDER BY 2 DESC")
            ).all()
            total = sum(int(row[1]) for row in rows)
    engine.dispose()
    print(f"\n{'table':32} {'table MB':>10} {'indexes MB':>11} {'rows':>12}")
    for name, table, indexes, count in rows:
        if int(table) + int(indexes) > 1e6:
            print(f"{name:32} {int(table) / 1e6:10.0f} {int(indexes) / 1e6:11.0f} {int(count):12d}")
    print(f"{'database':32} {int(total or 0) / 1e6:10.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=str(OUT / "scale.db"), help="a SQLAlchemy URL or a SQLite path")
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--no-cli", action="store_true", help="skip the CLI's commands")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    url = args.database if "://" in args.database else f"sqlite:///{Path(args.database).resolve()}"
    if args.rebuild or built_stories(url) != args.stories:
        wipe(url)
        print(f"building {args.stories} stories in {db.redact(url)}", flush=True)
        print(f"built in {build(url, args.stories):.0f} s", flush=True)
    else:
        engine = db.create_engine(url)
        before, started = db.current_revision(engine), time.perf_counter()
        if db.upgrade(engine) != before:
            print(f"migrated from {before} in {time.perf_counter() - started:.0f} s", flush=True)
        engine.dispose()
    config_path = OUT / "scale.yaml"
    config_path.write_text(f"database: {{url: '{url}'}}\nlogging: {{level: warning}}\n")
    sizes(url)
    if args.build_only:
        return 0
    words, _ = vocabulary()
    chosen = pick_words(db.create_engine(url), words)
    print(f"\n{'':50} {'median ms':>9} {'slowest':>9}")
    results, queries = time_web(url, config_path, args.stories, chosen, args.rounds)
    if not args.no_cli:
        results.extend(time_cli(config_path, args.stories // 2, args.rounds))
    explain(url, queries)
    print(f"\n| operation ({args.stories} stories) | median ms | slowest of {args.rounds} |\n|---|---|---|")
    for label, median, slowest in results:
        print(f"| {label} | {median:.0f} | {slowest:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
