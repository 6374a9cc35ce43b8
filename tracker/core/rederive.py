"""An article's history derived again from its captures (pure): which versions stay,
which collapse into the one before, how they are numbered, which revisions stay as
they were and which are computed again.

`tracker reextract` reads each version's capture with today's extractor. A version
whose capture cannot be read again (none kept, its body dropped, today's extractor
finds no article in it) keeps the content it has. Then, in version order, a version
whose content is the same as the kept version before it collapses into it: it was
chrome read as an edit. The kept versions are numbered from 1.

A revision between two kept versions that were neighbours before and whose content
did not change stays as it was (its id, its time, what was notified of it). Every
other pair of neighbours gets its revision computed again, under the id of the
revision that led to the same newer version before: a revision's id names the
moment an edit was detected, so a webhook or feed that follows revision ids never
sees a re-derived revision as new. The revisions of collapsed versions go.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.core.joins import RevisionLike


@dataclass(frozen=True, slots=True)
class Reading:
    """One version read again: its id and number, its content hash as stored, and the
    hash today's extractor gives its capture (None: it cannot be read again)."""

    version_id: int
    number: int
    stored: str
    derived: str | None

    @property
    def content_hash(self) -> str:
        """The version's content in the derived history."""
        return self.derived if self.derived is not None else self.stored

    @property
    def changed(self) -> bool:
        return self.derived is not None and self.derived != self.stored


@dataclass(frozen=True, slots=True)
class Step:
    """One revision of the derived history: from version `older` to version `newer`
    (ids). `revision_id`: the revision it is, kept as it was unless `recompute`, in which
    case it is computed again under that id (None: under a new one)."""

    older: int
    newer: int
    revision_id: int | None
    recompute: bool


@dataclass(frozen=True, slots=True)
class Rederivation:
    """The derived history. `kept`: version ids in their new order (the first becomes
    number 1); `changed`: the kept versions whose content changes (a new row each);
    `collapsed`: (version id, id of the kept version it collapses into); `steps`: one
    per pair of neighbours in `kept`; `dropped`: ids of the revisions that go."""

    kept: tuple[int, ...]
    changed: tuple[int, ...]
    collapsed: tuple[tuple[int, int], ...]
    steps: tuple[Step, ...]
    dropped: tuple[int, ...]
    renumbered: bool

    @property
    def unchanged(self) -> bool:
        """Nothing to write: every version reads as it is stored."""
        return not (self.changed or self.collapsed)

    def numbers(self) -> dict[int, int]:
        """Version id -> its number in the derived history."""
        return {version_id: number for number, version_id in enumerate(self.kept, start=1)}

    def recomputed(self) -> tuple[Step, ...]:
        return tuple(step for step in self.steps if step.recompute)


def plan_rederivation(readings: Sequence[Reading], revisions: Iterable[RevisionLike]) -> Rederivation:
    """The history derived from `readings` (one per version, any order) and the
    article's `revisions` as they are."""
    ordered = sorted(readings, key=lambda r: r.number)
    known = list(revisions)
    kept: list[Reading] = []
    collapsed: list[tuple[int, int]] = []
    for reading in ordered:
        if kept and reading.content_hash == kept[-1].content_hash:
            collapsed.append((reading.version_id, kept[-1].version_id))
        else:
            kept.append(reading)
    steps = steps_between(ordered, kept, known)
    used = {step.revision_id for step in steps}
    return Rederivation(
        kept=tuple(r.version_id for r in kept),
        changed=tuple(r.version_id for r in kept if r.changed),
        collapsed=tuple(collapsed),
        steps=steps,
        dropped=tuple(r.id for r in known if r.id not in used),
        renumbered=any(r.number != n for n, r in enumerate(kept, start=1)),
    )


def steps_between(
    ordered: Sequence[Reading], kept: Sequence[Reading], revisions: Sequence[RevisionLike]
) -> tuple[Step, ...]:
    """Each pair of kept neighbours: the revision between them kept when both read as
    stored and were neighbours already; else computed again under the id of the
    revision that led to the newer one."""
    by_number = {r.number: r.version_id for r in ordered}
    between = {(by_number.get(r.from_number), by_number.get(r.to_number)): r.id for r in revisions}
    leading_to = {by_number.get(r.to_number): r.id for r in revisions}
    steps = []
    for older, newer in itertools.pairwise(kept):
        existing = between.get((older.version_id, newer.version_id))
        if existing is not None and not (older.changed or newer.changed):
            steps.append(Step(older.version_id, newer.version_id, existing, recompute=False))
        else:
            steps.append(Step(older.version_id, newer.version_id, leading_to.get(newer.version_id), True))
    return tuple(steps)
