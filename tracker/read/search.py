"""Full-text search over headlines and bodies: SQLite FTS5 on the embedded database,
PostgreSQL full-text search (a GIN index, `websearch_to_tsquery`) on PostgreSQL.

The index covers every stored version (on PostgreSQL, the `search_document` column
each version's row keeps, migration 0016); a result is an article, newest first (by
its newest matching version, shown with a snippet): on a news archive, where a
common word matches most of it, ranking every match by relevance costs seconds.
Matches are looked for in the newest versions first, then further back (`WINDOWS`),
and only the rows shown get a snippet: a common word is answered from the newest few
hundred versions, a rare one through the index from the whole history.
Snippets mark matches with control characters, which `snippet_html` turns into
`<mark>` after escaping the text around them.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from tracker.store.models import Version

_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x01\x04-\x1f]")

# the newest matching versions first, in windows of ids going back (the newest
# `WINDOWS[0]` versions, then the next ...): a common word fills a page in the first
# window without the index listing every version it is in, and a rare one is looked for
# in the whole history through the index alone (`ix_versions_search_document`, GIN)
WINDOWS = (50_000, 500_000)
_SQLITE_HITS = text(
    """
    SELECT versions_fts.rowid AS id, v.article_id FROM versions_fts
    JOIN versions v ON v.id = versions_fts.rowid
    WHERE versions_fts MATCH :query AND versions_fts.rowid > :floor AND versions_fts.rowid <= :ceiling
    ORDER BY versions_fts.rowid DESC
    LIMIT :limit
    """
)
_POSTGRES_HITS = text(
    """
    SELECT v.id, v.article_id FROM versions v
    WHERE v.search_document @@ websearch_to_tsquery('simple', :query) AND v.id > :floor AND v.id <= :ceiling
    ORDER BY v.id DESC
    LIMIT :limit
    """
)
# then the rows shown, and only theirs, with a snippet
_SQLITE_SHOWN = text(
    """
    SELECT v.id, v.article_id, v.number, v.headline, a.url, s.name AS source,
           snippet(versions_fts, 1, char(2), char(3), '…', 24) AS snippet
    FROM versions_fts
    JOIN versions v ON v.id = versions_fts.rowid
    JOIN articles a ON a.id = v.article_id
    LEFT JOIN sources s ON s.id = a.source_id
    WHERE versions_fts MATCH :query AND versions_fts.rowid IN :ids
    """
).bindparams(bindparam("ids", expanding=True))
_POSTGRES_SHOWN = text(
    """
    SELECT v.id, v.article_id, v.number, v.headline, a.url, s.name AS source,
           ts_headline('simple', v.body, websearch_to_tsquery('simple', :query),
                       'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                       || ', MaxWords=30, MinWords=12') AS snippet
    FROM versions v
    JOIN articles a ON a.id = v.article_id
    LEFT JOIN sources s ON s.id = a.source_id
    WHERE v.id IN :ids
    """
).bindparams(bindparam("ids", expanding=True))


def search(
    session: Session, query: str, *, limit: int = 50, offset: int = 0, windows: tuple[int, ...] = WINDOWS
) -> list[dict[str, Any]]:
    """Articles whose headline or body (any version) matches every word of `query`, one
    row per article with its newest matching version, newest first; `windows`: how many
    of the newest versions to look in first, then (the last window) before them all."""
    words = _WORD.findall(_CONTROL.sub(" ", query))
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        hits, shown, terms = (
            _SQLITE_HITS,
            _SQLITE_SHOWN,
            " ".join('"' + w.replace('"', '""') + '"' for w in words),
        )
    else:
        hits, shown, terms = _POSTGRES_HITS, _POSTGRES_SHOWN, " ".join(words)
    wanted = offset + limit
    newest = _newest_matches(session, hits, terms, wanted, windows)[offset:wanted]
    if not newest:
        return []
    rows = {row["id"]: row for row in session.execute(shown, {"query": terms, "ids": newest}).mappings()}
    return [
        {
            "article_id": rows[version]["article_id"],
            "url": rows[version]["url"],
            "source": rows[version]["source"],
            "version": rows[version]["number"],
            "headline": rows[version]["headline"],
            "snippet": rows[version]["snippet"] or "",
        }
        for version in newest
        if version in rows
    ]


def _newest_matches(
    session: Session, hits: Any, terms: str, wanted: int, windows: tuple[int, ...]
) -> list[int]:
    """The id of each matching article's newest matching version, newest first, up to
    `wanted` articles: window after window of versions going back (`windows`), each
    read in pages of ids going down."""
    top = session.scalar(select(func.max(Version.id))) or 0
    found: dict[int, int] = {}
    ceiling, page = top, wanted * 8
    for size in (*windows, None):
        floor = 0 if size is None else max(top - size, 0)
        while ceiling > floor:
            window = {"query": terms, "floor": floor, "ceiling": ceiling, "limit": page}
            rows = session.execute(hits, window).all()
            for row in rows:
                found.setdefault(row.article_id, row.id)
                if len(found) >= wanted:
                    return list(found.values())
            ceiling = rows[-1].id if len(rows) == page else floor
    return list(found.values())


def snippet_html(snippet: str) -> Markup:
    """A snippet as safe HTML: the text escaped, the matches in `<mark>`."""
    escaped = str(escape(_CONTROL.sub(" ", snippet)))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))


def snippet_text(snippet: str) -> str:
    """A snippet as plain text, for JSON."""
    return _CONTROL.sub(" ", snippet).replace(_START, "").replace(_STOP, "")
