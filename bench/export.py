"""The JSON Lines export at scale: stories a second and peak memory, before and after.

Builds (once; `--rebuild` again) a history of `--stories` stories with `bench/scale.py`'s
generator (its `History`: 3.6 versions and 20 checks a story over 22 hosts; COPY on
PostgreSQL, executemany on SQLite), then runs the export in a fresh process per run,
output thrown away as the CLI writes it (`json.dumps` a line), and reads the process's
peak RSS:

- `before`: the article-by-article export as main wrote it (an ORM cursor of articles,
  then six queries a story: `tracker.read.history.export_article`);
- `after`: `tracker.read.export_pages` (a server-side cursor, one query a table a page).

Each for `--since 1d` and the whole history; medians of `--rounds`. `--fold 30d` instead
times the storage job folding the checks older than 30 days into daily counts, and says
the checks' rows and bytes before and after.

    .venv/bin/python bench/export.py --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_growth
    .venv/bin/python bench/export.py --database bench/out/export.db --stories 100000
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from tracker.store import db  # noqa: E402

OUT = HERE / "out"


def build(url: str, stories: int) -> float:
    """The history of `bench/scale.py`, built as it builds it."""
    import scale_history  # bench/scale_history.py: the generator and loaders

    return float(scale_history.build(url, stories))


def export_once(url: str, mode: str, since_days: float | None) -> dict[str, Any]:
    """One export in this process: lines, seconds, bytes written, peak RSS."""
    from sqlalchemy import select

    from tracker.read import history
    from tracker.store.models import Article

    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    since = datetime.now(UTC) - timedelta(days=since_days) if since_days else None
    started, lines, size = time.perf_counter(), 0, 0
    with sessions() as session:
        if mode == "after":
            rows = history.export(session, since=since)
        else:
            query = select(Article).order_by(Article.id)
            if since is not None:
                query = query.where(Article.last_changed_at >= since)
            articles = session.scalars(query.execution_options(yield_per=200))
            rows = (history.export_article(session, a) for a in articles)
        for row in rows:
            size += len(json.dumps(row, ensure_ascii=False)) + 1
            lines += 1
    seconds = time.perf_counter() - started
    engine.dispose()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    return {"lines": lines, "seconds": seconds, "bytes": size, "peak_mb": peak}


def run(url: str, mode: str, since_days: float | None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--database", url, "--one", mode]
    if since_days:
        command += ["--since-days", str(since_days)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def fold(url: str, kept: str) -> None:
    """The storage job's fold of checks older than `kept`, timed, with the checks' rows
    and bytes before and after (PostgreSQL: after VACUUM FULL, the space a steady state
    reuses)."""
    from tracker.config import DatabaseConfig
    from tracker.store import retention

    engine = db.create_engine(url)
    postgres = engine.dialect.name == "postgresql"

    def sizes() -> str:
        with engine.connect() as connection:
            rows = []
            for table in ("checks", "check_days"):
                count = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
                size = (
                    connection.execute(sa.text(f"SELECT pg_total_relation_size('{table}')")).scalar()
                    if postgres
                    else connection.execute(
                        sa.text(
                            "SELECT sum(pgsize) FROM dbstat WHERE name IN "
                            "(SELECT name FROM sqlite_master WHERE tbl_name = :t)"
                        ),
                        {"t": table},
                    ).scalar()
                )
                rows.append(f"{table} {count:,} rows {int(size or 0) / 1e6:,.0f} MB")
            return ", ".join(rows)

    print("before:", sizes(), flush=True)
    started = time.perf_counter()
    done = retention.fold_checks(
        db.session_factory(engine), DatabaseConfig(url=url, checks_kept=kept), datetime.now(UTC)
    )
    seconds = time.perf_counter() - started
    print(f"folded {done.folded:,} checks in {seconds:.0f} s ({done.folded / seconds:,.0f} a second)")
    if postgres:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                sa.text("VACUUM FULL ANALYZE checks")
            )
    else:
        with engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(sa.text("VACUUM"))
    print("after:", sizes(), flush=True)
    engine.dispose()


def stories_count(url: str) -> int:
    import scale_history  # bench/scale_history.py, which counts them the same way

    return int(scale_history.built_stories(url))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", default=str(OUT / "export.db"), help="a SQLAlchemy URL or a SQLite path"
    )
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each --since 1d export (whole: one)")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--modes", default="before,after")
    parser.add_argument(
        "--exports", default="since,whole", help="which: --since 1d (since), the whole history"
    )
    parser.add_argument(
        "--fold", metavar="KEPT", help="instead: fold the checks older than KEPT (30d), timed"
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--since-days", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = args.database if "://" in args.database else f"sqlite:///{args.database}"
    if args.one:
        print(json.dumps(export_once(url, args.one, args.since_days)))
        return 0
    if args.fold:
        fold(url, args.fold)
        return 0
    if args.rebuild or stories_count(url) == 0:
        OUT.mkdir(exist_ok=True)
        print(f"built {args.stories} stories in {build(url, args.stories):.0f} s", flush=True)
    print(f"{stories_count(url)} stories, {db.redact(url)}")
    print("| export | mode | stories | stories a second | seconds | MB written | peak RSS |")
    print("|---|---|---|---|---|---|---|")
    exports = {"since": ("--since 1d", 1.0, args.rounds), "whole": ("whole", None, 1)}
    for label, since, rounds in (exports[name] for name in args.exports.split(",")):
        for mode in args.modes.split(","):
            runs = [run(url, mode, since) for _ in range(rounds)]
            seconds = statistics.median(r["seconds"] for r in runs)
            lines = runs[0]["lines"]
            print(
                f"| {label} | {mode} | {lines} | {lines / seconds:,.0f} | {seconds:.1f} | "
                f"{runs[0]['bytes'] / 1e6:,.0f} | {max(r['peak_mb'] for r in runs):,.0f} MB |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
