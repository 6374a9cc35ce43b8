"""A newsroom that edits its stories on a known schedule, for measuring tracker.

`Newsroom.edit(cycle)` applies seeded random edits and remembers, per story and
cycle, exactly which fields an editor changed. Comparing that truth with what
tracker stored gives precision and recall of recorded versions and the share of
revisions whose changed-field list is exactly right.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from tests.site import TEMPLATES, NewsSite, Story, paragraph, sentence

EDITS = ("headline", "paragraph_added", "paragraph_removed", "reworded", "byline", "updated_at", "typo")


@dataclass
class Newsroom:
    site: NewsSite
    seed: int = 11
    truth: dict[str, dict[int, tuple[str, ...]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def publish(self, count: int) -> list[Story]:
        stories = [
            self.site.add_story(TEMPLATES[i % len(TEMPLATES)], paragraphs=self.rng.randint(4, 9))
            for i in range(count)
        ]
        for story in stories:
            self.truth[story.path] = {}
        return stories

    def edit(self, cycle: int, share: float = 0.3) -> None:
        """Edit about `share` of the stories; remember the fields each edit touches."""
        for path, story in self.site.stories.items():
            if path not in self.truth or self.rng.random() > share:
                continue
            before = snapshot(story)
            for kind in self.rng.sample(EDITS, self.rng.choice((1, 1, 1, 2))):
                self._apply(story, kind, cycle)
            after = snapshot(story)
            fields = tuple(name for name in before if before[name] != after[name])
            if fields:
                self.truth[path][cycle] = fields

    def _apply(self, story: Story, kind: str, cycle: int) -> None:
        rng = self.rng
        if kind == "headline":
            story.headline = sentence(rng, 7).rstrip(".")
        if kind == "paragraph_added":
            story.paragraphs.insert(rng.randint(0, len(story.paragraphs)), paragraph(rng))
        if kind == "paragraph_removed" and len(story.paragraphs) > 2:
            story.paragraphs.pop(rng.randrange(len(story.paragraphs)))
        if kind == "reworded":
            index = rng.randrange(len(story.paragraphs))
            story.paragraphs[index] = story.paragraphs[index] + " " + sentence(rng, 6)
        if kind == "typo":
            index = rng.randrange(len(story.paragraphs))
            story.paragraphs[index] = story.paragraphs[index].replace(" ", "  ", 1).replace("e", "é", 1)
        if kind == "byline":
            story.byline = [*story.byline[:1], rng.choice(["Sam Roe", "Ines Paz", "Tom Otieno"])]
        if kind == "updated_at" and story.template != "time":
            story.updated_at = story.published_at + timedelta(hours=cycle, minutes=rng.randint(1, 59))


def snapshot(story: Story) -> dict[str, object]:
    """What an editor can change, with white space folded (a reshuffle is no edit)."""
    return {
        "headline": " ".join(story.headline.split()),
        "byline": tuple(story.byline),
        "body": tuple(" ".join(p.split()) for p in story.paragraphs),
        "updated_at": story.updated_at,
    }


def fields_order(fields: tuple[str, ...]) -> list[str]:
    order = ("headline", "byline", "body", "published_at", "updated_at")
    return sorted(fields, key=order.index)
