"""A site's template lines, learned across its stories (pure).

Some lines inside the article container are the template's, not an editor's:
"Published", "Attribution", "Related topics", "Listen to this article". No pattern can list
them all, but a site shows each one on story after story, verbatim and at the same
structural place (the same index from the body's start or from its end). What a
host's stories showed is stored (`tracker.store.templates`) and judged here, so a
daemon, a cron of `run --once` and several workers on one database reach the same
answer from the same counts:

- **Furniture.** A line seen at one place in the first versions of at least
  `stories` stories, and of at least `share` of the host's first versions, is the
  template's (it shows in some captures only: a label of the third promo, a box some
  stories carry). A host with few stories (`few` or more) has its template told
  apart as the line at one place in at least `everywhere` of its first versions.
  Learned lines become the host's volatile text: dropped from every later page
  before any comparison, and from the stored versions when they are compared.
- **Template changes.** When a site redesigns, every story gains (or loses) the
  same line at once. A revision whose only change is such a short line added or
  removed, seen on `redesign` stories of one host, is the template's: the line is
  learned as above and those revisions are marked a template change (kind
  `template`, trivial).

What is never learned: a line longer than `MAX_WORDS` words or ending a sentence,
and a line opening with an editor's label ("Correction:", "Update:", "Editor's
note"), however often editors reuse it: those are the changes tracker exists to
record.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from tracker.core.confirm import shape, shape_hash
from tracker.core.ops import ParagraphOp

MAX_WORDS = 6
MAX_CHARS = 60
_SENTENCE_END = re.compile(r"[.!?…]['\"’”)]*$")
_EDITORS_LABEL = re.compile(
    r"^\W*(?:correction|corrections|clarification|update|updated|editor'?s note|editor’s note|note"
    r"|an earlier version|this (?:story|article)|berichtigung|korrektur|richtigstellung|correctif"
    r"|rectificaci[oó]n|fe de erratas|aggiornamento|rettifica)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Rule:
    """When sightings make a line the template's (see the module's docstring).
    `settled`: a host with this many first versions seen has shown its template, and
    its new stories' first versions are stored as they come, without waiting for the
    other first versions of their batch (`tracker.pipeline.template`)."""

    stories: int = 5
    share: float = 0.2
    few: int = 3
    everywhere: float = 0.8
    redesign: int = 3
    settled: int = 20

    def is_furniture(self, stories: int, first_versions: int) -> bool:
        """A line at one place on `stories` stories of a host with `first_versions`."""
        if stories >= self.stories and stories >= self.share * first_versions:
            return True
        return first_versions >= self.few and stories >= self.everywhere * first_versions

    def is_redesign(self, stories: int) -> bool:
        """The same one-line change on `stories` stories of a host."""
        return stories >= self.redesign


RULE = Rule()


@dataclass(frozen=True, slots=True)
class Sighting:
    """A line that could be furniture, at its place in a first version's body: an index
    from the start (0, 1...) and one from the end (-1, -2...)."""

    line: str
    place: int


@dataclass(frozen=True, slots=True)
class OneLine:
    """The short line a revision's only change added (`added`) or removed."""

    line: str
    added: bool


def could_be_furniture(line: str) -> bool:
    """Short, not a sentence, not an editor's label."""
    return (
        len(line) <= MAX_CHARS
        and len(line.split()) <= MAX_WORDS
        and not _SENTENCE_END.search(line)
        and not _EDITORS_LABEL.match(line)
    )


def sightings(body: Iterable[str]) -> tuple[Sighting, ...]:
    """What a first version's body shows of its template: each line that could be
    furniture at both its places (from the start and from the end), as extracted,
    before any learned text is dropped (so every story's places are the template's)."""
    lines = tuple(body)
    return tuple(
        Sighting(line, place)
        for index, line in enumerate(lines)
        if line and could_be_furniture(line)
        for place in (index, index - len(lines))
    )


def learned_shapes(lines: Iterable[str]) -> dict[str, str]:
    """Lines as the host's volatile text keeps them (shape hash -> shape)."""
    return {shape_hash(line): shape(line) for line in lines}


def one_line_change(changed: Iterable[str], ops: Iterable[ParagraphOp]) -> OneLine | None:
    """The line a body-only change added or removed, when that is all it did and the
    line could be furniture; None otherwise."""
    if tuple(changed) != ("body",):
        return None
    edits = [op for op in ops if op["op"] != "equal"]
    if len(edits) != 1 or edits[0]["op"] not in ("insert", "delete"):
        return None
    texts = edits[0].get("text") or []
    if len(texts) != 1 or not could_be_furniture(texts[0]):
        return None
    return OneLine(texts[0], edits[0]["op"] == "insert")
