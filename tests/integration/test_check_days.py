"""Checks older than `database.checks_kept` folded into daily counts by the storage job:
every count a person reads (the check log's total, `status`'s shares of good checks per
source, the watch list's last check) means what it meant before the fold; two daemons
folding at once neither lose nor double a check (PostgreSQL)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import ValidationError
from sqlalchemy import func, select, text

from tests.support.harness import Tracker
from tracker.cli import main
from tracker.config import DatabaseConfig
from tracker.read.watch import checks_of, rows_of
from tracker.store import check_days, repository, retention
from tracker.store import counts as kept_counts
from tracker.store.check_days import CheckDay
from tracker.store.models import Article, Check, Source

NOW = datetime(2026, 12, 5, 15, 30, tzinfo=UTC)  # the fold's clock: given, never the wall's
OUTCOMES = ("new_version", "unchanged", "not_modified", "network_error", "gone")


def _history(tracker: Tracker, stories: int = 6, days: int = 50) -> list[int]:
    """Stories checked every few hours for `days` days before NOW, the checks of one
    story together (ids in a row); the last story stopped being checked 40 days ago."""
    with tracker.session() as session:
        source = Source(name="wire", created_at=NOW - timedelta(days=days))
        session.add(source)
        session.flush()
        ids = []
        for i in range(stories):
            article = Article(
                url=f"https://news.example/{i}",
                host="news.example",
                source_id=source.id,
                first_seen_at=NOW - timedelta(days=days),
            )
            session.add(article)
            session.flush()
            ids.append(article.id)
            last = NOW - timedelta(days=40) if i == stories - 1 else NOW
            at, k = NOW - timedelta(days=days), 0
            while at < last:
                session.add(
                    Check(
                        article_id=article.id,
                        started_at=at,
                        duration_ms=10 + k % 7,
                        outcome=OUTCOMES[(k * (i + 1)) % len(OUTCOMES)],
                        bytes=1000 + k,
                    )
                )
                at, k = at + timedelta(hours=5 + i), k + 1
        session.commit()
    return ids


def _by_day(tracker: Tracker) -> Counter[tuple[int, str, str]]:
    """Checks per story, UTC day and outcome: those kept and those folded."""
    counts: Counter[tuple[int, str, str]] = Counter()
    with tracker.session() as session:
        for c in session.scalars(select(Check)):
            counts[(c.article_id, c.started_at.astimezone(UTC).date().isoformat(), c.outcome)] += 1
        for d in session.scalars(select(CheckDay)):
            counts[(d.article_id, d.day.isoformat(), d.outcome)] += d.checks
    return counts


def _what_a_person_reads(tracker: Tracker, ids: list[int]) -> dict[str, object]:
    with tracker.session() as session:
        return {
            "totals": [checks_of(session, i, limit=5)[1] for i in ids],
            "last_checks": [row["last_check"] for row in rows_of(session, ids)],
            "previous": [repository.previous_outcome(session, i) for i in ids],
            "shares": {
                days: kept_counts.checks_by_source(
                    session, (NOW - timedelta(days=days)).replace(hour=0, minute=0), NOW
                )
                for days in (1, 8, 35, 45, 60)
            },
        }


def test_old_checks_fold_into_daily_counts_that_mean_the_same(
    db_url: str, make_tracker: Callable[..., Tracker]
) -> None:
    tracker = make_tracker(db_url)
    ids = _history(tracker)
    counts, seen = _by_day(tracker), _what_a_person_reads(tracker, ids)
    with tracker.session() as session:
        stored = session.scalar(select(func.count()).select_from(Check))
    config = DatabaseConfig(url=db_url, checks_kept="30d")

    done = retention.tend(tracker.sessions, config, NOW)

    cut = check_days.cut(NOW, timedelta(days=30))
    with tracker.session() as session:
        old = session.execute(select(Check.article_id).where(Check.started_at < cut)).scalars().all()
        kept = session.scalar(select(func.count()).select_from(Check))
    assert old == [ids[-1]]  # only the latest check of the story no longer checked
    assert done.folded == stored - kept > 100
    assert _by_day(tracker) == counts
    assert _what_a_person_reads(tracker, ids) == seen
    assert retention.tend(tracker.sessions, config, NOW).folded == 0  # nothing twice


def test_forever_keeps_every_check_and_a_short_window_is_refused(
    sqlite_url: str, make_tracker: Callable[..., Tracker]
) -> None:
    tracker = make_tracker(sqlite_url)
    _history(tracker, stories=2)
    assert (
        retention.tend(tracker.sessions, DatabaseConfig(url=sqlite_url, checks_kept="forever"), NOW).folded
        == 0
    )
    assert retention.tend(tracker.sessions, DatabaseConfig(url=sqlite_url), NOW, batches=1).folded > 0  # 30d
    with pytest.raises(ValidationError, match="at least 8d"):
        DatabaseConfig(url=sqlite_url, checks_kept="7d")


def test_two_folds_at_once_neither_lose_nor_double_a_check(
    db_url: str, make_tracker: Callable[..., Tracker]
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several daemons share a database on PostgreSQL")
    tracker = make_tracker(db_url)
    with tracker.session() as session:  # each story checked in days of its own: no day row in common
        session.add(Source(name="wire", created_at=NOW - timedelta(days=90)))
        for i in range(4):
            article = Article(url=f"https://news.example/{i}", host="news.example", first_seen_at=NOW)
            session.add(article)
            session.flush()
            for k in range(40):
                at = NOW - timedelta(days=80 - 12 * i, hours=-5 * k)
                session.add(
                    Check(article_id=article.id, started_at=at, duration_ms=5, outcome=OUTCOMES[k % 3])
                )
            session.add(Check(article_id=article.id, started_at=NOW, duration_ms=5, outcome="unchanged"))
        session.commit()
    counts = _by_day(tracker)
    cut = check_days.cut(NOW, timedelta(days=30))
    one, other = tracker.session(), tracker.session()
    try:
        assert check_days.fold(one, cut, batch=40)[0] == 40  # the first story's, not committed yet
        other.execute(text("SET LOCAL lock_timeout = '5s'"))  # waiting on `one`'s checks would fail
        folded, _ = check_days.fold(other, cut, batch=10_000)  # the others', skipping `one`'s
        other.commit()
        one.commit()
    finally:
        one.close()
        other.close()
    assert folded == 3 * 40
    assert _by_day(tracker) == counts
    with tracker.session() as session:
        assert session.scalar(select(func.count()).where(Check.started_at < cut)) == 0


def test_the_check_log_lists_the_kept_checks_and_counts_the_folded_by_day(
    sqlite_url: str, make_tracker: Callable[..., Tracker], tmp_path: Path
) -> None:
    tracker = make_tracker(sqlite_url)
    ids = _history(tracker, stories=2, days=40)
    with tracker.session() as session:
        total = checks_of(session, ids[0])[1]
    retention.tend(tracker.sessions, DatabaseConfig(url=sqlite_url), NOW)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": {"url": sqlite_url}}))
    result = CliRunner().invoke(main, ["--config", str(config), "checks", str(ids[0])])
    assert result.exit_code == 0, result.output
    counted = [line for line in result.output.splitlines() if line.endswith("(counted by day)")]
    assert counted and counted[0].startswith(
        (NOW - timedelta(days=31)).date().isoformat()
    )  # the newest folded day
    assert sum(int(line.split(" x")[1].split()[0]) for line in counted) + result.output.count(" ms") == total
    assert f"{total} checks; next check" in result.output
