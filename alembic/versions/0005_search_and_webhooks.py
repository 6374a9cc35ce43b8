"""Full-text search over versions (FTS5 on SQLite, a GIN index on PostgreSQL), and the
state of webhooks: the last revision each was sent, retries, deliveries for rate limits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)
PG_DOCUMENT = "to_tsvector('simple', coalesce(headline, '') || ' ' || body)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE versions_fts USING fts5(headline, body, content='versions', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER versions_fts_insert AFTER INSERT ON versions BEGIN "
            "INSERT INTO versions_fts(rowid, headline, body) VALUES (new.id, new.headline, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER versions_fts_delete AFTER DELETE ON versions BEGIN "
            "INSERT INTO versions_fts(versions_fts, rowid, headline, body) "
            "VALUES ('delete', old.id, old.headline, old.body); END"
        )
        op.execute("INSERT INTO versions_fts(versions_fts) VALUES ('rebuild')")
    else:
        op.execute(f"CREATE INDEX ix_versions_search ON versions USING gin ({PG_DOCUMENT})")
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer()),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("last_revision_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTC_TIME, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(200), nullable=True),
        sa.Column("lease_until", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.UniqueConstraint("name", name="uq_webhooks_name"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer()),
        sa.Column("webhook_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(200), nullable=True),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("revisions", sa.Integer(), nullable=False),
        sa.Column("digest", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_deliveries"),
        sa.ForeignKeyConstraint(
            ["webhook_id"], ["webhooks.id"], name="fk_deliveries_webhook_id_webhooks", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_deliveries_webhook_id_source_at", "deliveries", ["webhook_id", "source", "at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_webhook_id_source_at", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("webhooks")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER versions_fts_delete")
        op.execute("DROP TRIGGER versions_fts_insert")
        op.execute("DROP TABLE versions_fts")
    else:
        op.execute("DROP INDEX ix_versions_search")
