"""Edits as editors make them, on a `Story`: the lede's attribution rewritten (Spirit
Airlines' "…, according to a source" became "…, an attorney for Spirit said during a
bankruptcy hearing Thursday"), the source's next paragraph added, a paragraph cut, a
paragraph's last sentence trimmed, a correction appended, the headline rewritten, a
reporter added to the byline, the update time bumped, a typo fixed. Each returns whether
it applied; what changed is read off snapshots by the caller."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from tests.support.publishers.story import Story

ATTRIBUTIONS = (
    "according to a person familiar with the matter",
    "officials said on Thursday",
    "an attorney said during a hearing on Thursday",
    "according to documents reviewed by reporters",
    "a spokesperson confirmed on Friday",
)
CORRECTIONS = (
    "the day of the vote",
    "the title of an official quoted",
    "the number of people affected",
    "the name of a company",
)
SWAPS = ((" amid ", " as "), (" says ", " warns "), (" over ", " about "), (" after ", " following "))
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"‘'])")
_WORD = re.compile(r"\b[a-z]{7,}\b")


def sentences(text: str) -> list[str]:
    return _SENTENCE.split(text.strip())


def rewrite_lede(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    first, *rest = sentences(story.paragraphs[0])
    if not first.endswith("."):
        return False
    clause = first[:-1]
    used = [a for a in ATTRIBUTIONS if clause.endswith(", " + a)]
    if used:
        clause = clause[: -len(used[0]) - 2]
    elif "," in clause[len(clause) // 2 :]:
        clause = clause[: clause.rindex(",")]
    fresh = rng.choice([a for a in ATTRIBUTIONS if a not in used])
    story.paragraphs[0] = " ".join([f"{clause}, {fresh}.", *rest])
    return True


def add_paragraph(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    if not story.later:
        return False
    at = rng.randint(1, len(story.paragraphs))
    story.paragraphs.insert(at, story.later.pop(0))
    story.subheads = {i + (i >= at): text for i, text in story.subheads.items()}
    return True


def remove_paragraph(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    if len(story.paragraphs) < 5:
        return False
    at = rng.randint(1, len(story.paragraphs) - 1)
    del story.paragraphs[at]
    moved = {i - (i > at): text for i, text in story.subheads.items()}
    story.subheads = {i: text for i, text in moved.items() if i < len(story.paragraphs)}
    return True


def trim_paragraph(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    candidates = [i for i, p in enumerate(story.paragraphs) if i and len(sentences(p)) >= 2]
    if not candidates:
        return False
    at = rng.choice(candidates)
    story.paragraphs[at] = " ".join(sentences(story.paragraphs[at])[:-1])
    return True


def append_correction(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    fresh = [c for c in CORRECTIONS if not any(c in p for p in story.paragraphs)]
    if not fresh:
        return False
    story.paragraphs.append(f"Correction: An earlier version of this article misstated {rng.choice(fresh)}.")
    return True


def rewrite_headline(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    headline = story.headline
    if ": " in headline and len(headline.split(": ", 1)[1]) > 20:
        tail = headline.split(": ", 1)[1]
        story.headline = tail[0].upper() + tail[1:]
        return True
    for old, new in SWAPS:
        if old in headline:
            story.headline = headline.replace(old, new, 1)
            return True
    if not headline.endswith(", officials say"):
        story.headline = headline.rstrip(".") + ", officials say"
        return True
    return False


def add_reporter(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    fresh = [n for n in names if n not in story.byline]
    if not fresh:
        return False
    story.byline = [*story.byline, rng.choice(fresh)]
    return True


def bump_updated(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    latest = story.updated or story.published
    moment = now - timedelta(minutes=rng.randint(5, 90), seconds=rng.randint(0, 59))
    if moment <= latest:
        return False
    story.updated = moment
    return True


def fix_typo(story: Story, rng: random.Random, now: datetime, names: list[str]) -> bool:
    if story.typo is None:
        return False
    wrong, right = story.typo
    story.typo = None
    if wrong not in story.paragraphs:
        return False
    story.paragraphs[story.paragraphs.index(wrong)] = right
    return True


def plant_typo(story: Story, rng: random.Random) -> None:
    """A published story with a typo (two letters swapped in a long word), for a later fix."""
    candidates = [i for i, p in enumerate(story.paragraphs) if i and _WORD.search(p)]
    if not candidates:
        return
    at = rng.choice(candidates)
    right = story.paragraphs[at]
    word = rng.choice(_WORD.findall(right))
    middle = len(word) // 2
    typo = word[: middle - 1] + word[middle] + word[middle - 1] + word[middle + 1 :]
    story.paragraphs[at] = right.replace(word, typo, 1)
    story.typo = (story.paragraphs[at], right)


Edit = Callable[[Story, random.Random, datetime, list[str]], bool]
EDITS: dict[str, tuple[Edit, int]] = {  # kind: (edit, weight)
    "lede": (rewrite_lede, 3),
    "paragraph_added": (add_paragraph, 2),
    "paragraph_removed": (remove_paragraph, 1),
    "reworded": (trim_paragraph, 2),
    "correction": (append_correction, 1),
    "headline": (rewrite_headline, 2),
    "byline": (add_reporter, 1),
    "updated": (bump_updated, 2),
    "typo": (fix_typo, 2),
}
