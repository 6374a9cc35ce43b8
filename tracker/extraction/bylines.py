"""Who wrote the article: names read from a byline ("By Jane Doe and John Roe | Reuters"),
the declared bylines weighed against the site's own names, and the byline the page
shows when it declares none."""

from __future__ import annotations

import re

import lxml.html

from tracker.core.normalize import clean_text

BYLINE_CLASS = re.compile(
    r"(?:^|[\s_-])(?:byline|by-line|author|authors|writer|contributor)(?:$|[\s_-])", re.IGNORECASE
)
STRONG_BYLINE_CLASS = re.compile(r"(?:^|[\s_-])(?:byline|by-line)(?:$|[\s_-])", re.IGNORECASE)
_BY_LINE = re.compile(r"^(?:(?:written|reported|story)\s+)?(?:by|par|von|por|door)\s+\S", re.IGNORECASE)
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
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\|)\s*", re.IGNORECASE)
_NOT_A_NAME = re.compile(
    r"https?://|@|\bupdated\b|\bpublished\b|\d{4}|\bminutes?\b|\bhours?\b", re.IGNORECASE
)
# a name that is a web address ("jungefreiheit.de", "STERN.de")
_DOMAIN = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[a-z]{2,13}$", re.IGNORECASE)
# where a page names people who did not write the article: comment threads and forms
_NOT_BYLINE_PLACE = re.compile(r"comment|respond|reply|kommentar", re.IGNORECASE)
_NOT_BYLINE_TAGS = ("form", "label", "textarea", "footer")
# elements too large to be a byline, though a template may class them "author"
_NOT_BYLINE_ELEMENTS = ("body", "html", "article", "main", "section", "script", "style")


def person_names(text: str | None) -> str | None:
    """'By Jane Doe and John Roe | Reuters' -> 'Jane Doe, John Roe'; None when no name."""
    text = clean_text(text)
    if not text or text.lower().startswith(("http://", "https://")):
        return None
    text = _BYLINE_END.sub("", _BY_PREFIX.sub("", text))
    names = [part.strip(" .:-–—") for part in _NAME_SPLIT.split(text)]
    names = [name for name in names if name and not _NOT_A_NAME.search(name) and len(name.split()) <= 5]
    return ", ".join(dict.fromkeys(names)) or None


def squashed(text: str) -> str:
    """Letters and digits only, casefolded: how a name is compared with the site's."""
    return "".join(re.findall(r"[^\W_]+", text.casefold()))


def byline_of(
    declared: tuple[str | None, ...], tree: lxml.html.HtmlElement, sites: tuple[str, ...]
) -> str | None:
    """The first declared byline that names people, not the site ("ORF.at", the
    publication's own name, dropped from "A, Site" too); else the visible one. A visible
    byline element that names everyone the microdata (the last of `declared`) does and
    more wins: a page may wrap one of two authors in microdata (JSON-LD and meta list
    them all)."""
    labels = {squashed(site) for site in sites}

    def people(names: str | None) -> list[str]:
        found = (names or "").split(", ")
        return [name for name in found if name and squashed(name) not in labels and not _DOMAIN.search(name)]

    for index, names in enumerate(declared):
        chosen = people(names)
        if chosen:
            partial = index == len(declared) - 1  # microdata: may wrap one author of two
            shown = people(_classed_names(tree, STRONG_BYLINE_CLASS)) if partial else []
            if len(shown) > len(chosen) and {*map(squashed, chosen)} <= {*map(squashed, shown)}:
                return ", ".join(shown)
            return ", ".join(chosen)
    visible = people(_visible_byline(tree))  # read only when nothing is declared: it is costly
    if visible:
        return ", ".join(visible)
    return next((names for names in declared if names), None)


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
