"""Canonical form of an article's editorial content (pure: no I/O, no clock).

Two fetches of an unchanged article must normalize to the same `Content` and so
the same hash: whitespace, invisible characters and lines that are page chrome
("Advertisement", "26 minutes ago") never reach a version.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"), None)
# control characters (C0 but white space, DEL, C1) never belong to a text; kept, they would
# reach terminals (`tracker history`) as escape sequences
_INVISIBLE |= {
    code: " " if chr(code).isspace() else None  # a vertical tab or NEL still parts two words
    for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
}
_SPACES = re.compile(r"[\s\u00a0\u2000-\u200a\u202f\u205f\u3000]+")

_RELATIVE_TIME = (
    r"(?:(?:updated|posted|published|edited|last updated)\s*:?\s*)?"
    r"(?:(?:about|over|almost|less than)\s+)?"
    r"(?:\d+|an?|one|a few)\s*(?:s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|"
    r"d|days?|w|wks?|weeks?|mo|months?|y|yrs?|years?)\s+ago"
    r"|just now|moments? ago|yesterday|today"
)
_COUNTED = (
    r"people|persons|readers|reading|viewers|views|comments?|replies|shares?|likes?|reactions?|"
    r"responses?|thoughts|votes?|followers|subscribers|claps?"
)
_CHROME_LINE = re.compile(
    r"^(?:"
    r"advertisement|advertising|ad|ads|sponsored(?: content)?|story continues below(?: advertisement)?"
    r"|continue reading(?: the main story)?|skip advertisement|scroll to continue(?: with content)?"
    r"|supported by"
    r"|share(?: this)?(?: story| article| page)?(?: on \w+)?|share on \w+|tweet|email|print|copy link"
    r"|(?:read|see) (?:more|also)|related(?: stories| articles| content)?|more stories|most (?:read|popular)"
    r"|trending(?: now)?|recommended(?: for you)?|you may also like|leave a (?:reply|comment)"
    r"|(?:sign up|subscribe)(?: to| for)? (?:our|the) [\w\s]{0,40}newsletters?|newsletters?"
    rf"|{_RELATIVE_TIME}"
    rf"|[\d,.]+[km]?\s+(?:{_COUNTED})"
    r"(?:\s+(?:are|is)?\s*(?:reading|viewing|watching|online)(?:\s+(?:this|the))?(?:\s+(?:article|story|page))?"
    r"(?:\s+(?:right\s+)?now)?|\s+on\s+[\w\s]{1,30}|\s+so\s+far)?"
    # a counter with its label: "Twitter (12)", "Total 12 comments", "Comments: 12", a bare
    # count; not a label and a number alone ("Circa 2011", "Chapter 3" are subheadings)
    rf"|(?:\w+\s+){{0,2}}(?:\([\d,.]+[km]?\)|[\d,.]+[km]?\s*(?:{_COUNTED}))"
    rf"|(?:{_COUNTED})\s*:?\s*\(?[\d,.]+[km]?\)?|\(?[\d,.]+[km]?\)?"
    r")[\s.:!|·•-]*$",
    re.IGNORECASE,
)


def clean_text(text: str | None) -> str:
    """NFC, invisible and control characters dropped, every run of white space one
    space, trimmed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


def is_chrome_line(text: str) -> bool:
    """A paragraph that is page furniture, never an editor's words."""
    return bool(_CHROME_LINE.match(text))


def clean_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    cleaned = (clean_text(paragraph) for paragraph in paragraphs)
    return tuple(text for text in cleaned if text and not is_chrome_line(text))


def to_utc(moment: datetime | None) -> datetime | None:
    """Aware UTC, to the second; a naive time is taken as UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Content:
    """What an editor wrote: the fields a version stores and a revision compares."""

    headline: str
    byline: str
    body: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None

    @property
    def body_text(self) -> str:
        return "\n\n".join(self.body)

    def canonical_json(self) -> str:
        return json.dumps(
            {
                "headline": self.headline,
                "byline": self.byline,
                "body": list(self.body),
                "published_at": iso(self.published_at),
                "updated_at": iso(self.updated_at),
            },
            ensure_ascii=False,
            sort_keys=True,
            separators=(",", ":"),
        )

    @property
    def content_hash(self) -> str:
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()


# The longest field tracker keeps: a real headline is under 300 characters and a byline
# under 200; a page claiming more is markup gone wrong or hostile (a 1,000,004-character
# headline would be stored in every version). Longer text is cut at a word, with "…".
HEADLINE_MAX = 1_000
BYLINE_MAX = 500
PARAGRAPH_MAX = 20_000
PARAGRAPHS_MAX = 2_000


def capped(text: str, limit: int) -> str:
    """`text`, cut at the last space before `limit` characters (with "…") when longer."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip() + "…"


def make_content(
    *,
    headline: str | None,
    byline: str | None,
    paragraphs: list[str] | tuple[str, ...],
    published_at: datetime | None,
    updated_at: datetime | None,
) -> Content:
    body = clean_paragraphs(paragraphs)
    return Content(
        headline=capped(clean_text(headline), HEADLINE_MAX),
        byline=capped(clean_text(byline), BYLINE_MAX),
        body=tuple(capped(p, PARAGRAPH_MAX) for p in body[:PARAGRAPHS_MAX]),
        published_at=to_utc(published_at),
        updated_at=to_utc(updated_at),
    )


class StoredContent(Protocol):
    """What a stored version holds of its content (a row of the table will do)."""

    @property
    def headline(self) -> str | None: ...
    @property
    def byline(self) -> str | None: ...
    @property
    def body(self) -> str: ...
    @property
    def published_at(self) -> datetime | None: ...
    @property
    def updated_at(self) -> datetime | None: ...


def content_of(version: StoredContent) -> Content:
    """A stored version as Content."""
    return make_content(
        headline=version.headline,
        byline=version.byline,
        paragraphs=split_body(version.body),
        published_at=version.published_at,
        updated_at=version.updated_at,
    )


def split_body(body: str) -> tuple[str, ...]:
    """A stored body back into its paragraphs."""
    return tuple(part for part in body.split("\n\n") if part)


def iso(moment: datetime | None) -> str | None:
    """A moment as ISO 8601 text (None stays None), as content hashes and JSON write it."""
    return moment.isoformat() if moment else None
