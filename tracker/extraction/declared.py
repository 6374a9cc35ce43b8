"""What a page declares of its article, read without trafilatura: JSON-LD, `<meta>` tags,
microdata, the visible byline and `<time>` elements, the canonical URL. Shared by
extraction and the quick look (`glance`), which reads the same fields to fingerprint a
page. Each field is a cascade over those sources, in the order its function names
them; bylines, dates and the headline's choice have modules of their own."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.html

from tracker.core.normalize import clean_text
from tracker.core.urls import try_normalize_url
from tracker.extraction.bylines import byline_of, person_names
from tracker.extraction.dates import time_element
from tracker.extraction.stamps import Stamp, page_times

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
    "dc.date",
    "shareaholic:article_published_time",
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
_JSON_WRAPPER = re.compile(
    r"^\s*(?://|/\*)?\s*(?:<!--|<!\[CDATA\[)\s*(?:\*/)?|(?://|/\*)?\s*(?:-->|\]\]>)\s*(?:\*/)?\s*$"
)
_TIME_KEY = re.compile(r"date|time")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+\d*);", re.IGNORECASE)


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
    social: str | None = None  # og:title, else twitter:title: what shares of the story show
    site_names: tuple[str, ...] = ()  # what the page calls its site
    published_offset: int | None = None  # the page's own offset, minutes east of UTC
    updated_offset: int | None = None

    @classmethod
    def read(cls, tree: lxml.html.HtmlElement) -> Declared:
        """Each field from its own cascade: the first source that has it wins."""
        markup = _Markup.of(tree)
        sites = _site_names(markup)
        published, updated = page_times(tree, _published(markup), _updated(markup), _times(markup))
        return cls(
            byline=_byline(markup, sites),
            published_at=_at(published),
            updated_at=_at(updated),
            published_offset=published.offset if published else None,
            updated_offset=updated.offset if updated else None,
            site_name=_site_name(markup),
            h1=_h1s(tree),
            publisher_id=_publisher_id(markup),
            headlines=_headlines(markup),
            title=_title(tree),
            social=_first(*markup.metas(("og:title", "twitter:title"))),
            site_names=sites,
        )


@dataclass(frozen=True, slots=True)
class _Markup:
    """What the page writes for machines, read once: its article's JSON-LD object,
    its `<meta>` values and its microdata."""

    tree: lxml.html.HtmlElement
    ld: dict[str, Any]
    meta: dict[str, str]
    micro: dict[str, str]
    ld_page: dict[str, Any]  # a JSON-LD object of another type that dates the page (a WebPage)

    @classmethod
    def of(cls, tree: lxml.html.HtmlElement) -> _Markup:
        article, page = _json_ld(tree)
        return cls(tree, article, _meta(tree), _microdata(tree), page)

    def metas(self, keys: tuple[str, ...]) -> Iterator[str | None]:
        return (self.meta.get(key) for key in keys)


def _site_names(markup: _Markup) -> tuple[str, ...]:
    """`og:site_name`, the JSON-LD publisher, the web app's names, the Twitter account."""
    ld, meta = markup.ld, markup.meta
    return _present(
        meta.get("og:site_name"),
        _text(_get(ld.get("publisher"), "name")),
        meta.get("application-name"),
        meta.get("apple-mobile-web-app-title"),
        meta.get("twitter:site", "").lstrip("@") or None,
    )


def _byline(markup: _Markup, sites: tuple[str, ...]) -> str | None:
    """JSON-LD's author, the byline `<meta>`s, microdata; then the page's visible byline."""
    declared = (
        _people(markup.ld.get("author")),
        *(person_names(value) for value in markup.metas(BYLINE_META)),
        person_names(markup.micro.get("author")),
    )
    return byline_of(declared, markup.tree, sites)


def _published(markup: _Markup) -> tuple[Any, ...]:
    """JSON-LD's datePublished and dateCreated, the publishing `<meta>`s, microdata,
    `<time>`, a JSON-LD WebPage's datePublished: `stamps.page_times` reads them."""
    ld = markup.ld
    return (
        _ld_date(ld.get("datePublished")),
        _ld_date(ld.get("dateCreated")),
        *markup.metas(PUBLISHED_META),
        markup.micro.get("datepublished"),
        time_element(markup.tree, "published"),
        _ld_date(markup.ld_page.get("datePublished")),
    )


def _updated(markup: _Markup) -> tuple[Any, ...]:
    """JSON-LD's dateModified, the modified `<meta>`s, microdata, an updated `<time>`,
    a JSON-LD WebPage's dateModified."""
    return (
        _ld_date(markup.ld.get("dateModified")),
        *markup.metas(UPDATED_META),
        markup.micro.get("datemodified"),
        time_element(markup.tree, "updated"),
        _ld_date(markup.ld_page.get("dateModified")),
    )


def _times(markup: _Markup) -> tuple[Any, ...]:
    """Every other `<meta>` time (the NYT's `ptime`, local without an offset) and every
    `<time datetime>`: they may say the page's offset."""
    metas = (value for key, value in markup.meta.items() if _TIME_KEY.search(key))
    return (*metas, *(str(value) for value in markup.tree.xpath("//time/@datetime")))


def _at(stamp: Stamp | None) -> datetime | None:
    return stamp.at if stamp is not None else None


def _site_name(markup: _Markup) -> str | None:
    """`og:site_name`, the JSON-LD publisher."""
    return _first(markup.meta.get("og:site_name"), _text(_get(markup.ld.get("publisher"), "name")))


def _h1s(tree: lxml.html.HtmlElement) -> list[str]:
    """Every `<h1>`'s text, without a permalink's mark after it."""
    return [clean_text(h.text_content()).rstrip("¶#").rstrip() for h in tree.iter("h1")]


def _publisher_id(markup: _Markup) -> str | None:
    """JSON-LD's identifier, the id `<meta>`s."""
    return _first(_identifier(markup.ld.get("identifier")), *markup.metas(ID_META))


def _headlines(markup: _Markup) -> tuple[str, ...]:
    """JSON-LD's headline and name, the title `<meta>`s, microdata: every claim, in order."""
    ld = markup.ld
    return _present(
        _text(ld.get("headline")),
        _text(ld.get("name")),
        *markup.metas(HEADLINE_META),
        markup.micro.get("headline"),
    )


def _title(tree: lxml.html.HtmlElement) -> str | None:
    return _unescaped(clean_text(tree.findtext(".//title"))) or None


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


def _json_ld(tree: lxml.html.HtmlElement) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first JSON-LD object whose @type is an article type, and the first of any type
    with a datePublished (a WebPage dates pages that declare no article), or {}."""
    dated: dict[str, Any] = {}
    for script in tree.xpath('//script[contains(translate(@type, "LDJSON", "ldjson"), "ld+json")]'):
        data = _load_json(script.text or "")
        for item in _walk_ld(data):
            types = item.get("@type")
            names = types if isinstance(types, list) else [types]
            if any(isinstance(name, str) and name.lower() in ARTICLE_TYPES for name in names):
                return item, dated
            if not dated and item.get("datePublished"):
                dated = item
    return {}, dated


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


def _ld_date(value: Any) -> str | float | None:
    """A JSON-LD date as `first_date` reads it: text or a number as written, else the
    text of a list's first item or of an object's `@value`."""
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return _text(value)


def _present(*values: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text for value in values if (text := clean_text(value))))


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
