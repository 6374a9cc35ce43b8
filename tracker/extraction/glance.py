"""A quick look at a page: is the article still as it was, without extracting it again?

Most checks find nothing changed, and full extraction (trafilatura over the whole
page) is most of their cost. When a check stores or confirms a version, tracker
remembers where on the page the body lives ("places": the elements that hold
its paragraphs, written as position-free XPaths such as
`/html/body/main/article[@class='story']/div[@class='story-body']`) and a
fingerprint of what extraction reads:

- the fields the page declares (JSON-LD, meta, microdata, `<time>`, byline
  elements, `<h1>`, `<title>`), read by the same code extraction uses;
- the text blocks inside the places, in order, without furniture lines and
  without the host's learned volatile text.

The next check parses the page with lxml alone and computes the fingerprint
again: the same, the article is unchanged. Anything else, including a page
that declares no byline or no date (extraction would then lean on
trafilatura's own metadata) or a site with `keep` rules, takes the full path.
A place that moved, a new box outside the places: the fingerprint cannot see
those, so every few checks (`schedule.full_extraction_every`) the full path
runs anyway.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import lxml.html
from lxml import etree

from tracker.core.confirm import is_volatile
from tracker.core.normalize import clean_text, is_chrome_line
from tracker.extraction.chrome import drop_chrome
from tracker.extraction.declared import Declared
from tracker.extraction.page import TEXT_BLOCKS, SiteRules, drop_elements, parse_html

_UNSEEN = frozenset(("script", "style", "noscript", "template", "svg"))
# where a body's paragraph may stand: text blocks, the headline, cells, definitions, captions
_PARAGRAPHS = TEXT_BLOCKS | {"h1", "td", "th", "dd", "dt", "figcaption"}
# the other block-level elements: they hold paragraphs, and the fingerprint reads every block
_CONTAINERS = frozenset(
    (
        "div", "section", "article", "aside", "header", "footer", "main", "figure",
        "ul", "ol", "dl", "table", "tr", "details", "summary",
    )
)  # fmt: skip
_BLOCKS = _PARAGRAPHS | _CONTAINERS
_MAX_PLACES = 8
# a box inside the places that held none of the article's text when the look was learned
SKIP = "skip:"
# what such a box is: an aside, a form, a gallery, a list of links
_BOX_TAGS = ("aside", "div", "section", "figure", "form", "nav", "ul", "ol", "table", "footer", "header")


@dataclass(frozen=True, slots=True)
class Glance:
    """Where the body lives on a page, and the page's fingerprint."""

    places: tuple[str, ...]
    fingerprint: str


def learn(
    html: str,
    paragraphs: tuple[str, ...],
    volatile: frozenset[str],
    rules: SiteRules | None = None,
    *,
    tree: lxml.html.HtmlElement | None = None,
    declared: Declared | None = None,
) -> Glance | None:
    """The look of a page whose extraction gave `paragraphs` (what the version holds);
    `tree`: the page as `parse_html` gave it, and `declared` what it declares, when the
    caller read them already."""
    tree = _tree(html, rules, tree)
    if tree is None or not paragraphs:
        return None
    declared = Declared.read(tree) if declared is None else declared  # the `<title>` included
    drop_chrome(tree)  # as extraction does, once the page's declarations are read
    kept = frozenset(paragraphs)
    places = _places(tree, kept)
    if not places:
        return None
    places = (*places, *(SKIP + path for path in _boxes(tree, places, kept)))
    fingerprint = _fingerprint(tree, places, volatile, declared)
    return Glance(places, fingerprint) if fingerprint else None


def fingerprint(
    html: str, places: tuple[str, ...], volatile: frozenset[str], rules: SiteRules | None = None
) -> str | None:
    """The page's fingerprint over `places`; None when a quick look cannot vouch for it."""
    tree = _tree(html, rules)
    if tree is None:
        return None
    declared = Declared.read(tree)
    drop_chrome(tree)
    return _fingerprint(tree, places, volatile, declared)


def _tree(
    html: str, rules: SiteRules | None, tree: lxml.html.HtmlElement | None = None
) -> lxml.html.HtmlElement | None:
    if rules is not None and rules.keep:
        return None
    tree = parse_html(html) if tree is None else tree
    if tree is not None and rules is not None:
        drop_elements(tree, rules.drop)
    return tree


def _fingerprint(
    tree: lxml.html.HtmlElement,
    places: tuple[str, ...],
    volatile: frozenset[str],
    declared: Declared,
) -> str | None:
    # without a declared byline or date, extraction would ask trafilatura's metadata
    if not (
        declared.byline and declared.published_at and (declared.headlines or declared.h1 or declared.title)
    ):
        return None
    skips = [place.removeprefix(SKIP) for place in places if place.startswith(SKIP)]
    try:
        found = tree.xpath(" | ".join(place for place in places if not place.startswith(SKIP)))
        boxes = frozenset(tree.xpath(" | ".join(skips))) if skips else frozenset()
    except etree.XPathError:
        return None
    if not found:
        return None
    digest = hashlib.sha256(repr(declared).encode())
    for place in found:
        units: list[str] = []
        _units(place, units, boxes)
        for unit in units:
            if not is_chrome_line(unit) and not is_volatile(unit, volatile):
                digest.update(b"\x1f" + unit.encode())
        digest.update(b"\x1e")
    return digest.hexdigest()


def _units(
    element: lxml.html.HtmlElement, out: list[str], boxes: frozenset[etree._Element] = frozenset()
) -> None:
    """The text blocks of `element` as a reader sees them: each block element's own
    text with its inline children, after the blocks nested in it (but `boxes`)."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if child in boxes:
            pass
        elif isinstance(tag, str) and tag not in _UNSEEN:
            if tag in _BLOCKS:
                _units(child, out, boxes)
            else:
                parts.append(child.text_content())
        parts.append(child.tail or "")
    text = clean_text("".join(parts))
    if text:
        out.append(text)


def _places(tree: lxml.html.HtmlElement, paragraphs: frozenset[str]) -> tuple[str, ...]:
    """XPaths of the parents of the elements holding the paragraphs, most used first.
    Paragraph-like elements are read first; containers (whose text is long, and costly
    to gather for a whole page) only when those do not account for most paragraphs."""
    counts: dict[str, int] = {}
    found: set[str] = set()
    for tags in (_PARAGRAPHS, _CONTAINERS):
        for element in tree.iter(*tags):
            parent = element.getparent()
            text = clean_text(element.text_content())
            if parent is None or text not in paragraphs:
                continue
            found.add(text)
            path = _path(parent)
            counts[path] = counts.get(path, 0) + 1
        if len(found) * 2 >= len(paragraphs):
            break
    ranked = sorted(counts, key=counts.__getitem__, reverse=True)
    return tuple(ranked[:_MAX_PLACES])


def _boxes(tree: lxml.html.HtmlElement, places: tuple[str, ...], paragraphs: frozenset[str]) -> list[str]:
    """The boxes inside the places (a related-links aside, a newsletter form, a gallery)
    that held none of the extracted paragraphs: their text is the page's, not the
    article's, and may change on every request, so the fingerprint leaves them out.
    An editor's new paragraph lands beside the article's others, which stay in."""
    try:
        found = tree.xpath(" | ".join(places))
    except etree.XPathError:
        return []
    boxes: dict[str, bool] = {}  # path -> it held article text somewhere (then never skipped)
    for place in found:
        for child in place:
            if not isinstance(child.tag, str) or child.tag not in _BOX_TAGS:
                continue
            units: list[str] = []
            _units(child, units)
            path = _path(child)
            holds = any(unit in paragraphs for unit in units) or any(
                clean_text(e.text_content()) in paragraphs for e in child.iter(*_PARAGRAPHS)
            )
            boxes[path] = boxes.get(path, False) or holds
    return [path for path, holds in boxes.items() if not holds]


def _path(element: lxml.html.HtmlElement) -> str:
    steps = []
    for node in [*reversed(list(element.iterancestors())), element]:
        ident, classes = node.get("id"), node.get("class")
        if ident and "'" not in ident:
            steps.append(f"{node.tag}[@id='{ident}']")
        elif classes and "'" not in classes:
            steps.append(f"{node.tag}[@class='{classes}']")
        else:
            steps.append(str(node.tag))
    return "/" + "/".join(steps)
