"""What a page declares of its article: JSON-LD, meta tags, microdata, the visible
byline and `<time>` elements, the canonical URL. Shared by extraction and the quick
look (`glance`), which reads the same fields to fingerprint a page."""

from __future__ import annotations

import html
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lxml.html
from dateutil import parser as dateparser

from tracker.core.normalize import clean_text
from tracker.core.urls import site_of, try_normalize_url

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
    "originalpublicationdate",
    "rnews:datepublished",
    "article.published",
    "publication_date",
    "date_published",
    "parsely-page:pub_date",
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
    r"^\s*(?:(?:written|reported|story|posted|published|veröffentlicht|eingestellt|geschrieben|verfasst"
    r"|publié|publicado|escrito)\s*)?(?:by|par|von|por|door|di|af|av|de)[:\s]+"
    r"|^\s*(?:author|authors|autor|autorin|autoren|auteur|text|texte|von|zum profil von)\s*:?\s+",
    re.IGNORECASE,
)


_BYLINE_END = re.compile(
    r"\s(?:[•|·—–]|updated\b|published\b|posted\b|edited by\b|\d{1,2}[:/.]\d"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d"
    r"|\d+\s*(?:h|hrs?|hours?|m|mins?|minutes?|d|days?)\b"
    r"|(?:am|um|le|el|on)\s+(?:\d|mo|di|mi|do|fr|sa|so|lu|ma|je|ve|mon|tue|wed|thu|fri|sat|sun)"
    r"|(?:sagt|says|said|schreibt|writes)\b"
    r"|(?:mo|di|mi|do|fr|sa|so|mon|tue|wed|thu|fri|sat|sun)\.?,?$).*$",
    re.IGNORECASE,
)


_JSON_WRAPPER = re.compile(
    r"^\s*(?://|/\*)?\s*(?:<!--|<!\[CDATA\[)\s*(?:\*/)?|(?://|/\*)?\s*(?:-->|\]\]>)\s*(?:\*/)?\s*$"
)


_TITLE_SEPARATOR = re.compile(r"\s+(?:::|[|·•»›│:/\\]|-|–|—)\s+")


_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)


_NOT_A_NAME = re.compile(
    r"https?://|@|\bupdated\b|\bpublished\b|\d{4}|\bminutes?\b|\bhours?\b", re.IGNORECASE
)


@dataclass(slots=True)
class Declared:
    """What the page declares about its article, read without trafilatura."""

    byline: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    site_name: str | None = None
    h1: list[str] | None = None
    publisher_id: str | None = None
    headlines: tuple[str, ...] = ()  # every headline declared, in the cascade's order
    title: str | None = None  # the `<title>`
    site_names: tuple[str, ...] = ()  # what the page calls its site

    @classmethod
    def read(cls, tree: lxml.html.HtmlElement) -> Declared:
        ld = _json_ld_article(tree)
        meta = _meta(tree)
        micro = _microdata(tree)
        sites = _present(
            meta.get("og:site_name"),
            _text(_get(ld.get("publisher"), "name")),
            meta.get("application-name"),
            meta.get("apple-mobile-web-app-title"),
            meta.get("twitter:site", "").lstrip("@") or None,
        )
        headlines = _present(
            _text(ld.get("headline")),
            _text(ld.get("name")),
            *(meta.get(key) for key in HEADLINE_META),
            micro.get("headline"),
        )
        return cls(
            byline=_byline(
                (
                    _people(ld.get("author")),
                    *(person_names(meta.get(key)) for key in BYLINE_META),
                    person_names(micro.get("author")),
                ),
                tree,
                sites,
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
            h1=[clean_text(h.text_content()).rstrip("¶#").rstrip() for h in tree.iter("h1")],  # permalinks
            publisher_id=_first(_identifier(ld.get("identifier")), *(meta.get(key) for key in ID_META)),
            headlines=headlines,
            title=_unescaped(clean_text(tree.findtext(".//title"))) or None,
            site_names=sites,
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
        content = _unescaped(clean_text(element.get("content")))
        if not content:
            continue
        for attribute in ("property", "name", "itemprop"):
            for key in (element.get(attribute) or "").lower().split():
                found.setdefault(key, content)
    page = _load_json(found.get("parsely-page", ""))  # Parse.ly's fields as one JSON object
    if isinstance(page, dict):
        for key, value in page.items():
            if isinstance(value, str) and value.strip():
                found.setdefault(f"parsely-page:{key}", clean_text(value))
    return found


def _microdata(tree: lxml.html.HtmlElement) -> dict[str, str]:
    """Microdata values by lower-case property, the first of each; `author`: every
    author's name, in order, joined with ", "."""
    found: dict[str, str] = {}
    authors: list[str] = []
    for element in tree.xpath("//*[@itemprop and not(self::meta)]"):
        keys = element.get("itemprop", "").lower().split()
        value = element.get("datetime") or element.get("content")
        if "author" in keys:
            names = element.xpath('.//*[@itemprop="name"]')
            name = person_names(value or (names[0].text_content() if names else element.text_content()))
            if name:
                authors.extend(name.split(", "))
        value = clean_text(value or element.text_content())
        for key in keys:
            if value and key != "author":
                found.setdefault(key, value)
    if authors:
        found["author"] = ", ".join(dict.fromkeys(authors))
    return found


def _byline(
    declared: tuple[str | None, ...], tree: lxml.html.HtmlElement, sites: tuple[str, ...]
) -> str | None:
    """The first declared byline that names people, not the site ("ORF.at", the
    publication's own name, dropped from "A, Site" too); else the visible one. A visible
    byline element that names everyone the microdata does and more wins: a page may
    wrap one of two authors in microdata (JSON-LD and meta list them all)."""
    labels = {_squashed(site) for site in sites}

    def people(names: str | None) -> list[str]:
        found = (names or "").split(", ")
        return [name for name in found if name and _squashed(name) not in labels and not _DOMAIN.search(name)]

    for index, names in enumerate(declared):
        chosen = people(names)
        if chosen:
            partial = index == len(declared) - 1  # microdata: may wrap one author of two
            shown = people(_classed_names(tree, STRONG_BYLINE_CLASS)) if partial else []
            if len(shown) > len(chosen) and {*map(_squashed, chosen)} <= {*map(_squashed, shown)}:
                return ", ".join(shown)
            return ", ".join(chosen)
    visible = people(_visible_byline(tree))  # read only when nothing is declared: it is costly
    if visible:
        return ", ".join(visible)
    return next((names for names in declared if names), None)


# a name that is a web address ("jungefreiheit.de", "STERN.de")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,13}$", re.IGNORECASE)


def _visible_byline(tree: lxml.html.HtmlElement) -> str | None:
    """From the page itself, by strength of signal: an element classed as a byline
    ("By A and B"), the `rel=author` links, elements classed author/writer, and last
    a short "By A and B" line after the headline."""
    linked = (
        n
        for a in tree.xpath('//a[@rel="author"]')
        if not _in_comments(a) and (n := person_names(a.text_content()))
    )
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


# where a page names people who did not write the article: comment threads and forms
_NOT_BYLINE_PLACE = re.compile(r"comment|respond|reply|kommentar", re.IGNORECASE)


def _in_comments(element: lxml.html.HtmlElement) -> bool:
    for node in (element, *element.iterancestors()):
        if node.tag in ("form", "label", "textarea", "footer"):
            return True
        if _NOT_BYLINE_PLACE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


def _classed_names(tree: lxml.html.HtmlElement, pattern: re.Pattern[str]) -> str | None:
    """Names in the first element whose class (or `data-component`, `data-testid`, as
    templates without classes write it: `<div data-component="byline-block">`) says
    byline."""
    for element in tree.xpath("//*[@class or @data-component]"):
        if element.tag in ("body", "html", "article", "main", "section", "script", "style"):
            continue
        marks = " ".join(element.get(key, "") for key in ("class", "data-component"))
        if pattern.search(marks) and not _in_comments(element):
            text = _by_text(element)
            names = person_names(text) if 0 < len(text) <= 120 else None
            if names:
                return names
    return None


def _by_text(element: lxml.html.HtmlElement) -> str:
    """A byline element's "By ..." line when one of its parts is one (`<span>By A and
    B</span><span>BBC News</span>` runs together in `text_content()`), else its text."""
    lines = [
        text
        for part in element.iterdescendants()
        if isinstance(part.tag, str) and part.tag != "time"
        if len(text := _text_without_times(part)) <= 120 and _BY_LINE.match(text)
    ]
    if lines:
        return min(lines, key=len)  # the innermost: its siblings are not part of it
    return clean_text(" ".join(element.itertext()))


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


def headline_of(declared: Declared, url: str | None = None) -> str | None:
    """The headline the page shows and declares.

    Every declared headline (JSON-LD, `og:title`, named `<meta>`, microdata) and the
    `<title>` is a claim, with the site's name and section path stripped. In order:

    1. the first `<h1>` that agrees with a claim (the same words; or the claim with a
       site name or section around it; or the claim after a kicker, which is dropped):
       an agreeing claim says the heading is the story's, not the site's logo;
    2. the first claim, else the first `<h1>`.

    A lone `<h1>` that agrees with no claim is not taken over them: on real pages it
    is as often a section's name ("Allergies Health Center") as the story's."""
    sites = _site_labels(declared, url)
    claims = [strip_site_name(claim, sites, strict=True) for claim in declared.headlines]
    if declared.title:
        claims.append(strip_site_name(declared.title, sites))
    claims = [claim for claim in claims if claim]
    headings = [heading for heading in declared.h1 or [] if heading]
    for heading in headings:
        for claim in claims:
            if _agree(heading, claim):
                return claim if _has_kicker(heading, claim) else heading
    if claims:
        return claims[0]
    return headings[0] if headings else None


def _agree(heading: str, claim: str) -> bool:
    """A heading and a declared headline are one: the same words; or one holds the other
    and is most of it; or the heading is the claim's leading parts ("Heading | Blog")."""
    a, b = _folded(heading), _folded(claim)
    if not a or not b:
        return False
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    if f" {shorter} " in f" {longer} " and len(shorter) >= 0.6 * len(longer) and len(shorter) >= 12:
        return True
    parts = [_folded(part) for part in _TITLE_SEPARATOR.split(claim)]
    return len(a) >= 12 and any(" ".join(parts[:j]) == a for j in range(1, len(parts)))


def _has_kicker(heading: str, claim: str) -> bool:
    """The heading is the claim after a few words of its own (a kicker: "Holocaust
    remembrance day | Remembering the victims" written as one `<h1>`)."""
    a, b = _folded(heading), _folded(claim)
    return len(a) > len(b) and a.endswith(f" {b}") and len(a.split()) - len(b.split()) <= 4


def _folded(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def _squashed(text: str) -> str:
    return "".join(re.findall(r"[^\W_]+", text.casefold()))


def _site_labels(declared: Declared, url: str | None) -> frozenset[str]:
    """What a site may call itself in a title, squashed: its declared names, its host
    ("heise.de"), the host's main label ("heise")."""
    labels = {_squashed(name) for name in declared.site_names}
    host = site_of(url) if url else ""
    if host:
        labels.add(_squashed(host))
        parts = host.split(".")
        if len(parts) >= 2:
            labels.add(_squashed(parts[-2]))
        labels.update(
            _squashed(part) for part in parts[:-2] if len(part) >= 4 and part not in _GENERIC_LABELS
        )
    return frozenset(label for label in labels if len(label) >= 3)


# host labels that name no site ("news.example.com" is example's)
_GENERIC_LABELS = frozenset(("www", "news", "blog", "blogs", "home", "online", "web", "mobile", "edition"))


def _is_site(part: str, sites: frozenset[str]) -> bool:
    squashed = _squashed(part)
    if not squashed:
        return True
    return squashed in sites or any(
        len(part.split()) <= 4 and site in squashed and len(site) >= 0.5 * len(squashed) for site in sites
    )


# separators that set off a section path before a headline ("NEWS | Politics | Headline")
_PATH_SEPARATORS = frozenset("|·•»›│/\\") | {"::"}


def strip_site_name(title: str, sites: frozenset[str] | str | None = None, *, strict: bool = False) -> str:
    """'Story headline | Site' -> 'Story headline', 'SITE | Politics | Story' -> 'Story':
    a part that names the site ends the headline (it and what follows go), a leading one
    goes too. A short last part after a separator goes (in a declared headline,
    `strict`, where it is as likely the headline's own, only after "|"), and short
    section names before a path separator, when what stays is long enough."""
    if isinstance(sites, str) or sites is None:
        sites = frozenset({_squashed(sites)} if sites else ())
    parts = _TITLE_SEPARATOR.split(title)
    if len(parts) < 2:
        return title
    separators = [match.group().strip() for match in _TITLE_SEPARATOR.finditer(title)]
    for index in range(1, len(parts)):
        if _is_site(parts[index], sites):
            del parts[index:], separators[index - 1 :]
            break
    while len(parts) > 1 and _is_site(parts[0], sites):
        parts.pop(0)
        separators.pop(0)
    if (
        len(parts) > 1
        and (not strict or separators[-1] == "|")
        and len(parts[-1].split()) <= 3
        and len(" ".join(parts[:-1]).split()) >= 3
    ):
        parts.pop()
        separators.pop()
    while (
        not strict
        and len(parts) > 1
        and separators[0] in _PATH_SEPARATORS
        and len(parts[0].split()) <= 2
        and len(" ".join(parts[1:]).split()) >= 3
    ):
        parts.pop(0)
        separators.pop(0)
    out = parts[0]
    for separator, part in zip(separators, parts[1:], strict=True):
        out += f" {separator} {part}"
    return out


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
# a Unix time in seconds or milliseconds (ten or thirteen digits)
_EPOCH = re.compile(r"^\s*(?:\d{10}|\d{13})\s*$")


def parse_date(value: Any) -> datetime | None:
    """A declared date as aware UTC; a date without offset is taken as UTC, an unknown
    zone name too. A date without a year, month or day is no date."""
    if isinstance(value, str) and _EPOCH.match(value):
        value = int(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value  # milliseconds, as JavaScript writes them
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            return None
    elif isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and _ISO.match(text := value.strip()):
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None
    elif isinstance(value, str) and value.strip():
        text = value.strip()
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
        if moment.date() != other.date():
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
        number = isinstance(value, int | float) and not isinstance(value, bool)
        text = value if isinstance(value, str) or number else _text(value)
        moment = parse_date(text)
        if moment is None:
            continue
        has_time = number or bool(
            isinstance(text, str) and (_EPOCH.match(text) or re.search(r"\d[:h]\d\d", text))
        )
        if first is None:
            if has_time:
                return moment
            first = moment
        elif has_time and moment.date() == first.date():
            return moment
    return first


def _present(*values: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text for value in values if (text := clean_text(value))))


_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)


def _unescaped(text: str) -> str:
    """Text a CMS escaped twice (`content="&amp;#8211;"`) as it was meant."""
    return clean_text(html.unescape(text)) if _ENTITY.search(text) else text


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
    return _unescaped(clean_text(value)) if isinstance(value, str) else None


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
