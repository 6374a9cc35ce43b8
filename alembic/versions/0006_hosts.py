"""Politeness at scale: each article's host, so that a batch claims per host no more
checks than the host can answer in time; and each host's next allowed start, so that
several daemons on one database together keep its delay (tracker.fetch.politeness).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from tracker.core.urls import host_of

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("host", sa.String(length=255), nullable=True))
    articles = sa.table(
        "articles", sa.column("id", sa.Integer()), sa.column("url", sa.Text()), sa.column("host")
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(articles.c.id, articles.c.url)).all()
    for article_id, url in rows:
        connection.execute(sa.update(articles).where(articles.c.id == article_id).values(host=host_of(url)))
    with op.batch_alter_table("articles") as batch:
        batch.alter_column("host", existing_type=sa.String(length=255), nullable=False)
        batch.create_index("ix_articles_host_next_check_at", ["host", "next_check_at"])
    op.create_table(
        "host_turns",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("next_start", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_host_turns")),
    )


def downgrade() -> None:
    op.drop_table("host_turns")
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_host_next_check_at")
        batch.drop_column("host")
