"""Headline tests: every headline a story served (per kind, `headline` or `social`:
when first and last seen, how often), the tests recognised from them, and the
settled-test data a revision carries (tracker.core.headline_tests).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "headline_sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_headline_sightings_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headline_sightings")),
        sa.UniqueConstraint("article_id", "kind", "text", name=op.f("uq_headline_sightings_article_id")),
    )
    op.create_table(
        "headline_tests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("variants", sa.JSON(), nullable=False),
        sa.Column("winner", sa.Text(), nullable=True),
        sa.Column("streak_text", sa.Text(), nullable=True),
        sa.Column("streak_checks", sa.Integer(), nullable=False),
        sa.Column("streak_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("streak_base", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_headline_tests_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_headline_tests")),
    )
    op.create_index(op.f("ix_headline_tests_article_id"), "headline_tests", ["article_id"])
    with op.batch_alter_table("revisions") as batch:
        batch.add_column(sa.Column("headline_test", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("revisions") as batch:
        batch.drop_column("headline_test")
    op.drop_index(op.f("ix_headline_tests_article_id"), table_name="headline_tests")
    op.drop_table("headline_tests")
    op.drop_table("headline_sightings")
