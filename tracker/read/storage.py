"""How big the database is (`tracker status`): its size, each table's share (indexes
included), and what a version costs, everything tracker writes counted.

SQLite: the `dbstat` virtual table where SQLite was built with it (for a file past
256 MB only when asked: it reads every page), else the file's pages (`page_count` x
`page_size`) with no split by table. PostgreSQL: each table's
`pg_total_relation_size` (heap, TOAST and indexes) in the current schema.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tracker.store.models import Capture, CaptureDictionary, Version

DBSTAT_UP_TO = 256 * 1024 * 1024  # SQLite: past this, by table only when asked (`--sizes`)
ESTIMATE_PAST = 1_000_000  # PostgreSQL: past this many rows, the planner's count


def database_size(
    session: Session, *, by_table: bool | None = None, estimate_past: int | None = None
) -> dict[str, Any]:
    """{bytes, tables: {table: bytes} (largest first), versions, captures, dictionaries,
    bytes_per_version (None with no versions), method, estimated (which of versions and
    captures are PostgreSQL's estimates: `_rows`)}. `by_table`: SQLite's tables measured
    (`dbstat`, which reads every page of the file: 1.1 s for 100,000 stories); None: when
    the file is under `DBSTAT_UP_TO`."""
    if session.get_bind().dialect.name == "postgresql":
        tables = _postgresql(session)
        total, method = sum(tables.values()), "pg_total_relation_size"
    else:
        total = int(session.execute(text("PRAGMA page_count")).scalar_one()) * int(
            session.execute(text("PRAGMA page_size")).scalar_one()
        )
        measured = total < DBSTAT_UP_TO if by_table is None else by_table
        tables = _dbstat(session) if measured else {}
        method = "dbstat" if tables else "page_count"
    past = ESTIMATE_PAST if estimate_past is None else estimate_past
    versions, guessed = _rows(session, Version, past)
    captures, guessed_too = _rows(session, Capture, past)
    return {
        "bytes": total,
        "tables": dict(sorted(tables.items(), key=lambda item: -item[1])),
        "versions": versions,
        "captures": captures,
        "dictionaries": session.scalar(select(func.count()).select_from(CaptureDictionary)) or 0,
        "bytes_per_version": round(total / versions) if versions else None,
        "method": method,
        "estimated": [name for name, guess in (("versions", guessed), ("captures", guessed_too)) if guess],
    }


def _rows(session: Session, model: type[Version] | type[Capture], past: int) -> tuple[int, bool]:
    """A table's rows, and whether that is an estimate: counted, except on PostgreSQL
    past `past` rows (`ESTIMATE_PAST`), where counting grows with the table (4.6 million
    versions: 0.2 s of `status` on this machine) and the planner's count
    (`pg_class.reltuples`, as of the table's last ANALYZE, which autovacuum runs as it
    grows) is close enough for a size."""
    if session.get_bind().dialect.name == "postgresql":
        guess = session.scalar(
            text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:table)"),
            {"table": model.__tablename__},
        )
        if guess is not None and guess > past:
            return int(guess), True
    return session.scalar(select(func.count()).select_from(model)) or 0, False


def _postgresql(session: Session) -> dict[str, int]:
    rows = session.execute(
        text(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
        )
    )
    return {str(name): int(size) for name, size in rows}


def _dbstat(session: Session) -> dict[str, int]:
    """Bytes by table, its indexes counted with it; {} without `dbstat`. One row a btree
    (`aggregate`), not one a page: eight times faster on a large file."""
    try:
        with session.begin_nested():
            rows = session.execute(
                text(
                    "SELECT COALESCE(m.tbl_name, s.name), SUM(s.pgsize) FROM dbstat s "
                    "LEFT JOIN sqlite_master m ON m.name = s.name WHERE s.aggregate = TRUE GROUP BY 1"
                )
            ).all()
    except DBAPIError:  # SQLite built without SQLITE_ENABLE_DBSTAT_VTAB
        return {}
    return {str(name): int(size) for name, size in rows}
