"""Initial schema: sources, endpoints, articles, aliases, checks, versions, revisions.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sources",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sources"),
        sa.UniqueConstraint("name", name="uq_sources_name"),
    )
    op.create_table(
        "source_endpoints",
        sa.Column("id", sa.Integer()),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("last_polled_at", UTC_TIME),
        sa.Column("next_poll_at", UTC_TIME),
        sa.Column("last_error", sa.Text()),
        sa.PrimaryKeyConstraint("id", name="pk_source_endpoints"),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name="fk_source_endpoints_source_id_sources",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("source_id", "url", name="uq_source_endpoints_source_id"),
    )
    op.create_table(
        "articles",
        sa.Column("id", sa.Integer()),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("source_id", sa.Integer()),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("listed_published_at", UTC_TIME),
        sa.Column("next_check_at", UTC_TIME),
        sa.Column("last_checked_at", UTC_TIME),
        sa.Column("last_changed_at", UTC_TIME),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("etag", sa.Text()),
        sa.Column("last_modified", sa.Text()),
        sa.Column("lease_owner", sa.String(200)),
        sa.Column("lease_until", UTC_TIME),
        sa.PrimaryKeyConstraint("id", name="pk_articles"),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name="fk_articles_source_id_sources", ondelete="SET NULL"
        ),
        sa.UniqueConstraint("url", name="uq_articles_url"),
    )
    op.create_index("ix_articles_source_id", "articles", ["source_id"])
    op.create_index("ix_articles_status_next_check_at", "articles", ["status", "next_check_at"])
    op.create_table(
        "article_urls",
        sa.Column("id", sa.Integer()),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("first_seen_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_article_urls"),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name="fk_article_urls_article_id_articles",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("url", name="uq_article_urls_url"),
    )
    op.create_index("ix_article_urls_article_id", "article_urls", ["article_id"])
    op.create_table(
        "checks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite")),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_TIME, nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer()),
        sa.Column("error_kind", sa.String(32)),
        sa.Column("error_message", sa.Text()),
        sa.Column("bytes", sa.Integer()),
        sa.Column("final_url", sa.Text()),
        sa.Column("version_number", sa.Integer()),
        sa.PrimaryKeyConstraint("id", name="pk_checks"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_checks_article_id_articles", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_checks_article_id_started_at", "checks", ["article_id", "started_at"])
    op.create_index("ix_checks_started_at", "checks", ["started_at"])
    op.create_table(
        "versions",
        sa.Column("id", sa.Integer()),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("fetched_at", UTC_TIME, nullable=False),
        sa.Column("headline", sa.Text()),
        sa.Column("byline", sa.Text()),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", UTC_TIME),
        sa.Column("updated_at", UTC_TIME),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("raw_html", sa.LargeBinary()),
        sa.PrimaryKeyConstraint("id", name="pk_versions"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_versions_article_id_articles", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("article_id", "number", name="uq_versions_article_id"),
    )
    op.create_table(
        "revisions",
        sa.Column("id", sa.Integer()),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("from_number", sa.Integer(), nullable=False),
        sa.Column("to_number", sa.Integer(), nullable=False),
        sa.Column("detected_at", UTC_TIME, nullable=False),
        sa.Column("changed", sa.JSON(), nullable=False),
        sa.Column("field_changes", sa.JSON(), nullable=False),
        sa.Column("body_diff", sa.JSON(), nullable=False),
        sa.Column("stats", sa.JSON(), nullable=False),
        sa.Column("trivial", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_revisions"),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name="fk_revisions_article_id_articles", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["article_id", "from_number"],
            ["versions.article_id", "versions.number"],
            name="fk_revisions_from_version",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["article_id", "to_number"],
            ["versions.article_id", "versions.number"],
            name="fk_revisions_to_version",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("article_id", "to_number", name="uq_revisions_article_id"),
    )
    op.create_index("ix_revisions_detected_at", "revisions", ["detected_at"])


def downgrade() -> None:
    for table in (
        "revisions",
        "versions",
        "checks",
        "article_urls",
        "articles",
        "source_endpoints",
        "sources",
    ):
        op.drop_table(table)
