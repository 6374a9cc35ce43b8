"""Where an archive's captures go in a story's history (pure): `tracker backfill`.

An article has versions (`Held`: tracker's own, and those an earlier backfill added);
an archive holds captures of its URLs, each read as the article (`Found`). In time
order, as named steps:

1. only captures from before tracker's latest version of the article count (what
   came after it, tracker's own checks see), and from `since` on when given;
2. a capture the same as the version or capture before it is no new version (an
   archive captures a page many times; identical captures collapse); one the same as
   the held version after it is that version seen earlier, and gives way to it (a
   version tracker holds is never dropped nor renumbered away);
3. a capture whose text collapsed against the held version after it (a teaser, a
   partial render archived by mistake) is no version either.

What remains is placed between the held versions, and the revisions follow
`tracker.core.rederive`'s rule (`steps_between`): a revision between two held
versions that stay neighbours is kept as it was; a revision leading to a held
version that now follows a capture is computed again under its own id; the others
are new. A capture that is not there (never taken, not fetched, refused) is a gap:
the revision across it is simply between the versions on either side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from tracker.core.joins import RevisionLike
from tracker.core.rederive import Reading, Rederivation, steps_between

COLLAPSE_RATIO = 0.3
COLLAPSE_MIN_WORDS = 80


@dataclass(frozen=True, slots=True)
class Held:
    """A version the article has: its id, number, time, content hash and words, and
    whether tracker fetched it (not: an earlier backfill recovered it)."""

    version_id: int
    number: int
    at: datetime
    content_hash: str
    words: int
    own: bool = True


@dataclass(frozen=True, slots=True)
class Found:
    """An archive's capture read as the article: its key (the capture's id), when the
    archive took it, its content hash (the host's volatile text dropped) and words."""

    key: int
    at: datetime
    content_hash: str
    words: int


Same = Callable[["Held | Found", "Held | Found"], bool]
"""Whether two neighbours are one version (by default: the same content hash)."""


def same_hash(a: Held | Found, b: Held | Found) -> bool:
    return a.content_hash == b.content_hash


@dataclass(frozen=True, slots=True)
class Placement:
    """The history with the captures placed: `order` holds ("held", version id) and
    ("found", key) oldest first; `skipped`: each capture left out, and why."""

    order: tuple[tuple[str, int], ...]
    skipped: tuple[tuple[int, str], ...]

    @property
    def added(self) -> tuple[int, ...]:
        return tuple(key for kind, key in self.order if kind == "found")


def place(
    held: Sequence[Held], found: Iterable[Found], *, since: datetime | None = None, same: Same = same_hash
) -> Placement:
    """Steps 1 to 3; `same` tells whether two neighbours are one version (a check's rule:
    the same hash, or no field different)."""
    latest = max((h.at for h in held if h.own), default=None)
    skipped: list[tuple[int, str]] = []
    timeline: list[Held | Found] = list(held)
    for capture in found:
        if latest is not None and capture.at >= latest:
            skipped.append((capture.key, "not before the latest version"))
        elif since is not None and capture.at < since:
            skipped.append((capture.key, "before --since"))
        else:
            timeline.append(capture)
    timeline.sort(key=lambda item: (item.at, isinstance(item, Found)))
    kept: list[Held | Found] = []
    for item in timeline:
        _settle(kept, item, skipped, same)
    kept = _without_collapsed(kept, skipped, same)
    order = tuple(("held", i.version_id) if isinstance(i, Held) else ("found", i.key) for i in kept)
    return Placement(order, tuple(skipped))


def _settle(kept: list[Held | Found], item: Held | Found, skipped: list[tuple[int, str]], same: Same) -> None:
    """Step 2 for one item of the timeline."""
    before = kept[-1] if kept else None
    if isinstance(item, Found):
        if before is not None and same(before, item):
            skipped.append((item.key, "the same as the version before"))
        else:
            kept.append(item)
        return
    if isinstance(before, Found) and same(before, item):
        kept.pop()
        skipped.append((before.key, "the same as the version after"))
    kept.append(item)


def _without_collapsed(
    kept: list[Held | Found], skipped: list[tuple[int, str]], same: Same
) -> list[Held | Found]:
    """Step 3: each capture against the held version after it; what is left out may make
    two neighbours the same, which step 2 settles again."""
    result: list[Held | Found] = []
    following: Held | None = None
    for item in reversed(kept):
        if isinstance(item, Held):
            following = item
        elif following is not None and collapsed(item.words, following.words):
            skipped.append((item.key, "the article's text collapsed"))
            continue
        result.append(item)
    settled: list[Held | Found] = []
    for item in reversed(result):
        _settle(settled, item, skipped, same)
    return settled


def collapsed(words_now: int, words_then: int) -> bool:
    """A body that is a fraction of the article's: not a version of it."""
    return words_then >= COLLAPSE_MIN_WORDS and words_now < words_then * COLLAPSE_RATIO


def insertion(order: Sequence[int], held: Sequence[Held], revisions: Iterable[RevisionLike]) -> Rederivation:
    """The history as `tracker.store.histories.rederive` writes it: `order`, every
    version id (held and added) oldest first; the revisions among them as
    `tracker.core.rederive.steps_between` keeps or computes them again."""
    known = list(revisions)
    own = [Reading(h.version_id, h.number, h.content_hash, None) for h in held]
    by_id = {r.version_id: r for r in own}
    kept = [by_id.get(version_id) or Reading(version_id, 0, "", None) for version_id in order]
    steps = steps_between(sorted(own, key=lambda r: r.number), kept, known)
    used = {step.revision_id for step in steps}
    return Rederivation(
        kept=tuple(order),
        changed=(),
        collapsed=(),
        steps=steps,
        dropped=tuple(r.id for r in known if r.id not in used),
        renumbered=True,
    )
