"""Extraction speed on the readability corpus: tracker's extract() against plain
trafilatura.extract() measured in the same run (medians per page, and the ratio).

    .venv/bin/python bench/extraction.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import trafilatura

from tracker.extraction.extract import extract

PAGES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "readability" / "test" / "test-pages"


def median_seconds(function, html: str, rounds: int) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function(html)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not PAGES.is_dir():
        print(f"corpus not found at {PAGES}", file=sys.stderr)
        return 1
    pages = [
        (p / "source.html").read_text(encoding="utf-8")
        for p in sorted(PAGES.iterdir())
        if (p / "source.html").exists()
    ]
    ours = [median_seconds(lambda h: extract(h, "http://fakehost/"), html, args.rounds) for html in pages]
    base = [
        median_seconds(lambda h: trafilatura.extract(h, with_metadata=True), html, args.rounds)
        for html in pages
    ]
    print(f"pages: {len(pages)}, rounds: {args.rounds}")
    print(
        f"tracker extract():      median {statistics.median(ours) * 1000:.1f} ms/page, "
        f"total {sum(ours):.2f} s"
    )
    print(
        f"trafilatura.extract():  median {statistics.median(base) * 1000:.1f} ms/page, "
        f"total {sum(base):.2f} s"
    )
    print(
        f"ratio (tracker / trafilatura), median of per-page ratios: "
        f"{statistics.median(o / b for o, b in zip(ours, base, strict=True)):.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
