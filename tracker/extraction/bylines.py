"""Who wrote the article: the declared bylines weighed against each other and against the
site's own names, and the byline the page shows. The names in a byline's text are read
by `names.person_names` ("By Jane Doe and John Roe | Reuters" -> "Jane Doe, John Roe")."""

from __future__ import annotations

import re
from itertools import takewhile

import lxml.html

from tracker.core.normalize import clean_text
from tracker.extraction.names import person_names

__all__ = ["BYLINE_CLASS", "STRONG_BYLINE_CLASS", "byline_of", "person_names", "squashed"]

BYLINE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:byline|by-line|author|authors|writer|contributor)(?:$|[\s_-])", re.IGNORECASE
)
STRONG_BYLINE_CLASS = re.compile(r"(?:^|[\s_-])(?:byline|by-line)(?:$|[\s_-])", re.IGNORECASE)
_BY_LINE = re.compile(
    r"^(?:(?:written|reported|reporting|analysis|story|words|opinion|commentary)\s+)?(?:by|par|von|por|door)\s+\S",
    re.IGNORECASE,
)
# where an `itemprop="name"` is an organisation's, not a person's; the blocks after the
# people in a byline element
_ORGANISATION_PROPS = frozenset({"publisher", "sourceorganization", "provider", "copyrightholder"})
_BLOCKS = frozenset({"li", "div", "p", "ul", "ol", "dl", "dd", "dt", "section", "footer", "aside", "table"})
# a name that is a web address ("jungefreiheit.de", "STERN.de")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,13}$", re.IGNORECASE)
# where a page names people who did not write the article: comment threads and forms
_NOT_BYLINE_PLACE = re.compile(r"comment|respond|reply|kommentar", re.IGNORECASE)
_NOT_BYLINE_TAGS = ("form", "label", "textarea", "footer")
# elements too large to be a byline, though a template may class them "author"
_NOT_BYLINE_ELEMENTS = ("body", "html", "article", "main", "section", "script", "style")


def squashed(text: str) -> str:
    """Letters and digits only, casefolded: how a name is compared with the site's."""
    return "".join(re.findall(r"[^\W_]+", text.casefold()))


def byline_of(
    declared: tuple[str | None, ...], tree: lxml.html.HtmlElement, sites: tuple[str, ...]
) -> str | None:
    """The first declared byline that names people, not the site ("ORF.at", the
    publication's own name, dropped from "A, Site" too); else the visible one. A source
    may name only some of the authors (CNN's JSON-LD three of five, microdata one of
    two), so a later `<meta>` byline, or for microdata the visible byline element, that
    names everyone the first does and more is taken instead: the fullest list the
    sources agree on, whichever of them this capture's markup has. Microdata (the last
    of `declared`) never adds names to another source: it gathers every author on the
    page, those of related articles too."""
    labels = {squashed(site) for site in sites}

    def people(names: str | None) -> list[str]:
        found = (names or "").split(", ")
        return [name for name in found if name and squashed(name) not in labels and not _DOMAIN.search(name)]

    for index, names in enumerate(declared):
        chosen = people(names)
        if chosen:
            later = [people(other) for other in declared[index + 1 : -1]]  # microdata aside
            if index == len(declared) - 1:  # microdata: may wrap one author of two
                later.append(people(_classed_names(tree, STRONG_BYLINE_CLASS)))
            return ", ".join(_fullest(chosen, later))
    visible = people(_visible_byline(tree))  # read only when nothing is declared: it is costly
    if visible:
        return ", ".join(visible)
    return next((names for names in declared if names), None)


def _fullest(chosen: list[str], others: list[list[str]]) -> list[str]:
    """The longest of `others` that names everyone `chosen` does and more, else `chosen`."""
    mine = {squashed(name) for name in chosen}
    fuller = [names for names in others if len(names) > len(chosen) and mine <= {*map(squashed, names)}]
    return max(fuller, key=len, default=chosen)


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


def _in_comments(element: lxml.html.HtmlElement) -> bool:
    for node in (element, *element.iterancestors()):
        if node.tag in _NOT_BYLINE_TAGS:
            return True
        if _NOT_BYLINE_PLACE.search(f"{node.get('class', '')} {node.get('id', '')}"):
            return True
    return False


def _classed_names(tree: lxml.html.HtmlElement, pattern: re.Pattern[str]) -> str | None:
    """Names in the first element whose class (or `data-component`, as templates without
    classes write it: `<div data-component="byline-block">`) says byline."""
    for element in tree.xpath("//*[@class or @data-component]"):
        if element.tag in _NOT_BYLINE_ELEMENTS:
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
    B</span><span>BBC News</span>` runs together in `text_content()`), else its text
    through the block that holds its last person mark."""
    lines = [
        text
        for part in element.iterdescendants()
        if isinstance(part.tag, str) and part.tag != "time"
        if len(text := _text_without_times(part)) <= 120 and _BY_LINE.match(text)
    ]
    if lines:
        return min(lines, key=len)  # the innermost: its siblings are not part of it
    return _through_last_person(element)


def _through_last_person(element: lxml.html.HtmlElement) -> str:
    """The element's text up to the block after the one holding its last person mark (a
    `rel=author` link, an `itemprop` author, creator or name): the blocks after it, such
    as the Guardian's `<li class="publication">The Guardian, Sunday 3 June 2012</li>`,
    name no one. Without a mark, all its text."""
    marks = [n for n in element.iterdescendants() if isinstance(n.tag, str) and _marks_person(n, element)]
    if not marks:
        return clean_text(" ".join(element.itertext()))
    holder = next(node for node in (marks[-1], *marks[-1].iterancestors()) if node.getparent() is element)
    parts, passed = [element.text or ""], False
    for child in element:
        if passed and child.tag in _BLOCKS:
            break
        parts += [_text_without_times(child) if isinstance(child.tag, str) else "", child.tail or ""]
        passed = passed or child is holder
    return clean_text(" ".join(parts))


def _marks_person(node: lxml.html.HtmlElement, byline: lxml.html.HtmlElement) -> bool:
    """A `rel=author` link, an `itemprop` author or creator, or a `name` that is not the
    publisher's (`<span itemprop="publisher"><span itemprop="name">`)."""
    if "author" in node.get("rel", "").lower().split() or _props(node) & {"author", "creator"}:
        return True
    if "name" not in _props(node):
        return False
    scope = takewhile(lambda ancestor: ancestor is not byline, node.iterancestors())
    return not any(_props(ancestor) & _ORGANISATION_PROPS for ancestor in scope)


def _props(node: lxml.html.HtmlElement) -> set[str]:
    return set(node.get("itemprop", "").lower().split())
