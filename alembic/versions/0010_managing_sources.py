"""Managing what is watched: the config is the truth for sources (a source taken out of
it is kept, marked no longer configured, and no longer polled), sources and stories
paused by the operator, and each endpoint's failures in a row since when (a dead feed
in plain sight, warned once a day).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("configured", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("unconfigured_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    # a source with no endpoint was made by hand (`tracker add --source`, `manual`), not by
    # the config; the next sync marks the config's own sources configured again
    endpoints = sa.table("source_endpoints", sa.column("source_id", sa.Integer()))
    sources = sa.table("sources", sa.column("id", sa.Integer()), sa.column("configured", sa.Boolean()))
    op.get_bind().execute(
        sa.update(sources).where(~sources.c.id.in_(sa.select(endpoints.c.source_id))).values(configured=False)
    )
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("source_endpoints") as batch:
        batch.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failures", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("warned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("source_endpoints") as batch:
        batch.drop_column("warned_at")
        batch.drop_column("failures")
        batch.drop_column("failing_since")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("paused_at")
    with op.batch_alter_table("sources") as batch:
        batch.drop_column("paused_at")
        batch.drop_column("unconfigured_at")
        batch.drop_column("configured")
