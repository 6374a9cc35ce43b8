"""Diffs for people: plain or coloured text (rich), HTML (escaped), JSON."""

from __future__ import annotations

import html
from typing import Any

from rich.text import Text

from tracker.diff import Changes
from tracker.models import Version


def diff_json(old: Version, new: Version, changes: Changes) -> dict[str, Any]:
    return {
        "from": old.number,
        "to": new.number,
        "changed": list(changes.changed),
        "trivial": changes.trivial,
        "stats": changes.stats,
        "diff": {"fields": list(changes.field_changes), "body": list(changes.body_diff)},
    }


def diff_text(old: Version, new: Version, changes: Changes) -> Text:
    """Track-changes text: `[-removed-]` and `{+added+}`, coloured when the console allows."""
    out = Text()
    out.append(f"version {old.number} -> {new.number}", style="bold")
    out.append(f"  changed: {', '.join(changes.changed) or 'nothing'}\n")
    for change in changes.field_changes:
        out.append(f"\n{change['field']}:\n", style="bold")
        if change["old"] is not None:
            out.append(f"  - {change['old']}\n", style="red")
        if change["new"] is not None:
            out.append(f"  + {change['new']}\n", style="green")
    if changes.body_diff:
        out.append("\nbody:\n", style="bold")
    for op in changes.body_diff:
        _body_op(out, op)
    return out


def _body_op(out: Text, op: dict[str, Any]) -> None:
    if op["op"] == "insert":
        for paragraph in op["text"]:
            out.append("  {+" + paragraph + "+}\n", style="green")
    elif op["op"] == "delete":
        for paragraph in op["text"]:
            out.append("  [-" + paragraph + "-]\n", style="red")
    elif op["op"] == "replace":
        out.append("  ")
        for tag, words in op["words"]:
            if tag == "=":
                out.append(words)
            elif tag == "-":
                out.append("[-" + words + "-]", style="red")
            else:
                out.append("{+" + words + "+}", style="green")
        out.append("\n")
    elif op["old"][1] - op["old"][0]:
        out.append(f"  ({_unchanged(op)})\n", style="dim")


def diff_html(old: Version, new: Version, changes: Changes, title: str) -> str:
    """A self-contained HTML page; every piece of article text is escaped."""
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f"<p>version {old.number} &rarr; {new.number}: changed "
        f"{html.escape(', '.join(changes.changed) or 'nothing')}</p>",
    ]
    for change in changes.field_changes:
        parts.append(
            f"<h2>{html.escape(change['field'])}</h2><p>"
            f"<del>{html.escape(str(change['old'] or ''))}</del> "
            f"<ins>{html.escape(str(change['new'] or ''))}</ins></p>"
        )
    if changes.body_diff:
        parts.append("<h2>body</h2>")
    for op in changes.body_diff:
        parts.append(_html_op(op))
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font:16px/1.5 system-ui,sans-serif;max-width:48em;margin:2em auto;padding:0 1em}"
        "del{background:#fdd;color:#900}ins{background:#dfd;color:#060;text-decoration:none}"
        ".same{color:#888}</style></head><body>" + "".join(parts) + "</body></html>"
    )


def _html_op(op: dict[str, Any]) -> str:
    if op["op"] == "insert":
        return "".join(f"<p><ins>{html.escape(p)}</ins></p>" for p in op["text"])
    if op["op"] == "delete":
        return "".join(f"<p><del>{html.escape(p)}</del></p>" for p in op["text"])
    if op["op"] == "replace":
        tags = {"=": "{}", "-": "<del>{}</del>", "+": "<ins>{}</ins>"}
        return "<p>" + "".join(tags[tag].format(html.escape(words)) for tag, words in op["words"]) + "</p>"
    return f"<p class='same'>({_unchanged(op)})</p>" if op["old"][1] > op["old"][0] else ""


def _unchanged(op: dict[str, Any]) -> str:
    count = op["old"][1] - op["old"][0]
    return f"{count} unchanged paragraph{'s' if count != 1 else ''}"
