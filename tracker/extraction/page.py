"""A page's tree as extraction and the quick look (`glance`) both read it.

Parsed without comments and control characters, then repaired where old layouts
hide the article's paragraphs: a page laid out in a table becomes plain blocks,
`<br><br>` separates paragraphs, and a lede written outside the paragraphs (in a
teaser `<div>`, or straight into its container) becomes the first paragraph. A
site's rules drop elements before either reads the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import lxml.html
from lxml import etree

from tracker.core.normalize import clean_text

# C0 controls (but tab, newline, carriage return) and DEL: no page means them, and libxml2
# drops the rest of the document at the first one it meets
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# subheadings: the `<h1>` is the headline
HEADINGS = frozenset(("h2", "h3", "h4", "h5", "h6"))
# what a reader reads as one block of text: a paragraph, a subheading, an item, a quote
TEXT_BLOCKS = HEADINGS | {"p", "li", "blockquote", "pre"}
# blocks that cut a run of text into paragraphs, and that a lede `<div>` never holds
_BLOCK_TAGS = frozenset(
    ("p", "div", "section", "article", "ul", "ol", "table", "h1", "h2", "h3", "h4", "figure")
)
# blocks whose presence in a table cell says the table lays out a page, not data
_LAYOUT_BLOCKS = ("h1", "h2", "p", "div", "article")
_LAYOUT_WORDS = 60
# where old layouts separate paragraphs with `<br><br>`
_BREAK_PARENTS = ("p", "div", "td", "section", "article", "blockquote", "font")
# a standfirst or lede written in a `<div>` beside the story's paragraphs
_LEDE_CLASS = re.compile(
    r"teaser|lede|lead|standfirst|intro|summary|dek|subtitle|article-?sub", re.IGNORECASE
)


@dataclass(frozen=True, slots=True)
class SiteRules:
    """Per-site overrides from config.yaml: elements to drop before extraction, and
    elements to read the body from instead of trafilatura's choice."""

    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()


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
    _lede_containers_kept(tree)
    return tree


def drop_elements(tree: lxml.html.HtmlElement, selectors: tuple[str, ...]) -> None:
    for selector in selectors:
        for element in tree.cssselect(selector):
            element.drop_tree()


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
        if parent is None or parent.tag not in _BREAK_PARENTS:
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
            if child.tag in _BLOCK_TAGS | HEADINGS and len(clean_text(child.tail).split()) >= 8:
                loose = lxml.html.Element("p")  # text after a heading or a paragraph, in no element
                loose.text, child.tail = child.tail, None
                child.addnext(loose)


def _words(text: str | None) -> int:
    return len(clean_text(text).split())


def _lede_containers_kept(tree: lxml.html.HtmlElement) -> None:
    """A container of the story's first paragraphs whose class names it a teaser loses
    those class words: trafilatura prunes "teaser" classes as another story's teaser (the
    only lede word it acts on; "lead" would also name an ad's "leaderboard"), and the
    Post's template puts its ledes in `div.teaser-content` (`> section > div > p` in
    2019, `> div.article-body > p` in 2024): the lede was lost in every version."""
    for container in tree.iter("div", "section"):
        classes = (container.get("class") or "").split()
        teaser = [word for word in classes if "teaser" in word.casefold()]
        if teaser and _holds_lede(container) and _story_follows(container):
            container.set("class", " ".join(word for word in classes if word not in teaser))


def _holds_lede(container: lxml.html.HtmlElement) -> bool:
    """Paragraphs of prose, not a heading and a link to another story."""
    if any(True for _ in container.iter("h1", "h2", "h3", "h4")):
        return False
    text = _words(container.text_content())
    linked = sum(_words(a.text_content()) for a in container.iter("a"))
    return linked * 2 < text and any(_words(p.text_content()) >= 8 for p in container.iter("p"))


def _story_follows(container: lxml.html.HtmlElement) -> bool:
    """The story goes on in what follows the container (at its level, or at its wrapper's
    when it is alone in one), and the container is not one of a series of teasers."""
    element: lxml.html.HtmlElement | None = container
    for _ in range(3):
        if element is None:
            return False
        siblings = [e for e in element.itersiblings() if isinstance(e.tag, str)]
        others = [*siblings, *element.itersiblings(preceding=True)]
        if any(isinstance(e.tag, str) and _LEDE_CLASS.search(e.get("class") or "") for e in others):
            return False
        if sum(1 for e in siblings for p in e.iter("p") if _words(p.text_content()) >= 8) >= 2:
            return True
        element = element.getparent()
    return False
