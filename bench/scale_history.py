"""The NewsEdits-shaped history `bench/scale.py` times (and `bench/export.py` exports):
its text, its rows, and how they are loaded.

`--stories` stories over 22 hosts and 30 sources and 90 days: 3.6 versions a story
(bodies of a few KB of English drawn from the word frequencies of the corpus's
articles, each version one edit away from the one before), the revisions between them
(their `changed`/`kinds`/`stats`/`body_diff` the shapes of real ones that
`tracker.core.diff.compare` computed), about 20 checks, its URL, and an event for the
stories gone or retired. The checks are as the shipped `database.checks_kept` (30 days)
leaves them: one by one in the window, folded into daily counts per story and outcome
before it (`check_days`; each story's latest check kept), as the storage job folds them.
PostgreSQL is loaded with COPY; each story's search document (the words of all its
versions: `article_search`, migration 0018) is made here, from the text's words, not by
the trigger (a sample is checked against `to_tsvector` after the load), and its GIN
index built after the load. SQLite is loaded with executemany in big transactions (its
FTS5 triggers keep the index).
"""

from __future__ import annotations

import html
import json
import random
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from tracker.config import DatabaseConfig, parse_duration
from tracker.core.diff import compare
from tracker.core.normalize import make_content
from tracker.store import check_days, db

CORPUS = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "readability" / "test" / "test-pages"
)
HOSTS = 22
DAYS = 90
CHUNK = 5000
# hours after first sight of each check (about the default schedule's first ten days)
CHECK_HOURS = (0, 0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24, 36, 48, 72, 96, 144, 192, 240)
VERSION_COUNTS = (1, 2, 3, 4, 5, 6, 7)
VERSION_WEIGHTS = (15, 15, 20, 20, 12, 10, 8)  # 3.6 versions a story
RETIRE_AFTER = timedelta(days=30)
WORDS = re.compile(r"[a-z0-9]+")  # the words to_tsvector('simple', ...) makes of this text

# --- text --------------------------------------------------------------------------------


def vocabulary() -> tuple[list[str], list[float]]:
    """English words and their frequencies, from the corpus's articles (a stand-in list
    following Zipf's law when the corpus is not beside the worktree)."""
    counts: Counter[str] = Counter()
    for page in sorted(CORPUS.glob("*/expected.html"))[:90]:
        text = re.sub(r"<[^>]+>", " ", html.unescape(page.read_text(errors="replace")))
        counts.update(word.lower() for word in re.findall(r"[A-Za-z]{2,}", text))
    if len(counts) < 2000:
        counts = Counter({f"word{rank}": int(1e6 / rank) for rank in range(1, 20_000)})
    words = [word for word, _ in counts.most_common()]
    return words, [float(counts[word]) for word in words]


class Writer:
    """Sentences drawn from the vocabulary's frequencies, and bodies made of them: a pool
    of sentences shared by every body (a word found once in the pool is in a few dozen
    stories: a rare word), and paragraphs of three to five of them."""

    def __init__(self, rng: random.Random, sentences: int = 60_000):
        words, weights = vocabulary()
        self.words = words
        self.rng = rng
        cumulative = list(_accumulate(weights))
        pool = []
        for _ in range(sentences):
            drawn = rng.choices(words, cum_weights=cumulative, k=rng.randint(8, 26))
            pool.append(drawn[0].capitalize() + " " + " ".join(drawn[1:]) + ".")
        self.pool = pool

    def paragraph(self) -> str:
        return " ".join(self.rng.choices(self.pool, k=self.rng.randint(3, 5)))

    def headline(self) -> str:
        return self.rng.choice(self.pool)[:90].rstrip(".")

    def body(self) -> list[str]:
        return [self.paragraph() for _ in range(self.rng.randint(6, 10))]

    def edit(self, paragraphs: list[str]) -> list[str]:
        """The next version: a sentence rewritten, a paragraph added or dropped."""
        edited = list(paragraphs)
        roll = self.rng.random()
        if roll < 0.6:
            where = self.rng.randrange(len(edited))
            sentences = edited[where].split(". ")
            sentences[self.rng.randrange(len(sentences))] = self.rng.choice(self.pool).rstrip(".")
            edited[where] = ". ".join(sentences)
        elif roll < 0.9 or len(edited) < 4:
            edited.insert(self.rng.randrange(len(edited) + 1), self.paragraph())
        else:
            del edited[self.rng.randrange(len(edited))]
        return edited


def _accumulate(values: list[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def revision_shapes(writer: Writer, now: datetime) -> list[dict[str, Any]]:
    """The JSON of real revisions (`compare` on edits as `Writer.edit` makes them): the
    bench reuses their shapes rather than comparing 260,000 pairs."""
    shapes = []
    for index in range(40):
        body = writer.body()
        headline = writer.headline()
        new_headline = writer.headline() if index % 5 == 0 else headline
        old = make_content(
            headline=headline, byline="A Writer", paragraphs=body, published_at=now, updated_at=None
        )
        new = make_content(
            headline=new_headline,
            byline="A Writer",
            paragraphs=writer.edit(body),
            published_at=now,
            updated_at=None,
        )
        changes = compare(old, new)
        shapes.append(
            {
                "changed": json.dumps(list(changes.changed)),
                "field_changes": json.dumps(list(changes.field_changes), default=str),
                "body_diff": json.dumps(list(changes.body_diff)),
                "stats": json.dumps(changes.stats),
                "trivial": changes.trivial,
                "kinds": json.dumps(list(changes.kinds)),
                "significance": changes.significance,
            }
        )
    return shapes


# --- the history ---------------------------------------------------------------------------

COLUMNS = {
    "sources": ("id", "name", "created_at", "configured"),
    "source_endpoints": ("id", "source_id", "kind", "url", "failures", "last_polled_at", "next_poll_at"),
    "articles": (
        "id", "url", "host", "source_id", "first_seen_at", "status", "next_check_at",
        "last_checked_at", "last_changed_at", "consecutive_failures", "quick_checks",
    ),
    "article_urls": ("id", "url", "article_id", "kind", "first_seen_at"),
    "versions": (
        "id", "article_id", "number", "fetched_at", "headline", "byline", "body", "published_at",
        "extra", "content_hash",
    ),
    "revisions": (
        "id", "article_id", "from_number", "to_number", "detected_at", "changed", "field_changes",
        "body_diff", "stats", "trivial", "kinds", "significance",
    ),
    "checks": (
        "id", "article_id", "started_at", "duration_ms", "outcome", "http_status", "error_kind",
        "bytes", "final_url", "version_number",
    ),
    "events": ("id", "article_id", "at", "kind", "detail"),
    "check_days": ("article_id", "day", "outcome", "checks", "bytes", "duration_ms"),
    "article_search": ("article_id", "newest", "document"),  # PostgreSQL only
}  # fmt: skip


class History:
    """Rows of every table, a chunk of stories at a time; ids given here."""

    def __init__(self, stories: int, now: datetime, seed: int = 27):
        self.stories, self.now = stories, now
        self.start = now - timedelta(days=DAYS)
        self.cut = check_days.cut(now, parse_duration(DatabaseConfig().checks_kept))
        self.rng = random.Random(seed)
        self.writer = Writer(self.rng)
        self.shapes = revision_shapes(self.writer, now)
        self.ids: Counter[str] = Counter()
        self.sources = [(h, f"outlet{h:02d}") for h in range(HOSTS)] + [
            (h, f"outlet{h:02d}-sitemap") for h in range(8)
        ]

    def next_id(self, table: str) -> int:
        self.ids[table] += 1
        return self.ids[table]

    def source_rows(self) -> dict[str, list[tuple[Any, ...]]]:
        sources, endpoints = [], []
        for index, (host, name) in enumerate(self.sources, start=1):
            sources.append((index, name, self.start, True))
            kind = "sitemap" if name.endswith("sitemap") else "feed"
            url = f"https://www.outlet{host:02d}.example/{kind}.xml"
            endpoints.append((index, index, kind, url, 0, self.now, self.now + timedelta(minutes=10)))
        return {"sources": sources, "source_endpoints": endpoints}

    def chunk(self, first: int, last: int) -> dict[str, list[tuple[Any, ...]]]:
        rows: dict[str, list[tuple[Any, ...]]] = {table: [] for table in COLUMNS if "source" not in table}
        for story in range(first, last + 1):
            self._story(story, rows)
        return rows

    def _story(self, story: int, rows: dict[str, list[tuple[Any, ...]]]) -> None:
        rng = self.rng
        source = 1 + story % len(self.sources)
        host = self.sources[source - 1][0]
        url = f"https://www.outlet{host:02d}.example/{2026}/story-{story}"
        seen = self.start + timedelta(seconds=DAYS * 86400 * (story - 0.5) / self.stories)
        count = rng.choices(VERSION_COUNTS, VERSION_WEIGHTS)[0]
        checks = [seen + timedelta(hours=h, seconds=rng.randrange(600)) for h in CHECK_HOURS]
        checks = [at for at in checks if at < self.now] or [seen]
        at_versions = sorted(rng.sample(range(1, len(checks)), min(count - 1, len(checks) - 1)))
        fetched = [checks[0], *(checks[i] for i in at_versions)]
        headline, paragraphs = self.writer.headline(), self.writer.body()
        words = set(WORDS.findall(" ".join(paragraphs).lower()))
        for number, at in enumerate(fetched, start=1):
            if number > 1:
                before, paragraphs = set(paragraphs), self.writer.edit(paragraphs)
                words.update(WORDS.findall(" ".join(set(paragraphs) - before).lower()))
                shape = self.shapes[(story + number) % len(self.shapes)]
                if '"headline"' in shape["changed"]:
                    headline = self.writer.headline()
                rows["revisions"].append(
                    (self.next_id("revisions"), story, number - 1, number, at, shape["changed"],
                     shape["field_changes"], shape["body_diff"], shape["stats"], shape["trivial"],
                     shape["kinds"], shape["significance"])
                )  # fmt: skip
            words.update(WORDS.findall(headline.lower()))
            rows["versions"].append(
                (self.next_id("versions"), story, number, at, headline, "A Writer", "\n\n".join(paragraphs),
                 seen, "{}", f"{story:032x}{number:032x}")
            )  # fmt: skip
        rows["article_search"].append((story, self.ids["versions"], " ".join(sorted(words))))
        gone = story % 31 == 0
        number = 0
        folded: dict[tuple[date, str], list[int]] = {}
        for index, at in enumerate(checks):
            if at in fetched:
                number += 1
                outcome, status, kind = "new_version", 200, None
            elif gone and index == len(checks) - 1:
                outcome, status, kind = "gone", 404, "http_status"
            elif rng.random() < 0.03:
                outcome, status, kind = "error", None, "timeout"
            else:
                outcome, status, kind = ("not_modified", 304, None) if index % 3 else ("unchanged", 200, None)
            duration, size = (
                150 + rng.randrange(900),
                60_000 + rng.randrange(90_000) if status == 200 else None,
            )
            if at < self.cut and index < len(checks) - 1:  # folded, as the storage job would
                day = folded.setdefault((at.astimezone(UTC).date(), outcome), [0, 0, 0])
                day[0], day[1], day[2] = day[0] + 1, day[1] + (size or 0), day[2] + duration
                continue
            rows["checks"].append(
                (self.next_id("checks"), story, at, duration, outcome, status, kind, size, url,
                 number if outcome == "new_version" else None)
            )  # fmt: skip
        for (day_of, outcome), (count, size, duration) in sorted(folded.items()):
            rows["check_days"].append((story, day_of, outcome, count, size, duration))
        old = self.now - seen > RETIRE_AFTER
        state = "gone" if gone else "retired" if old else "active"
        due = None if old or gone else checks[-1] + timedelta(hours=12 + rng.randrange(48))
        if due is not None:  # the schedule goes on checking a story until it retires, and keeps up
            due = max(due, self.now + timedelta(minutes=1 + rng.randrange(24 * 60)))
        if not old and story % 250 == 0:
            due = self.now - timedelta(minutes=rng.randrange(120))  # a few hundred overdue
        rows["articles"].append(
            (story, url, f"www.outlet{host:02d}.example", source, seen, state, due, checks[-1], fetched[-1],
             0, 0)
        )  # fmt: skip
        rows["article_urls"].append((story, url, story, "discovered", seen))
        if gone or old:
            at = checks[-1] if gone else seen + RETIRE_AFTER
            rows["events"].append((self.next_id("events"), story, at, state, "{}"))


# --- loading -----------------------------------------------------------------------------


def build(url: str, stories: int) -> float:
    """Create the schema with the migrations and load the history; returns seconds."""
    started = time.perf_counter()
    engine = db.create_engine(url)
    db.upgrade(engine)
    history = History(stories, datetime.now(UTC).replace(microsecond=0))
    postgres = engine.dialect.name == "postgresql"
    raw = engine.raw_connection()
    try:
        load = _copy if postgres else _insert
        cursor = raw.cursor()
        if postgres:  # the documents made here, their index built again after the load
            cursor.execute("ALTER TABLE versions DISABLE TRIGGER article_search_add")
            cursor.execute("DROP INDEX ix_article_search_document")
        for table, rows in history.source_rows().items():
            load(raw, table, rows)
        for first in range(1, stories + 1, CHUNK):
            for table, rows in history.chunk(first, min(first + CHUNK - 1, stories)).items():
                if postgres or table != "article_search":
                    load(raw, table, rows)
            raw.commit()
            print(
                f"  {min(first + CHUNK - 1, stories)} stories, {time.perf_counter() - started:.0f} s",
                flush=True,
            )
        if postgres:
            _finish_postgres(raw, stories)
        else:
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started


def _copy(raw: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    columns = ", ".join(COLUMNS[table])
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _insert(raw: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        return value

    marks = ", ".join("?" for _ in COLUMNS[table])
    raw.cursor().executemany(
        f"INSERT INTO {table} ({', '.join(COLUMNS[table])}) VALUES ({marks})",
        [tuple(plain(value) for value in row) for row in rows],
    )


def _finish_postgres(raw: Any, stories: int) -> None:
    cursor = raw.cursor()
    for table, columns in COLUMNS.items():
        if "id" in columns:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    cursor.execute("ALTER TABLE versions ENABLE TRIGGER article_search_add")
    # the documents made here are the ones the migration's trigger would have made
    cursor.execute(
        "SELECT s.article_id FROM article_search s JOIN versions v ON v.article_id = s.article_id "
        f"WHERE s.article_id % {max(1, stories // 500)} = 0 GROUP BY s.article_id, s.document "
        "HAVING s.document <> "
        "strip(to_tsvector('simple', string_agg(coalesce(v.headline, '') || ' ' || v.body, ' ')))"
    )
    wrong = [row[0] for row in cursor.fetchall()]
    if wrong:
        raise SystemExit(f"search documents unlike to_tsvector's for stories {wrong[:10]}")
    raw.commit()
    started = time.perf_counter()
    cursor.execute("SET maintenance_work_mem = '2GB'")
    cursor.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
    raw.commit()
    print(f"  search index built in {time.perf_counter() - started:.0f} s", flush=True)
    raw.driver_connection.autocommit = True
    raw.driver_connection.execute("VACUUM ANALYZE")
    raw.driver_connection.autocommit = False


def built_stories(url: str) -> int:
    engine = db.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("articles"):
                return 0
            return int(connection.execute(sa.text("SELECT count(*) FROM articles")).scalar() or 0)
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = db.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
