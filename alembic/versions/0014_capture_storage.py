"""Capture storage: the indexes the storage job reads by (`tracker.store.retention`):
a key's deltas (`base_id`), a host's keys waiting for a dictionary (`codec`), and the
captures that still hold a body, by age (partial: the pruned ones are never read again;
the model names only SQLite's predicate, as a `postgresql_where` there would load that
dialect whenever tracker starts).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEPT = sa.text("body IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_captures_base_id", "captures", ["base_id"])
    op.create_index("ix_captures_codec", "captures", ["codec"])
    op.create_index("ix_captures_kept_at", "captures", ["at"], sqlite_where=KEPT, postgresql_where=KEPT)


def downgrade() -> None:
    op.drop_index("ix_captures_kept_at", table_name="captures")
    op.drop_index("ix_captures_codec", table_name="captures")
    op.drop_index("ix_captures_base_id", table_name="captures")
