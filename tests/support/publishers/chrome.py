"""What every layout needs around the story: escaping, JSON-LD, the page's weight (inline
CSS and script state as real pages carry them, hundreds of kilobytes), menus, and dates
written as each publisher prints them."""

from __future__ import annotations

import html
import json
import random
from datetime import UTC, datetime

SECTIONS = (
    "World",
    "US & Canada",
    "UK",
    "Business",
    "Politics",
    "Technology",
    "Science",
    "Health",
    "Culture",
    "Climate",
    "Sport",
    "Travel",
    "Opinion",
    "Books",
    "Food",
    "Weather",
    "Video",
    "Newsletters",
)
_PROPS = (
    "margin:0",
    "padding:0 1rem",
    "display:flex",
    "font-family:inherit",
    "font-size:1.125rem",
    "line-height:1.5",
    "color:#3F3F42",
    "background-color:#F6F6F6",
    "border-bottom:0.0625rem solid #DDDDDD",
    "-webkit-box-align:center",
    "position:relative",
    "max-width:63rem",
    "grid-template-columns:repeat(12,1fr)",
    "text-decoration:none",
)
_NAMES = ("Wrapper", "Heading", "Link", "Stack", "Promo", "Text", "Container", "Grid", "Item", "Icon")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def slug_of(text: str, words: int = 7) -> str:
    kept = "".join(c.lower() if c.isalnum() else " " for c in text).split()
    return "-".join(kept[:words])


def json_ld(data: object) -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def script_json(name: str, data: object, *, attributes: str = "") -> str:
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f"<script{attributes}>{name} = {text};</script>"


def css(prefix: str, size: int, seed: str) -> str:
    """About `size` bytes of generated class rules, as CSS-in-JS writes them (the same on
    every request of a layout: `seed` names it)."""
    rng = random.Random(seed)
    rules: list[str] = []
    total = 0
    while total < size:
        name = f"{prefix}-{rng.getrandbits(32):x}-{rng.choice(_NAMES)}{rng.choice(_NAMES)}"
        body = ";".join(rng.sample(_PROPS, rng.randint(3, 7)))
        media = rng.random() < 0.3
        rule = f".{name}{{{body};}}"
        rule = f"@media (min-width: {rng.choice((25, 37.5, 63))}rem){{{rule}}}" if media else rule
        rules.append(rule)
        total += len(rule)
    return "".join(rules)


def state(size: int, seed: str) -> list[dict[str, object]]:
    """About `size` bytes of an app's script state: modules, ids and flags (no prose)."""
    rng = random.Random(seed)
    items: list[dict[str, object]] = []
    total = 0
    while total < size:
        item: dict[str, object] = {
            "id": f"{rng.getrandbits(64):016x}",
            "type": rng.choice(("promo", "module", "slot", "config", "experiment")),
            "enabled": rng.random() < 0.5,
            "weight": rng.randint(1, 999),
            "keys": [f"k{rng.getrandbits(24):x}" for _ in range(rng.randint(2, 6))],
        }
        items.append(item)
        total += len(json.dumps(item))
    return items


def menu(item_class: str, link_class: str, base: str = "") -> str:
    return "".join(
        f'<li class="{item_class}"><a class="{link_class}" href="{base}/{slug_of(s)}">{esc(s)}</a></li>'
        for s in SECTIONS
    )


def offset(moment: datetime, *, colon: bool = True) -> str:
    """The moment's UTC offset as "-04:00" (or "-0400")."""
    text = moment.strftime("%z")
    return f"{text[:3]}:{text[3:]}" if colon else text


def iso_local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + offset(moment)


def iso_z(moment: datetime, *, millis: bool = True) -> str:
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{utc.microsecond // 1000:03d}Z" if millis else "Z")


def clock12(moment: datetime, *, dots: bool = False) -> str:
    """ "6:25 PM" (or "6:25 p.m.", as the Post writes it since 2022)."""
    hour = moment.hour % 12 or 12
    half = ("a.m." if moment.hour < 12 else "p.m.") if dots else ("AM" if moment.hour < 12 else "PM")
    return f"{hour}:{moment.minute:02d} {half}"


_AP_MONTHS = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)


def ap_date(moment: datetime) -> str:
    """ "Aug. 16, 2020", as the New York Times prints a date."""
    return f"{_AP_MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def long_date(moment: datetime) -> str:
    """ "November 1, 2019"."""
    return f"{moment:%B} {moment.day}, {moment.year}"


def day_month_year(moment: datetime) -> str:
    """ "30 September 2024", as the BBC prints a date."""
    return f"{moment.day} {moment:%B %Y}"


def relative(now: datetime, then: datetime) -> str:
    """ "2 hours ago" for a day, then the date (as the BBC's timestamp does)."""
    hours = int((now - then).total_seconds() // 3600)
    if hours < 1:
        return f"{max(1, int((now - then).total_seconds() // 60))} minutes ago"
    if hours < 24:
        return f"{hours} hour{'s' if hours > 1 else ''} ago"
    return ""
