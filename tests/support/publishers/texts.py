"""Real article texts, read from ../shared/corpus at test time (never copied here): the
paragraphs and subheads Readability's test suite keeps for real news pages
(`readability/test/test-pages/NAME/expected.html`, upstream mozilla/readability, see the
folder's PROVENANCE.json), with their headline, byline, standfirst and date from
`expected-metadata.json`, and the real picture captions of the same pages."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import datetime

from lxml import html as lxml_html

from tests.support.corpus import CORPUS

READABILITY = CORPUS / "readability" / "test" / "test-pages"
# lines Readability kept that are a page's own (credits, captions, promos), not its story
_CREDIT = re.compile(
    r"Source: Supplied|First published|Photograph:|is an? [\w ]+ (?:producer|editor|reporter) "
    r"|^\[|^(?:Read more|Learn More|Sign up for|Related)\b|Check it out here|exclusively on \w+"
    r"|\((?:[\w. ]+/)*(?:AP|AFP|Reuters|Getty Images|EPA|Bloomberg)\)$|\([^()]*\b[Pp]hoto\b[^()]*\)$"
    r"|Follow (?:him|her) on|^© "
)
_NAME = re.compile(r"[A-ZÀ-Ý][\w'’.-]+(?: (?:[A-ZÀ-Ý][\w'’.-]+|de|del|la|van|von)){1,3}")
_NOT_A_PERSON = {"News", "Staff", "Press", "Reuters", "Agency"}


@dataclass(frozen=True)
class Text:
    name: str
    headline: str
    byline: tuple[str, ...]
    dek: str
    blocks: tuple[tuple[str, str], ...]  # ("p" or "h2", text) in reading order
    published: datetime | None

    def paragraphs(self) -> list[str]:
        return [text for kind, text in self.blocks if kind == "p"]


@functools.cache
def text(name: str) -> Text:
    folder = READABILITY / name
    meta = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    tree = lxml_html.fromstring((folder / "expected.html").read_text(encoding="utf-8"))
    published = meta.get("publishedTime")
    return Text(
        name=name,
        headline=" ".join((meta.get("title") or "").split()),
        byline=person_names(meta.get("byline") or ""),
        dek=" ".join((meta.get("excerpt") or "").split()),
        blocks=tuple(_blocks(tree)),
        published=datetime.fromisoformat(published) if published and "T" in published else None,
    )


def _blocks(tree: lxml_html.HtmlElement) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for element in tree.iter("p", "h2", "h3"):
        if any(
            a.tag in ("figcaption", "figure", "li", "table", "blockquote") for a in element.iterancestors()
        ):
            continue
        words = " ".join(element.text_content().split())
        if element.tag == "p" and len(words) >= 60 and not _CREDIT.search(words):
            out.append(("p", words))
        elif element.tag != "p" and 2 <= len(words.split()) <= 12 and out:
            out.append(("h2", words))
    while out and out[-1][0] == "h2":
        out.pop()
    return out


def person_names(byline: str) -> tuple[str, ...]:
    """The people of a byline as Readability found it ("By Erin Cunningham", "Stella Kim,
    Jennifer Jett"); nothing when it names an organisation."""
    byline = re.sub(r"^\s*by\s+", "", " ".join(byline.split()), flags=re.IGNORECASE)
    names = [part.strip() for part in re.split(r",|\band\b", byline) if part.strip()]
    if not names or any(not _NAME.fullmatch(n) or set(n.split()) & _NOT_A_PERSON for n in names):
        return ()
    return tuple(names)


@functools.cache
def captions() -> tuple[str, ...]:
    """Every picture caption of the news pages in Readability's set, as written."""
    found: list[str] = []
    for folder in sorted(READABILITY.iterdir()):
        expected = folder / "expected.html"
        if not expected.exists():
            continue
        tree = lxml_html.fromstring(expected.read_text(encoding="utf-8") or "<p></p>")
        for caption in tree.iter("figcaption"):
            words = " ".join(caption.text_content().split())
            if 25 <= len(words) <= 200:
                found.append(words)
    return tuple(found)
