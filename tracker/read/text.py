"""Diffs for people: plain or coloured text (rich), HTML (escaped), JSON.

Renderers read tracker's stored op shapes (see `tracker.core.diff.diff_paragraphs`),
including `replace`, the shape revisions stored before paragraphs were aligned.
"""

from __future__ import annotations

import html
from typing import Any

from rich.text import Text

from tracker.core.diff import Changes
from tracker.core.ops import ParagraphOp
from tracker.store.models import Version

WORD_OPS = ("change", "replace", "split", "merge")


def diff_json(old: Version, new: Version, changes: Changes) -> dict[str, Any]:
    return {
        "from": old.number,
        "to": new.number,
        "changed": list(changes.changed),
        "kinds": list(changes.kinds),
        "significance": changes.significance,
        "trivial": changes.trivial,
        "stats": changes.stats,
        "diff": {"fields": list(changes.field_changes), "body": list(changes.body_diff)},
    }


def diff_text(old: Version, new: Version, changes: Changes) -> Text:
    """Track-changes text: `[-removed-]` and `{+added+}`, coloured when the console allows."""
    out = Text()
    out.append(f"version {old.number} -> {new.number}", style="bold")
    out.append(f"  changed: {', '.join(changes.changed) or 'nothing'}")
    if changes.kinds:
        out.append(f"  [{', '.join(changes.kinds)}]")
    out.append(f"  significance {changes.significance:.2f}\n")
    for change in changes.field_changes:
        out.append(f"\n{change['field']}:\n", style="bold")
        if change["old"] is not None:
            out.append(f"  - {change['old']}\n", style="red")
        if change["new"] is not None:
            out.append(f"  + {change['new']}\n", style="green")
    if changes.body_diff:
        out.append("\nbody:\n", style="bold")
    for op in changes.body_diff:
        _text_op(out, op)
    return out


def _text_op(out: Text, op: ParagraphOp) -> None:
    kind = op["op"]
    if kind == "insert":
        for paragraph in op["text"]:
            out.append("  {+" + paragraph + "+}\n", style="green")
    elif kind == "delete":
        for paragraph in op["text"]:
            out.append("  [-" + paragraph + "-]\n", style="red")
    elif kind == "move":
        out.append(f"  (moved from paragraph {op['old'][0] + 1}) ", style="cyan")
        _text_words(out, op["words"]) if "words" in op else out.append(op["text"])
        out.append("\n")
    elif kind in WORD_OPS:
        if kind in ("split", "merge"):
            out.append(f"  ({kind}) ", style="cyan")
        else:
            out.append("  ")
        _text_words(out, op["words"])
        out.append("\n")
    elif op["old"][1] - op["old"][0]:
        out.append(f"  ({unchanged(op)})\n", style="dim")


def _text_words(out: Text, words: list[list[str]]) -> None:
    for tag, text in words:
        if tag == "=":
            out.append(text)
        elif tag == "-":
            out.append("[-" + text + "-]", style="red")
        else:
            out.append("{+" + text + "+}", style="green")


def unchanged(op: ParagraphOp) -> str:
    count = op["old"][1] - op["old"][0]
    return f"{count} unchanged paragraph{'s' if count != 1 else ''}"


def words_html(words: list[list[str]], side: str = "both") -> str:
    """Word ops as HTML: `<del>`/`<ins>`; `side` "old" or "new" keeps one side only."""
    parts = []
    for tag, text in words:
        escaped = html.escape(text).replace("\n", "<br>")
        if tag == "=":
            parts.append(escaped)
        elif tag == "-" and side != "new":
            parts.append(f"<del>{escaped}</del>")
        elif tag == "+" and side != "old":
            parts.append(f"<ins>{escaped}</ins>")
    return "".join(parts)
