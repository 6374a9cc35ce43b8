"""Full-text search over headlines and bodies: SQLite FTS5 on the embedded database,
PostgreSQL full-text search (a GIN index, `websearch_to_tsquery`) on PostgreSQL.

A result is an article, newest first, shown with its newest matching version and a
snippet of it: on a news archive, where a common word matches most of it, ranking
every match by relevance costs seconds. Matches are looked for in the newest stories
first, then further back (`WINDOWS`), and only the rows shown get a snippet: a common
word is answered from the newest few hundred, a rare one through the index from the
whole history.

- SQLite indexes every version (FTS5, migration 0005): an article comes in the order of
  its newest matching version.
- PostgreSQL indexes every story (`article_search`, migration 0018: the words of all its
  versions and its newest version's id): an article comes in the order of its newest
  version, and which version matched is found among that story's few versions for the
  rows shown (for a query of several words, for every row: a story whose words are all
  there but never in one version does not match). The two orders differ only for a
  story whose last versions lost the words.

Snippets mark matches with control characters, which `snippet_html` turns into
`<mark>` after escaping the text around them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session

from tracker.store.models import Version

_START, _STOP = "\x02", "\x03"
_WORD = re.compile(r"\w+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x01\x04-\x1f]")

# the newest matches first, in windows of version ids going back (the newest
# `WINDOWS[0]` versions, then the next ...; PostgreSQL: the stories whose newest version
# is among them): a common word fills a page in the first window without the index
# listing every match, and a rare one is looked for in the whole history through the
# index alone (FTS5; PostgreSQL: `ix_article_search_document`, GIN)
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
    SELECT s.newest AS id, s.article_id FROM article_search s
    WHERE s.document @@ websearch_to_tsquery('simple', :query) AND s.newest > :floor AND s.newest <= :ceiling
    ORDER BY s.newest DESC
    LIMIT :limit
    """
)
# each story's newest version that has every word (PostgreSQL: its document says the
# story has them, not which version), its versions read newest first until one has them:
# most often the newest, one parse a story
_POSTGRES_MATCHING = text(
    """
    SELECT a.id AS article_id, m.id FROM articles a
    CROSS JOIN LATERAL (
        SELECT v.id FROM versions v
        WHERE v.article_id = a.id
          AND to_tsvector('simple', coalesce(v.headline, '') || ' ' || v.body)
              @@ websearch_to_tsquery('simple', :query)
        ORDER BY v.number DESC
        LIMIT 1
    ) m
    WHERE a.id IN :articles
    """
).bindparams(bindparam("articles", expanding=True))
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
    """Articles whose headline or body (in one version) has every word of `query`, one
    row per article with its newest matching version, newest first; `windows`: how many
    of the newest versions (SQLite) or stories by their newest version (PostgreSQL) to
    look in first, then (the last window) before them all."""
    words = _WORD.findall(_CONTROL.sub(" ", query))
    if not words:
        return []
    wanted = offset + limit
    if session.get_bind().dialect.name == "sqlite":
        shown, terms = _SQLITE_SHOWN, " ".join('"' + w.replace('"', '""') + '"' for w in words)
        # a page of hits: versions, several of one story
        pairs = _newest_matches(session, _SQLITE_HITS, terms, wanted, windows, wanted * 8)[offset:wanted]
    else:
        shown, terms = _POSTGRES_SHOWN, " ".join(words)
        several = len(words) > 1  # a story may have them all, never in one version
        confirm = _matching_versions if several else None  # a page of hits: stories, one each
        pairs = _newest_matches(session, _POSTGRES_HITS, terms, wanted, windows, wanted + 8, confirm)[
            offset:wanted
        ]
        if pairs and not several:
            matched = _matching_versions(session, terms, [article for article, _ in pairs])
            pairs = [(article, matched[article]) for article, _ in pairs if article in matched]
    newest = [version for _, version in pairs]
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


Confirm = Callable[[Session, str, list[int]], dict[int, int]]


def _newest_matches(
    session: Session,
    hits: Any,
    terms: str,
    wanted: int,
    windows: tuple[int, ...],
    page: int,
    confirm: Confirm | None = None,
) -> list[tuple[int, int]]:
    """Each matching article with the id of a version of it (the newest matching one on
    SQLite, its newest on PostgreSQL), newest first, up to `wanted` articles: window
    after window going back (`windows`), each read in pages of `page` hits going down;
    `confirm`, if given, keeps the articles that match and says by which version."""
    top = session.scalar(select(func.max(Version.id))) or 0
    found: dict[int, int] = {}
    ceiling = top
    for size in (*windows, None):
        floor = 0 if size is None else max(top - size, 0)
        while ceiling > floor:
            window = {"query": terms, "floor": floor, "ceiling": ceiling, "limit": page}
            rows = session.execute(hits, window).all()
            for article, version in _confirmed(session, terms, rows, found, wanted, confirm):
                found.setdefault(article, version)
                if len(found) >= wanted:
                    return list(found.items())
            ceiling = rows[-1].id if len(rows) == page else floor
    return list(found.items())


def _confirmed(
    session: Session,
    terms: str,
    rows: Sequence[Any],
    found: dict[int, int],
    wanted: int,
    confirm: Confirm | None,
) -> Iterator[tuple[int, int]]:
    """A page of hits as (article, version), in order; through `confirm` a few at a
    time, as many as are still wanted, so that a page's every story is not read."""
    if confirm is None:
        yield from ((row.article_id, row.id) for row in rows)
        return
    fresh = [row.article_id for row in rows if row.article_id not in found]
    step = max(wanted - len(found), 8)
    for start in range(0, len(fresh), step):
        chunk = fresh[start : start + step]
        matched = confirm(session, terms, chunk)
        yield from ((article, matched[article]) for article in chunk if article in matched)


def _matching_versions(session: Session, terms: str, articles: list[int]) -> dict[int, int]:
    """PostgreSQL: each of these stories' newest version with every word of `terms`."""
    rows = session.execute(_POSTGRES_MATCHING, {"query": terms, "articles": articles})
    return {int(article): int(version) for article, version in rows}


def snippet_html(snippet: str) -> Markup:
    """A snippet as safe HTML: the text escaped, the matches in `<mark>`."""
    escaped = str(escape(_CONTROL.sub(" ", snippet)))
    return Markup(escaped.replace(_START, "<mark>").replace(_STOP, "</mark>"))


def snippet_text(snippet: str) -> str:
    """A snippet as plain text, for JSON."""
    return _CONTROL.sub(" ", snippet).replace(_START, "").replace(_STOP, "")
