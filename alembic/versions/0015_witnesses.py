"""Witnesses: each new version of a source that names a witness destination is asked
of an archive (Save Page Now, a pywb collection in record mode) by the daemon's witness
job; `witnesses` is that job's queue and, once captured, where the memento is.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "witnesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("job_id", sa.String(length=200), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("memento_url", sa.Text(), nullable=True),
        sa.Column("memento_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"], ["versions.id"], name=op.f("fk_witnesses_version_id_versions"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witnesses")),
    )
    op.create_index(op.f("ix_witnesses_version_id"), "witnesses", ["version_id"])
    op.create_index(
        "ix_witnesses_destination_state_next_attempt_at",
        "witnesses",
        ["destination", "state", "next_attempt_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_witnesses_destination_state_next_attempt_at", table_name="witnesses")
    op.drop_index(op.f("ix_witnesses_version_id"), table_name="witnesses")
    op.drop_table("witnesses")
