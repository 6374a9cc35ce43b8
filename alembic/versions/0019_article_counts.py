"""Answers independent of the number of stories: articles counted per source and status
as they are written (`article_counts`), so that the watch list's total, the sources
page's stories and `status`'s articles by state read a few dozen kept counts instead of
counting every article (backfilled from the articles there are); the watch list's orders
indexed with the id that breaks their ties, so that a page after a cursor (the last
row's value and id) is found where it is, as cheaply deep in the list as on its first
page; and the failing stories indexed apart (a few among many: the watch list's
"failing only" and `tracker articles --failing` find and count them without a scan).

The counts are kept by triggers, on SQLite and PostgreSQL alike, the way 0016 keeps
the revisions' (every path that writes articles keeps them: discovery, an import, a
check that finds a story gone, retiring, `remove`, a purge, a join of two histories, a
source dropped, whose stories lose it):
- an article inserted adds one to its source (0: none) and status, one deleted takes
  one away;
- an article whose source or status changes moves from the one count to the other.
A count row is written by every story of its source and status inserted: in one
transaction, its versions pile up until the commit, so tens of thousands of one source's
stories inserted at once cost more each (discovery commits every 500 entries; the
backfill here is one statement, not a trigger's).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADD = """
    INSERT INTO article_counts (source_id, status, articles)
    VALUES (coalesce({row}.source_id, 0), {row}.status, 1)
    ON CONFLICT (source_id, status) DO UPDATE SET articles = article_counts.articles + 1;
"""
REMOVE = """
    UPDATE article_counts SET articles = articles - 1
    WHERE source_id = coalesce({row}.source_id, 0) AND status = {row}.status;
"""
TRIGGERS = {
    "article_counts_add": ("AFTER INSERT ON articles", ADD.format(row="new")),
    "article_counts_remove": ("AFTER DELETE ON articles", REMOVE.format(row="old")),
    "article_counts_moved": (
        "AFTER UPDATE OF source_id, status ON articles",
        REMOVE.format(row="old") + ADD.format(row="new"),
    ),
}
PG_MOVED = "WHEN (OLD.source_id IS DISTINCT FROM NEW.source_id OR OLD.status IS DISTINCT FROM NEW.status)"
SQLITE_MOVED = "WHEN old.source_id IS NOT new.source_id OR old.status IS NOT new.status"

# the watch list's orders (tracker.read.watch.SORTS): each column with the id after it
ORDERS = ("last_changed_at", "last_checked_at", "next_check_at", "first_seen_at")
FAILING = "consecutive_failures > 0"


def _triggers(postgres: bool) -> None:
    for name, (when, body) in TRIGGERS.items():
        moved = name == "article_counts_moved"
        if postgres:
            function = f"RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$"
            op.execute(f"CREATE FUNCTION {name}() {function}")
            condition = PG_MOVED if moved else ""
            op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW {condition} EXECUTE FUNCTION {name}()")
        else:
            condition = SQLITE_MOVED if moved else ""
            op.execute(f"CREATE TRIGGER {name} {when} {condition} BEGIN {body} END")


def upgrade() -> None:
    op.create_table(
        "article_counts",
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source_id", "status", name="pk_article_counts"),
    )
    _triggers(op.get_bind().dialect.name != "sqlite")
    op.execute(
        "INSERT INTO article_counts (source_id, status, articles) "
        "SELECT coalesce(source_id, 0), status, count(*) FROM articles GROUP BY 1, 2"
    )
    for column in ORDERS:
        op.drop_index(f"ix_articles_{column}", table_name="articles")
        op.create_index(f"ix_articles_{column}_id", "articles", [column, "id"])
    where = sa.text(FAILING)
    op.create_index(
        "ix_articles_failing",
        "articles",
        ["consecutive_failures"],
        postgresql_where=where,
        sqlite_where=where,
    )


def downgrade() -> None:
    op.drop_index("ix_articles_failing", table_name="articles")
    for column in ORDERS:
        op.drop_index(f"ix_articles_{column}_id", table_name="articles")
        op.create_index(f"ix_articles_{column}", "articles", [column])
    postgres = op.get_bind().dialect.name != "sqlite"
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON articles" if postgres else f"DROP TRIGGER {name}")
        if postgres:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("article_counts")
