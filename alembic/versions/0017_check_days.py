"""Checks kept for a window, then as daily counts: `check_days` (per story, UTC day and
outcome: checks, bytes, time), filled by the storage job as it folds old checks
(`database.checks_kept`, `tracker.store.check_days`).

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "check_days",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("checks", sa.Integer(), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_check_days_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "day", "outcome", name=op.f("pk_check_days")),
    )
    op.create_index(op.f("ix_check_days_day"), "check_days", ["day"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_check_days_day"), table_name="check_days")
    op.drop_table("check_days")
