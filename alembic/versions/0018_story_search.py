"""PostgreSQL's search index by story, not by version: `article_search` keeps, for each
article, the words of all its versions (one stripped `tsvector`, the union of theirs)
and its newest version's id, indexed by GIN; the per-version `search_document` of 0016
and its index go.

Why: at NewsEdits' size (1.28 million stories, 4.6 million versions) the per-version
document took 4.6 KB a version (21 GB) and its GIN index had 3.6 times the entries of
one by story: hours to build, and a database a third bigger. A search answers stories
(one row each, newest first), so the index is by story; which version matched, and the
snippet, are worked out for the rows shown only, from the few versions of each
(`tracker.read.search`). SQLite keeps FTS5 over versions (0005): its index stays small
at the sizes SQLite is for.

Kept by triggers, whatever path writes versions: a version inserted adds its words to
its story's document (the common path: one insert, no reparse of the others); a version
deleted, moved to another story or rewritten (a history derived again, joined, purged)
has its story's document made again from the versions left.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TEXT = "coalesce({row}headline, '') || ' ' || {row}body"
PG_DOCUMENT = f"to_tsvector('simple', {TEXT.format(row='')})"

FUNCTIONS = {
    "article_search_of": (
        "(story integer) RETURNS void LANGUAGE sql AS $$ "
        "DELETE FROM article_search WHERE article_id = story; "
        "INSERT INTO article_search (article_id, newest, document) "
        f"SELECT article_id, max(id), strip(to_tsvector('simple', string_agg({TEXT.format(row='')}, ' '))) "
        "FROM versions WHERE article_id = story GROUP BY article_id $$"
    ),
    "article_search_add": (
        "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "INSERT INTO article_search AS s (article_id, newest, document) "
        f"VALUES (NEW.article_id, NEW.id, strip(to_tsvector('simple', {TEXT.format(row='NEW.')}))) "
        "ON CONFLICT (article_id) DO UPDATE "
        "SET newest = greatest(s.newest, EXCLUDED.newest), document = s.document || EXCLUDED.document; "
        "RETURN NULL; END $$"
    ),
    "article_search_redo": (
        "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'UPDATE' AND NEW.article_id <> OLD.article_id THEN "
        "PERFORM article_search_of(NEW.article_id); END IF; "
        "PERFORM article_search_of(OLD.article_id); RETURN NULL; END $$"
    ),
}
TRIGGERS = {
    "article_search_add": "AFTER INSERT ON versions",
    "article_search_redo": "AFTER DELETE OR UPDATE OF article_id, headline, body ON versions",
}


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute(
        "CREATE TABLE article_search ("
        "article_id integer NOT NULL, newest integer NOT NULL, document tsvector NOT NULL, "
        "CONSTRAINT pk_article_search PRIMARY KEY (article_id), "
        "CONSTRAINT fk_article_search_article_id_articles FOREIGN KEY (article_id) "
        "REFERENCES articles (id) ON DELETE CASCADE)"
    )
    op.execute("DROP INDEX ix_versions_search_document")
    op.execute("ALTER TABLE versions DROP COLUMN search_document")
    op.execute(
        "INSERT INTO article_search (article_id, newest, document) "
        f"SELECT article_id, max(id), strip(to_tsvector('simple', string_agg({TEXT.format(row='')}, ' '))) "
        "FROM versions GROUP BY article_id"
    )
    op.execute("CREATE INDEX ix_article_search_document ON article_search USING gin (document)")
    op.execute("CREATE INDEX ix_article_search_newest ON article_search (newest)")
    for name, definition in FUNCTIONS.items():
        op.execute(f"CREATE FUNCTION {name}{definition}")
    for name, when in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} FOR EACH ROW EXECUTE FUNCTION {name}()")
    op.execute("ANALYZE article_search")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name} ON versions")
    for name in reversed(list(FUNCTIONS)):
        op.execute(f"DROP FUNCTION {name}")
    op.execute("DROP TABLE article_search")
    document = f"tsvector GENERATED ALWAYS AS (strip({PG_DOCUMENT})) STORED"
    op.execute(f"ALTER TABLE versions ADD COLUMN search_document {document}")
    op.execute("CREATE INDEX ix_versions_search_document ON versions USING gin (search_document)")
