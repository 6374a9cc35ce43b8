"""A newsroom that edits its stories on a known schedule, for measuring tracker.

Each cycle it edits some stories (remembering exactly which fields changed,
from before/after snapshots), serves a bad page once to others (a challenge,
a consent wall, a 200 error page, a truncated response, a 500), moves some to
a new slug (old URL 301s) and withdraws a few (404/410). Comparing that truth
with what tracker stored gives the figures of issue 3.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from tests.support.site import INTERSTITIALS, TEMPLATES, NewsSite, Story, paragraph, sentence

EDITS = (
    "headline",
    "paragraph_added",
    "paragraph_removed",
    "reworded",
    "byline",
    "updated_at",
    "typo",
    "correction",
)
TROUBLE = (*INTERSTITIALS, "truncated", "500")
FIELDS = ("headline", "byline", "body", "published_at", "updated_at")


def snapshot(story: Story) -> dict[str, object]:
    """What an editor can change, with white space folded (a reshuffle is no edit)."""
    body = []
    for index, text in enumerate(story.paragraphs):
        if index in story.subheadings:
            body.append(story.subheadings[index])
        body.append(" ".join(text.split()))
    return {
        "headline": " ".join(story.headline.split()),
        "byline": tuple(story.byline),
        "body": tuple(body),
        "published_at": story.published_at,
        "updated_at": story.updated_at,
    }


@dataclass
class Newsroom:
    site: NewsSite
    seed: int = 11
    templates: tuple[str, ...] = TEMPLATES
    edit_share: float = 0.3
    trouble_share: float = 0.0
    moves: int = 0
    withdrawals: int = 0
    # a publisher whose slug follows the headline: a headline edit moves the story to a
    # new URL (the old one answers 301; the feed lists the new one); with `ids`, the path
    # is /SECTION/ID/slug.html, the id in the middle; without, the slug is all there is
    slug_follows_headline: bool = False
    ids: bool = False
    # a redesign: before this cycle, every page of the site gains `redesign_line` at once (a
    # line no furniture pattern knows: the New York Times' audio label; its "Supported by" is
    # known furniture)
    redesign_at: int | None = None
    redesign_line: str = "Listen to this article"
    stories: dict[str, Story] = field(default_factory=dict)  # by first slug, which never changes
    paths: dict[str, set[str]] = field(default_factory=dict)
    truth: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict)
    states: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)
    troubled: list[tuple[str, int, str]] = field(default_factory=list)
    withdrawn: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def publish(self, count: int, templates: tuple[str, ...] = TEMPLATES) -> list[Story]:
        made = []
        for i in range(count):
            extra: dict[str, object] = {}
            if self.slug_follows_headline:
                extra["headline"] = headline = sentence(self.rng, 8).rstrip(".")
                extra["slug"] = slugged(headline)
            if self.ids:
                extra["section"] = self.rng.choice(("politics", "world", "business", "science"))
                extra["ident"] = str(7_300_000 + len(self.stories))
            story = self.site.add_story(
                templates[i % len(templates)], paragraphs=self.rng.randint(4, 9), **extra
            )
            if self.rng.random() < 0.3:
                story.subheadings = {self.rng.randint(1, len(story.paragraphs) - 1): sentence(self.rng, 4)}
            key = story.ident or story.slug
            self.stories[key] = story
            self.paths[key] = {story.path}
            self.truth[key] = {}
            self.states[(key, 0)] = snapshot(story)
            made.append(story)
        return made

    def live(self) -> list[str]:
        return [key for key in self.stories if key not in self.withdrawn]

    def cycle(self, number: int, last: int) -> None:
        """Everything the newsroom does before tracker's `number`th check cycle."""
        keys = self.live()
        self.rng.shuffle(keys)
        if number == self.redesign_at:
            self.site.furniture.append((0, self.redesign_line))
        if number <= last - 3:
            for key in keys[: self.withdrawals]:
                self.site.withdraw(self.stories[key], self.rng.choice((404, 410)))
                self.withdrawn.add(key)
            keys = keys[self.withdrawals :]
            for key in keys[: self.moves]:
                story = self.stories[key]
                self.site.move(
                    story,
                    f"{sentence(self.rng, 3).rstrip('.').lower().replace(' ', '-')}-{key.rsplit('-', 1)[-1]}",
                )
                self.paths[key].add(story.path)
            keys = keys[self.moves :]
        for key in keys:
            story = self.stories[key]
            roll = self.rng.random()
            if roll < self.edit_share:
                self._edit(key, story, number)
            elif roll < self.edit_share + self.trouble_share:
                kind = self.rng.choice(TROUBLE)
                self.site.flaky[story.path] = [kind]
                self.troubled.append((key, number, kind))
        for key in self.live():
            self.states[(key, number)] = snapshot(self.stories[key])

    def _edit(self, key: str, story: Story, number: int) -> None:
        before = snapshot(story)
        for kind in self.rng.sample(EDITS, self.rng.choice((1, 1, 1, 2))):
            self._apply(story, kind, number)
        after = snapshot(story)
        if self.slug_follows_headline and after["headline"] != before["headline"]:
            self.site.move(story, slugged(story.headline))
            self.paths[key].add(story.path)
        fields = tuple(name for name in FIELDS if before[name] != after[name])
        if fields:
            self.truth[key][number] = fields

    def _apply(self, story: Story, kind: str, cycle: int) -> None:
        rng = self.rng
        if kind == "headline":
            story.headline = sentence(rng, 7).rstrip(".")
        elif kind == "paragraph_added":
            story.paragraphs.insert(rng.randint(0, len(story.paragraphs)), paragraph(rng))
            story.subheadings = {}
        elif kind == "paragraph_removed" and len(story.paragraphs) > 2:
            story.paragraphs.pop(rng.randrange(len(story.paragraphs)))
            story.subheadings = {}
        elif kind == "reworded":
            index = rng.randrange(len(story.paragraphs))
            story.paragraphs[index] = story.paragraphs[index] + " " + sentence(rng, 6)
        elif kind == "typo":
            index = rng.randrange(len(story.paragraphs))
            story.paragraphs[index] = story.paragraphs[index].replace(" ", "  ", 1).replace("e", "é", 1)
        elif kind == "correction":
            what = rng.choice(["date", "name", "figure"])
            story.paragraphs.append(f"Correction: an earlier version of this story misstated the {what}.")
        elif kind == "byline":
            story.byline = [*story.byline[:1], rng.choice(["Sam Roe", "Ines Paz", "Tom Otieno"])]
        elif kind == "updated_at" and story.template != "time":
            story.updated_at = story.published_at + timedelta(hours=cycle, minutes=rng.randint(1, 59))


def slugged(headline: str) -> str:
    return "-".join(headline.lower().split()[:6])


def fields_order(fields: tuple[str, ...]) -> list[str]:
    return sorted(fields, key=FIELDS.index)
