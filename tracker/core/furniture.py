"""A site's template lines, learned across its stories (pure).

Some lines inside the article container are the template's, not an editor's:
"Published", "Related topics", "Supported by", "Image source, Getty Images". No
pattern can list them all, but a site shows each one on story after story, verbatim
and at the same place. Two things are learned per host, in one run:

- **Furniture.** A short line that stands at the same place (the same index from
  the body's start or from its end) in the first versions of at least `stories`
  stories, and of at least `share` of the host's first versions seen so far, is
  the template's. It is learned as the host's volatile text: dropped from every
  later page before any comparison, and from the stored versions when they are
  compared (`tracker.core.confirm.baseline`).
- **Template changes.** When a site redesigns, every story gains (or loses) the
  same line at once. A revision whose only change is such a short line added or
  removed, seen on `redesign` stories of one host, is the template's: the line is
  learned as above, and those revisions are marked as a template change (kind
  `template`, trivial) rather than counted as edits; later stories compare
  without it and record nothing.

What is never learned: a line longer than `MAX_WORDS` words or ending a sentence,
and a line opening with an editor's label ("Correction:", "Update:", "Editor's
note"), however often editors reuse it: those are the changes tracker exists to
record.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

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


def could_be_furniture(line: str) -> bool:
    """Short, not a sentence, not an editor's label."""
    return (
        len(line) <= MAX_CHARS
        and len(line.split()) <= MAX_WORDS
        and not _SENTENCE_END.search(line)
        and not _EDITORS_LABEL.match(line)
    )


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """A line a host's template gained or lost, and the revisions that recorded it."""

    host: str
    line: str
    added: bool
    revisions: tuple[int, ...]
    learned: dict[str, str]  # shape hash -> shape, for the host's volatile text


@dataclass(slots=True)
class _Host:
    first_versions: int = 0
    places: dict[tuple[str, int], set[int]] = field(default_factory=lambda: defaultdict(set))
    changes: dict[tuple[str, bool], dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    learned: set[str] = field(default_factory=set)


class Furniture:
    """What one run has seen of each host's first versions and one-line changes."""

    def __init__(self, stories: int = 5, share: float = 0.5, redesign: int = 3):
        self.stories, self.share, self.redesign = stories, share, redesign
        self._hosts: dict[str, _Host] = defaultdict(_Host)

    def first_version(self, host: str, article_id: int, body: tuple[str, ...]) -> dict[str, str]:
        """A story's first version on `host`: the lines it makes furniture (hash -> shape)."""
        state = self._hosts[host]
        state.first_versions += 1
        learned: dict[str, str] = {}
        for index, line in enumerate(body):
            if not could_be_furniture(line):
                continue
            for place in (index, index - len(body)):
                seen = state.places[(line, place)]
                seen.add(article_id)
                if (
                    len(seen) >= self.stories
                    and len(seen) >= self.share * state.first_versions
                    and line not in state.learned
                ):
                    state.learned.add(line)
                    learned[shape_hash(line)] = shape(line)
        return learned

    def revision(
        self,
        host: str,
        article_id: int,
        revision_id: int,
        changed: tuple[str, ...],
        ops: tuple[ParagraphOp, ...],
    ) -> TemplateChange | None:
        """A revision on `host`: a template change once `redesign` stories made the same
        one-line change (this one included), else None."""
        line = _one_line(changed, ops)
        if line is None:
            return None
        text, added = line
        state = self._hosts[host]
        seen = state.changes[(text, added)]
        seen[article_id] = revision_id
        if len(seen) < self.redesign or text in state.learned:
            return None
        state.learned.add(text)
        return TemplateChange(
            host, text, added, tuple(sorted(seen.values())), {shape_hash(text): shape(text)}
        )


def _one_line(changed: tuple[str, ...], ops: tuple[ParagraphOp, ...]) -> tuple[str, bool] | None:
    """The line a body-only change added or removed, when that is all it did and the
    line could be furniture."""
    if tuple(changed) != ("body",):
        return None
    edits = [op for op in ops if op["op"] != "equal"]
    if len(edits) != 1 or edits[0]["op"] not in ("insert", "delete"):
        return None
    texts = edits[0].get("text") or []
    if len(texts) != 1 or not could_be_furniture(texts[0]):
        return None
    return texts[0], edits[0]["op"] == "insert"
