"""What changed between two versions (pure).

The result is tracker's own JSON shape, never a library's object, so that
stored history survives library upgrades:

- `changed`: the field names that differ, in FIELDS order;
- `field_changes`: `{"field", "kind": added|removed|changed, "old", "new"}` for
  every changed field but the body (built from deepdiff's report);
- `body_diff`: paragraph ops `{"op": equal|insert|delete|replace, "old": [i, j],
  "new": [k, l]}`, with the text of what was inserted or deleted and, for a
  replaced paragraph, word ops `[tag, text]` with tag one of `=`, `-`, `+`;
- `stats`: characters, words and paragraphs added, removed, changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from tracker.normalize import FIELDS, Content

_WORD = re.compile(r"\w+|[^\w\s]")
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_ALNUM = re.compile(r"[\W_]+")


@dataclass(frozen=True, slots=True)
class Changes:
    changed: tuple[str, ...]
    field_changes: tuple[dict[str, Any], ...]
    body_diff: tuple[dict[str, Any], ...]
    stats: dict[str, int]
    trivial: bool
    kinds: tuple[str, ...] = ()


def compare(old: Content, new: Content) -> Changes:
    changed = tuple(field for field in FIELDS if _value(old, field) != _value(new, field))
    body_diff = diff_paragraphs(old.body, new.body) if "body" in changed else ()
    return Changes(
        changed=changed,
        field_changes=field_changes(old, new),
        body_diff=body_diff,
        stats=statistics(body_diff),
        trivial=is_trivial(old, new, changed),
        kinds=kinds_of(changed),
    )


def kinds_of(changed: tuple[str, ...]) -> tuple[str, ...]:
    """What a person filters revisions on: `headline`, `byline`, `timestamp-only`, and
    `silent` (headline or body changed while the declared updated time did not)."""
    kinds: list[str] = [field for field in ("headline", "byline") if field in changed]
    if changed and set(changed) <= {"published_at", "updated_at"}:
        kinds.append("timestamp-only")
    if {"headline", "body"} & set(changed) and "updated_at" not in changed:
        kinds.append("silent")
    return tuple(kinds)


def field_changes(old: Content, new: Content) -> tuple[dict[str, Any], ...]:
    """Every changed field but the body, from deepdiff's report, in tracker's shape."""
    from deepdiff import DeepDiff  # 0.14 s to import: paid only when revisions are computed

    before, after = _scalar_fields(old), _scalar_fields(new)
    report = DeepDiff(before, after, verbose_level=2)
    fields: set[str] = set()
    for kind in ("values_changed", "type_changes"):
        for path in report.get(kind, {}):
            fields.add(path.removeprefix("root['").removesuffix("']"))
    return tuple(_field_change(name, before[name], after[name]) for name in FIELDS if name in fields)


def _field_change(name: str, old: str | None, new: str | None) -> dict[str, Any]:
    kind = "added" if not old else "removed" if not new else "changed"
    return {"field": name, "kind": kind, "old": old, "new": new}


def _scalar_fields(content: Content) -> dict[str, str | None]:
    return {
        "headline": content.headline or None,
        "byline": content.byline or None,
        "published_at": content.published_at.isoformat() if content.published_at else None,
        "updated_at": content.updated_at.isoformat() if content.updated_at else None,
    }


def _value(content: Content, field: str) -> object:
    return getattr(content, field)


def diff_paragraphs(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    matcher = SequenceMatcher(a=old, b=new, autojunk=False)
    ops: list[dict[str, Any]] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        op: dict[str, Any] = {"op": tag, "old": [i1, i2], "new": [j1, j2]}
        if tag == "delete":
            op["text"] = list(old[i1:i2])
        elif tag == "insert":
            op["text"] = list(new[j1:j2])
        elif tag == "replace":
            op["old_text"] = list(old[i1:i2])
            op["new_text"] = list(new[j1:j2])
            op["words"] = diff_words("\n".join(old[i1:i2]), "\n".join(new[j1:j2]))
        ops.append(op)
    return tuple(ops)


def diff_words(old: str, new: str) -> list[list[str]]:
    """Word-level ops `[tag, text]` between two texts: `=` kept, `-` removed, `+` added.
    The texts of the ops, concatenated, give back the old (`=`, `-`) and new (`=`, `+`) text."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    ops: list[list[str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            _append(ops, "=", "".join(a[i1:i2]))
            continue
        if i2 > i1:
            _append(ops, "-", "".join(a[i1:i2]))
        if j2 > j1:
            _append(ops, "+", "".join(b[j1:j2]))
    return ops


def _append(ops: list[list[str]], tag: str, text: str) -> None:
    if ops and ops[-1][0] == tag:
        ops[-1][1] += text
    else:
        ops.append([tag, text])


def statistics(body_diff: tuple[dict[str, Any], ...]) -> dict[str, int]:
    stats = dict.fromkeys(
        (
            "chars_added",
            "chars_removed",
            "words_added",
            "words_removed",
            "paragraphs_added",
            "paragraphs_removed",
            "paragraphs_changed",
        ),
        0,
    )
    for op in body_diff:
        if op["op"] == "insert":
            _count(stats, "added", op["text"])
            stats["paragraphs_added"] += len(op["text"])
        elif op["op"] == "delete":
            _count(stats, "removed", op["text"])
            stats["paragraphs_removed"] += len(op["text"])
        elif op["op"] == "replace":
            _count(stats, "added", [text for tag, text in op["words"] if tag == "+"])
            _count(stats, "removed", [text for tag, text in op["words"] if tag == "-"])
            stats["paragraphs_changed"] += max(len(op["old_text"]), len(op["new_text"]))
    return stats


def _count(stats: dict[str, int], side: str, texts: list[str]) -> None:
    stats[f"chars_{side}"] += sum(len(text) for text in texts)
    stats[f"words_{side}"] += sum(len(_WORD.findall(text)) for text in texts)


def is_trivial(old: Content, new: Content, changed: tuple[str, ...]) -> bool:
    """Only white space or punctuation moved in the text fields; no timestamp changed."""
    if not changed or {"published_at", "updated_at"} & set(changed):
        return False
    return all(_letters(_value(old, field)) == _letters(_value(new, field)) for field in changed)


def _letters(value: object) -> str:
    text = " ".join(value) if isinstance(value, tuple) else str(value or "")
    return _ALNUM.sub("", text).casefold()
