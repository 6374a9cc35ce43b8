"""Generations of a history: when `tracker reextract` derives an article's history
again from its captures, the versions and revisions it replaces are kept whole (JSON
rows) in `superseded_versions` and `superseded_revisions` under a generation number,
hidden from every reader of the live tables.

On SQLite, `revisions` is rebuilt with AUTOINCREMENT: a re-derivation deletes the
revisions of false versions, and SQLite would give their ids (the highest ones) to
the next revisions, which a notification destination's cursor
(`webhooks.last_revision_id`) has passed already: they would never be sent.
PostgreSQL's sequences never go back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kept(name: str, *columns: sa.Column) -> None:  # type: ignore[type-arg]
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        *columns,
        sa.Column("row", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f(f"fk_{name}_article_id_articles"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
    )
    op.create_index(f"ix_{name}_article_id_generation", name, ["article_id", "generation"])


def upgrade() -> None:
    _kept(
        "superseded_versions",
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
    )
    _kept(
        "superseded_revisions",
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("from_number", sa.Integer(), nullable=False),
        sa.Column("to_number", sa.Integer(), nullable=False),
    )

    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(
            "revisions", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("revisions", recreate="always"):
            pass
    for name in ("superseded_revisions", "superseded_versions"):
        op.drop_index(f"ix_{name}_article_id_generation", table_name=name)
        op.drop_table(name)
