"""Answers independent of the history's size: revisions counted per source and per day
as they are written (`revision_counts`), so that the sources page, its chart and
`/api/sources` read a few hundred kept counts instead of scanning the history
(backfilled from the revisions there are); checks counted per source and per hour as
they are made (`check_counts`: how many, how many got the article), what the share of
good checks of `status` and the sources page reads (kept when checks are deleted: they
were made); and on PostgreSQL, each version's search
document kept in its row (`search_document`, a generated column, indexed by GIN in
place of the expression index of 0005), so that a search checks a version without
parsing its body again (the table is rewritten once: minutes for 100,000 stories). The
document is stripped of positions (a third smaller): search asks for words, never
phrases, and ranks by time, not relevance.

The counts are kept by triggers, on SQLite and PostgreSQL alike, so that every path
that writes revisions keeps them (a new revision, a history derived again or joined,
a template change marking revisions trivial, an article purged, a source dropped):
- a revision inserted adds one to its article's source (0: none) on its day (UTC),
  one deleted takes one away, one whose `trivial` changes moves between the two counts;
- before an article is deleted its revisions are deleted (so that the revisions'
  trigger still finds the article's source; the cascade then has nothing left to do);
- an article whose source changes moves its revisions' counts to the new source.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PG_DAY = "(({row}.detected_at AT TIME ZONE 'UTC')::date)"
SQLITE_DAY = "date({row}.detected_at)"

# PostgreSQL: one function per trigger (plpgsql)
PG_FUNCTIONS = {
    "revision_counts_add": """
        BEGIN
          INSERT INTO revision_counts (source_id, day, revisions, trivial)
          SELECT coalesce(a.source_id, 0), {new_day}, 1, NEW.trivial::int
          FROM articles a WHERE a.id = NEW.article_id
          ON CONFLICT (source_id, day) DO UPDATE SET
            revisions = revision_counts.revisions + 1,
            trivial = revision_counts.trivial + excluded.trivial;
          RETURN NULL;
        END""",
    "revision_counts_remove": """
        BEGIN
          UPDATE revision_counts c SET revisions = c.revisions - 1, trivial = c.trivial - OLD.trivial::int
          FROM articles a
          WHERE a.id = OLD.article_id AND c.source_id = coalesce(a.source_id, 0) AND c.day = {old_day};
          RETURN NULL;
        END""",
    "revision_counts_trivial": """
        BEGIN
          UPDATE revision_counts c SET trivial = c.trivial + NEW.trivial::int - OLD.trivial::int
          FROM articles a
          WHERE a.id = NEW.article_id AND c.source_id = coalesce(a.source_id, 0) AND c.day = {new_day};
          RETURN NULL;
        END""",
    "revision_counts_article_gone": """
        BEGIN
          DELETE FROM revisions WHERE article_id = OLD.id;
          RETURN OLD;
        END""",
    "revision_counts_article_moved": """
        BEGIN
          UPDATE revision_counts c SET revisions = c.revisions - r.revisions, trivial = c.trivial - r.trivial
          FROM (SELECT {r_day} AS day, count(*) AS revisions, sum(trivial::int) AS trivial
                FROM revisions WHERE article_id = OLD.id GROUP BY 1) r
          WHERE c.source_id = coalesce(OLD.source_id, 0) AND c.day = r.day;
          INSERT INTO revision_counts (source_id, day, revisions, trivial)
          SELECT coalesce(NEW.source_id, 0), {r_day}, count(*), sum(trivial::int)
          FROM revisions WHERE article_id = NEW.id GROUP BY 2
          ON CONFLICT (source_id, day) DO UPDATE SET
            revisions = revision_counts.revisions + excluded.revisions,
            trivial = revision_counts.trivial + excluded.trivial;
          RETURN NULL;
        END""",
}
PG_TRIGGERS = {
    "revision_counts_add": "AFTER INSERT ON revisions FOR EACH ROW",
    "revision_counts_remove": "AFTER DELETE ON revisions FOR EACH ROW",
    "revision_counts_trivial": "AFTER UPDATE OF trivial ON revisions FOR EACH ROW "
    "WHEN (OLD.trivial IS DISTINCT FROM NEW.trivial)",
    "revision_counts_article_gone": "BEFORE DELETE ON articles FOR EACH ROW",
    "revision_counts_article_moved": "AFTER UPDATE OF source_id ON articles FOR EACH ROW "
    "WHEN (OLD.source_id IS DISTINCT FROM NEW.source_id)",
}

SQLITE_TRIGGERS = {
    "revision_counts_add": """AFTER INSERT ON revisions BEGIN
          INSERT INTO revision_counts (source_id, day, revisions, trivial)
          SELECT coalesce(a.source_id, 0), {new_day}, 1, new.trivial
          FROM articles a WHERE a.id = new.article_id
          ON CONFLICT (source_id, day) DO UPDATE SET
            revisions = revisions + 1, trivial = trivial + excluded.trivial;
        END""",
    "revision_counts_remove": """AFTER DELETE ON revisions BEGIN
          UPDATE revision_counts SET revisions = revisions - 1, trivial = trivial - old.trivial
          WHERE day = {old_day} AND source_id =
            (SELECT coalesce(a.source_id, 0) FROM articles a WHERE a.id = old.article_id);
        END""",
    "revision_counts_trivial": """AFTER UPDATE OF trivial ON revisions
        WHEN old.trivial IS NOT new.trivial BEGIN
          UPDATE revision_counts SET trivial = trivial + new.trivial - old.trivial
          WHERE day = {new_day} AND source_id =
            (SELECT coalesce(a.source_id, 0) FROM articles a WHERE a.id = new.article_id);
        END""",
    "revision_counts_article_gone": """BEFORE DELETE ON articles BEGIN
          DELETE FROM revisions WHERE article_id = old.id;
        END""",
    "revision_counts_article_moved": """AFTER UPDATE OF source_id ON articles
        WHEN old.source_id IS NOT new.source_id BEGIN
          UPDATE revision_counts SET
            revisions = revisions - (SELECT count(*) FROM revisions r
                                     WHERE r.article_id = old.id AND {r_day} = revision_counts.day),
            trivial = trivial - (SELECT coalesce(sum(r.trivial), 0) FROM revisions r
                                 WHERE r.article_id = old.id AND {r_day} = revision_counts.day)
          WHERE source_id = coalesce(old.source_id, 0)
            AND day IN (SELECT {r_day} FROM revisions r WHERE r.article_id = old.id);
          INSERT INTO revision_counts (source_id, day, revisions, trivial)
          SELECT coalesce(new.source_id, 0), {r_day}, count(*), sum(r.trivial)
          FROM revisions r WHERE r.article_id = new.id GROUP BY 2
          ON CONFLICT (source_id, day) DO UPDATE SET
            revisions = revisions + excluded.revisions, trivial = trivial + excluded.trivial;
        END""",
}


GOOD = "('new_version', 'unchanged', 'not_modified')"  # tracker.store.models.GOOD_OUTCOMES
PG_HOUR = "(date_trunc('hour', {row}.started_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
SQLITE_HOUR = "strftime('%Y-%m-%d %H:00:00.000000', {row}.started_at)"
CHECK_COUNT = """
    INSERT INTO check_counts (source_id, hour, good, total)
    SELECT coalesce(a.source_id, 0), {hour}, CASE WHEN {row}.outcome IN {good} THEN 1 ELSE 0 END, 1
    FROM articles a WHERE a.id = {row}.article_id
    ON CONFLICT (source_id, hour) DO UPDATE SET
      good = check_counts.good + excluded.good, total = check_counts.total + 1;
"""


def _check_counts(postgres: bool) -> None:
    """Checks counted per source and hour as they are inserted (never taken away)."""
    op.create_table(
        "check_counts",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("hour", sa.DateTime(timezone=True), nullable=False),
        sa.Column("good", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "hour", name="pk_check_counts"),
    )
    row = "NEW" if postgres else "new"
    hour = (PG_HOUR if postgres else SQLITE_HOUR).format(row=row)
    body = CHECK_COUNT.format(hour=hour, row=row, good=GOOD)
    if postgres:
        function = f"RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
        op.execute(f"CREATE FUNCTION check_counts_add() {function}")
        each = "FOR EACH ROW EXECUTE FUNCTION check_counts_add()"
        op.execute(f"CREATE TRIGGER check_counts_add AFTER INSERT ON checks {each}")
    else:
        op.execute(f"CREATE TRIGGER check_counts_add AFTER INSERT ON checks BEGIN {body} END")
    hour = (PG_HOUR if postgres else SQLITE_HOUR).format(row="c")
    op.execute(
        "INSERT INTO check_counts (source_id, hour, good, total) "
        f"SELECT coalesce(a.source_id, 0), {hour}, sum(CASE WHEN c.outcome IN {GOOD} THEN 1 ELSE 0 END), "
        "count(*) "
        "FROM checks c JOIN articles a ON a.id = c.article_id GROUP BY 1, 2"
    )


def _days(day: str) -> dict[str, str]:
    return {"new_day": day.format(row="new"), "old_day": day.format(row="old"), "r_day": day.format(row="r")}


PG_DOCUMENT = "to_tsvector('simple', coalesce(headline, '') || ' ' || body)"


def upgrade() -> None:
    op.create_table(
        "revision_counts",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("trivial", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "day", name="pk_revision_counts"),
    )
    if op.get_bind().dialect.name == "sqlite":
        days = _days(SQLITE_DAY)
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body.format(**days)}")
        day = SQLITE_DAY.format(row="r")
        trivial = "sum(r.trivial)"
    else:
        days = {**_days(PG_DAY), "r_day": "((detected_at AT TIME ZONE 'UTC')::date)"}
        for name, body in PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ {body.format(**days)} $$"
            )
            op.execute(f"CREATE TRIGGER {name} {PG_TRIGGERS[name]} EXECUTE FUNCTION {name}()")
        day = PG_DAY.format(row="r")
        trivial = "sum(r.trivial::int)"
        document = f"tsvector GENERATED ALWAYS AS (strip({PG_DOCUMENT})) STORED"
        op.execute(f"ALTER TABLE versions ADD COLUMN search_document {document}")
        op.execute("DROP INDEX ix_versions_search")
        op.execute("CREATE INDEX ix_versions_search_document ON versions USING gin (search_document)")
        op.execute("ANALYZE versions")
    _check_counts(op.get_bind().dialect.name != "sqlite")
    # `status`: paused stories counted, and the week's template changes, without a scan
    op.create_index(
        "ix_articles_paused_at", "articles", ["paused_at"],
        postgresql_where=sa.text("paused_at IS NOT NULL"), sqlite_where=sa.text("paused_at IS NOT NULL"),
    )  # fmt: skip
    op.create_index("ix_events_kind_at", "events", ["kind", "at"])
    op.execute(
        "INSERT INTO revision_counts (source_id, day, revisions, trivial) "
        f"SELECT coalesce(a.source_id, 0), {day}, count(*), {trivial} "
        "FROM revisions r JOIN articles a ON a.id = r.article_id GROUP BY 1, 2"
    )


def downgrade() -> None:
    op.drop_index("ix_events_kind_at", table_name="events")
    op.drop_index("ix_articles_paused_at", table_name="articles")
    postgres = op.get_bind().dialect.name != "sqlite"
    for name, where in PG_TRIGGERS.items():
        table = where.split(" ON ")[1].split()[0]
        op.execute(f"DROP TRIGGER {name} ON {table}" if postgres else f"DROP TRIGGER {name}")
        if postgres:
            op.execute(f"DROP FUNCTION {name}()")
    if postgres:
        op.execute("DROP INDEX ix_versions_search_document")
        op.execute("ALTER TABLE versions DROP COLUMN search_document")
        op.execute(f"CREATE INDEX ix_versions_search ON versions USING gin ({PG_DOCUMENT})")
    op.drop_table("revision_counts")
    op.execute("DROP TRIGGER check_counts_add ON checks" if postgres else "DROP TRIGGER check_counts_add")
    if postgres:
        op.execute("DROP FUNCTION check_counts_add()")
    op.drop_table("check_counts")
