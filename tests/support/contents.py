"""Article contents for the pure tests: one article, and the same with fields changed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from tracker.core.normalize import Content, make_content

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def article(headline: str, paragraphs: Sequence[str]) -> Callable[..., Content]:
    """A maker of one article's `Content` (by Jane Doe, published at T0, never updated):
    called without arguments, the article; with fields, the article with those changed."""

    def content(**fields: Any) -> Content:
        base = {
            "headline": headline,
            "byline": "Jane Doe",
            "paragraphs": paragraphs,
            "published_at": T0,
            "updated_at": None,
        }
        return make_content(**{**base, **fields})

    return content
