"""The watch list: indexes for its orders (last changed, last checked, next check,
first seen), so a page of 50 of a million articles is read without sorting them all;
and revisions per day (the sources page) counted from an index alone.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("last_changed_at", "last_checked_at", "next_check_at", "first_seen_at")


def upgrade() -> None:
    for column in COLUMNS:
        op.create_index(f"ix_articles_{column}", "articles", [column])
    op.create_index(
        "ix_revisions_detected_at_trivial_article_id", "revisions", ["detected_at", "trivial", "article_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_revisions_detected_at_trivial_article_id", table_name="revisions")
    for column in COLUMNS:
        op.drop_index(f"ix_articles_{column}", table_name="articles")
