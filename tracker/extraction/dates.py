"""Dates as pages and feeds write them: ISO text, Unix times, local formats with zone
abbreviations, `<time datetime>` elements. Every date comes out as aware UTC, or None
when it is not a whole date (no year, month or day)."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, date, datetime
from typing import Any

import lxml.html
from dateutil import parser as dateparser
from htmldate.extractors import COMPLETE_URL, YMD_PATTERN, external_date_parser, regex_parse
from htmldate.validators import correct_year

# Zone abbreviations publishers write after a time ("10:30 CET"); dateutil knows only UTC
_HOUR = 3600
ZONE_ABBREVIATIONS = {
    "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "BST": _HOUR, "WEST": _HOUR, "CET": _HOUR,
    "MEZ": _HOUR, "CEST": 2 * _HOUR, "MESZ": 2 * _HOUR, "EET": 2 * _HOUR, "EEST": 3 * _HOUR,
    "MSK": 3 * _HOUR, "EST": -5 * _HOUR, "EDT": -4 * _HOUR, "CST": -6 * _HOUR,
    "CDT": -5 * _HOUR, "MST": -7 * _HOUR, "MDT": -6 * _HOUR, "PST": -8 * _HOUR,
    "PDT": -7 * _HOUR, "AEST": 10 * _HOUR, "AEDT": 11 * _HOUR, "JST": 9 * _HOUR,
}  # fmt: skip

# two stand-ins for what a date leaves out: a field that differs between the two parses
# was not in the text ("Oct 16" has no year; dateutil would take this year's)
_NO_DATE = (datetime(1, 1, 1), datetime(2, 2, 2))
# "10.12.2022" and "10-12-2022" are the 10th of December (month first is written 12/10/2022)
_DOTTED = re.compile(r"^\s*\d{1,2}(?:\.\s?\d{1,2}\.\s?\d{2,4}|-\d{1,2}-\d{4})")
# what machines write (JSON-LD, meta, `<time datetime>`): Python reads it at once, where
# dateutil's two parses below cost 0.1 ms a date (most of a quick look's Declared.read)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$")
# milliseconds after a colon, as some CMSs write them ("2022-01-10T22:06:08:684Z")
_MILLIS_AFTER_COLON = re.compile(r"(T\d{2}:\d{2}:\d{2}):(?=\d{3}(?:\D|$))")
# a Unix time in seconds or milliseconds (ten or thirteen digits)
_EPOCH = re.compile(r"^\s*(?:\d{10}|\d{13})\s*$")
# a time of day written in the text ("10:30", "10h30", the NYT's "20180306235503")
_TIME_OF_DAY = re.compile(r"\d[:h]\d\d|^\s*(?:19|20)\d{10}(?:\d\d)?\s*$")
# how a `<time>` (its class, itemprop, parent's class or text) says it is the last update
_UPDATED_MARKER = re.compile(r"updat|modif|revised|aktualisiert|mis à jour|actualizad", re.IGNORECASE)


def parse_date(value: Any) -> datetime | None:
    """A declared date as aware UTC; a date without offset is taken as UTC, an unknown
    zone name too. A date without a year, month or day is no date."""
    moment = read_moment(value)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def read_moment(value: Any) -> datetime | None:
    """A declared date as written: aware with the offset it says, naive when it says none
    (a local time, `tracker.extraction.stamps` decides where). None when it has no year,
    month or day."""
    if isinstance(value, str) and _EPOCH.match(value):
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        moment = _from_timestamp(value)
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _ISO.match(text := _MILLIS_AFTER_COLON.sub(r"\1.", value.strip())):
        moment = _from_iso(text)
    elif isinstance(value, str) and value.strip():
        moment = _from_text(value.strip())
    else:
        return None
    if moment is None or not 1990 <= moment.year <= 2100:
        return None
    return moment


def has_time(value: Any) -> bool:
    """A declared date that says its time of day (a number is an instant)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number or bool(isinstance(value, str) and (_EPOCH.match(value) or _TIME_OF_DAY.search(value)))


def _from_timestamp(value: float) -> datetime | None:
    seconds = value / 1000 if value > 10**11 else value  # milliseconds, as JavaScript writes them
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _from_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _from_text(text: str) -> datetime | None:
    """A date as people write it, read twice with different defaults: a field the two
    readings disagree on was not in the text, and a date without its day is none."""
    dayfirst = bool(_DOTTED.match(text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", dateparser.UnknownTimezoneWarning)
            moment, other = (
                dateparser.parse(text, default=default, dayfirst=dayfirst, tzinfos=ZONE_ABBREVIATIONS)
                for default in _NO_DATE
            )
    except (ValueError, OverflowError):
        return None
    return moment if moment.date() == other.date() else None


def first_date(*values: str | float | None) -> datetime | None:
    """The first date declared; when it has no time of day, a later candidate of the
    same day that has one."""
    first: datetime | None = None
    for value in values:
        moment = parse_date(value)
        if moment is None:
            continue
        if first is None:
            if has_time(value):
                return moment
            first = moment
        elif has_time(value) and moment.date() == first.date():
            return moment
    return first


def time_element(tree: lxml.html.HtmlElement, which: str) -> str | None:
    """The first `<time datetime>`, or for "updated" one that says so in its class,
    itemprop, its parent's class or its own text."""
    times = tree.xpath("//time[@datetime]")
    if not times:
        return None
    if which != "updated":
        return str(times[0].get("datetime"))
    for element in times:
        parent = element.getparent()
        marker = " ".join(
            (
                element.get("class", ""),
                element.get("itemprop", ""),
                parent.get("class", "") if parent is not None else "",
                element.text_content(),
            )
        )
        if _UPDATED_MARKER.search(marker):
            return str(element.get("datetime"))
    return None


# the text a reader sees: not scripts, styles, templates (comments are no text nodes)
_URL_DAY_FIRST = re.compile(r"/([0-3]?\d)[-_.]([01]?\d)[-_.]((?:19|20)\d\d)(?:\D|$)")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_DATE_ELEMENTS = (
    "//body//*[contains(translate(concat(@class, ' ', @id), 'DATE', 'date'), 'date')]"
    "[not(ancestor::script or ancestor::style)]"
)
_DATELINE_MAX = 80  # characters: a dateline, not a paragraph
_VISIBLE_TEXT = (
    "//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)]"
)


def declared_day(tree: lxml.html.HtmlElement, url: str | None, guess: datetime | None) -> datetime | None:
    """htmldate's day (trafilatura's metadata), kept only where the page declares it: the
    article URL's own date path, or the same day printed in the page's text. A year alone
    (a copyright line, `copyrightYear`, a menu of years), an address that is not the
    article's (an RDF namespace, an image's uploads path), a comment or the server's
    Last-Modified is a guess: for a change tracker a wrong date is worse than none."""
    if guess is None:
        return None
    day = guess.date()
    if url_day(url) == day or day in printed_days(tree) or day in dateline_days(tree):
        return guess
    return None


def url_day(url: str | None) -> date | None:
    """The day an article's URL carries in its path ("/2019/10/30/", "/2019-10-30-…", or
    day first with the whole year, "/meldungen/29-10-2021")."""
    match = COMPLETE_URL.search(url or "")
    if match is not None:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            return None
    match = _URL_DAY_FIRST.search(url or "")
    if match is not None:
        try:
            return date(int(match[3]), int(match[2]), int(match[1]))
        except ValueError:
            return None
    return None


def printed_days(tree: lxml.html.HtmlElement) -> set[date]:
    """Every whole day (day, month and year) the page's visible text writes, read with
    htmldate's own patterns: numbers ("25.01.2022", "2022-01-25", "1/12/22") and month
    names in its languages ("25. Januar 2022", "January 25th, 2022"). The text is read
    around each year it writes, its elements' texts joined ("<b>11.</b> November 2021")."""
    text = " ".join(" ".join(tree.xpath(_VISIBLE_TEXT)).split())
    days: set[date] = set()
    for match in YMD_PATTERN.finditer(text):
        days.update(_numeric_days(match))
    for year in _YEAR.finditer(text):  # a month's name is written before its year
        named = regex_parse(text[max(0, year.start() - 30) : year.end()])
        if named is not None:
            days.add(named.date())
    return days


def dateline_days(tree: lxml.html.HtmlElement) -> set[date]:
    """The days printed in the page's date elements (a class or id that says "date"), in
    any language htmldate's external parser reads ("15 августа 2016, 13:43")."""
    days: set[date] = set()
    for element in tree.xpath(_DATE_ELEMENTS):
        text = " ".join(element.text_content().split())
        if len(text) <= _DATELINE_MAX and _YEAR.search(text):
            found = external_date_parser(text, "%Y-%m-%d")
            if found is not None:
                days.add(date.fromisoformat(found))
    return days


def _numeric_days(match: re.Match[str]) -> list[date]:
    if match["year"]:
        numbers = [(int(match["year"]), int(match["month"]), int(match["day"]))]
    else:
        year, first, second = correct_year(int(match["year2"])), int(match["day2"]), int(match["month2"])
        numbers = [(year, second, first), (year, first, second)]  # day first, or month first
    days = []
    for year, month, day in numbers:
        try:
            days.append(date(year, month, day))
        except ValueError:
            continue
    return days
