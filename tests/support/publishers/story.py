"""One article as its newsroom has it now, and the request it is rendered for.

A layout renders a `Story` into a publisher's page; what the editor wrote (the truth a
measure compares with) is `Story.text()`: the paragraphs with the subheads in place,
white space folded, nothing of the page around them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def fold(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Story:
    """What an editor can change; times are aware, printed in the publisher's `zone`."""

    slug: str
    headline: str
    byline: list[str]
    paragraphs: list[str]
    published: datetime
    zone: ZoneInfo
    subheads: dict[int, str] = field(default_factory=dict)  # a subhead stands before paragraph i
    updated: datetime | None = None
    dek: str = ""  # the standfirst under the headline: header, not body
    print_headline: str = ""  # the print edition's headline, set once
    later: list[str] = field(default_factory=list)  # the source's paragraphs not published yet
    typo: tuple[str, str] | None = None  # (the paragraph with a typo, its right text) while it stands
    captions: list[str] = field(default_factory=list)  # real captions, for the pictures
    topics: list[str] = field(default_factory=list)
    section: str = "news"
    ident: str = ""

    def text(self) -> tuple[str, ...]:
        """The editor's text as a reader reads it: subheads in place, white space folded."""
        lines: list[str] = []
        for index, paragraph in enumerate(self.paragraphs):
            if index in self.subheads:
                lines.append(fold(self.subheads[index]))
            lines.append(fold(paragraph))
        return tuple(lines)

    def blocks(self) -> list[tuple[str, str]]:
        """(kind, text) in reading order, kind "p" or "h2": what a layout lays out."""
        out: list[tuple[str, str]] = []
        for index, paragraph in enumerate(self.paragraphs):
            if index in self.subheads:
                out.append(("h2", self.subheads[index]))
            out.append(("p", paragraph))
        return out

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def snapshot(self) -> dict[str, object]:
        return {
            "headline": fold(self.headline),
            "byline": tuple(self.byline),
            "body": self.text(),
            "published": self.published,
            "updated": self.updated,
            "day": self.local(self.published).date(),
        }


@dataclass(frozen=True)
class Page:
    """One request for a story: the site's clock, what changes on every request, the
    host's other stories (promos carry their headlines and dates)."""

    url: str
    base: str
    now: datetime
    rng: random.Random
    others: tuple[Story, ...] = ()

    @property
    def nonce(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"
