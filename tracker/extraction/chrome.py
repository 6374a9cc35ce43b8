"""The template's furniture inside the article, found by its structure (pure, in place).

Labels and boxes that stand among the story's paragraphs on real templates, and that
no list of phrases can name in every language:

- a visually hidden label (`visually-hidden`, `sr-only`, `screen-reader-text`: text for
  screen readers, unseen by a reader) is never body text; with the short value beside
  it ("Published" and a `<time>`, "Image source, " and an agency, "Attribution" and a
  link) it is a metadata item, and goes whole. Run into the text it would otherwise be
  read as "Published28 September";
- a byline element (microdata `itemprop="author"`) is the byline field's, not a
  paragraph of the body (a partial "By A and" when a name's link is pruned);
- an `<article>` inside the story's `<article>` that holds a small part of its text is
  another composition embedded in it (a card, a promo, an embedded post).

Run after what the page declares is read (the byline elements are read first), on the
tree extraction reads and on the one the quick look reads, so both see the same body.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

__all__ = ["drop_chrome"]

# a class word that hides its element from sight, not from screen readers: "sr-only",
# "ssrcss-1f39n02-VisuallyHidden" (CSS-in-JS prefixes it); not "visually-hidden-focusable",
# a skip link or menu that shows when it has the focus
_HIDDEN = re.compile(
    r"(?:^|\s)(?:[\w-]*-)?(?:visually-?hidden|sr-only|screen-?reader(?:-text|-only)?|element-invisible"
    r"|a11y-hidden|u-hidden-visually|offscreen)(?=\s|$)",
    re.IGNORECASE,
)
_CLASSES = etree.XPath("//@class")
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_PARAGRAPHS = ("p", "blockquote", "pre")
# a label's value: a date, a time, a name or two ("28 September 2024", "Getty Images")
VALUE_WORDS = 4
# a byline: names, "By", "and", a role ("By Joshua Sokol and Tariq Panja")
BYLINE_WORDS = 15
# a paragraph of prose, as opposed to a label or a name
PROSE_WORDS = 8
# an embedded `<article>` is a box when the story around it says three times as much
EMBED_SHARE = 3


def drop_chrome(tree: lxml.html.HtmlElement) -> None:
    """Drop the template's labels and boxes from the article (see the module)."""
    _drop_hidden_labels(tree)
    _drop_bylines(tree)
    _drop_embedded_articles(tree)


def _words(element: lxml.html.HtmlElement) -> int:
    return len(element.text_content().split())


def _has_prose(element: lxml.html.HtmlElement) -> bool:
    return any(_words(p) >= PROSE_WORDS for p in element.iter("p"))


def _drop_hidden_labels(tree: lxml.html.HtmlElement) -> None:
    """A visually hidden label goes, with its item when the rest of the item is a short
    value (a date, a credit); a label run into a caption or a paragraph goes alone."""
    labels = [value.getparent() for value in _CLASSES(tree) if _HIDDEN.search(value)]
    for label in labels:
        if label.getparent() is None or _inside_dropped(label):
            continue
        item = _item_of(label)
        _drop(label)
        if item is not None:
            _drop(item)


def _drop(element: lxml.html.HtmlElement) -> None:
    """`element` out of the page, its tail kept, unless it went with an ancestor already."""
    if element.getparent() is not None and not _inside_dropped(element):
        element.drop_tree()


def _inside_dropped(element: lxml.html.HtmlElement) -> bool:
    """An element already taken out of the page with an ancestor."""
    return bool(element.getroottree().getroot().tag != "html")


def _item_of(label: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The smallest element around `label` that holds more than it, when what it holds
    beside the label is a short value, and it is not a paragraph or a heading (an
    editor's short line keeps its words, a hidden "Update:" before it goes alone)."""
    own = _words(label)
    for ancestor in label.iterancestors():
        if ancestor.tag in ("body", "html", "article", "main") or ancestor.tag in _HEADINGS:
            return None
        words = _words(ancestor)
        if words > own:
            value_is_short = words - own <= VALUE_WORDS and not _has_prose(ancestor)
            return ancestor if value_is_short and ancestor.tag not in _PARAGRAPHS else None
    return None


def _drop_bylines(tree: lxml.html.HtmlElement) -> None:
    for element in tree.xpath("//*[@itemprop][not(self::meta)][not(self::a)]"):
        keys = element.get("itemprop", "").lower().split()
        if ("author" in keys or "creator" in keys) and _words(element) <= BYLINE_WORDS:
            _drop(element)


def _drop_embedded_articles(tree: lxml.html.HtmlElement) -> None:
    for outer in tree.xpath("//article[not(ancestor::article)][.//article]"):
        inner = outer.xpath(".//article")
        story = sum(_words(p) for p in outer.iter("p") if not p.xpath("ancestor::article[2]"))
        for embedded in inner:
            if story >= EMBED_SHARE * _words(embedded):
                _drop(embedded)
