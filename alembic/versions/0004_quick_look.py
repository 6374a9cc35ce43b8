"""The quick look: where an article's body lives on its page and the page's fingerprint,
so an unchanged page is recognised without extracting it again (tracker.extraction.glance).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("look_places", sa.Text(), nullable=True))
        batch.add_column(sa.Column("look_fingerprint", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("quick_checks", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("articles") as batch:
        batch.alter_column("quick_checks", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("quick_checks")
        batch.drop_column("look_fingerprint")
        batch.drop_column("look_places")
