"""What changed between two versions (pure).

The result is tracker's own JSON shape, never a library's object, so that
stored history survives library upgrades:

- `changed`: the field names that differ, in FIELDS order;
- `field_changes`: `{"field", "kind": added|removed|changed, "old", "new"}` for
  every changed field but the body (built from deepdiff's report);
- `body_diff`: paragraph ops in the new text's order (see `diff_paragraphs`);
- `stats`: characters and words added and removed; paragraphs added, removed,
  changed, moved;
- `kinds`: what a person filters on; `significance`: 0 (nothing) to 1.

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
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel, Levenshtein

from tracker.core.normalize import Content
from tracker.core.ops import FieldChange, ParagraphOp, WordOps  # noqa: F401  (the stored shape)
from tracker.vocabulary import FIELDS, STAT_NAMES

ADDED_ONLY_MAX = 0.45  # the body's weight when text was only added (see `significance`)
_WORD = re.compile(r"\w+|[^\w\s]")
_WORDS_ONLY = re.compile(r"\w+")
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_ALNUM = re.compile(r"[\W_]+")


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
    changed = tuple(field for field in FIELDS if _value(old, field) != _value(new, field))
    body_diff = diff_paragraphs(old.body, new.body) if "body" in changed else ()
    stats = statistics(body_diff)
    trivial = is_trivial(old, new, changed)
    kinds = kinds_of(changed, body_diff, old.headline, new.headline)
    return Changes(
        changed=changed,
        field_changes=field_changes(old, new),
        body_diff=body_diff,
        stats=stats,
        trivial=trivial,
        kinds=kinds,
        significance=0.0 if trivial else significance(changed, kinds, stats, _words(old.body)),
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


SIMILAR = 50.0  # a paragraph at least this alike (0-100) to one in the same place was changed
MOVED = 80.0  # ...to one elsewhere in the text was moved (and maybe changed)
JOINED = 85.0  # ...to two neighbours joined was split (or two were merged into it)
CORRECTION = re.compile(
    r"\b(?:correction|corrected|clarification|editor'?s note|an earlier version of this"
    r"|this (?:story|article) (?:has been|was) (?:updated|amended|corrected))\b",
    re.IGNORECASE,
)


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
    old_headline: str = "",
    new_headline: str = "",
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
    if "headline" in changed:
        words.append(diff_words(old_headline, new_headline))
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


def _words(paragraphs: tuple[str, ...]) -> int:
    return sum(len(_WORDS_ONLY.findall(p)) for p in paragraphs)


def is_trivial(old: Content, new: Content, changed: tuple[str, ...]) -> bool:
    """Only white space or punctuation moved in the text fields; no timestamp changed."""
    if not changed or {"published_at", "updated_at"} & set(changed):
        return False
    return all(_letters(_value(old, field)) == _letters(_value(new, field)) for field in changed)


def _letters(value: object) -> str:
    text = " ".join(value) if isinstance(value, tuple) else str(value or "")
    return _ALNUM.sub("", text).casefold()
