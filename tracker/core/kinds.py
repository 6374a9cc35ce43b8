"""What kind of change a revision is, and how much it matters (pure).

- `statistics`: characters and words added and removed; paragraphs added,
  removed, changed, moved (from the body's paragraph ops, `tracker.core.diff`);
- `kinds_of`: what a person filters revisions on (headline, byline,
  timestamp-only, typo, rewording, addition, deletion, correction, moved, silent);
- `significance`: 0 (nothing a reader would notice) to 1 (a rewrite);
- `is_trivial`: only white space or punctuation moved.

This is the code of "What counts as a change" (docs/reference/kinds.md).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz.distance import Levenshtein

from tracker.core.normalize import Content
from tracker.core.ops import ParagraphOp
from tracker.vocabulary import STAT_NAMES

ADDED_ONLY_MAX = 0.45  # the body's weight when text was only added (see `significance`)
CORRECTION = re.compile(
    r"\b(?:correction|corrected|clarification|editor'?s note|an earlier version of this"
    r"|this (?:story|article) (?:has been|was) (?:updated|amended|corrected))\b",
    re.IGNORECASE,
)
_WORDS_ONLY = re.compile(r"\w+")
_ALNUM = re.compile(r"[\W_]+")


def statistics(body_diff: Sequence[ParagraphOp]) -> dict[str, int]:
    stats = dict.fromkeys(STAT_NAMES, 0)
    for op in body_diff:
        kind = op["op"]
        if kind == "insert":
            _count(stats, "added", op["text"])
            stats["paragraphs_added"] += len(op["text"])
        elif kind == "delete":
            _count(stats, "removed", op["text"])
            stats["paragraphs_removed"] += len(op["text"])
        if "words" in op:
            _count(stats, "added", [text for tag, text in op["words"] if tag == "+"])
            _count(stats, "removed", [text for tag, text in op["words"] if tag == "-"])
        if kind in ("change", "replace", "split", "merge"):
            stats["paragraphs_changed"] += max(op["old"][1] - op["old"][0], op["new"][1] - op["new"][0])
        elif kind == "move":
            stats["paragraphs_moved"] += 1
    return stats


def _count(stats: dict[str, int], side: str, texts: list[str]) -> None:
    stats[f"chars_{side}"] += sum(len(text.strip()) for text in texts)
    stats[f"words_{side}"] += sum(len(_WORDS_ONLY.findall(text)) for text in texts)


def kinds_of(
    changed: tuple[str, ...],
    body_diff: Sequence[ParagraphOp] = (),
    headline_words: list[list[str]] | None = None,
) -> tuple[str, ...]:
    """What a person filters revisions on.

    `headline`, `byline`; `timestamp-only` (only published/updated changed); `typo`
    (every changed word is one or two characters off, nothing added or removed);
    `rewording` (text replaced beyond typos); `addition` and `deletion` (paragraphs
    added or removed, or three words or more on balance); `correction` (added text
    that announces a correction or update); `silent` (headline or body changed while
    the declared updated time did not).
    """
    kinds: list[str] = [field for field in ("headline", "byline") if field in changed]
    if changed and set(changed) <= {"published_at", "updated_at"}:
        kinds.append("timestamp-only")
    words = [op["words"] for op in body_diff if "words" in op]
    if headline_words is not None:
        words.append(headline_words)
    inserted = [t for op in body_diff if op["op"] == "insert" for t in op["text"]]
    added = inserted + [t for w in words for tag, t in w if tag == "+"]
    paragraphs_moved_only = all(op["op"] in ("equal", "move") and "words" not in op for op in body_diff)
    if (
        words
        and not inserted
        and not any(op["op"] == "delete" for op in body_diff)
        and all(map(_typo_only, words))
    ):
        kinds.append("typo")
    elif any(_replaces(w) and not _typo_only(w) for w in words):
        kinds.append("rewording")
    if inserted or any(_balance(w) >= 3 for w in words):
        kinds.append("addition")
    if any(op["op"] == "delete" for op in body_diff) or any(_balance(w) <= -3 for w in words):
        kinds.append("deletion")
    if any(CORRECTION.search(text) for text in added):
        kinds.append("correction")
    if body_diff and paragraphs_moved_only:
        kinds.append("moved")
    if {"headline", "body"} & set(changed) and "updated_at" not in changed:
        kinds.append("silent")
    return tuple(kinds)


def _typo_only(words: list[list[str]]) -> bool:
    """Each run of removed words is replaced by as many words, each one or two
    characters away from the word it replaces, and none of them a number, a name or
    a negation (138 -> 148 dead, Smith -> Smyth, a risk -> no risk are news, not typos)."""
    for before, removed, added in _runs_in_context(words):
        a, b = _WORDS_ONLY.findall(removed), _WORDS_ONLY.findall(added)
        if len(a) != len(b):
            return False
        opening = not before.strip() or before.rstrip()[-1] in '.!?:"“«'  # a sentence starts here
        if not all(
            _typo(x, y, name=not (opening and i == 0)) for i, (x, y) in enumerate(zip(a, b, strict=True))
        ):
            return False
    return True


def _runs_in_context(words: list[list[str]]) -> list[tuple[str, str, str]]:
    """(kept text before, removed, added) of each run of edits."""
    runs: list[tuple[str, str, str]] = []
    before = removed = added = ""
    for tag, text in [*words, ["=", ""]]:
        if tag == "-":
            removed += text
        elif tag == "+":
            added += text
        else:
            if removed or added:
                runs.append((before, removed, added))
                removed = added = ""
            before += text
    return runs


_NEGATIONS = frozenset(("no", "not", "never", "nor", "none", "nothing", "neither", "cannot", "without"))


def _typo(old: str, new: str, *, name: bool = True) -> bool:
    """Whether `old` -> `new` is a typo fix; `name`: a capitalised word here is a name
    (not at the start of a sentence)."""
    if old == new:
        return True
    if Levenshtein.distance(old, new) > 2:
        return False
    if any(c.isdigit() for c in old + new):
        return False  # a number changed
    if name and old[:1].isupper() and new[:1].isupper():
        return False  # a name changed
    return (old.casefold() in _NEGATIONS) == (new.casefold() in _NEGATIONS)


def _runs(words: list[list[str]]) -> list[tuple[str, str]]:
    """(removed, added) text of each run of edits between kept text."""
    return [(removed, added) for _before, removed, added in _runs_in_context(words)]


def _replaces(words: list[list[str]]) -> bool:
    return any(removed.strip() and added.strip() for removed, added in _runs(words))


def _balance(words: list[list[str]]) -> int:
    """Words added minus words removed."""
    plus = sum(len(_WORDS_ONLY.findall(t)) for tag, t in words if tag == "+")
    minus = sum(len(_WORDS_ONLY.findall(t)) for tag, t in words if tag == "-")
    return plus - minus


def significance(
    changed: tuple[str, ...], kinds: tuple[str, ...], stats: dict[str, int], words: int
) -> float:
    """0 (nothing a reader would notice) to 1 (a rewrite). Components combine as
    1 - Π(1 - s): a headline rewrite 0.5 (a typo in it 0.15), a byline 0.2, the body
    (twice the share of its words removed plus the share added, at most 0.9; at most
    0.45 when text was only added, so an appended paragraph weighs less than a
    correction notice or a headline rewrite), a correction notice 0.5, a published
    time 0.1, an updated time 0.05, a move 0.05."""
    parts = []
    if "headline" in changed:
        parts.append(0.15 if "typo" in kinds and "rewording" not in kinds else 0.5)
    if "byline" in changed:
        parts.append(0.2)
    if "body" in changed:
        added, removed = stats.get("words_added", 0), stats.get("words_removed", 0)
        parts.append(min(0.9 if removed else ADDED_ONLY_MAX, (2.0 * removed + added) / max(words, 1)))
        if stats.get("paragraphs_moved"):
            parts.append(0.05)
    if "correction" in kinds:
        parts.append(0.5)
    if "published_at" in changed:
        parts.append(0.1)
    if "updated_at" in changed:
        parts.append(0.05)
    remaining = 1.0
    for part in parts:
        remaining *= 1.0 - part
    return round(1.0 - remaining, 3)


def words_in(paragraphs: tuple[str, ...]) -> int:
    return sum(len(_WORDS_ONLY.findall(p)) for p in paragraphs)


def is_trivial(old: Content, new: Content, changed: tuple[str, ...]) -> bool:
    """Only white space or punctuation moved in the text fields; no timestamp changed."""
    if not changed or {"published_at", "updated_at"} & set(changed):
        return False
    return all(_letters(getattr(old, field)) == _letters(getattr(new, field)) for field in changed)


def _letters(value: object) -> str:
    text = " ".join(value) if isinstance(value, tuple) else str(value or "")
    return _ALNUM.sub("", text).casefold()
