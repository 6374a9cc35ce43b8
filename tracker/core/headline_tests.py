"""Headline tests: a story serving several headlines at once is one story, not a string
of edits (pure).

Newsrooms test headlines: each request without cookies draws one of two to a dozen
variants, in `<title>`, og:title, JSON-LD and `<h1>` alike, or only in the social
metadata. Every fetch that extracted a headline is a sighting of it (aggregated per
text: first and last seen, how often). A test is recognised, not guessed:

- two headlines served by the fetches of one check, seconds apart (the first fetch
  and its confirmation disagreeing): no editor rewrites a story between them; or
- a headline that comes back after another one was served (A -> B -> A), when it was
  last served within `WINDOW` (48 hours: a flip-flop a reader would take for an
  editor changing their mind twice; a test runs for hours, rarely days).

While a test runs, a check that draws a known variant compares as if it had drawn the
headline the story shows (`substitute`): no revision, no version. A test ends when one
headline is served alone by enough checks in a row over at least `SETTLE_SPAN`
(`settled`): six, or more when a variant was rare (a 90/10 test's minority is missed by
six checks one time in two), so that a variant still in play is missed less than one
time in a hundred.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

WINDOW = timedelta(hours=48)
SETTLE_CHECKS = 6
SETTLE_MAX_CHECKS = 48
SETTLE_SPAN = timedelta(hours=2)
MISSED = 0.01  # how rarely a variant still served may be missed by a streak that ends a test


@dataclass(frozen=True, slots=True)
class Sighting:
    """A headline as served so far: when first and last, and by how many fetches."""

    text: str
    first_seen: datetime
    last_seen: datetime
    count: int


@dataclass(frozen=True, slots=True)
class Streak:
    """The headline the last checks served alone (None: the last check served several),
    by how many checks in a row, since when; `base`: how many fetches had served it
    before (what the test itself drew of it, the streak's own fetches left out)."""

    text: str | None = None
    checks: int = 0
    since: datetime | None = None
    base: int = 0


def revealed(before: Sequence[Sighting], served: Sequence[str], now: datetime) -> frozenset[str]:
    """The headlines this check shows to be variants of a test (empty: none). `before`:
    the story's sightings before this check; `served`: what its fetches served."""
    texts = frozenset(t for t in served if t)
    if len(texts) > 1:
        return texts  # two headlines seconds apart
    if not texts or not before:
        return frozenset()
    (text,) = texts
    last = max(before, key=lambda s: s.last_seen)
    known = next((s for s in before if s.text == text), None)
    if last.text == text or known is None or now - known.last_seen > WINDOW:
        return frozenset()
    since = frozenset(s.text for s in before if s.last_seen > known.last_seen)
    return since | {text}


def substitute(drawn: str | None, shown: str | None, variants: Iterable[str]) -> str | None:
    """The headline a check compares: the one the story shows when the check drew
    another known variant of a running test, else the one it drew."""
    if drawn is not None and shown is not None and drawn != shown and drawn in frozenset(variants):
        return shown
    return drawn


def streak(
    previous: Streak, served: Sequence[str], now: datetime, counts: Mapping[str, int] | None = None
) -> Streak:
    """The streak after a check that served `served` (nothing: the check saw no page,
    the streak stands); `counts`: each headline's fetches before this check."""
    texts = frozenset(t for t in served if t)
    if not texts:
        return previous
    if len(texts) > 1:
        return Streak()
    (text,) = texts
    if text == previous.text and previous.since is not None:
        return Streak(text, previous.checks + 1, previous.since, previous.base)
    return Streak(text, 1, now, (counts or {}).get(text, 0))


def checks_to_settle(share: float) -> int:
    """Checks in a row serving one headline alone that end a test whose other variants
    were served `share` of the time: the fewest that miss them by chance less than
    `MISSED` of the time, at least `SETTLE_CHECKS`, at most `SETTLE_MAX_CHECKS`."""
    if share <= 0.0:
        return SETTLE_CHECKS
    if share >= 1.0:
        return SETTLE_MAX_CHECKS
    needed = math.ceil(math.log(MISSED) / math.log(1.0 - share))
    return max(SETTLE_CHECKS, min(SETTLE_MAX_CHECKS, needed))


def settled(current: Streak, sightings: Sequence[Sighting], variants: Iterable[str], now: datetime) -> bool:
    """The streak ends the test: its headline served alone by enough checks over at least
    `SETTLE_SPAN`. How rare the other variants were is their share of what was served
    before the streak (its own fetches left out)."""
    if current.text is None or current.since is None or now - current.since < SETTLE_SPAN:
        return False
    names = frozenset(variants) - {current.text}
    others = sum(s.count for s in sightings if s.text in names)
    during = others + current.base
    return current.checks >= checks_to_settle(others / during if during else 0.0)


def shares(sightings: Sequence[Sighting], variants: Iterable[str]) -> list[dict[str, object]]:
    """The variants as a test's record lists them: text, share of the fetches that
    served one of them, first and last seen (ISO 8601), most served first."""
    names = frozenset(variants)
    chosen = [s for s in sightings if s.text in names]
    total = sum(s.count for s in chosen) or 1
    return [
        {
            "text": s.text,
            "share": round(s.count / total, 3),
            "first_seen": s.first_seen.isoformat(),
            "last_seen": s.last_seen.isoformat(),
        }
        for s in sorted(chosen, key=lambda s: (-s.count, s.first_seen))
    ]
