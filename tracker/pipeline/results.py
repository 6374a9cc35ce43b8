"""What a check tells its caller (the daemon, `tracker run --once`, `tracker check`)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tracker.store.models import Outcome


class Deferred(StrEnum):
    """A check that did not happen: its host's turn did not come before its batch ended.
    Nothing is recorded; the article stays due."""

    POSTPONED = "postponed"


@dataclass(frozen=True, slots=True)
class CheckResult:
    article_id: int
    url: str
    outcome: Outcome | Deferred
    version_number: int | None = None
    changed: tuple[str, ...] = ()
    error_kind: str | None = None
    message: str | None = None
