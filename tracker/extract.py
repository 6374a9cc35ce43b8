"""HTML -> what the editor wrote: headline, byline, body paragraphs, timestamps.

The cascade, for each field, takes the first answer that is there:

1. what the publisher declares for machines: JSON-LD (`NewsArticle`, `Article`
   and kin, inside `@graph` too), then OpenGraph / `article:*` / named `<meta>`,
   then microdata (`itemprop`);
2. what the page shows: `<h1>`, `<time datetime>`, `rel=author`, byline-like
   elements;
3. trafilatura's own metadata.

The body is trafilatura's main-content extraction (comments excluded), read
block by block: paragraphs, subheadings, list items, quotes, table rows.
Extraction is CPU work and pure: no network, no database.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import lxml.html
import trafilatura
from dateutil import parser as dateparser
from lxml import etree
from trafilatura.settings import use_config

from tracker.normalize import Content, clean_text, make_content
from tracker.urls import try_normalize_url

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


# A fast pass (trafilatura without its fallback extractors) that finds less than this
# may have missed the article (on the readability corpus it sometimes returns a stray
# 30-word block); the page is then read again with the fallbacks.
FAST_ENOUGH_WORDS = 100


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one page says about its article; `content()` is what a version stores."""

    headline: str | None
    byline: str | None
    paragraphs: tuple[str, ...]
    published_at: datetime | None
    updated_at: datetime | None
    canonical_url: str | None = None
    language: str | None = None
    site_name: str | None = None
    publisher_id: str | None = None

    def content(self) -> Content:
        return make_content(
            headline=self.headline,
            byline=self.byline,
            paragraphs=self.paragraphs,
            published_at=self.published_at,
            updated_at=self.updated_at,
        )


@dataclass(frozen=True, slots=True)
class SiteRules:
    """Per-site overrides from config.yaml: elements to drop before extraction, and
    elements to read the body from instead of trafilatura's choice."""

    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


def extract(html: str, url: str | None = None, rules: SiteRules | None = None) -> Extraction:
    """Extract the article from `html`; fields it cannot find are None or empty."""
    tree = parse_html(html)
    if tree is None:
        return Extraction(None, None, (), None, None)
    declared = Declared.read(tree)
    visible = declared.headline or _visible_headline(declared, tree)
    # trafilatura's metadata pass (htmldate included: a third of a page's extraction) only
    # when the page leaves a gap; it runs before content extraction, as in trafilatura
    # itself, since that prunes the tree
    complete = visible and declared.byline and declared.published_at
    fallback = _Fallback() if complete else _Fallback.of(trafilatura.extract_metadata(tree, default_url=url))
    if rules is not None:
        drop_elements(tree, rules.drop)
        if rules.keep:
            return _with_body(declared, tree, url, _kept_paragraphs(tree, rules.keep))
    canonical = _canonical(tree, url)
    language = tree.get("lang") or None
    blocks = _blocks(tree)  # before trafilatura prunes the tree
    paragraphs = _main_text(tree, url, fast=True)
    if sum(len(paragraph.split()) for paragraph in paragraphs) < FAST_ENOUGH_WORDS:
        again = parse_html(html)  # the fast pass pruned the first tree
        if again is not None:
            if rules is not None:
                drop_elements(again, rules.drop)
            paragraphs = _main_text(again, url, fast=False)
    paragraphs = _with_repeats(_with_dropped_headings(paragraphs, blocks), blocks)
    headline = visible or fallback.title
    return Extraction(
        headline=headline,
        byline=declared.byline or fallback.author,
        paragraphs=_without_headline(paragraphs, [headline, *(declared.h1 or [])]),
        published_at=declared.published_at or fallback.date,
        updated_at=declared.updated_at,
        canonical_url=canonical,
        language=language,
        site_name=declared.site_name,
        publisher_id=declared.publisher_id,
    )


def _main_text(tree: lxml.html.HtmlElement, url: str | None, *, fast: bool) -> tuple[str, ...]:
    """trafilatura's main text as paragraphs (it prunes `tree`). `fast` skips its fallback
    extractors (readability, jusText), a quarter of the cost on a typical news page."""
    document: Any = trafilatura.bare_extraction(
        tree,
        url=url,
        fast=fast,
        include_comments=False,
        include_tables=True,
        with_metadata=False,
        config=_trafilatura_config(),
    )
    return _paragraphs(document.body) if document is not None and document.body is not None else ()


@functools.cache
def _trafilatura_config() -> ConfigParser:
    """trafilatura's defaults, but a short article is still read paragraph by paragraph:
    under MIN_EXTRACTED_SIZE (250 characters by default) it falls back to a baseline that
    returns the whole page, chrome and counters included, as one block."""
    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "20")
    return config


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    if not html or not html.strip():
        return None
    try:
        tree = lxml.html.document_fromstring(
            html.encode("utf-8", "surrogatepass"), parser=lxml.html.HTMLParser(encoding="utf-8")
        )
    except (etree.ParserError, ValueError):
        return None
    return tree


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
                *(_names(meta.get(key)) for key in BYLINE_META),
                _names(micro.get("author")),
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


def declared_fields(tree: lxml.html.HtmlElement) -> Declared:
    return Declared.read(tree)


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
    linked = (n for a in tree.xpath('//a[@rel="author"]') if (n := _names(a.text_content())))
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
                return _names(text)
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
            names = _names(text) if 0 < len(text) <= 120 else None
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


def _canonical(tree: lxml.html.HtmlElement, url: str | None) -> str | None:
    for href in tree.xpath('//link[@rel="canonical"]/@href'):
        normalized = try_normalize_url(str(href), url)
        if normalized:
            return normalized
    for content in tree.xpath('//meta[@property="og:url"]/@content'):
        normalized = try_normalize_url(str(content), url)
        if normalized:
            return normalized
    return None


def drop_elements(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> None:
    for selector in selectors:
        for element in tree.cssselect(selector):
            element.drop_tree()


def _kept_paragraphs(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> tuple[str, ...]:
    """Block text of the elements a site override says hold the article, in order."""
    blocks = ("p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")
    paragraphs: list[str] = []
    for selector in selectors:
        for container in tree.cssselect(selector):
            inner = [
                e for e in container.iter(*blocks) if not any(a.tag in blocks for a in e.iterancestors())
            ]
            paragraphs.extend(clean_text(e.text_content()) for e in (inner or [container]))
    return tuple(p for p in paragraphs if p)


def _with_body(
    declared: Declared, tree: lxml.html.HtmlElement, url: str | None, paragraphs: tuple[str, ...]
) -> Extraction:
    headline = declared.headline or _visible_headline(declared, tree)
    return Extraction(
        headline=headline,
        byline=declared.byline,
        paragraphs=_without_headline(paragraphs, [headline, *(declared.h1 or [])]),
        published_at=declared.published_at,
        updated_at=declared.updated_at,
        canonical_url=_canonical(tree, url),
        language=tree.get("lang") or None,
        site_name=declared.site_name,
        publisher_id=declared.publisher_id,
    )


def _visible_headline(declared: Declared, tree: lxml.html.HtmlElement) -> str | None:
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


@dataclass(frozen=True, slots=True)
class _Fallback:
    title: str | None = None
    author: str | None = None
    date: datetime | None = None

    @classmethod
    def of(cls, document: Any) -> _Fallback:
        if document is None:
            return cls()
        return cls(
            title=clean_text(document.title) or None,
            author=_names(document.author),
            date=parse_date(document.date),
        )


def _paragraphs(body: etree._Element) -> tuple[str, ...]:
    """trafilatura's output blocks as paragraphs, in order."""
    paragraphs: list[str] = []
    for block in body:
        if block.tag == "list":
            paragraphs.extend(_block_text(item) for item in block.iter("item"))
        elif block.tag == "table":
            paragraphs.extend(
                " | ".join(_block_text(cell) for cell in row.iter("cell")) for row in block.iter("row")
            )
        elif block.tag != "lb":
            paragraphs.append(_block_text(block))
    return tuple(text for text in paragraphs if text)


_BLOCKS = ("p", "h2", "h3", "h4", "h5", "h6")
_HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))


def _blocks(tree: lxml.html.HtmlElement) -> list[tuple[str, str, Any]]:
    """(tag, text, parent) of the page's paragraphs and subheadings, in document order."""
    return [
        (e.tag, text, e.getparent()) for e in tree.iter(*_BLOCKS) if (text := clean_text(e.text_content()))
    ]


def _with_dropped_headings(
    paragraphs: tuple[str, ...], blocks: list[tuple[str, str, Any]]
) -> tuple[str, ...]:
    """Put back a subheading trafilatura dropped from inside the article: one that stands
    directly between two paragraphs it kept side by side, under the same parent (a box
    title inside an <aside> between paragraphs has another parent and stays out)."""
    position = {text: index for index, text in reversed(list(enumerate(paragraphs)))}
    inserts: dict[int, list[str]] = {}
    for (_, before, parent_a), (tag, heading, parent), (_, after, parent_b) in zip(
        blocks, blocks[1:], blocks[2:], strict=False
    ):
        if tag not in _HEADINGS or heading in position or not (parent is parent_a is parent_b):
            continue
        i, j = position.get(before), position.get(after)
        if i is not None and j == i + 1:
            inserts.setdefault(j, []).append(heading)
    if not inserts:
        return paragraphs
    out: list[str] = []
    for index, text in enumerate(paragraphs):
        out.extend(inserts.get(index, []))
        out.append(text)
    return tuple(out)


def _with_repeats(paragraphs: tuple[str, ...], blocks: list[tuple[str, str, Any]]) -> tuple[str, ...]:
    """A paragraph the page repeats right after itself (same parent) stays repeated:
    trafilatura collapses such repeats as an artifact, but an editor may have made them.
    Paragraphs are matched to the page's blocks in order, so only the place that repeats
    a line gets it back, not every other place the line stands alone."""
    runs = [1] * len(blocks)  # how many blocks from here on repeat this one, under one parent
    for index in range(len(blocks) - 2, -1, -1):
        (_, text, parent), (_, following, other) = blocks[index], blocks[index + 1]
        if text == following and parent is other:
            runs[index] = runs[index + 1] + 1
    if max(runs, default=1) == 1:
        return paragraphs
    texts = [text for _, text, _ in blocks]
    out: list[str] = []
    at = 0  # where on the page the next paragraph is looked for
    spare = 0  # copies just put back that trafilatura may have kept as well
    for text in paragraphs:
        if spare and out[-1] == text:
            spare -= 1
            continue
        try:
            index = texts.index(text, at)
        except ValueError:  # not a block of its own (or out of the page's order): as extracted
            out.append(text)
            spare = 0
            continue
        out.extend([text] * runs[index])
        spare, at = runs[index] - 1, index + runs[index]
    return tuple(out)


def _without_headline(paragraphs: tuple[str, ...], headlines: list[str | None]) -> tuple[str, ...]:
    """The body without the headline trafilatura keeps as its first block."""
    known = {clean_text(h).casefold() for h in headlines if h}
    start = 0
    while start < len(paragraphs) and paragraphs[start].casefold() in known:
        start += 1
    return paragraphs[start:]


def _block_text(element: etree._Element) -> str:
    return clean_text(" ".join(element.itertext()))


def _people(value: Any) -> str | None:
    """Names from a JSON-LD author: a string, a Person, an Organization, or a list of them."""
    items = value if isinstance(value, list) else [value]
    names: list[str] = []
    for item in items:
        name = _get(item, "name") if isinstance(item, dict) else item
        cleaned = _names(_text(name))
        if cleaned:
            names.extend(cleaned.split(", "))
    return ", ".join(dict.fromkeys(names)) or None


def _names(text: str | None) -> str | None:
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
