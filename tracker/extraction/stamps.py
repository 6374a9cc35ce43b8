"""A page's own times: the instant each declared time means, and the page's offset from
UTC beside it (minutes east), so that the page's own calendar day is known.

`declared` names the candidates of each time in its cascade's order (JSON-LD, `<meta>`,
microdata, `<time>`); the first is the time, as `dates.first_date` chooses. The rules
that do not depend on which markup a capture has:

1. A time written without an offset ("2019-10-30 09:05:12" in CNN's 2016 `<meta>`) is
   the page's local time: read in the zone the page prints beside its times ("9:05 AM
   ET"), or as UTC when it prints none.
2. The page's offset for an instant is, in order: a declared value of that instant (to
   the minute) written with an offset other than UTC's ("2019-01-03T02:00:02-0500"); a
   time printed on the page of that instant with its zone ("6:25 PM EDT"); a local time
   without an offset that is that instant in some zone (the NYT's `ptime`); the zone the
   page prints for its other times; else unknown. A "Z" or "+00:00" says how the value
   was written, not where the page is.
3. An updated time equal to the published time (to the minute) is no update: some
   markups write `dateModified` on every page, others only once the story is updated.
4. Sources that disagree: the time printed under the headline with its zone (a `<time>`
   or a dateline, not one that says it is an update) wins over a machine time (JSON-LD,
   `<meta>`) that puts the story on another day of the page's calendar, and stands
   where the markup declares no time. Within one day the machine time stays (it is to
   the second where print is to the minute, and a page may print its last update
   unlabelled).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
from dateutil import parser as dateparser
from lxml import etree

from tracker.core.normalize import clean_text
from tracker.extraction.dates import ZONE_ABBREVIATIONS, has_time, read_moment

_NEW_YORK, _CHICAGO = ZoneInfo("America/New_York"), ZoneInfo("America/Chicago")
_DENVER, _LOS_ANGELES = ZoneInfo("America/Denver"), ZoneInfo("America/Los_Angeles")
_LONDON, _BERLIN = ZoneInfo("Europe/London"), ZoneInfo("Europe/Berlin")
# a zone a page names for its times: the place whose clock it is (EDT in winter is EST)
PLACES: dict[str, tzinfo] = {
    "ET": _NEW_YORK, "EST": _NEW_YORK, "EDT": _NEW_YORK, "CT": _CHICAGO, "CST": _CHICAGO,
    "CDT": _CHICAGO, "MT": _DENVER, "MST": _DENVER, "MDT": _DENVER, "PT": _LOS_ANGELES,
    "PST": _LOS_ANGELES, "PDT": _LOS_ANGELES, "BST": _LONDON, "CET": _BERLIN, "CEST": _BERLIN,
    "MEZ": _BERLIN, "MESZ": _BERLIN, "AEST": ZoneInfo("Australia/Sydney"),
    "AEDT": ZoneInfo("Australia/Sydney"), "JST": ZoneInfo("Asia/Tokyo"),
}  # fmt: skip
_ZONE_WORD = re.compile(
    r"\b(" + "|".join(sorted({*PLACES, *ZONE_ABBREVIATIONS}, key=len, reverse=True)) + r")\b"
)
# what reads a printed time: its zone's letters, or the place's clock for "ET" and kin
_TZINFOS: dict[str, Any] = {**ZONE_ABBREVIATIONS, **{k: v for k, v in PLACES.items() if len(k) == 2}}
# elements that print a time: `<time>`, and those whose class, id or test ids say "date" or
# "stamp" (the XPath only narrows: lower-casing every element's attributes in it costs
# several milliseconds a page; `_says_time` decides). Walking the attributes and going
# up to their elements is a third of the cost of testing every element's attributes
# (0.5 against 1.5 ms on a page of 800 elements).
_PRINTED = etree.XPath(
    "//body//time | //body//*/@class[contains(., 'ate') or contains(., 'tamp')]/.."
    " | //body//*/@id[contains(., 'ate')]/.. | //body//*/@data-testid/.. | //body//*/@data-qa/.."
)
_MARKS = ("class", "id", "data-testid", "data-qa")
# where a time is not the story's: an embedded post (a quoted tweet, an Instagram card),
# a figure's credit, a side box, the menus and the footer
_ELSEWHERE = frozenset(("blockquote", "aside", "figure", "nav", "footer"))
_PRINTED_MAX = 120  # characters: a dateline, not a paragraph that mentions a date
_CLOCK = re.compile(r"\d[:.]\d\d")
_UPDATED = re.compile(
    r"updat|modif|revised|aktualisiert|geändert|mis à jour|actualizad|aggiornat", re.IGNORECASE
)
# as people print a time: "12.58 GMT" (a dot in the clock), "2016: 12:41" (a colon after the year)
_DOTTED_CLOCK = re.compile(r"(?<![\d.])(\d{1,2})\.(\d\d)(?![\d.])")
_YEAR_COLON = re.compile(r"\b((?:19|20)\d\d):(?=\s)")
_NO_DATE = (datetime(1, 1, 1), datetime(2, 2, 2))
_UTC_WRITTEN = re.compile(r"(?:Z|UTC|[+-]00:?00)\s*$", re.IGNORECASE)
_DAY = timedelta(hours=14)  # the farthest a local time is from UTC


@dataclass(frozen=True, slots=True)
class Stamp:
    """A declared time: the UTC instant, and the page's offset from UTC in minutes east
    (None when the page does not say it)."""

    at: datetime
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class _Printed:
    """A time printed on the page with its zone: the instant, the offset it was printed
    in, the place the zone names (if it names one), whether it says it is an update,
    and whether it is the story's dateline."""

    at: datetime
    offset: int
    place: tzinfo | None
    updated: bool
    dateline: bool  # under the headline, the story's own (`_is_dateline`)


def page_times(
    tree: lxml.html.HtmlElement,
    published: Sequence[Any],
    updated: Sequence[Any],
    others: Iterable[Any] = (),
) -> tuple[Stamp | None, Stamp | None]:
    """The published and updated times, from their candidates in cascade order; `others`
    are further machine values (`<meta>` times of no known role) that may say the offset."""
    page = _Page(tree, (*published, *updated, *others))
    last = page.stamp(updated)
    first = page.printed_over(page.stamp(published), last)
    if first is not None and last is not None and _same_minute(first.at, last.at):
        last = None
    return first, last


class _Page:
    """What a page says of its zone, read once and only when a time needs it."""

    def __init__(self, tree: lxml.html.HtmlElement, values: Sequence[Any]) -> None:
        self.tree = tree
        self.values = values

    def stamp(self, candidates: Sequence[Any]) -> Stamp | None:
        """The first candidate as `first_date` chooses it (a date alone gives way to a
        later time of that day), read in the page's zone when it says no offset."""
        chosen: datetime | None = None
        for value in candidates:
            moment = read_moment(value)
            if moment is None:
                continue
            instant = self._instant(moment)
            if has_time(value):
                if chosen is None or instant.date() == chosen.date():
                    return Stamp(instant, self.offset(instant))
            elif chosen is None:
                chosen = instant
        return Stamp(chosen, None) if chosen is not None else None

    def printed_over(self, machine: Stamp | None, updated: Stamp | None) -> Stamp | None:
        """Rule 4: the time printed under the headline (not an update's) over a machine
        time that puts the story on another day, or where the markup declares none. A
        dateline that prints the machine time agrees with it, wherever it stands."""
        datelines = [p for p in self._printed if p.dateline]
        if machine is not None and any(_same_minute(p.at, machine.at) for p in datelines):
            return machine
        printed = next(
            (
                p
                for p in datelines
                if not p.updated and not (updated is not None and _same_minute(p.at, updated.at))
            ),
            None,
        )
        if printed is None:
            return machine
        if machine is None or _day(machine.at, printed.offset) != _day(printed.at, printed.offset):
            return Stamp(printed.at, printed.offset)
        return machine

    def offset(self, instant: datetime) -> int | None:
        """The page's offset for `instant` (rule 2 of the module)."""
        for moment, value in self._written:
            if moment.tzinfo is not None and _same_minute(moment, instant) and _says_zone(moment, value):
                return _minutes(moment.utcoffset())
        for printed in self._printed:
            if _same_minute(printed.at, instant):
                return printed.offset
        for moment, _value in self._written:
            if moment.tzinfo is None and (minutes := _local_offset(moment, instant)) is not None:
                return minutes
        place = self._place
        return _minutes(place.utcoffset(instant.replace(tzinfo=None))) if place is not None else None

    def _instant(self, moment: datetime) -> datetime:
        """A moment as UTC; a local one (no offset) in the page's zone (rule 1)."""
        if moment.tzinfo is None:
            place = self._place
            moment = moment.replace(tzinfo=place if place is not None else UTC)
        return moment.astimezone(UTC).replace(microsecond=0)

    @cached_property
    def _written(self) -> list[tuple[datetime, Any]]:
        """Every machine value with its time of day, as written."""
        found = ((read_moment(value), value) for value in self.values if has_time(value))
        return [(moment, value) for moment, value in found if moment is not None]

    @cached_property
    def _printed(self) -> list[_Printed]:
        return list(_printed_times(self.tree))

    @cached_property
    def _place(self) -> tzinfo | None:
        """The place whose clock the page prints its times in, if it names one."""
        return next((printed.place for printed in self._printed if printed.place is not None), None)


def _printed_times(tree: lxml.html.HtmlElement) -> Iterator[_Printed]:
    """Times printed with a zone in `<time>` elements and date or timestamp elements."""
    seen: set[str] = set()
    for element in _PRINTED(tree):
        if not _says_time(element):
            continue
        text = clean_text(element.text_content())
        if text in seen or len(text) > _PRINTED_MAX or not _CLOCK.search(text):
            continue
        seen.add(text)
        zone = _ZONE_WORD.search(text)
        moment = _printed_moment(text) if zone else None
        if zone is None or moment is None or moment.tzinfo is None:
            continue
        yield _Printed(
            moment.astimezone(UTC).replace(microsecond=0),
            _minutes(moment.utcoffset()),
            PLACES.get(zone[1]),
            bool(_UPDATED.search(text)),
            _is_dateline(element),
        )


def _says_time(element: lxml.html.HtmlElement) -> bool:
    if element.tag == "time":
        return True
    marks = " ".join(element.get(attribute, "") for attribute in _MARKS).lower()
    return "date" in marks or "stamp" in marks


def _is_dateline(element: lxml.html.HtmlElement) -> bool:
    """A time under the headline (a clock in the site's header is above it), and not
    inside an embedded post, a figure, a side box, the menus or the footer."""
    if any(ancestor.tag in _ELSEWHERE for ancestor in element.iterancestors()):
        return False
    return bool(element.xpath("boolean(preceding::h1)"))


def _printed_moment(text: str) -> datetime | None:
    """A whole date and time as a page prints it ("Updated 10:04 AM EDT, Tue June 6,
    2023", "Friday 27 January 2012 12.58 GMT"), read twice with different defaults: a
    field the two readings disagree on was not printed."""
    text = _YEAR_COLON.sub(r"\1", _DOTTED_CLOCK.sub(r"\1:\2", text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
            moment, other = (
                dateparser.parse(text, default=default, fuzzy=True, tzinfos=_TZINFOS) for default in _NO_DATE
            )
    except (ValueError, OverflowError):
        return None
    if moment.date() != other.date() or not 1990 <= moment.year <= 2100:
        return None
    return moment


def _says_zone(moment: datetime, value: Any) -> bool:
    """A value written with the page's offset, not converted to UTC ("Z", "+00:00")."""
    offset = moment.utcoffset()
    return bool(offset) or (isinstance(value, str) and not _UTC_WRITTEN.search(value))


def _local_offset(local: datetime, instant: datetime) -> int | None:
    """The offset that makes a local time (no offset) `instant`: a whole quarter hour
    apart, to the second, and not none (a local time equal to UTC says nothing)."""
    apart = local - instant.replace(tzinfo=None)
    if not apart or abs(apart) > _DAY or apart.total_seconds() % 900:
        return None
    return int(apart.total_seconds()) // 60


def _same_minute(a: datetime, b: datetime) -> bool:
    return abs(a - b) < timedelta(minutes=1) and a.replace(second=0, microsecond=0) == b.replace(
        second=0, microsecond=0
    )


def _day(moment: datetime, minutes: int) -> object:
    return (moment + timedelta(minutes=minutes)).date()


def _minutes(offset: timedelta | None) -> int:
    return int(offset.total_seconds()) // 60 if offset is not None else 0
