"""What two fetches agree on (pure).

When a check sees a difference, tracker fetches the page again at once. An
editor does not rewrite a story between two requests a moment apart, so what
differs between the two fetches is chrome: a rotating box, a live counter, an
A/B headline. Only what both agree on can become a version.

Paragraphs that differed are remembered as volatile "shapes" for the host
(digits folded), so the same chrome is dropped from every later page of that
host before any comparison: the tracker learns each site's noise.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import replace
from typing import TypeVar

from tracker.core.normalize import Content, StoredContent, content_of

T = TypeVar("T")
_DIGITS = re.compile(r"\d+(?:[.,:]\d+)*")
# A short label that opens a line of chrome: "Also read:", "Quote of the day -", "LIVE |".
_LABEL = re.compile(r"^[^\W\d][\w ']{0,40}?\s*[:|»–—-](?=\s)")


def shape(paragraph: str) -> str:
    """A paragraph with its numbers folded: `312 people reading` -> `# people reading`."""
    return _DIGITS.sub("#", paragraph.casefold())


def shape_hash(paragraph: str) -> str:
    return hashlib.sha256(shape(paragraph).encode("utf-8")).hexdigest()


def label_hash(label: str) -> str:
    return shape_hash("label:" + label)


def is_volatile(paragraph: str, volatile: frozenset[str]) -> bool:
    """The paragraph's shape, or the label it opens with, is known volatile."""
    if shape_hash(paragraph) in volatile:
        return True
    label = _LABEL.match(paragraph)
    return label is not None and label_hash(shape(label.group(0))) in volatile


def without_volatile(content: Content, volatile: frozenset[str]) -> Content:
    """`content` without the paragraphs known to be volatile on its host."""
    if not volatile:
        return content
    kept = tuple(p for p in content.body if not is_volatile(p, volatile))
    return content if len(kept) == len(content.body) else replace(content, body=kept)


def volatile_shapes(differed: tuple[str, ...]) -> dict[str, str]:
    """What to remember of the paragraphs that differed between two fetches: each one's
    shape, and a label two of them open with ("Also read:", "Quote of the day -")."""
    shapes = {shape_hash(p): shape(p) for p in differed}
    labels = [match.group(0) for p in differed if (match := _LABEL.match(p))]
    for label, count in Counter(shape(label) for label in labels).items():
        if count >= 2:
            shapes[label_hash(label)] = "label:" + label
    return shapes


def agree(first: Content, second: Content, latest: Content | None) -> tuple[Content, tuple[str, ...]]:
    """The content both fetches agree on, and the paragraphs that differed between them.

    Paragraphs: those present in both, in the second fetch's order. A field that
    differs between the fetches is not trusted: the latest version's value stays
    (the second fetch's when there is no version yet).
    """
    in_first = Counter(first.body)
    body = []
    for paragraph in second.body:
        if in_first[paragraph] > 0:
            in_first[paragraph] -= 1
            body.append(paragraph)
    in_second = Counter(second.body)
    differed = [p for p in first.body if p not in in_second] + [
        p for p in second.body if p not in Counter(first.body)
    ]
    kept = latest or second
    steady = Content(
        headline=_steady(first.headline, second.headline, kept.headline),
        byline=_steady(first.byline, second.byline, kept.byline),
        body=tuple(body),
        published_at=_steady(first.published_at, second.published_at, kept.published_at),
        updated_at=_steady(first.updated_at, second.updated_at, kept.updated_at),
    )
    return steady, tuple(dict.fromkeys(differed))


def _steady(a: T, b: T, kept: T) -> T:
    """`a` when both fetches agree; otherwise what the latest version has (else the second fetch's)."""
    return a if a == b else kept


def baseline(latest: StoredContent | None, volatile: frozenset[str]) -> Content | None:
    """The latest version's content (a stored version, or None) as a check compares with
    it: without the host's volatile text."""
    return without_volatile(content_of(latest), volatile) if latest is not None else None


class CalmHosts:
    """Which first versions need a confirming fetch. Always one, except on a calm host:
    one whose last `after` first versions' two fetches agreed, counted without the
    host's known volatile text; there one first version in `sample` is still confirmed.
    A disagreement (something the host varies that was not known yet, learned from
    that very disagreement) starts the count again: a host whose chrome changes on
    every request is calm again once what it varies is learned, not never.

    Confirmations still in flight count: while the host is not calm and enough of
    them are under way to make it so, a new first version's decision waits
    (`decide` says None) for one of them to be noted, instead of asking for one
    more confirmation that the host may not need."""

    def __init__(self, after: int = 20, sample: int = 10):
        self.after, self.sample = after, sample
        self._agreed: dict[str, int] = {}  # first versions in a row whose fetches agreed
        self._pending: dict[str, int] = {}  # confirmations decided, not noted yet
        self._calm: dict[str, int] = {}  # first versions decided since the host is calm

    def decide(self, host: str) -> bool | None:
        """Whether a host's new article's first version is fetched twice; None: not known
        until a confirmation in flight is noted. A True must be followed by `note`."""
        if self._agreed.get(host, 0) >= self.after:
            self._calm[host] = self._calm.get(host, 0) + 1
            if self._calm[host] % self.sample:
                return False
        elif self._agreed.get(host, 0) + self._pending.get(host, 0) >= self.after:
            return None
        self._pending[host] = self._pending.get(host, 0) + 1
        return True

    def confirm_first(self, host: str) -> bool:
        """`decide` for a caller that cannot wait: a confirmation when in doubt."""
        decision = self.decide(host)
        if decision is None:
            self._pending[host] += 1
            return True
        return decision

    def note(self, host: str, agreed: bool | None) -> None:
        """A first version's two fetches agreed (or not; None: the confirmation was
        not made, a failed fetch or a cancelled check, and says nothing)."""
        self._pending[host] = max(0, self._pending.get(host, 0) - 1)
        if agreed:
            self._agreed[host] = self._agreed.get(host, 0) + 1
        elif agreed is not None:
            self._agreed[host] = self._calm[host] = 0

    def is_calm(self, host: str) -> bool:
        return self._agreed.get(host, 0) >= self.after
