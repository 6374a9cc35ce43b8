"""Steps 2 to 6, judge: what an observation means for the story, as a value.

Reads only (the latest version, the host's volatile text, who else holds the
page's identity keys); `record.apply` makes the rows say it. The caller holds
the article's row lock, so what is read here is what the story is now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from tracker.core.confirm import agree, baseline, volatile_shapes, without_volatile
from tracker.core.diff import Changes, compare
from tracker.core.normalize import Content
from tracker.core.urls import site_of, try_normalize_url
from tracker.extraction.identity import identity_keys
from tracker.extraction.soft_errors import collapsed
from tracker.fetch import FetchFailure, NotModified, Page
from tracker.pipeline.observe import Fetched, Observation
from tracker.store import histories, repository
from tracker.store.models import Article, ArticleStatus, Outcome

GONE_STATUSES = frozenset({404, 410})


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
    """What a good page says of the story: the content agreed on (without volatile text),
    the last version it follows, what the confirmations taught about the host's chrome,
    and, for a URL without history, the identity keys and the article it turned out to be."""

    content: Content
    latest: Any  # the Version it follows, or None
    volatile: frozenset[str]
    learned: dict[str, str] = field(default_factory=dict)
    keys: tuple[str, ...] | None = None
    merge_into: Article | None = None  # the article this URL without history turned out to be
    join_with: Article | None = None  # another history of the same story (see `_other_history`)


@dataclass(frozen=True, slots=True)
class SoftError:
    """Not the article (a challenge, an error page, text that collapsed). `story`: the
    page was the story's all the same (its URLs and identity are kept)."""

    problem: str
    story: Story | None = None


@dataclass(frozen=True, slots=True)
class Unchanged:
    story: Story


@dataclass(frozen=True, slots=True)
class NewVersion:
    story: Story
    changes: Changes | None  # None for a first version


Verdict = Failed | Unmodified | SoftError | Unchanged | NewVersion


def judge(session: Session, article: Article, observation: Observation) -> Verdict:
    first = observation.first
    if isinstance(first.result, FetchFailure):
        return _failed(session, article, first.result)
    if isinstance(first.result, NotModified):
        return Unmodified()
    assert first.analysis is not None
    if first.analysis.problem:
        return SoftError(first.analysis.problem)
    story = _story(session, article, observation)
    if isinstance(story, str):
        return SoftError(story)
    return against(story)


def against(story: Story) -> SoftError | Unchanged | NewVersion:
    """Step 6: the story's content against the version it follows."""
    base = baseline(story.latest, story.volatile)
    content = story.content
    if base is not None and content.content_hash == base.content_hash:
        return Unchanged(story)
    changes = compare(base, content) if base is not None else None
    if changes is not None and not changes.changed:  # a hash apart, but no field differs: no edit
        return Unchanged(story)
    if base is not None and collapsed(_words(content), _words(base)):
        return SoftError("the article's text collapsed against its last version", story)
    return NewVersion(story, changes)


def _failed(session: Session, article: Article, failure: FetchFailure) -> Failed:
    withdrawn = (
        failure.status in GONE_STATUSES
        and article.status == ArticleStatus.ACTIVE
        and repository.previous_outcome(session, article.id) == Outcome.GONE
    )
    return Failed(failure, withdrawn)


def _story(session: Session, article: Article, observation: Observation) -> Story | str:
    """Steps 3 to 5: the content agreed on, against the latest version; or why not."""
    first, confirmations = observation.first, observation.confirmations
    assert isinstance(first.result, Page)
    assert first.analysis is not None
    volatile = repository.volatile_shapes(session, site_of(article.url))
    latest = histories.latest_version(session, article.id)
    content = without_volatile(first.analysis.extraction.content(), volatile)
    learned: dict[str, str] = {}
    if confirmations and (latest is None or content != baseline(latest, volatile)):
        settled = _settle(content, confirmations, latest, volatile)
        if isinstance(settled, str):
            return settled
        content, learned = settled
        volatile = volatile | learned.keys()
    if latest is not None:
        return Story(content, latest, volatile, learned, join_with=_other_history(session, article, first))
    # a URL with no history yet may be a story tracked under another URL
    keys = identity_keys(first.analysis.extraction, first.result.final_url)
    owner = repository.article_with_key(session, keys)
    if owner is None or owner.id == article.id:
        return Story(content, None, volatile, learned, keys)
    owner = session.get(Article, owner.id, with_for_update=True, populate_existing=True) or owner
    return Story(content, histories.latest_version(session, owner.id), volatile, learned, keys, owner)


def _other_history(session: Session, article: Article, first: Fetched) -> Article | None:
    """Another article with versions that the publisher says is this story: the URL this
    one now redirects to (a slug changed; the feed listed the new URL meanwhile), or one
    holding this page's identity keys (its id, its canonical URL). Locked, to be joined.
    A redirect to a site's front page says nothing; text alike is never a reason."""
    assert isinstance(first.result, Page)
    assert first.analysis is not None
    final = try_normalize_url(first.result.final_url)
    owners = []
    if final and final != article.url and urlsplit(final).path.strip("/"):
        owners.append(repository.find_article(session, final))
    owners.append(
        repository.article_with_key(session, identity_keys(first.analysis.extraction, first.result.final_url))
    )
    for owner in owners:
        if (
            owner is not None
            and owner.id != article.id
            and histories.latest_version_number(session, owner.id)
        ):
            return session.get(Article, owner.id, with_for_update=True, populate_existing=True) or owner
    return None


def _settle(
    first: Content, confirmations: tuple[Fetched, ...], latest: Any, volatile: frozenset[str]
) -> tuple[Content, dict[str, str]] | str:
    """What the fetches agree on (the last two when there are three) without the host's
    volatile text, and what differed (learned as volatile); or why not. What is learned
    applies to the last version too: chrome it kept is not an edit."""
    failed = next((f for f in confirmations if not f.good), None)
    if failed is not None:
        return "the confirming fetch failed: " + _why(failed)
    later = [without_volatile(f.analysis.extraction.content(), volatile) for f in confirmations if f.analysis]
    older, newer = (later[0], later[1]) if len(later) == 2 else (first, later[0])
    agreed, differed = agree(older, newer, baseline(latest, volatile))
    learned = volatile_shapes(differed)
    return without_volatile(agreed, volatile | learned.keys()), learned


def _why(fetched: Fetched) -> str:
    if isinstance(fetched.result, FetchFailure):
        return f"{fetched.result.kind}: {fetched.result.message}"
    if isinstance(fetched.result, NotModified):
        return "not modified"
    return (fetched.analysis.problem if fetched.analysis else None) or "unknown"


def _words(content: Content) -> int:
    return sum(len(paragraph.split()) for paragraph in content.body)
