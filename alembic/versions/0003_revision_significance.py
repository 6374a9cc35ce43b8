"""Revision significance (0 to 1), for `tracker changes --min-significance`.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("significance", sa.Float(), nullable=False, server_default="0"))
    with op.batch_alter_table("revisions") as batch:
        batch.alter_column("significance", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("significance")
