"""What a page declares of its article: JSON-LD, meta tags, microdata, the visible
byline and `<time>` elements, the canonical URL. Shared by extraction and the quick
look (`glance`), which reads the same fields to fingerprint a page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lxml.html
from dateutil import parser as dateparser

from tracker.core.normalize import clean_text
from tracker.core.urls import try_normalize_url

ARTICLE_TYPES = frozenset(
    {
        "article",
        "newsarticle",
        "reportagenewsarticle",
        "analysisnewsarticle",
        "opinionnewsarticle",
        "backgroundnewsarticle",
        "reviewnewsarticle",
        "blogposting",
        "liveblogposting",
        "socialmediaposting",
        "scholarlyarticle",
        "techarticle",
        "report",
    }
)


HEADLINE_META = ("og:title", "twitter:title", "title", "dc.title", "sailthru.title", "parsely-title")


BYLINE_META = (
    "author",
    "byl",
    "dc.creator",
    "sailthru.author",
    "parsely-author",
    "article:author",
    "citation_author",
    "dcterms.creator",
)


PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "date",
    "dc.date.issued",
    "dcterms.created",
    "parsely-pub-date",
    "sailthru.date",
    "citation_publication_date",
)


UPDATED_META = (
    "article:modified_time",
    "og:updated_time",
    "datemodified",
    "lastmod",
    "last-modified",
    "dcterms.modified",
    "dc.date.modified",
)


ID_META = (
    "article:id",
    "article.id",
    "articleid",
    "parsely-post-id",
    "cxenseparse:articleid",
    "sailthru.contentid",
    "content-id",
    "dcterms.identifier",
)


BYLINE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:byline|by-line|author|authors|writer|contributor)(?:$|[\s_-])", re.IGNORECASE
)


STRONG_BYLINE_CLASS = re.compile(r"(?:^|[\s_-])(?:byline|by-line)(?:$|[\s_-])", re.IGNORECASE)


_BY_LINE = re.compile(r"^(?:(?:written|reported|story)\s+)?(?:by|par|von|por|door)\s+\S", re.IGNORECASE)


_UPDATED_MARKER = re.compile(r"updat|modif|revised|aktualisiert|mis à jour|actualizad", re.IGNORECASE)


_BY_PREFIX = re.compile(
    r"^\s*(?:(?:written|reported|story)\s+)?(?:by|par|von|por|door|di|af|av)[:\s]+", re.IGNORECASE
)


_BYLINE_END = re.compile(
    r"\s(?:[•|·—–]|updated\b|published\b|posted\b|edited by\b|\d{1,2}[:/.]\d"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\d+\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?)\b).*$",
    re.IGNORECASE,
)


_JSON_WRAPPER = re.compile(
    r"^\s*(?://|/\*)?\s*(?:<!--|<!\[CDATA\[)\s*(?:\*/)?|(?://|/\*)?\s*(?:-->|\]\]>)\s*(?:\*/)?\s*$"
)


_TITLE_SEPARATOR = re.compile(r"\s+(?:[|·•»:/\\]|-|–|—|::)\s+")


_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)


_NOT_A_NAME = re.compile(
    r"https?://|@|\bupdated\b|\bpublished\b|\d{4}|\bminutes?\b|\bhours?\b", re.IGNORECASE
)


@dataclass(slots=True)
class Declared:
    """What the page declares about its article, read without trafilatura."""

    headline: str | None = None
    byline: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    site_name: str | None = None
    h1: list[str] | None = None
    publisher_id: str | None = None

    @classmethod
    def read(cls, tree: lxml.html.HtmlElement) -> Declared:
        ld = _json_ld_article(tree)
        meta = _meta(tree)
        micro = _microdata(tree)
        return cls(
            headline=_first(
                _text(ld.get("headline")),
                _text(ld.get("name")),
                *(meta.get(key) for key in HEADLINE_META),
                micro.get("headline"),
            ),
            byline=_first(
                _people(ld.get("author")),
                *(person_names(meta.get(key)) for key in BYLINE_META),
                person_names(micro.get("author")),
                _visible_byline(tree),
            ),
            published_at=_first_date(
                ld.get("datePublished"),
                ld.get("dateCreated"),
                *(meta.get(key) for key in PUBLISHED_META),
                micro.get("datepublished"),
                _time_element(tree, "published"),
            ),
            updated_at=_first_date(
                ld.get("dateModified"),
                *(meta.get(key) for key in UPDATED_META),
                micro.get("datemodified"),
                _time_element(tree, "updated"),
            ),
            site_name=_first(meta.get("og:site_name"), _text(_get(ld.get("publisher"), "name"))),
            h1=[clean_text(h.text_content()) for h in tree.iter("h1")],
            publisher_id=_first(_identifier(ld.get("identifier")), *(meta.get(key) for key in ID_META)),
        )


def _json_ld_article(tree: lxml.html.HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object whose @type is an article type, or {}."""
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _load_json(script.text or "")
        for item in _walk_ld(data):
            types = item.get("@type")
            names = types if isinstance(types, list) else [types]
            if any(isinstance(name, str) and name.lower() in ARTICLE_TYPES for name in names):
                return item
    return {}


def _load_json(text: str) -> Any:
    text = _JSON_WRAPPER.sub("", text).strip()
    try:
        return json.loads(text, strict=False)
    except ValueError:
        return None


def _walk_ld(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _walk_ld(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity", "itemListElement"):
            if key in data:
                yield from _walk_ld(data[key])


def _meta(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """`<meta>` values by lower-case name/property/itemprop; the first of each wins."""
    found: dict[str, str] = {}
    for element in tree.iter("meta"):
        content = clean_text(element.get("content"))
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            for key in (element.get(attribute) or "").lower().split():
                found.setdefault(key, content)
    return found


def _microdata(tree: lxml.html.HtmlElement) -> dict[str, str]:
    found: dict[str, str] = {}
    for element in tree.xpath("//*[@itemprop and not(self::meta)]"):
        key = element.get("itemprop", "").lower()
        value = element.get("datetime") or element.get("content")
        if key == "author":
            names = element.xpath('.//*[@itemprop="name"]')
            value = value or (names[0].text_content() if names else element.text_content())
        value = clean_text(value or element.text_content())
        if value:
            found.setdefault(key, value)
    return found


def _visible_byline(tree: lxml.html.HtmlElement) -> str | None:
    """From the page itself, by strength of signal: an element classed as a byline
    ("By A and B"), the `rel=author` links, elements classed author/writer, and last
    a short "By A and B" line after the headline."""
    linked = (n for a in tree.xpath('//a[@rel="author"]') if (n := person_names(a.text_content())))
    return (
        _classed_names(tree, STRONG_BYLINE_CLASS)
        or ", ".join(dict.fromkeys(linked))
        or _classed_names(tree, BYLINE_CLASS)
        or _by_line(tree)
    )


def _by_line(tree: lxml.html.HtmlElement) -> str | None:
    """A short "By A and B" line among the elements that follow the first `<h1>`."""
    headings = tree.xpath("//h1")
    if not headings:
        return None
    for sibling in list(headings[0].itersiblings())[:10]:
        for candidate in sibling.iter("p", "div", "span", "address", "li"):
            text = _text_without_times(candidate)
            if len(text) <= 120 and _BY_LINE.match(text):
                return person_names(text)
    return None


def _text_without_times(element: lxml.html.HtmlElement) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag != "time":
            parts.append(_text_without_times(child))
        parts.append(child.tail or "")
    return clean_text(" ".join(parts))


def _classed_names(tree: lxml.html.HtmlElement, pattern: re.Pattern[str]) -> str | None:
    for element in tree.xpath("//*[@class]"):
        if element.tag in ("body", "html", "article", "main", "section", "script", "style"):
            continue
        if pattern.search(element.get("class", "")):
            text = clean_text(element.text_content())
            names = person_names(text) if 0 < len(text) <= 120 else None
            if names:
                return names
    return None


def _time_element(tree: lxml.html.HtmlElement, which: str) -> str | None:
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


def declared_canonical(tree: lxml.html.HtmlElement, url: str | None) -> str | None:
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        normalized = try_normalize_url(str(href), url)
        if normalized:
            return normalized
    for content in tree.xpath('//meta[@property="og:url"]/@content'):
        normalized = try_normalize_url(str(content), url)
        if normalized:
            return normalized
    return None


def visible_headline(declared: Declared, tree: lxml.html.HtmlElement) -> str | None:
    """An `<h1>` the `<title>` agrees with, else the `<title>` without the site's name,
    else the first `<h1>`."""
    headings = [text for text in declared.h1 or [] if text]
    title = clean_text(tree.findtext(".//title"))
    for heading in headings:
        if title and title.casefold().startswith(heading.casefold()):
            return heading
    if title:
        return strip_site_name(title, declared.site_name)
    return headings[0] if headings else None


def strip_site_name(title: str, site_name: str | None) -> str:
    """'Story headline | Site' -> 'Story headline': the site's name, or a short last part
    after a separator, is dropped when what stays is long enough to be a headline."""
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    head, tail = title[: title.rfind(parts[-1])].rstrip(" |·•»:/\\-–—"), parts[-1]
    is_site = bool(site_name) and tail.casefold() == clean_text(site_name).casefold()
    if (is_site or len(tail.split()) <= 3) and len(head.split()) >= 3:
        return head
    return title


def _people(value: Any) -> str | None:
    """Names from a JSON-LD author: a string, a Person, an Organization, or a list of them."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = _get(item, "name") if isinstance(item, dict) else item
        cleaned = person_names(_text(name))
        if cleaned:
            names.extend(cleaned.split(", "))
    return ", ".join(dict.fromkeys(names)) or None


def person_names(text: str | None) -> str | None:
    """'By Jane Doe and John Roe | Reuters' -> 'Jane Doe, John Roe'; None when no name."""
    text = clean_text(text)
    if not text or text.lower().startswith(("http://", "https://")):
        return None
    text = _BYLINE_END.sub("", _BY_PREFIX.sub("", text))
    names = [part.strip(" .:-–—") for part in _NAME_SPLIT.split(text)]
    names = [name for name in names if name and not _NOT_A_NAME.search(name) and len(name.split()) <= 5]
    return ", ".join(dict.fromkeys(names)) or None


def parse_date(value: Any) -> datetime | None:
    """A declared date as aware UTC; a date without offset is taken as UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value.strip():
        try:
            moment = dateparser.parse(value.strip())
        except (ValueError, OverflowError):
            return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not 1990 <= moment.year <= 2100:
        return None
    return moment.astimezone(UTC)


def _first_date(*values: Any) -> datetime | None:
    """The first date declared; when it has no time of day, a later candidate of the
    same day that has one."""
    first: datetime | None = None
    for value in values:
        text = value if isinstance(value, str) else _text(value)
        moment = parse_date(text)
        if moment is None:
            continue
        has_time = bool(text and re.search(r"\d[:h]\d\d", text))
        if first is None:
            if has_time:
                return moment
            first = moment
        elif has_time and moment.date() == first.date():
            return moment
    return first


def _first(*values: str | None) -> str | None:
    for value in values:
        if value and clean_text(value):
            return clean_text(value)
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    return clean_text(value) if isinstance(value, str) else None


def _identifier(value: Any) -> str | None:
    """A JSON-LD identifier: a string or number, or a PropertyValue's value."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("value") or value.get("@id")
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    return clean_text(value) if isinstance(value, str) else None


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None
