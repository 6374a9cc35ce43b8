"""The stored shape of a diff: what a revision's `field_changes` and `body_diff` hold
(`tracker.core.diff` makes them; the read side renders them)."""

from __future__ import annotations

from typing import Any, Required, TypedDict

WordOps = list[list[str]]
"""`[tag, text]` pairs: `=` kept, `-` removed, `+` added; the `=` and `-` texts
concatenate to the old text, the `=` and `+` texts to the new."""


class FieldChange(TypedDict):
    """One changed field other than the body."""

    field: str
    kind: str  # added, removed, changed
    old: Any
    new: Any


class ParagraphOp(TypedDict, total=False):
    """One paragraph op of a body diff (see `diff_paragraphs`): `old` and `new` are
    `[start, end)` index ranges of paragraphs in each version."""

    op: Required[str]  # equal, insert, delete, change, move, split, merge
    old: Required[list[int]]
    new: Required[list[int]]
    text: Any  # insert, delete: the paragraphs (a list); move: the paragraph (a string)
    words: WordOps  # change, split, merge; move when the paragraph also changed
