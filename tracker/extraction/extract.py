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
import re
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from tracker.core.normalize import Content, clean_text, make_content
from tracker.extraction.declared import (
    Declared,
    declared_canonical,
    headline_of,
    parse_date,
    person_names,
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


def extract(
    html: str,
    url: str | None = None,
    rules: SiteRules | None = None,
    *,
    tree: lxml.html.HtmlElement | None = None,
    declared: Declared | None = None,
) -> Extraction:
    """Extract the article from `html` (or from its `tree`, parsed by `parse_html`, which
    extraction prunes, and what that tree declares, when the caller read it already);
    fields it cannot find are None or empty."""
    tree = parse_html(html) if tree is None else tree
    if tree is None:
        return Extraction(None, None, (), None, None)
    declared = Declared.read(tree) if declared is None else declared
    visible = headline_of(declared, url)
    # trafilatura's metadata pass (htmldate included: a third of a page's extraction) only
    # when the page leaves a gap; it runs before content extraction, as in trafilatura
    # itself, since that prunes the tree
    complete = visible and declared.byline and declared.published_at
    fallback = _Fallback() if complete else _Fallback.of(trafilatura.extract_metadata(tree, default_url=url))
    if rules is not None:
        drop_elements(tree, rules.drop)
        if rules.keep:
            return _with_body(declared, tree, url, _kept_paragraphs(tree, rules.keep))
    canonical = declared_canonical(tree, url)
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


# C0 controls (but tab, newline, carriage return) and DEL: no page means them, and libxml2
# drops the rest of the document at the first one it meets
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_html(html: str) -> lxml.html.HtmlElement | None:
    """The page's tree, without comments (React writes `<p>text<!-- -->more</p>`: the
    text after the comment belongs to the paragraph) and without control characters."""
    if not html or not html.strip():
        return None
    html = _CONTROLS.sub("", html)
    try:
        tree = lxml.html.document_fromstring(
            html.encode("utf-8", "surrogatepass"),
            parser=lxml.html.HTMLParser(encoding="utf-8", remove_comments=True),
        )
    except (etree.ParserError, ValueError):
        return None
    _unwrap_layout_tables(tree)
    _split_double_breaks(tree)
    _ledes_as_paragraphs(tree)
    return tree


# blocks whose presence in a table cell says the table lays out a page, not data
_LAYOUT_BLOCKS = ("h1", "h2", "p", "div", "article")
_LAYOUT_WORDS = 60


def _unwrap_layout_tables(tree: lxml.html.HtmlElement) -> None:
    """Old templates lay a whole page out in a table: read as a table, the article would be
    one row of cells joined together. A table whose cells hold headings or paragraphs of
    some length becomes plain blocks (a data table's cells hold neither)."""
    for table in list(tree.iter("table")):
        cells = table.xpath(".//td | .//th")
        blocks = [e for cell in cells for e in cell.iter(*_LAYOUT_BLOCKS)]
        words = sum(len((e.text_content() or "").split()) for e in blocks if e.tag in ("p", "h1"))
        if not any(e.tag == "h1" for e in blocks) and words < _LAYOUT_WORDS:
            continue
        for element in [table, *table.iter("tbody", "thead", "tfoot", "tr", "td", "th")]:
            element.tag = "div"
            for attribute in ("colspan", "rowspan", "width", "valign", "align"):
                element.attrib.pop(attribute, None)


def _split_double_breaks(tree: lxml.html.HtmlElement) -> None:
    """`text<br><br>more`, as old layouts separate paragraphs, becomes two paragraphs; a
    single `<br>` stays a line break inside one."""
    for parent in {br.getparent() for br in tree.iter("br")}:
        if parent is None or parent.tag not in ("p", "div", "td", "section", "article", "blockquote", "font"):
            continue
        runs = _runs(parent)
        if runs is None:
            continue
        blocks = [_block(run) for run in runs]
        if parent.tag == "p":
            for block in reversed(blocks):
                parent.addnext(block)
            parent.drop_tree()
        else:
            parent.text = None
            for child in list(parent):
                parent.remove(child)
            parent.extend(blocks)


def _is_break(item: Any) -> bool:
    return not isinstance(item, str) and item.tag == "br"


def _runs(parent: lxml.html.HtmlElement) -> list[list[Any]] | None:
    """`parent`'s content cut at every run of two `<br>` or more (and around a block child
    of its own), as lists of text and elements; None when it has no such run."""
    items: list[Any] = [parent.text] if parent.text else []
    for child in parent:
        items.append(child)
        if child.tail:
            items.append(child.tail)
    runs: list[list[Any]] = [[]]
    cut, at = False, 0
    while at < len(items):
        item = items[at]
        if _is_break(item):
            end, breaks = at, 0
            while end < len(items) and (
                _is_break(items[end]) or (isinstance(items[end], str) and not items[end].strip())
            ):
                breaks += _is_break(items[end])
                end += 1
            if breaks >= 2:
                runs.append([])
                cut, at = True, end
                continue
        if not isinstance(item, str) and item.tag in _BLOCK_TAGS:
            runs.extend([[item], []])
        else:
            runs[-1].append(item)
        at += 1
    if not cut:
        return None
    return [run for run in runs if any(not isinstance(part, str) or part.strip() for part in run)]


def _block(run: list[Any]) -> lxml.html.HtmlElement:
    """A run as a block: a block element as it is, else a paragraph of its text and
    inline elements."""
    parts = [part for part in run if not isinstance(part, str) or part.strip()]
    if len(parts) == 1 and not isinstance(parts[0], str) and parts[0].tag in _BLOCK_TAGS:
        parts[0].tail = None
        return parts[0]
    paragraph = lxml.html.Element("p")
    last: Any = None
    for part in run:
        if isinstance(part, str):
            if last is None:
                paragraph.text = (paragraph.text or "") + part
            else:
                last.tail = (last.tail or "") + part
        else:
            part.tail = None
            paragraph.append(part)
            last = part
    return paragraph


# a standfirst or lede written in a `<div>` beside the story's paragraphs
_LEDE_CLASS = re.compile(
    r"teaser|lede|lead|standfirst|intro|summary|dek|subtitle|article-?sub", re.IGNORECASE
)
_BLOCK_TAGS = frozenset(
    ("p", "div", "section", "article", "ul", "ol", "table", "h1", "h2", "h3", "h4", "figure")
)


def _is_lede(element: lxml.html.HtmlElement) -> bool:
    return (
        element.tag in ("div", "span")
        and bool(_LEDE_CLASS.search(element.get("class") or ""))
        and not any(isinstance(child.tag, str) and child.tag in _BLOCK_TAGS for child in element)
        and len(clean_text(element.text_content()).split()) >= 8
    )


def _ledes_as_paragraphs(tree: lxml.html.HtmlElement) -> None:
    """A lede in `<div class="teaser-content">` beside the story's `<p>`s is read as a
    paragraph (trafilatura keeps such a div on one capture and drops it on another, and
    the lede comes and goes as a false edit). Only a div of plain text, a sentence or more.
    So is text a container holds directly before its paragraphs (old layouts' first
    paragraph, written straight into the cell)."""
    for container in {p.getparent() for p in tree.iter("p")}:
        if container is None or container.tag in ("p", "body", "html") or len(container.findall("p")) < 2:
            continue
        if len(clean_text(container.text).split()) >= 8:
            lede = lxml.html.Element("p")
            lede.text, container.text = container.text, None
            container.insert(0, lede)
        for child in list(container):
            if _is_lede(child):
                child.tag = "p"
                child.attrib.pop("class")  # trafilatura prunes "teaser" classes as boilerplate
            if child.tag in _BLOCK_TAGS | _HEADINGS and len(clean_text(child.tail).split()) >= 8:
                loose = lxml.html.Element("p")  # text after a heading or a paragraph, in no element
                loose.text, child.tail = child.tail, None
                child.addnext(loose)


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
    headline = headline_of(declared, url)
    return Extraction(
        headline=headline,
        byline=declared.byline,
        paragraphs=_without_headline(paragraphs, [headline, *(declared.h1 or [])]),
        published_at=declared.published_at,
        updated_at=declared.updated_at,
        canonical_url=declared_canonical(tree, url),
        language=tree.get("lang") or None,
        site_name=declared.site_name,
        publisher_id=declared.publisher_id,
    )


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
            author=person_names(document.author),
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
    """A paragraph the page repeats right after itself (side by side) stays repeated:
    trafilatura collapses such repeats as an artifact, but an editor may have made them.
    Paragraphs are matched to the page's blocks in order, so only the place that repeats
    a line gets it back, not every other place the line stands alone."""
    runs = [1] * len(blocks)  # how many blocks from here on repeat this one, under one parent
    for index in range(len(blocks) - 2, -1, -1):
        (_, text, parent), (_, following, other) = blocks[index], blocks[index + 1]
        if text == following and _side_by_side(parent, other):
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


def _side_by_side(parent: Any, other: Any) -> bool:
    """Two blocks under one parent, or each in its own wrapper of one kind under one
    parent (`<div data-component="text-block"><p>`, as React front ends write each
    paragraph)."""
    if parent is other:
        return True
    return (
        parent is not None
        and other is not None
        and parent.tag == other.tag
        and dict(parent.attrib) == dict(other.attrib)
        and parent.getparent() is other.getparent()
        and len(parent) == len(other) == 1
    )


def _without_headline(paragraphs: tuple[str, ...], headlines: list[str | None]) -> tuple[str, ...]:
    """The body without the headline trafilatura keeps as its first block."""
    known = {clean_text(h).casefold() for h in headlines if h}
    start = 0
    while start < len(paragraphs) and paragraphs[start].casefold() in known:
        start += 1
    return paragraphs[start:]


def _block_text(element: etree._Element) -> str:
    return clean_text(" ".join(element.itertext()))
