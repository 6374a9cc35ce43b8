"""Step 4, judge: what an observation means for the story, as a value.

A pure function: what the check saw (`Observation`) and what the story is now
(`Standing`, read by `record` under the article's row lock) give a `Verdict`,
which `record.apply` makes the rows say. In order:

1. a failed fetch is a failure, the story withdrawn (gone) at its second
   404/410 in a row; a 304 is "not modified";
2. a page that is not the article (a challenge, an error page, cut off) is a
   soft error;
3. when the page was fetched again (`observe`), only what the fetches agree on
   counts (`tracker.core.confirm.agree`; of three, the last two), without the
   host's volatile text; what differed is learned as volatile text (never a
   headline: a headline that differs is a headline test's); a
   confirming fetch that failed makes the check a soft error;
4. that content against the last version, its headline the one the story shows
   when the check drew another known variant of a running headline test
   (`Standing.variants`, `tracker.core.headline_tests`): the same (or a hash apart with no
   field different) is "unchanged"; a body that collapsed is a soft error;
   otherwise a new version, with its changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from tracker.core.confirm import agree, baseline, volatile_shapes, without_volatile
from tracker.core.diff import Changes, compare
from tracker.core.headline_tests import substitute
from tracker.core.normalize import Content
from tracker.extraction.soft_errors import collapsed
from tracker.fetch import FetchFailure, NotModified
from tracker.pipeline.observe import Extracted, Observation, Seen
from tracker.store.models import Version

GONE_STATUSES = frozenset({404, 410})


@dataclass(frozen=True, slots=True)
class Standing:
    """What the story is now, as far as judging needs it: whether it is active, whether
    its last check found it gone, its last version and its host's volatile text."""

    active: bool = True
    gone_before: bool = False
    latest: Version | None = None
    volatile: frozenset[str] = frozenset()
    # the variants of a running headline test: drawing one is not a change of headline
    variants: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Failed:
    """The fetch failed; `withdrawn`: gone twice in a row, the story is marked gone."""

    failure: FetchFailure
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class Unmodified:
    """The server answered 304 to the conditional request."""


@dataclass(frozen=True, slots=True)
class Story:
    """What a good page says of the story: the page, the content the fetches agreed on
    (without volatile text), the version it follows, and the host's volatile text with
    what the confirmations taught (`learned`, shape hash -> shape)."""

    seen: Extracted
    content: Content
    latest: Version | None
    volatile: frozenset[str]
    learned: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SoftError:
    """Not the article (a challenge, an error page, text that collapsed). `story`: the
    page was the story's all the same (its URLs and identity are kept)."""

    problem: str
    story: Story | None = None


@dataclass(frozen=True, slots=True)
class Unchanged:
    story: Story
    number: int  # the version it is the same as


@dataclass(frozen=True, slots=True)
class NewVersion:
    story: Story
    changes: Changes | None  # None for a first version


Verdict = Failed | Unmodified | SoftError | Unchanged | NewVersion


def judge(observation: Observation, standing: Standing) -> Verdict:
    first = observation.first
    if isinstance(first, FetchFailure):
        withdrawn = first.status in GONE_STATUSES and standing.active and standing.gone_before
        return Failed(first, withdrawn)
    if isinstance(first, NotModified):
        return Unmodified()
    if first.analysis.problem:
        return SoftError(first.analysis.problem)
    story = _story(first, observation.confirmations, standing)
    if isinstance(story, str):
        return SoftError(story)
    return against(_as_shown(story, standing.variants))


def _as_shown(story: Story, variants: frozenset[str]) -> Story:
    """The story with the headline it shows when the check drew another variant of a
    running headline test (`tracker.core.headline_tests.substitute`)."""
    if not variants or story.latest is None:
        return story
    shown = substitute(story.content.headline, story.latest.headline, variants)
    if shown is None or shown == story.content.headline:
        return story
    return replace(story, content=replace(story.content, headline=shown))


def against(story: Story) -> SoftError | Unchanged | NewVersion:
    """The story's content against the version it follows."""
    base = baseline(story.latest, story.volatile)
    if base is None or story.latest is None:
        return NewVersion(story, None)
    content = story.content
    if content.content_hash == base.content_hash:
        return Unchanged(story, story.latest.number)
    changes = compare(base, content)
    if not changes.changed:  # a hash apart, but no field differs: no edit
        return Unchanged(story, story.latest.number)
    if collapsed(_words(content), _words(base)):
        return SoftError("the article's text collapsed against its last version", story)
    return NewVersion(story, changes)


def _story(first: Extracted, confirmations: tuple[Seen, ...], standing: Standing) -> Story | str:
    """The content the fetches agree on, without volatile text; or why there is none."""
    volatile, latest = standing.volatile, standing.latest
    content = without_volatile(first.analysis.extraction.content(), volatile)
    if not confirmations or (latest is not None and content == baseline(latest, volatile)):
        return Story(first, content, latest, volatile)
    if (failed := next((seen for seen in confirmations if not _good(seen)), None)) is not None:
        return "the confirming fetch failed: " + _why(failed)
    later = [without_volatile(seen.analysis.extraction.content(), volatile) for seen in _pages(confirmations)]
    older, newer = (later[0], later[1]) if len(later) == 2 else (content, later[0])
    agreed, differed = agree(older, newer, baseline(latest, volatile))
    headlines = {c.headline for c in (content, *later) if c.headline}
    learned = volatile_shapes(tuple(p for p in differed if p not in headlines))  # a headline is never chrome
    volatile = volatile | learned.keys()
    return Story(first, without_volatile(agreed, volatile), latest, volatile, learned)


def _good(seen: Seen) -> bool:
    return isinstance(seen, Extracted) and seen.good


def _pages(seen: tuple[Seen, ...]) -> list[Extracted]:
    return [s for s in seen if isinstance(s, Extracted)]


def _why(seen: Seen) -> str:
    if isinstance(seen, FetchFailure):
        return f"{seen.kind}: {seen.message}"
    if isinstance(seen, NotModified):
        return "not modified"
    return seen.analysis.problem or "unknown"


def _words(content: Content) -> int:
    return sum(len(paragraph.split()) for paragraph in content.body)
