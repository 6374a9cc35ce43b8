"""Fixtures of the end-to-end tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.histories import history_with_a_failed_check
from tests.support.site import NewsSite


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, NewsSite, list[Any]]]:
    """A day of real history on the simulated site, and an article whose only check failed,
    built once for the module that asks: (its config.yaml, the site, its stories)."""
    site = NewsSite().start()
    config, stories = history_with_a_failed_check(tmp_path_factory.mktemp("web"), site)
    yield config, site, stories
    site.stop()
