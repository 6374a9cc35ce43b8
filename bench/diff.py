"""Diff speed: a 10,000-word article with 50 changed, 5 moved and 10 new paragraphs.

tracker's aligned diff (rapidfuzz) against the difflib approach it replaced
(paragraph SequenceMatcher, then words inside replaced blocks), both measured
in this run; medians over --rounds.

    .venv/bin/python bench/diff.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Callable
from difflib import SequenceMatcher

from tracker.core.diff import compare, diff_paragraphs, diff_words
from tracker.core.normalize import make_content

TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
VOCABULARY = (
    "council",
    "harbour",
    "minister",
    "budget",
    "storm",
    "vote",
    "election",
    "court",
    "police",
    "school",
    "market",
    "village",
    "plan",
    "workers",
    "union",
    "strike",
    "river",
    "bridge",
    "hospital",
    "energy",
    "prices",
    "report",
    "inquiry",
    "mayor",
)


def article(rng: random.Random) -> tuple[list[str], list[str]]:
    """(old, new): 200 paragraphs of 50 words; then 50 changed, 5 moved, 10 inserted."""
    old = [" ".join(rng.choice(VOCABULARY) for _ in range(50)).capitalize() + "." for _ in range(200)]
    new = list(old)
    for index in rng.sample(range(200), 50):
        words = new[index].split()
        for position in rng.sample(range(len(words)), 3):
            words[position] = rng.choice(VOCABULARY).upper()
        new[index] = " ".join(words)
    for _ in range(5):
        new.insert(rng.randrange(len(new)), new.pop(rng.randrange(len(new))))
    for _ in range(10):
        new.insert(rng.randrange(len(new)), " ".join(rng.choice(VOCABULARY) for _ in range(40)) + ".")
    return old, new


def difflib_baseline(old: list[str], new: list[str]) -> list[tuple[str, object]]:
    ops: list[tuple[str, object]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "replace":
            a, b = " ".join(old[i1:i2]).split(), " ".join(new[j1:j2]).split()
            ops.append((tag, SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()))
        else:
            ops.append((tag, (i1, i2, j1, j2)))
    return ops


def _difflib_words(old: str, new: str) -> list[tuple[str, int, int, int, int]]:
    a, b = TOKEN.findall(old), TOKEN.findall(new)
    return SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()


def median_ms(function: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    old, new = article(random.Random(42))
    words = sum(len(p.split()) for p in old)
    ops = diff_paragraphs(tuple(old), tuple(new))
    kinds = {op["op"] for op in ops}
    before = make_content(headline="h", byline="b", paragraphs=old, published_at=None, updated_at=None)
    after = make_content(headline="h", byline="b", paragraphs=new, published_at=None, updated_at=None)
    ours = median_ms(lambda: diff_paragraphs(tuple(old), tuple(new)), args.rounds)
    whole = median_ms(lambda: compare(before, after), args.rounds)
    base = median_ms(lambda: difflib_baseline(old, new), args.rounds)
    moves = sum(op["op"] == "move" for op in ops)
    changes = sum(op["op"] == "change" for op in ops)
    inserted = sum(len(op["text"]) for op in ops if op["op"] == "insert")
    print(
        f"article: {len(old)} paragraphs, {words} words; ops found: {sorted(kinds)}; "
        f"{changes} changed, {moves} moved, {inserted} inserted"
    )
    print(f"tracker diff_paragraphs:          median {ours:.1f} ms over {args.rounds} rounds")
    print(f"tracker compare (stats, kinds):   median {whole:.1f} ms")
    print(f"difflib baseline (no moves):      median {base:.1f} ms")
    print("  (the baseline finds no moves and diffs words once per replaced block: less work, less result)")
    pairs = [
        (o, n) for op in ops if op["op"] == "change" for o, n in [(old[op["old"][0]], new[op["new"][0]])]
    ]
    fast = median_ms(lambda: [diff_words(o, n) for o, n in pairs], args.rounds)
    slow = median_ms(lambda: [_difflib_words(o, n) for o, n in pairs], args.rounds)
    print(
        f"word diffs of the {len(pairs)} changed paragraphs: rapidfuzz {fast:.2f} ms, difflib {slow:.2f} ms "
        f"({slow / fast:.1f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
