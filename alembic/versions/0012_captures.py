"""Captures: every fetch that became a version (and the fetch that confirmed it) kept
as an archive keeps it, its body compressed (zstd; dictionaries trained per host in
`capture_dictionaries`); and the extractor stamp a version carries. The HTML that
versions kept before (`versions.raw_html`, zlib) moves to `captures` as legacy rows
(codec `zlib-html`), and the column goes.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "capture_dictionaries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("trained_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("samples", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capture_dictionaries")),
    )
    op.create_index(op.f("ix_capture_dictionaries_host"), "capture_dictionaries", ["host"])
    op.create_table(
        "captures",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("redirects", sa.JSON(), nullable=False),
        sa.Column("request_headers", sa.JSON(), nullable=True),
        sa.Column("http_version", sa.String(length=16), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=True),
        sa.Column("response_headers", sa.JSON(), nullable=True),
        sa.Column("peer", sa.String(length=64), nullable=True),
        sa.Column("decoded", sa.String(length=64), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.Column("codec", sa.String(length=16), nullable=False),
        sa.Column("dictionary_id", sa.Integer(), nullable=True),
        sa.Column("base_id", BIG_ID, nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("warc", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], name=op.f("fk_captures_article_id_articles"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["dictionary_id"],
            ["capture_dictionaries.id"],
            name=op.f("fk_captures_dictionary_id_capture_dictionaries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captures")),
    )
    op.create_index("ix_captures_article_id_at", "captures", ["article_id", "at"])
    op.create_index("ix_captures_at", "captures", ["at"])
    op.add_column("versions", sa.Column("extractor", sa.JSON(), nullable=True))
    empty_list = "CAST('[]' AS JSON)" if op.get_bind().dialect.name == "postgresql" else "'[]'"
    op.execute(
        "INSERT INTO captures (article_id, version_number, role, at, url, redirects, status, codec, body) "
        f"SELECT v.article_id, v.number, 'version', v.fetched_at, a.url, {empty_list}, 200, 'zlib-html', "
        "v.raw_html FROM versions v JOIN articles a ON a.id = v.article_id WHERE v.raw_html IS NOT NULL "
        "ORDER BY v.id"
    )
    op.drop_column("versions", "raw_html")


def downgrade() -> None:
    op.add_column("versions", sa.Column("raw_html", sa.LargeBinary(), nullable=True))
    op.execute(
        "UPDATE versions SET raw_html = (SELECT c.body FROM captures c WHERE c.article_id = "
        "versions.article_id AND c.version_number = versions.number AND c.role = 'version' "
        "AND c.codec = 'zlib-html' ORDER BY c.id LIMIT 1)"
    )
    op.drop_column("versions", "extractor")
    op.drop_index("ix_captures_at", table_name="captures")
    op.drop_index("ix_captures_article_id_at", table_name="captures")
    op.drop_table("captures")
    op.drop_index(op.f("ix_capture_dictionaries_host"), table_name="capture_dictionaries")
    op.drop_table("capture_dictionaries")
