"""The golden corpora in ../shared/corpus, and how a test module that needs one says so."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
REQUIRE_CORPUS = os.environ.get("TRACKER_REQUIRE_CORPUS") == "1"


def needs_corpus(folder: Path) -> pytest.MarkDecorator:
    """For a module of golden tests over `folder` of ../shared/corpus: skipped, saying so,
    when it is missing; with TRACKER_REQUIRE_CORPUS=1 (as in CI) a missing corpus fails."""
    if not folder.is_dir() and REQUIRE_CORPUS:
        pytest.fail(f"corpus not found at {folder} and TRACKER_REQUIRE_CORPUS=1", pytrace=False)
    return pytest.mark.skipif(not folder.is_dir(), reason=f"corpus not found at {folder}: SKIPPED")
