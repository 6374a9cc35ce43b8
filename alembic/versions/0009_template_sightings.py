"""Template learning shared by every process: what each host's stories showed of its
template (a story's first version seen, a short line at a place of its body, a
revision that only gained or lost such a line), so a daemon, a cron of `run --once`
and several workers learn the same lines from the same counts
(tracker.core.furniture, tracker.store.templates).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "template_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("line", sa.String(length=255), nullable=False),
        sa.Column("place", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_sightings")),
        sa.UniqueConstraint(
            "host", "kind", "line", "place", "article_id", name=op.f("uq_template_sightings_host")
        ),
    )


def downgrade() -> None:
    op.drop_table("template_sightings")
