"""An article's history: its versions and revisions, template marks on revisions, two
articles made one (a duplicate merged in, or two histories joined as
`tracker.core.joins` plans it), and a history derived again from its captures as
`tracker.core.rederive` plans it. Every function takes a Session and never commits."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.orm import Session

from tracker.core.joins import JoinPlan, plan_join
from tracker.core.normalize import Content, StoredContent
from tracker.core.rederive import Rederivation
from tracker.errors import NotFoundError
from tracker.store import headlines, witnesses
from tracker.store.models import (
    Article,
    ArticleKey,
    ArticleUrl,
    Capture,
    Check,
    Event,
    Revision,
    TemplateSighting,
    Version,
)
from tracker.store.repository import record_event

if TYPE_CHECKING:  # rapidfuzz is loaded by what compares, not by every reader of histories
    from tracker.core.diff import Changes

Compare = Callable[[StoredContent, StoredContent], "Changes"]


def latest_version_number(session: Session, article_id: int) -> int | None:
    return session.scalar(select(func.max(Version.number)).where(Version.article_id == article_id))


def latest_version(session: Session, article_id: int) -> Version | None:
    return session.scalar(
        select(Version).where(Version.article_id == article_id).order_by(Version.number.desc()).limit(1)
    )


def versions_of(session: Session, article_id: int) -> list[Version]:
    return list(
        session.scalars(select(Version).where(Version.article_id == article_id).order_by(Version.number))
    )


def version_numbered(session: Session, article_id: int, number: int) -> Version:
    version = session.scalar(
        select(Version).where(Version.article_id == article_id, Version.number == number)
    )
    if version is None:
        raise NotFoundError(f"article {article_id} has no version {number}")
    return version


def add_version(
    session: Session,
    article: Article,
    content: Content,
    *,
    fetched_at: datetime,
    extra: dict[str, Any],
    extractor: dict[str, Any] | None = None,
    offsets: tuple[int | None, int | None] = (None, None),
) -> Version:
    """The next version of `article`; `offsets` are the page's own offsets from UTC
    (minutes east) of its published and updated times, stored beside them, never compared."""
    number = (
        session.scalar(select(func.max(Version.number)).where(Version.article_id == article.id)) or 0
    ) + 1
    version = version_row(content, fetched_at=fetched_at, extra=extra, extractor=extractor, offsets=offsets)
    version.article_id, version.number = article.id, number
    session.add(version)
    session.flush()
    return version


def version_row(
    content: Content,
    *,
    fetched_at: datetime,
    extra: dict[str, Any],
    extractor: dict[str, Any] | None,
    offsets: tuple[int | None, int | None],
) -> Version:
    """A version's row for `content`, not yet numbered nor added (`add_version`, `rederive`)."""
    return Version(
        fetched_at=fetched_at,
        headline=content.headline or None,
        byline=content.byline or None,
        body=content.body_text,
        published_at=content.published_at,
        updated_at=content.updated_at,
        published_offset=offsets[0] if content.published_at else None,
        updated_offset=offsets[1] if content.updated_at else None,
        extra=extra,
        content_hash=content.content_hash,
        extractor=extractor,
    )


def revisions_of(session: Session, article_id: int) -> list[Revision]:
    return list(
        session.scalars(
            select(Revision).where(Revision.article_id == article_id).order_by(Revision.to_number)
        )
    )


def revision_to(session: Session, article_id: int, number: int) -> Revision | None:
    return session.scalar(
        select(Revision).where(Revision.article_id == article_id, Revision.to_number == number)
    )


def add_revision(
    session: Session,
    article_id: int,
    from_number: int,
    to_number: int,
    changes: Changes,
    detected_at: datetime,
    *,
    revision_id: int | None = None,
) -> Revision:
    """A revision from version `from_number` to `to_number`; `revision_id`: the id it
    takes (a revision computed again keeps the id it was detected under), else a new one."""
    revision = Revision(
        id=revision_id,
        article_id=article_id,
        from_number=from_number,
        to_number=to_number,
        detected_at=detected_at,
        changed=list(changes.changed),
        field_changes=list(changes.field_changes),
        body_diff=list(changes.body_diff),
        stats=changes.stats,
        trivial=changes.trivial,
        kinds=list(changes.kinds),
        significance=changes.significance,
    )
    session.add(revision)
    session.flush()
    return revision


def mark_template_change(
    session: Session, revision_ids: Sequence[int], line: str, added: bool, now: datetime
) -> None:
    """These revisions recorded the site's template gaining (or losing) `line`, not an
    editor's change: kind `template`, trivial, and a `template_change` event on each."""
    for revision in session.scalars(select(Revision).where(Revision.id.in_(list(revision_ids)))):
        revision.trivial = True
        revision.kinds = [*dict.fromkeys([*revision.kinds, "template"])]
        revision.significance = 0.0
        record_event(session, revision.article_id, "template_change", now, line=line, added=added)
    session.flush()


def merge_into(session: Session, duplicate: Article, target: Article, now: datetime) -> None:
    """`duplicate` (a URL found to be `target`'s story, with no versions of its own)
    becomes part of `target`: its URLs turn into aliases and its checks move over."""
    _move_story(session, duplicate, target)
    session.execute(delete(ArticleKey).where(ArticleKey.article_id == duplicate.id))
    record_event(session, target.id, "merged", now, url=duplicate.url)
    session.flush()
    session.delete(duplicate)
    session.flush()


@dataclass(frozen=True, slots=True)
class Joined:
    """What joining two histories did."""

    versions: int  # in the joined history
    repeated: int  # versions of the other history equal to their predecessor, dropped


def join_histories(
    session: Session, keep: Article, other: Article, now: datetime, *, why: str, compare: Compare
) -> Joined:
    """`other` is `keep`'s story under another URL, as the publisher says (a redirect, the
    same declared id or canonical URL), and both have versions: one history, as
    `tracker.core.joins.plan_join` plans it, the revisions it cannot keep computed again
    by `compare`. `other`'s URLs, keys, checks and events move to `keep`, and a `merged`
    event says what happened. Both rows must be locked."""
    ids = (keep.id, other.id)
    versions = {v.id: v for v in session.scalars(select(Version).where(Version.article_id.in_(ids)))}
    revisions = list(session.scalars(select(Revision).where(Revision.article_id.in_(ids))))
    plan = plan_join(keep.id, versions.values(), revisions)
    for dropped, into in plan.repeated:  # what a repeated version knew of its URL stays
        versions[into].extra = {**versions[dropped].extra, **versions[into].extra}
    kept_revisions = _delete_revisions(session, revisions, plan)
    _renumber(session, keep, versions, plan)
    _add_revisions(session, keep, versions, kept_revisions, plan, compare)
    _move_story(session, other, keep)
    _move_keys(session, other, keep)
    joined = Joined(len(plan.kept), len(plan.repeated))
    keep.first_seen_at = min(keep.first_seen_at, other.first_seen_at)
    keep.last_changed_at = max((a.last_changed_at for a in (keep, other) if a.last_changed_at), default=None)
    record_event(
        session, keep.id, "merged", now,
        url=other.url, why=why, versions=joined.versions, repeated=joined.repeated,
    )  # fmt: skip
    session.flush()
    session.delete(other)
    session.flush()
    return joined


def _delete_revisions(
    session: Session, revisions: Sequence[Revision], plan: JoinPlan | Rederivation
) -> dict[int, dict[str, Any]]:
    """Delete the revisions (their numbers are about to change); the columns of those
    the plan keeps or computes again under their id, by id, but for the numbers."""
    if isinstance(plan, JoinPlan):
        wanted = {step.kept for step in plan.steps if step.kept is not None}
    else:
        wanted = {step.revision_id for step in plan.steps if step.revision_id is not None}
    columns = [
        c.key for c in Revision.__table__.columns if c.key not in ("article_id", "from_number", "to_number")
    ]
    kept = {r.id: {key: getattr(r, key) for key in columns} for r in revisions if r.id in wanted}
    for revision in revisions:
        session.delete(revision)
    session.flush()
    return kept


def _renumber(session: Session, keep: Article, versions: dict[int, Version], plan: JoinPlan) -> None:
    """Drop the repeated versions (their witnesses go to the version they repeat) and
    number the kept ones as `keep`'s, 1 to n."""
    witnesses.move(session, dict(plan.repeated))
    for dropped, _into in plan.repeated:
        session.delete(versions[dropped])
    for version_id in plan.kept:  # out of the way of (article, number) while renumbering
        versions[version_id].number = -version_id
    session.flush()
    for version_id, number in plan.numbers().items():
        versions[version_id].article_id, versions[version_id].number = keep.id, number
    session.flush()


def _add_revisions(
    session: Session,
    keep: Article,
    versions: dict[int, Version],
    kept: dict[int, dict[str, Any]],
    plan: JoinPlan,
    compare: Compare,
) -> None:
    """The joined history's revisions: those kept as they were, the others computed again."""
    for step in plan.steps:
        older, newer = versions[step.older], versions[step.newer]
        if step.kept is not None:
            numbers = {"article_id": keep.id, "from_number": older.number, "to_number": newer.number}
            session.add(Revision(**kept[step.kept], **numbers))
        else:
            changes = compare(older, newer)
            add_revision(session, keep.id, older.number, newer.number, changes, newer.fetched_at)
    session.flush()


def _move_story(session: Session, source: Article, target: Article) -> None:
    """`source`'s URLs (as aliases: kind `moved`), checks, events and headline sightings
    and tests become `target`'s."""
    session.execute(
        update(ArticleUrl)
        .where(ArticleUrl.article_id == source.id)
        .values(article_id=target.id, kind="moved")
    )
    session.execute(update(Check).where(Check.article_id == source.id).values(article_id=target.id))
    session.execute(update(Event).where(Event.article_id == source.id).values(article_id=target.id))
    headlines.move_story(session, source.id, target.id)


def _move_keys(session: Session, source: Article, target: Article) -> None:
    """`source`'s keys become `target`'s; one `target` holds already is dropped."""
    held = set(session.scalars(select(ArticleKey.key).where(ArticleKey.article_id == target.id)))
    for key in session.scalars(select(ArticleKey).where(ArticleKey.article_id == source.id)):
        if key.key in held:
            session.delete(key)
        else:
            key.article_id = target.id


def rederive(
    session: Session,
    article_id: int,
    versions: dict[int, Version],
    revisions: Sequence[Revision],
    plan: Rederivation,
    fresh: dict[int, Version],
    compare: Compare,
) -> None:
    """The article's history derived again as `plan` says (`versions` by id, all of
    them; `fresh`: the new row of each version whose content changed, by the old id):
    collapsed versions and the old rows of changed ones go, the rest are numbered 1 to
    n, the revisions the plan keeps come back as they were and the others are computed
    again by `compare`, under the id and detection time they had. The checks and
    captures of each version follow its number (a collapsed one's: the version it
    collapsed into), and so do their witnesses. The article's row must be locked; the history kept first
    (`tracker.store.generations.supersede`)."""
    numbers = plan.numbers()
    moved = {v.number: numbers[v.id] for v in versions.values() if v.id in numbers}
    moved |= {versions[gone].number: numbers[into] for gone, into in plan.collapsed}
    kept_revisions = _delete_revisions(session, revisions, plan)
    replaced = {**dict(plan.collapsed), **{v: v for v in plan.changed}}
    lifted = witnesses.lift(session, replaced)
    for version_id in replaced:
        session.delete(versions[version_id])
    live = {v: versions[v] for v in plan.kept if v not in plan.changed}
    for version in live.values():  # out of the way of (article, number) while renumbering
        version.number = -version.id
    session.flush()
    for version_id, version in live.items():
        version.number = numbers[version_id]
    session.flush()
    for version_id in plan.changed:
        live[version_id] = fresh[version_id]
        live[version_id].article_id, live[version_id].number = article_id, numbers[version_id]
        session.add(live[version_id])
    session.flush()
    witnesses.land(session, lifted, {old: live[into].id for old, into in replaced.items()})
    for step in plan.steps:
        older, newer = live[step.older], live[step.newer]
        kept = kept_revisions.get(step.revision_id) if step.revision_id is not None else None
        if kept is not None and not step.recompute:
            session.add(
                Revision(**kept, article_id=article_id, from_number=older.number, to_number=newer.number)
            )
            continue
        detected = kept["detected_at"] if kept is not None else newer.fetched_at
        changes = compare(older, newer)
        add_revision(
            session, article_id, older.number, newer.number, changes, detected,
            revision_id=step.revision_id if kept is not None else None,
        )  # fmt: skip
    session.flush()
    _follow_numbers(session, article_id, moved)
    redone = [
        *plan.dropped,
        *(step.revision_id for step in plan.recomputed() if step.revision_id is not None),
    ]
    if redone:  # what a revision recorded of its host's template is that revision's no more
        session.execute(
            delete(TemplateSighting).where(
                TemplateSighting.article_id == article_id, TemplateSighting.revision_id.in_(redone)
            )
        )


def _follow_numbers(session: Session, article_id: int, moved: dict[int, int]) -> None:
    """The checks and captures of the article's versions, numbered as `moved` says (old
    number -> new)."""
    moved = {old: new for old, new in moved.items() if old != new}
    if not moved:
        return
    for table in (Check, Capture):
        session.execute(
            update(table)
            .where(table.article_id == article_id, table.version_number.in_(list(moved)))
            .values(version_number=case(moved, value=table.version_number))
        )
