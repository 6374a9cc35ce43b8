"""HTML -> what the editor wrote: headline, byline, body paragraphs, timestamps.

The cascade, for each field, takes the first answer that is there:

1. what the publisher declares for machines: JSON-LD (`NewsArticle`, `Article`
   and kin, inside `@graph` too), then OpenGraph / `article:*` / named `<meta>`,
   then microdata (`itemprop`);
2. what the page shows: `<h1>`, `<time datetime>`, `rel=author`, byline-like
   elements;
3. trafilatura's own metadata (not on a site whose `keep` rules choose the body).

The body is trafilatura's main-content extraction (comments excluded), read
block by block: paragraphs, subheadings, list items, quotes, table rows; or, where a
site's `keep` rules say so, the text blocks of the elements they name.
Extraction is CPU work and pure: no network, no database.
"""

from __future__ import annotations

import functools
from configparser import ConfigParser
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import lxml.html
import trafilatura
from lxml import etree
from trafilatura.settings import use_config

from tracker.core.normalize import Content, clean_text, make_content
from tracker.extraction.bylines import person_names
from tracker.extraction.chrome import drop_chrome
from tracker.extraction.dates import declared_day, parse_date
from tracker.extraction.declared import Declared, declared_canonical
from tracker.extraction.headlines import headline_of, social_headline_of
from tracker.extraction.page import HEADINGS, TEXT_BLOCKS, SiteRules, drop_elements, parse_html

__all__ = ["Extraction", "SiteRules", "extract"]

# A fast pass (trafilatura without its fallback extractors) that finds less than this
# may have missed the article (on the readability corpus it sometimes returns a stray
# 30-word block); the page is then read again with the fallbacks.
FAST_ENOUGH_WORDS = 100
# paragraphs and subheadings: where trafilatura drops a heading or collapses a repeat
_BLOCKS = HEADINGS | {"p"}


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
    published_offset: int | None = None  # the page's own offsets, minutes east of UTC
    updated_offset: int | None = None
    social_headline: str | None = None  # og:title/twitter:title, the site's name stripped

    def content(self) -> Content:
        return make_content(
            headline=self.headline,
            byline=self.byline,
            paragraphs=self.paragraphs,
            published_at=self.published_at,
            updated_at=self.updated_at,
        )


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
    keep = rules.keep if rules is not None else ()
    gap = not (visible and declared.byline and declared.published_at)
    fallback = _Fallback.read(tree, url) if gap and not keep else _Fallback()
    if rules is not None:
        drop_elements(tree, rules.drop)
    canonical = declared_canonical(tree, url)  # before trafilatura prunes the tree
    drop_chrome(tree)  # after the byline elements are read
    language = tree.get("lang") or None
    paragraphs = _kept_paragraphs(tree, keep) if keep else _body(html, tree, url, rules)
    headline = visible or fallback.title
    return Extraction(
        headline=headline,
        byline=declared.byline or fallback.author,
        paragraphs=_without_headline(paragraphs, headline, declared.h1 or []),
        published_at=declared.published_at or fallback.date,
        updated_at=declared.updated_at,
        canonical_url=canonical,
        language=language,
        site_name=declared.site_name,
        publisher_id=declared.publisher_id,
        published_offset=declared.published_offset,
        updated_offset=declared.updated_offset,
        social_headline=social_headline_of(declared, url),
    )


def _body(
    html: str, tree: lxml.html.HtmlElement, url: str | None, rules: SiteRules | None
) -> tuple[str, ...]:
    """trafilatura's main text, read again with its fallbacks when the fast pass found
    little, with the subheadings and repeats it drops by mistake put back."""
    blocks = _blocks(tree)  # before trafilatura prunes the tree
    paragraphs = _main_text(tree, url, fast=True)
    if sum(len(paragraph.split()) for paragraph in paragraphs) < FAST_ENOUGH_WORDS:
        again = parse_html(html)  # the fast pass pruned the first tree
        if again is not None:
            if rules is not None:
                drop_elements(again, rules.drop)
            drop_chrome(again)
            paragraphs = _main_text(again, url, fast=False)
    return _with_repeats(_with_dropped_headings(paragraphs, blocks), blocks)


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


def _kept_paragraphs(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> tuple[str, ...]:
    """Block text of the elements a site override says hold the article, in order."""
    paragraphs: list[str] = []
    for selector in selectors:
        for container in tree.cssselect(selector):
            inner = [
                e
                for e in container.iter(*TEXT_BLOCKS)
                if not any(a.tag in TEXT_BLOCKS for a in e.iterancestors())
            ]
            paragraphs.extend(clean_text(e.text_content()) for e in (inner or [container]))
    return tuple(p for p in paragraphs if p)


@dataclass(frozen=True, slots=True)
class _Fallback:
    """trafilatura's metadata, for the fields the page does not declare; its date (htmldate's)
    only where the page declares that day (`declared_day`)."""

    title: str | None = None
    author: str | None = None
    date: datetime | None = None

    @classmethod
    def read(cls, tree: lxml.html.HtmlElement, url: str | None) -> _Fallback:
        """Read only when the page leaves a gap (htmldate makes it a third of a page's
        extraction), and before content extraction prunes the tree, as in trafilatura."""
        document = trafilatura.extract_metadata(tree, default_url=url)
        if document is None:
            return cls()
        return cls(
            title=clean_text(document.title) or None,
            author=person_names(document.author),
            date=declared_day(tree, url, parse_date(document.date)),
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
        if tag not in HEADINGS or heading in position or not (parent is parent_a is parent_b):
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


def _without_headline(paragraphs: tuple[str, ...], headline: str | None, h1: list[str]) -> tuple[str, ...]:
    """The body without the story's headline: trafilatura keeps the `<h1>` as a block,
    first or after the template's labels (the New York Times' "Supported by" stands above
    it), and a repeat would show in the body's diff whenever the headline changes. An
    editor never repeats the headline as a paragraph; the page's other `<h1>`s are dropped
    only at the start (a book's chapters are `<h1>`s too)."""
    story = clean_text(headline).casefold()
    known = {clean_text(h).casefold() for h in h1} | {story}
    start = 0
    while start < len(paragraphs) and paragraphs[start].casefold() in known:
        start += 1
    return tuple(p for p in paragraphs[start:] if p.casefold() != story)


def _block_text(element: etree._Element) -> str:
    return clean_text(" ".join(element.itertext()))
