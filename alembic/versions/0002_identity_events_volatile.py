"""Article keys (identity beyond URLs), events (gone, restored, merged), learned volatile
text per host, and revision kinds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("kinds", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("revisions") as batch:
        batch.alter_column("kinds", server_default=None)
    op.create_table(
        "article_keys",
        sa.Column("id", sa.Integer()),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_keys"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_article_keys_article_id_articles", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("key", name="uq_article_keys_key"),
    )
    op.create_index("ix_article_keys_article_id", "article_keys", ["article_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer()),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_events_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_events_article_id_at", "events", ["article_id", "at"])
    op.create_table(
        "volatile_texts",
        sa.Column("id", sa.Integer()),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("shape_hash", sa.String(64), nullable=False),
        sa.Column("shape", sa.Text(), nullable=False),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_volatile_texts"),
        sa.UniqueConstraint("host", "shape_hash", name="uq_volatile_texts_host"),
    )


def downgrade() -> None:
    op.drop_table("volatile_texts")
    op.drop_table("events")
    op.drop_table("article_keys")
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("kinds")
