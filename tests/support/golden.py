"""What the golden tests share: a score with its misses, how names and titles are
compared, and a corpus page read as the fetcher reads a response."""

from __future__ import annotations

import gzip
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.core.normalize import clean_text
from tracker.fetch import Page


@dataclass
class Score:
    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, case: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(case)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 0.0


def fold(text: str | None) -> str:
    """Casefolded words, accents and punctuation aside: how two spellings of one name or
    title are compared."""
    text = unicodedata.normalize("NFKD", clean_text(text))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(re.findall(r"\w+", text.casefold()))


def author_names(text: str | list[str] | None) -> set[str]:
    if isinstance(text, list):
        text = "; ".join(text)
    parts = re.split(r"\s*(?:;|,|&|\band\b|\bund\b|\|)\s*", clean_text(text))
    return {fold(part) for part in parts if fold(part)}


def page_html(path: Path, url: str) -> str:
    """A gzipped corpus page decoded as the fetcher decodes a body (header, `<meta>`,
    then detection: a few pages are not UTF-8)."""
    content = gzip.decompress(path.read_bytes())
    return Page(url=url, final_url=url, status=200, content=content, content_type="text/html").html()


def _extract_page(job: tuple[str, str, bool]) -> Any:
    from tracker.extraction.extract import extract

    path, url, captured = job
    html = page_html(Path(path), url) if captured else Path(path).read_text(encoding="utf-8")
    return extract(html, url)


def extract_pages(jobs: list[tuple[Path, str, bool]]) -> list[Any]:
    """Each (page file, its URL, whether it is a gzipped capture) extracted, on every core:
    a golden corpus of hundreds of pages is most of the suite's time otherwise."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    work = [(str(path), url, captured) for path, url, captured in jobs]
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=get_context("spawn")) as pool:
        return list(pool.map(_extract_page, work, chunksize=16))
