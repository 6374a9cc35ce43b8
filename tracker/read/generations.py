"""An article's generations: its live history and the earlier derivations that
`tracker reextract` replaced, kept hidden (`tracker.store.generations`)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.errors import NotFoundError
from tracker.read.shapes import iso
from tracker.store import generations
from tracker.store.generations import SupersededRevision, SupersededVersion
from tracker.store.models import Article, Revision, Version


def generations_of(session: Session, article: Article) -> dict[str, Any]:
    """Each generation of the article's history: when it was replaced (null: live) and
    how many versions and revisions it had."""
    kept = session.execute(
        select(SupersededVersion.generation, func.min(SupersededVersion.superseded_at), func.count())
        .where(SupersededVersion.article_id == article.id)
        .group_by(SupersededVersion.generation)
        .order_by(SupersededVersion.generation)
    ).all()
    revisions = dict(
        session.execute(
            select(SupersededRevision.generation, func.count())
            .where(SupersededRevision.article_id == article.id)
            .group_by(SupersededRevision.generation)
        ).all()
    )
    live = session.scalar(select(func.count()).select_from(Version).where(Version.article_id == article.id))
    live_revisions = session.scalar(
        select(func.count()).select_from(Revision).where(Revision.article_id == article.id)
    )
    rows = [
        {"generation": g, "superseded_at": iso(at), "versions": n, "revisions": revisions.get(g, 0)}
        for g, at, n in kept
    ]
    rows.append(
        {
            "generation": len(rows) + 1,
            "superseded_at": None,
            "versions": live,
            "revisions": live_revisions,
        }
    )
    return {
        "id": article.id,
        "url": article.url,
        "current": generations.current(session, article.id),
        "generations": rows,
    }


def generation(session: Session, article: Article, number: int) -> dict[str, Any]:
    """An earlier generation as it was: its versions (no bodies) and revisions."""
    versions = generations.kept_versions(session, article.id, number)
    if not versions:
        current = generations.current(session, article.id)
        raise NotFoundError(
            f"article {article.id} has no earlier generation {number} "
            f"(generations 1 to {current - 1} are kept; "
            f"{current} is the live history: tracker history {article.id})"
            if current > 1
            else f"article {article.id} has one generation, the live history: tracker history {article.id}"
        )
    return {
        "id": article.id,
        "url": article.url,
        "generation": number,
        "superseded_at": iso(versions[0].superseded_at),
        "versions": [_version(v.row) for v in versions],
        "revisions": [
            {
                "id": r.revision_id,
                "from": r.from_number,
                "to": r.to_number,
                "changed": r.row.get("changed", []),
            }
            for r in generations.kept_revisions(session, article.id, number)
        ],
    }


def _version(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "number",
        "fetched_at",
        "headline",
        "byline",
        "published_at",
        "updated_at",
        "content_hash",
        "extractor",
    )
    return {key: row.get(key) for key in keys}
