"""Full-text search over headlines and bodies: SQLite FTS5 on the embedded database,
PostgreSQL full-text search (a GIN index, `websearch_to_tsquery`) on PostgreSQL.

The index covers every stored version; a result is an article, newest first (by
its newest matching version, shown with a snippet): on a news archive, where a
common word matches most of it, ranking every match by relevance costs seconds.
Snippets mark matches with control characters, which `snippet_html` turns into
`<mark>` after escaping the text around them.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import text
from sqlalchemy.orm import Session

_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x01\x04-\x1f]")

_SQLITE = text(
    """
    SELECT v.article_id, v.number, v.headline, a.url, s.name AS source,
           snippet(versions_fts, 1, char(2), char(3), '…', 24) AS snippet
    FROM versions_fts
    JOIN versions v ON v.id = versions_fts.rowid
    JOIN articles a ON a.id = v.article_id
    LEFT JOIN sources s ON s.id = a.source_id
    WHERE versions_fts MATCH :query
    ORDER BY versions_fts.rowid DESC
    LIMIT :limit
    """
)
_POSTGRES = text(
    """
    SELECT v.article_id, v.number, v.headline, a.url, s.name AS source,
           ts_headline('simple', v.body, q, 'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                       || ', MaxWords=30, MinWords=12') AS snippet
    FROM versions v
    CROSS JOIN websearch_to_tsquery('simple', :query) q
    JOIN articles a ON a.id = v.article_id
    LEFT JOIN sources s ON s.id = a.source_id
    WHERE to_tsvector('simple', coalesce(v.headline, '') || ' ' || v.body) @@ q
    ORDER BY v.id DESC
    LIMIT :limit
    """
)


def search(session: Session, query: str, *, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
    """Articles whose headline or body (any version) matches every word of `query`, one
    row per article with its newest matching version, newest first."""
    words = _WORD.findall(_CONTROL.sub(" ", query))
    if not words:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        statement, terms = _SQLITE, " ".join('"' + word.replace('"', '""') + '"' for word in words)
    else:
        statement, terms = _POSTGRES, " ".join(words)
    wanted = offset + limit
    seen: dict[int, dict[str, Any]] = {}
    rows = session.execute(statement, {"query": terms, "limit": wanted * 8}).mappings()
    for row in rows:
        if row["article_id"] not in seen:
            seen[row["article_id"]] = {
                "article_id": row["article_id"],
                "url": row["url"],
                "source": row["source"],
                "version": row["number"],
                "headline": row["headline"],
                "snippet": row["snippet"] or "",
            }
        if len(seen) >= wanted:
            break
    return list(seen.values())[offset:wanted]


def snippet_html(snippet: str) -> Markup:
    """A snippet as safe HTML: the text escaped, the matches in `<mark>`."""
    escaped = str(escape(_CONTROL.sub(" ", snippet)))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))


def snippet_text(snippet: str) -> str:
    """A snippet as plain text, for JSON."""
    return _CONTROL.sub(" ", snippet).replace(_START, "").replace(_STOP, "")
