"""Exports for research: revisions as CSV, and changed sentence pairs as JSON Lines
(in the spirit of the NewsEdits corpus: which sentences an edit changed, added or
removed). The JSON Lines export of whole articles is `tracker.read.history.export`.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import IO, TYPE_CHECKING, Any

from rapidfuzz import fuzz
from rapidfuzz.distance import Indel

from tracker.read.revisions import RevisionWithVersions
from tracker.vocabulary import STAT_NAMES

if TYPE_CHECKING:
    from tracker.core.ops import ParagraphOp

CSV_COLUMNS = (
    "revision_id",
    "article_id",
    "url",
    "source",
    "from",
    "to",
    "detected_at",
    "changed",
    "kinds",
    "significance",
    "trivial",
    *STAT_NAMES,
    "headline_before",
    "headline_after",
)
SENTENCE_SIMILAR = 50.0


def write_csv(items: Iterable[RevisionWithVersions], stream: IO[str]) -> int:
    """One row per revision; lists are joined with `;`. Returns the number of rows."""
    writer = csv.DictWriter(stream, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    count = 0
    for item in items:
        revision, stats = item.revision, item.revision.stats
        writer.writerow(
            {
                "revision_id": revision.id,
                "article_id": revision.article_id,
                "url": item.url,
                "source": item.source or "",
                "from": revision.from_number,
                "to": revision.to_number,
                "detected_at": revision.detected_at.isoformat(),
                "changed": ";".join(revision.changed),
                "kinds": ";".join(revision.kinds),
                "significance": revision.significance,
                "trivial": "true" if revision.trivial else "false",  # as JSON writes it, not Python
                **{name: stats.get(name, 0) for name in STAT_NAMES},
                "headline_before": item.old.headline or "",
                "headline_after": item.new.headline or "",
            }
        )
        count += 1
    return count


def sentence_pairs(item: RevisionWithVersions) -> Iterator[dict[str, Any]]:
    """The sentences one revision changed (old and new), added (new only) or removed (old only)."""
    language = (item.new.extra or {}).get("language") or "en"
    base = {
        "article_id": item.revision.article_id,
        "url": item.url,
        "source": item.source,
        "from": item.revision.from_number,
        "to": item.revision.to_number,
        "detected_at": item.revision.detected_at.isoformat(),
    }
    for op in item.revision.body_diff:
        old_text, new_text = _op_texts(op)
        if old_text == new_text:
            continue
        for kind, old, new in align_sentences(
            split_sentences(old_text, language), split_sentences(new_text, language)
        ):
            yield {**base, "kind": kind, "old": old, "new": new}


def _op_texts(op: ParagraphOp) -> tuple[str, str]:
    if op["op"] == "insert":
        return "", "\n".join(op["text"])
    if op["op"] == "delete":
        return "\n".join(op["text"]), ""
    if "words" in op:
        return (
            "".join(t for tag, t in op["words"] if tag in "=-"),
            "".join(t for tag, t in op["words"] if tag in "=+"),
        )
    return "", ""


def split_sentences(text: str, language: str = "en") -> list[str]:
    from sentencex import segment

    sentences: list[str] = []
    for paragraph in text.split("\n"):
        if paragraph.strip():
            sentences.extend(s.strip() for s in segment(language[:2].lower(), paragraph) if s.strip())
    return sentences


def align_sentences(old: list[str], new: list[str]) -> Iterator[tuple[str, str | None, str | None]]:
    """(kind, old, new) for every sentence that differs: `changed` pairs a removed
    sentence with a similar added one in the same place."""
    removed: list[str] = []
    added: list[str] = []
    for op in Indel.opcodes(old, new):
        if op.tag != "equal":
            removed += old[op.src_start : op.src_end]
            added += new[op.dest_start : op.dest_end]
            continue
        yield from _pair_up(removed, added)
        removed, added = [], []
    yield from _pair_up(removed, added)


def _pair_up(removed: list[str], added: list[str]) -> Iterator[tuple[str, str | None, str | None]]:
    used: set[int] = set()
    for sentence in removed:
        scores = [(fuzz.ratio(sentence, a), k) for k, a in enumerate(added) if k not in used]
        score, best = max(scores, default=(0.0, -1))
        if score >= SENTENCE_SIMILAR:
            used.add(best)
            yield "changed", sentence, added[best]
        else:
            yield "removed", sentence, None
    for k, sentence in enumerate(added):
        if k not in used:
            yield "added", None, sentence
