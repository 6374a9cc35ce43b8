"""What changed between two versions (pure).

The result is tracker's own JSON shape, never a library's object, so that
stored history survives library upgrades:

- `changed`: the field names that differ, in FIELDS order (a time written to the
  minute in one version and to the second in the other is the same time: `same_time`);
- `field_changes`: `{"field", "kind": added|removed|changed, "old", "new"}` for
  every changed field but the body (built from deepdiff's report);
- `body_diff`: paragraph ops in the new text's order (see `diff_paragraphs`);
- `stats`: characters and words added and removed; paragraphs added, removed,
  changed, moved;
- `kinds`: what a person filters on; `significance`: 0 (nothing) to 1 (both
  in `tracker.core.kinds`).

Paragraphs are aligned before words are compared: identical paragraphs anchor
the alignment (longest common subsequence), a paragraph found elsewhere is a
move, one paragraph that became two is a split (two that became one a merge),
and a paragraph at least half alike to one in the same place is a change.
Only then are words compared, inside the paragraphs that changed. rapidfuzz
(C++) does the sequence work: on a 10,000-word article it is an order of
magnitude faster than difflib.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from tracker.core.kinds import is_trivial, kinds_of, significance, statistics, words_in
from tracker.core.normalize import Content
from tracker.core.ops import FieldChange, ParagraphOp, WordOps  # noqa: F401  (the stored shape)
from tracker.vocabulary import FIELDS

_WORD = re.compile(r"\w+|[^\w\s]")
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Changes:
    changed: tuple[str, ...]
    field_changes: tuple[FieldChange, ...]
    body_diff: tuple[ParagraphOp, ...]
    stats: dict[str, int]
    trivial: bool
    kinds: tuple[str, ...] = ()
    significance: float = 0.0


def compare(old: Content, new: Content) -> Changes:
    changed = tuple(field for field in FIELDS if not _same(field, _value(old, field), _value(new, field)))
    body_diff = diff_paragraphs(old.body, new.body) if "body" in changed else ()
    stats = statistics(body_diff)
    trivial = is_trivial(old, new, changed)
    headline = diff_words(old.headline, new.headline) if "headline" in changed else None
    kinds = kinds_of(changed, body_diff, headline)
    return Changes(
        changed=changed,
        field_changes=tuple(c for c in field_changes(old, new) if c["field"] in changed),
        body_diff=body_diff,
        stats=stats,
        trivial=trivial,
        kinds=kinds,
        significance=0.0 if trivial else significance(changed, kinds, stats, words_in(old.body)),
    )


def field_changes(old: Content, new: Content) -> tuple[FieldChange, ...]:
    """Every changed field but the body, from deepdiff's report, in tracker's shape."""
    from deepdiff import DeepDiff  # 0.14 s to import: paid only when revisions are computed

    before, after = _scalar_fields(old), _scalar_fields(new)
    report = DeepDiff(before, after, verbose_level=2)
    fields: set[str] = set()
    for kind in ("values_changed", "type_changes"):
        for path in report.get(kind, {}):
            fields.add(path.removeprefix("root['").removesuffix("']"))
    return tuple(_field_change(name, before[name], after[name]) for name in FIELDS if name in fields)


def _field_change(name: str, old: str | None, new: str | None) -> FieldChange:
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


def _same(field: str, old: object, new: object) -> bool:
    if isinstance(old, datetime) and isinstance(new, datetime):
        return same_time(old, new)
    return old == new


def same_time(old: datetime, new: datetime) -> bool:
    """Two declared times are one time when equal, or equal to the minute where one of
    them is written to the minute only: one markup's "22:25:00Z" is another's
    "22:25:47Z" (a re-capture is no edit). Times seconds apart, both written to the
    second, or a minute apart, are a change."""
    if old == new:
        return True
    on_the_minute = old.second == old.microsecond == 0 or new.second == new.microsecond == 0
    return on_the_minute and old.replace(second=0, microsecond=0) == new.replace(second=0, microsecond=0)


SIMILAR = 50.0  # a paragraph at least this alike (0-100) to one in the same place was changed
MOVED = 80.0  # ...to one elsewhere in the text was moved (and maybe changed)
JOINED = 85.0  # ...to two neighbours joined was split (or two were merged into it)


def diff_paragraphs(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[ParagraphOp, ...]:
    """Paragraph ops in the new text's order. Each has `op` and `old`/`new` index ranges:

    - `equal` (`old`, `new`): unchanged paragraphs;
    - `insert` and `delete` (`text`): paragraphs added or removed (the other side's
      range is empty: where they would stand);
    - `change` (`old`, `new`, `words`): one paragraph reworded in place;
    - `move` (`old`, `new`, `text`, and `words` when it also changed): a paragraph
      that now stands elsewhere;
    - `split` and `merge` (`old`, `new`, `words`): one paragraph became two
      consecutive ones, or two became one; `words` compares the texts joined by
      a newline.

    `words` is a list of `[tag, text]`: `=` kept, `-` removed, `+` added; the `=`
    and `-` texts concatenate to the old text, the `=` and `+` texts to the new.
    """
    return tuple(_Alignment(old, new).ops())


class _Alignment:
    """Paragraphs of two versions matched: anchors, moves, splits and merges, changes."""

    def __init__(self, old: tuple[str, ...], new: tuple[str, ...]):
        self.old, self.new = old, new
        self.gaps: list[tuple[int, int, int, int]] = []
        self.equal: list[tuple[int, int, int, int]] = []
        for op in Indel.opcodes(old, new):
            if op.tag == "equal":
                self.equal.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
            elif self.gaps and self.gaps[-1][1] == op.src_start and self.gaps[-1][3] == op.dest_start:
                self.gaps[-1] = (self.gaps[-1][0], op.src_end, self.gaps[-1][2], op.dest_end)
            else:
                self.gaps.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
        self.placed: list[ParagraphOp] = []
        self.used_old: set[int] = set()
        self.used_new: set[int] = set()

    def ops(self) -> list[ParagraphOp]:
        self._moves()
        for gap in self.gaps:
            self._within(gap)
        return self._ordered()

    def _free(self) -> tuple[list[int], list[int]]:
        olds = [i for i1, i2, _, _ in self.gaps for i in range(i1, i2) if i not in self.used_old]
        news = [j for _, _, j1, j2 in self.gaps for j in range(j1, j2) if j not in self.used_new]
        return olds, news

    def _moves(self) -> None:
        """Paragraphs that left their place: the same text elsewhere, or nearly the same."""
        olds, news = self._free()
        by_text: dict[str, list[int]] = defaultdict(list)
        for i in olds:
            by_text[self.old[i]].append(i)
        for j in news:
            if by_text.get(self.new[j]):
                self._move(by_text[self.new[j]].pop(0), j)
        gap_of_old = {i: n for n, (i1, i2, _, _) in enumerate(self.gaps) for i in range(i1, i2)}
        gap_of_new = {j: n for n, (_, _, j1, j2) in enumerate(self.gaps) for j in range(j1, j2)}
        olds, news = self._free()
        for j in news:
            candidates = [i for i in olds if i not in self.used_old and gap_of_old[i] != gap_of_new[j]]
            scored = [(fuzz.ratio(self.old[i], self.new[j], score_cutoff=MOVED), i) for i in candidates]
            score, best = max(scored, default=(0.0, -1))
            if score >= MOVED:
                self._move(best, j)

    def _move(self, i: int, j: int) -> None:
        op: ParagraphOp = {"op": "move", "old": [i, i + 1], "new": [j, j + 1], "text": self.new[j]}
        if self.old[i] != self.new[j]:
            op["words"] = diff_words(self.old[i], self.new[j])
        self._place(op, [i], [j])

    def _place(self, op: ParagraphOp, olds: list[int], news: list[int]) -> None:
        self.used_old.update(olds)
        self.used_new.update(news)
        self.placed.append(op)

    def _within(self, gap: tuple[int, int, int, int]) -> None:
        """Inside one gap: splits and merges, then paragraphs changed in place."""
        i1, i2, j1, j2 = gap
        olds = [i for i in range(i1, i2) if i not in self.used_old]
        news = [j for j in range(j1, j2) if j not in self.used_new]
        self._splits(olds, news)
        self._merges(olds, news)
        olds = [i for i in olds if i not in self.used_old]
        news = [j for j in news if j not in self.used_new]
        for i, j in _pairs(self.old, self.new, olds, news):
            words = diff_words(self.old[i], self.new[j])
            self._place({"op": "change", "old": [i, i + 1], "new": [j, j + 1], "words": words}, [i], [j])

    def _splits(self, olds: list[int], news: list[int]) -> None:
        for i in olds:
            for a in news:
                b = a + 1
                if b not in news or {a, b} & self.used_new or i in self.used_old:
                    continue
                joined = self.new[a] + "\n" + self.new[b]
                if _joins_better(self.old[i], joined, self.new[a], self.new[b]):
                    words = diff_words(self.old[i], joined)
                    self._place(
                        {"op": "split", "old": [i, i + 1], "new": [a, b + 1], "words": words}, [i], [a, b]
                    )

    def _merges(self, olds: list[int], news: list[int]) -> None:
        for j in news:
            for a in olds:
                b = a + 1
                if b not in olds or {a, b} & self.used_old or j in self.used_new:
                    continue
                joined = self.old[a] + "\n" + self.old[b]
                if _joins_better(self.new[j], joined, self.old[a], self.old[b]):
                    words = diff_words(joined, self.new[j])
                    self._place(
                        {"op": "merge", "old": [a, b + 1], "new": [j, j + 1], "words": words}, [a, b], [j]
                    )

    def _ordered(self) -> list[ParagraphOp]:
        """Every op in the new text's order; a deleted paragraph stands where it was."""
        keyed: list[tuple[float, int, ParagraphOp]] = []
        for i1, i2, j1, j2 in self.equal:
            keyed.append((j1, 1, {"op": "equal", "old": [i1, i2], "new": [j1, j2]}))
        for op in self.placed:
            keyed.append((op["new"][0], 1, op))
        anchors = sorted(
            [(i1 + k, j1 + k) for i1, i2, j1, _ in self.equal for k in range(i2 - i1)]
            + [(op["old"][0], op["new"][0]) for op in self.placed]
        )
        for j in range(len(self.new)):
            if j not in self.used_new and not any(e[2] <= j < e[3] for e in self.equal):
                at = 1 + max((a for a, b in anchors if b < j), default=-1)
                keyed.append(
                    (j, 1, {"op": "insert", "old": [at, at], "new": [j, j + 1], "text": [self.new[j]]})
                )
        for i in range(len(self.old)):
            if i not in self.used_old and not any(e[0] <= i < e[1] for e in self.equal):
                at = 1 + max((b for a, b in anchors if a < i), default=-1)
                op = {"op": "delete", "old": [i, i + 1], "new": [at, at], "text": [self.old[i]]}
                keyed.append((at - 0.5, 0, op))
        keyed.sort(key=lambda item: (item[0], item[1]))
        return _grouped([op for _j, _order, op in keyed])


def _joins_better(whole: str, joined: str, first: str, second: str) -> bool:
    """`whole` is the two parts joined: alike enough, and more alike than to either part."""
    score = fuzz.ratio(whole, joined)
    return score >= JOINED and score > max(fuzz.ratio(whole, first), fuzz.ratio(whole, second))


def _pairs(
    old: tuple[str, ...], new: tuple[str, ...], olds: list[int], news: list[int]
) -> list[tuple[int, int]]:
    """Old and new paragraphs of one gap paired in order: the monotonic alignment of
    greatest total similarity, pairs below SIMILAR left out."""
    if not olds or not news:
        return []
    score = [[fuzz.ratio(old[i], new[j]) for j in news] for i in olds]
    rows, cols = len(olds), len(news)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for r in range(rows - 1, -1, -1):
        for c in range(cols - 1, -1, -1):
            take = score[r][c] + best[r + 1][c + 1] if score[r][c] >= SIMILAR else -1.0
            best[r][c] = max(take, best[r + 1][c], best[r][c + 1])
    pairs, r, c = [], 0, 0
    while r < rows and c < cols:
        if score[r][c] >= SIMILAR and best[r][c] == score[r][c] + best[r + 1][c + 1]:
            pairs.append((olds[r], news[c]))
            r, c = r + 1, c + 1
        elif best[r][c] == best[r + 1][c]:
            r += 1
        else:
            c += 1
    return pairs


def _grouped(ops: list[ParagraphOp]) -> list[ParagraphOp]:
    """Neighbouring inserts (or deletes) as one op."""
    grouped: list[ParagraphOp] = []
    for op in ops:
        last = grouped[-1] if grouped else None
        if last and op["op"] == last["op"] == "insert" and last["new"][1] == op["new"][0]:
            last["new"] = [last["new"][0], op["new"][1]]
            last["text"] = last["text"] + op["text"]
        elif last and op["op"] == last["op"] == "delete" and last["old"][1] == op["old"][0]:
            last["old"] = [last["old"][0], op["old"][1]]
            last["text"] = last["text"] + op["text"]
        else:
            grouped.append(op)
    return grouped


def diff_words(old: str, new: str) -> list[list[str]]:
    """Word-level ops `[tag, text]` between two texts: `=` kept, `-` removed, `+` added.
    The texts of the ops, concatenated, give back the old (`=`, `-`) and new (`=`, `+`) text."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    ops: list[list[str]] = []
    for op in Indel.opcodes(a, b):
        if op.tag == "equal":
            _append(ops, "=", "".join(a[op.src_start : op.src_end]))
        elif op.tag == "delete":
            _append(ops, "-", "".join(a[op.src_start : op.src_end]))
        else:
            _append(ops, "+", "".join(b[op.dest_start : op.dest_end]))
    return _removals_first(ops)


def _removals_first(ops: list[list[str]]) -> list[list[str]]:
    """Within a run of edits, what was removed before what was added (reads as track changes)."""
    out: list[list[str]] = []
    run: dict[str, str] = {}
    for tag, text in [*ops, ["=", ""]]:
        if tag != "=":
            run[tag] = run.get(tag, "") + text
            continue
        out.extend([side, run[side]] for side in ("-", "+") if run.get(side))
        run = {}
        if text:
            out.append([tag, text])
    return out


def _append(ops: list[list[str]], tag: str, text: str) -> None:
    if ops and ops[-1][0] == tag:
        ops[-1][1] += text
    else:
        ops.append([tag, text])
