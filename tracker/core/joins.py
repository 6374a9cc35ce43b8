"""Joining two histories of one story (pure): which versions stay, how they are
numbered, which revisions stay as they were and which are computed again.

Two articles turn out to be one story (a redirect, the same declared id or
canonical URL) and both have versions. The joined history takes their versions in
the order they were fetched (on a tie, the kept article's first), numbered from 1.
A version with the same content as the one before it is the same page seen under
both URLs: it is dropped as repeated, and what it knew (`extra`) is folded into the
version it repeats. A revision between two versions that stay neighbours is kept
as it was (its id, its time, what was notified of it); every other pair of
neighbours gets its revision computed again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class VersionLike(Protocol):
    """What a join reads of a version (a row of the table will do)."""

    @property
    def id(self) -> int: ...
    @property
    def article_id(self) -> int: ...
    @property
    def number(self) -> int: ...
    @property
    def fetched_at(self) -> datetime: ...
    @property
    def content_hash(self) -> str: ...


class RevisionLike(Protocol):
    """What a join reads of a revision."""

    @property
    def id(self) -> int: ...
    @property
    def article_id(self) -> int: ...
    @property
    def from_number(self) -> int: ...
    @property
    def to_number(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Step:
    """One revision of the joined history: from version `older` to version `newer`
    (ids); `kept` is the id of the revision kept as it was, None to compute it again."""

    older: int
    newer: int
    kept: int | None


@dataclass(frozen=True, slots=True)
class JoinPlan:
    """The joined history. `kept`: version ids in their new order (the first becomes
    number 1); `repeated`: (dropped version id, id of the kept version it repeats), in
    the order they were fetched; `steps`: one per pair of neighbours in `kept`."""

    kept: tuple[int, ...]
    repeated: tuple[tuple[int, int], ...]
    steps: tuple[Step, ...]

    def numbers(self) -> dict[int, int]:
        """Version id -> its number in the joined history."""
        return {version_id: number for number, version_id in enumerate(self.kept, start=1)}

    def recomputed(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.kept is None)


def plan_join(keep_id: int, versions: Iterable[VersionLike], revisions: Iterable[RevisionLike]) -> JoinPlan:
    """The joined history of article `keep_id` and another, from the versions and
    revisions of both."""
    ordered = sorted(versions, key=lambda v: (v.fetched_at, v.article_id != keep_id, v.number))
    kept: list[VersionLike] = []
    repeated: list[tuple[int, int]] = []
    for version in ordered:
        if kept and version.content_hash == kept[-1].content_hash:
            repeated.append((version.id, kept[-1].id))
        else:
            kept.append(version)
    version_id = {(v.article_id, v.number): v.id for v in ordered}
    existing = {
        (version_id[(r.article_id, r.from_number)], version_id[(r.article_id, r.to_number)]): r.id
        for r in revisions
    }
    steps = tuple(
        Step(older.id, newer.id, existing.get((older.id, newer.id)))
        for older, newer in itertools.pairwise(kept)
    )
    return JoinPlan(tuple(v.id for v in kept), tuple(repeated), steps)
