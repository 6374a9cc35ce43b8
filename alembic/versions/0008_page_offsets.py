"""The page's own UTC offsets beside a version's published and updated instants (minutes
east of UTC, null when the page does not declare them): the page's own calendar day is
then known, where the UTC instant falls on another day (issue 22).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("published_offset", "updated_offset")


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        for column in COLUMNS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
