"""The JSON shapes of the read side, each written once.

The CLI's `--json`, the web API, Atom entries, notifications and the JSON Lines
export all serialize these (docs/reference/export.md is their contract):

- `ArticleSummary`: an article's row (`tracker articles --json`, the head of
  `history` and of an article's timeline);
- `VersionJSON`: one version, with or without its body; beside its UTC instants the
  page's own offsets ("-04:00") and published day, null where the page does not say them;
- `RevisionSummary`: what a listing shows of a revision (no diff);
- `RevisionJSON`: a revision with its diff (`fields`: `FieldChange`s, `body`:
  `ParagraphOp`s, see `tracker.core.diff`);
- `EventJSON`: gone, restored, retired, merged, headline_test, headline_test_ended;
- `HeadlineTestJSON`: a headline test, its variants and shares, its winner.
- `entry_id`: a revision's stable id, in Atom entries and notification payloads.

A builder takes anything with the fields (a row of the table, or a row of a
query that selects them), so listings need not load whole rows.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any, NotRequired, Protocol, TypedDict, cast

from tracker.core.normalize import iso as iso  # the read side imports it from here
from tracker.core.ops import FieldChange, ParagraphOp


def entry_id(url: str, to_number: int) -> str:
    """A revision's id in Atom entries and notifications: stable across requests,
    servers and databases."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{url}#revision-{to_number}')}"


class RevisionLike(Protocol):
    @property
    def from_number(self) -> int: ...
    @property
    def to_number(self) -> int: ...
    @property
    def detected_at(self) -> datetime: ...
    @property
    def changed(self) -> Any: ...
    @property
    def kinds(self) -> Any: ...
    @property
    def significance(self) -> float: ...
    @property
    def trivial(self) -> bool: ...
    @property
    def stats(self) -> Any: ...


class RevisionLikeWithDiff(RevisionLike, Protocol):
    @property
    def field_changes(self) -> Any: ...
    @property
    def body_diff(self) -> Any: ...


RevisionSummary = TypedDict(
    "RevisionSummary",
    {
        "from": int,
        "to": int,
        "detected_at": str | None,
        "changed": list[str],
        "kinds": list[str],
        "significance": float,
        "trivial": bool,
        "stats": dict[str, int],
    },
)


class RevisionDiff(TypedDict):
    fields: list[FieldChange]
    body: list[ParagraphOp]


class HeadlineVariantJSON(TypedDict):
    text: str
    share: float
    first_seen: str
    last_seen: str


class HeadlineTestData(TypedDict):
    """What a revision that ended a headline test carries."""

    variants: list[HeadlineVariantJSON]
    winner: str | None
    before: str | None


class RevisionJSON(RevisionSummary):
    diff: RevisionDiff
    headline_test: NotRequired[HeadlineTestData]


class HeadlineTestJSON(TypedDict):
    """A headline test on a story (`tracker.core.headline_tests`): `kind` `headline` (the
    story's own) or `social` (og:title/twitter:title only); null `ended_at` and `winner`
    while it runs."""

    kind: str
    started_at: str | None
    ended_at: str | None
    before: str | None
    variants: list[HeadlineVariantJSON]
    winner: str | None


class WitnessJSON(TypedDict):
    """An archive's copy of the page a version was read from (`tracker.witness`): the
    witness destination's name, the memento's address and its time."""

    archive: str
    memento_url: str | None
    memento_at: str | None


class VersionJSON(TypedDict):
    number: int
    fetched_at: str | None
    headline: str | None
    byline: str | None
    published_at: str | None
    updated_at: str | None
    content_hash: str
    published_offset: str | None
    updated_offset: str | None
    published_day: str | None
    archive: ArchiveOrigin | None
    body: NotRequired[str]
    witnesses: NotRequired[list[WitnessJSON]]


class ArchiveOrigin(TypedDict):
    """Where a version recovered from a web archive came from (`tracker backfill`): the
    archive's name, the memento's URL and when the archive captured it. Null on the
    versions tracker fetched itself."""

    name: str
    memento_url: str
    memento_at: str


class EventJSON(TypedDict):
    at: str | None
    kind: str
    detail: dict[str, Any]


class ArticleSummary(TypedDict):
    id: int
    url: str
    source: str | None
    status: str
    first_seen_at: str | None
    last_checked_at: str | None
    last_changed_at: str | None
    next_check_at: str | None
    versions: int


def revision_summary(revision: RevisionLike) -> RevisionSummary:
    return {
        "from": revision.from_number,
        "to": revision.to_number,
        "detected_at": iso(revision.detected_at),
        "changed": list(revision.changed),
        "kinds": list(revision.kinds),
        "significance": revision.significance,
        "trivial": revision.trivial,
        "stats": dict(revision.stats),
    }


def revision_json(revision: RevisionLikeWithDiff) -> RevisionJSON:
    diff: RevisionDiff = {"fields": list(revision.field_changes), "body": list(revision.body_diff)}
    data = cast(RevisionJSON, {**revision_summary(revision), "diff": diff})
    if (test := getattr(revision, "headline_test", None)) is not None:
        data["headline_test"] = test  # only on a revision that ended a headline test
    return data


def headline_test_json(test: Any, variants: list[Any]) -> HeadlineTestJSON:
    """A test's row, with its variants as `tracker.core.headline_tests.shares` lists them."""
    return {
        "kind": test.kind,
        "started_at": iso(test.started_at),
        "ended_at": iso(test.ended_at),
        "before": test.before,
        "variants": variants,
        "winner": test.winner,
    }


def version_json(version: Any, *, with_body: bool = True) -> VersionJSON:
    data: VersionJSON = {
        "number": version.number,
        "fetched_at": iso(version.fetched_at),
        "headline": version.headline,
        "byline": version.byline,
        "published_at": iso(version.published_at),
        "updated_at": iso(version.updated_at),
        "content_hash": version.content_hash,
        "published_offset": offset_text(version.published_offset),
        "updated_offset": offset_text(version.updated_offset),
        "published_day": local_day(version.published_at, version.published_offset),
        "archive": archive_origin(getattr(version, "extra", None)),
    }
    if with_body:
        data["body"] = version.body
    return data


def archive_origin(extra: dict[str, Any] | None) -> ArchiveOrigin | None:
    """A version's origin when it came from a web archive (its `extra["archive"]`)."""
    origin = (extra or {}).get("archive")
    if not isinstance(origin, dict):
        return None
    return {
        "name": origin["name"],
        "memento_url": origin["memento_url"],
        "memento_at": origin["memento_at"],
    }


def witness_json(row: Any) -> WitnessJSON:
    return {"archive": row.destination, "memento_url": row.memento_url, "memento_at": iso(row.memento_at)}


def offset_text(minutes: int | None) -> str | None:
    """Minutes east of UTC as ISO 8601 writes an offset ("-04:00", "+05:30"), or None."""
    if minutes is None:
        return None
    sign, whole = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{whole // 60:02d}:{whole % 60:02d}"


def local_day(moment: datetime | None, minutes: int | None) -> str | None:
    """The page's own calendar day of an instant, when its offset is known."""
    if moment is None or minutes is None:
        return None
    moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (moment.astimezone(UTC) + timedelta(minutes=minutes)).date().isoformat()


def event_json(event: Any) -> EventJSON:
    return {"at": iso(event.at), "kind": event.kind, "detail": dict(event.detail)}


def article_summary(article: Any, versions: int) -> ArticleSummary:
    return {
        "id": article.id,
        "url": article.url,
        "source": article.source.name if article.source else None,
        "status": article.status,
        "first_seen_at": iso(article.first_seen_at),
        "last_checked_at": iso(article.last_checked_at),
        "last_changed_at": iso(article.last_changed_at),
        "next_check_at": iso(article.next_check_at),
        "versions": versions,
    }
