"""robots.txt, host by host (RFC 9309), as the fetcher last read it.

It is read again after a day. A robots.txt that answers 4xx allows everything;
one whose server fails (5xx) disallows everything for ten minutes; one that
cannot be reached at all leaves the page's own fetch to say why, and is asked
again next time. Its Crawl-delay, when longer, becomes the host's delay.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tracker.fetch.results import FetchFailure, FetchResult, Page, Refusal

ROBOTS_TTL = 24 * 3600.0
ROBOTS_RETRY = 600.0
ROBOTS_MAX_BYTES = 512_000


def robots_url(url: str) -> str:
    """Where the robots.txt that rules `url` is."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/robots.txt"


@dataclass(slots=True)
class Robots:
    """One host's robots.txt: its rules (None: everything is allowed), whether its
    server failed (then nothing is), until when that holds, and a lock so that one
    request reads it while the others wait."""

    rules: Any = None
    failing: bool = False
    until: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def learn(self, result: FetchResult, now: float, agent: str) -> float | None:
        """Take in what asking for robots.txt gave, at `now` (monotonic); returns the
        Crawl-delay it sets for `agent`, if it sets one."""
        from protego import Protego

        self.rules, self.failing, self.until = None, False, now + ROBOTS_TTL
        if isinstance(result, Page):
            self.rules = Protego.parse(result.content[:ROBOTS_MAX_BYTES].decode("utf-8", "replace"))
            crawl_delay = self.rules.crawl_delay(agent)
            return float(crawl_delay) if crawl_delay else None
        if isinstance(result, FetchFailure) and result.status is not None:
            if not 400 <= result.status < 500:  # 4xx: no robots.txt, everything is allowed
                self.failing, self.until = True, now + ROBOTS_RETRY
        else:
            self.until = 0.0  # not reached at all: the page's own fetch will say why
        return None

    def refusal(self, url: str, user_agent: str, agent: str) -> Refusal | None:
        """Why these rules forbid `url` to `user_agent` (named `agent` in the message)."""
        if self.failing:
            return Refusal("robots", "robots.txt could not be read; the site is left alone for now")
        if self.rules is not None and not self.rules.can_fetch(url, user_agent):
            return Refusal("robots", f"robots.txt disallows {urlsplit(url).path} for {agent}")
        return None
