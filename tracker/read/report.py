"""Diff reports: one self-contained HTML file (inline CSS, no scripts, no external
requests) or Markdown, to review a day of changes.

Article text is untrusted: the HTML templates autoescape every value, the word
diffs are escaped before they are marked up, and a Content-Security-Policy in
the page forbids scripts even if something slipped through.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader
from markupsafe import Markup

from tracker.core.diff import Changes, diff_words
from tracker.core.normalize import split_body
from tracker.core.ops import ParagraphOp
from tracker.read.revisions import RevisionWithVersions
from tracker.read.text import WORD_OPS, unchanged, words_html
from tracker.store.models import Version


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a side-by-side view: the old side and the new side, as safe HTML."""

    kind: str
    old: Markup
    new: Markup


def _is_html(name: str | None) -> bool:
    """HTML templates (`*.html.j2`) escape every value; Markdown ones escape with `md`."""
    return name is None or ".html" in name


@functools.cache
def environment() -> Environment:
    """The templates, loaded once on first use."""
    env = Environment(
        loader=PackageLoader("tracker", "templates"),
        autoescape=_is_html,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["md"] = markdown_escape
    env.filters["headline_diff"] = headline_diff
    return env


def headline_diff(old: str | None, new: str | None) -> Markup:
    """A changed headline as a word diff (`<del>` and `<ins>` around the words that
    changed), not a whole line struck out; escaped before it is marked up."""
    return Markup(words_html(diff_words(old or "", new or "")))


def side_by_side(body_diff: Sequence[ParagraphOp], old: tuple[str, ...], new: tuple[str, ...]) -> list[Row]:
    """The body ops as aligned rows of the old and new text, insertions and deletions marked."""
    rows = []
    for op in body_diff:
        kind = op["op"]
        if kind == "equal":
            rows.append(Row("same", Markup(unchanged(op)), Markup(unchanged(op))))
        elif kind == "insert":
            rows.extend(Row("insert", Markup(""), _mark("ins", p)) for p in op["text"])
        elif kind == "delete":
            rows.extend(Row("delete", _mark("del", p), Markup("")) for p in op["text"])
        elif kind == "move":
            note = Markup("<em>(moved from paragraph {})</em> ").format(op["old"][0] + 1)
            text = Markup(words_html(op["words"], "new")) if "words" in op else Markup.escape(op["text"])
            rows.append(
                Row("move", Markup("<em>(moved to paragraph {})</em>").format(op["new"][0] + 1), note + text)
            )
        elif kind in WORD_OPS:
            rows.append(
                Row(kind, Markup(words_html(op["words"], "old")), Markup(words_html(op["words"], "new")))
            )
    return rows


def inline(body_diff: Sequence[ParagraphOp], old: Sequence[str] | None = None) -> list[Markup]:
    """The body ops as paragraphs of track changes. Given the old version's paragraphs,
    a run of unchanged ones can be opened (`<details>`: no script needed)."""
    out = []
    for op in body_diff:
        kind = op["op"]
        if kind == "equal" and old is not None:
            start, end = op["old"]
            text = Markup("").join(Markup("<p>{}</p>").format(p) for p in old[start:end])
            out.append(
                Markup('<details class="same"><summary>({})</summary>{}</details>').format(
                    unchanged(op), text
                )
            )
        elif kind == "equal":
            out.append(Markup('<p class="same">({})</p>').format(unchanged(op)))
        elif kind in ("insert", "delete"):
            tag = "ins" if kind == "insert" else "del"
            out.extend(Markup("<p>{}</p>").format(_mark(tag, p)) for p in op["text"])
        elif kind == "move":
            text = Markup(words_html(op["words"])) if "words" in op else Markup.escape(op["text"])
            out.append(Markup("<p><em>(moved from paragraph {})</em> {}</p>").format(op["old"][0] + 1, text))
        elif kind in WORD_OPS:
            note = Markup("<em>({})</em> ").format(kind) if kind in ("split", "merge") else Markup("")
            out.append(Markup("<p>{}{}</p>").format(note, Markup(words_html(op["words"]))))
    return out


def _mark(tag: str, text: str) -> Markup:
    return Markup("<{0}>{1}</{0}>").format(Markup(tag), text)


def _context(item: RevisionWithVersions) -> dict[str, Any]:
    revision = item.revision
    return {
        "id": revision.id,
        "article_id": revision.article_id,
        "url": item.url,
        "source": item.source,
        "old": item.old,
        "new": item.new,
        "revision": revision,
        "headline": item.new.headline or item.old.headline or item.url,
        "headline_changed": "headline" in revision.changed,
        "fields": [c for c in revision.field_changes if c["field"] != "headline"],
        "inline": inline(revision.body_diff),
        "rows": side_by_side(revision.body_diff, split_body(item.old.body), split_body(item.new.body)),
        "markdown": markdown_ops(revision.body_diff),
    }


def render_report(
    items: list[RevisionWithVersions],
    *,
    title: str,
    generated_at: datetime,
    scope: str,
    output_format: str = "html",
) -> str:
    template = environment().get_template("report.md.j2" if output_format == "markdown" else "report.html.j2")
    return template.render(
        title=title, generated_at=generated_at, scope=scope, items=[_context(item) for item in items]
    )


def render_diff_page(old: Version, new: Version, changes: Changes, title: str) -> str:
    """One revision (or any two versions) as a self-contained page."""
    body = list(changes.body_diff)
    return (
        environment()
        .get_template("diff.html.j2")
        .render(
            title=title,
            old=old,
            new=new,
            changes=changes,
            fields=list(changes.field_changes),
            inline=inline(body),
            rows=side_by_side(body, split_body(old.body), split_body(new.body)),
        )
    )


def markdown_ops(body_diff: Sequence[ParagraphOp]) -> list[str]:
    """The body ops as Markdown blocks: removed text ~~struck~~, added text **bold**."""
    blocks: list[str] = []
    for op in body_diff:
        kind = op["op"]
        if kind == "insert":
            blocks.extend("> **+** " + markdown_escape(p) for p in op["text"])
        elif kind == "delete":
            blocks.extend("> **−** ~~" + markdown_escape(p) + "~~" for p in op["text"])
        elif kind == "move" and "words" not in op:
            blocks.append(f"> *(moved from paragraph {op['old'][0] + 1})* " + markdown_escape(op["text"]))
        elif "words" in op:
            note = f"*(moved from paragraph {op['old'][0] + 1})* " if kind == "move" else ""
            blocks.append("> " + note + "".join(_markdown_word(tag, text) for tag, text in op["words"]))
    return blocks


def _markdown_word(tag: str, text: str) -> str:
    if not text.strip():
        return " " if tag != "-" else ""
    lead, core, trail = text[: len(text) - len(text.lstrip())], text.strip(), text[len(text.rstrip()) :]
    mark = {"=": "", "-": "~~", "+": "**"}[tag]
    return f"{' ' if lead else ''}{mark}{markdown_escape(core)}{mark}{' ' if trail else ''}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def markdown_escape(value: object) -> str:
    """Article text for Markdown: every character Markdown or HTML would act on, escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value if value is not None else "")).replace("\n", " ")
