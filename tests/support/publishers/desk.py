"""The newsroom behind the publishers: before each of tracker's checks it edits some
stories (`edits`), moves every site's clock and switches the redesigned ones, and keeps
the truth of each step: every story's state (what the editor's text is) and, per edit,
its kinds and the fields it changed, as `tests/support/newsroom.py` does for its site."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.support.publishers.edits import EDITS
from tests.support.publishers.hosts import Host
from tests.support.publishers.story import Story

FIELDS = ("headline", "byline", "body", "published", "updated")
Key = tuple[str, str]  # (host, story slug)


@dataclass
class Desk:
    hosts: list[Host]
    seed: int = 22
    edit_share: float = 0.45
    states: dict[tuple[Key, int], dict[str, object]] = field(default_factory=dict)
    truth: dict[Key, dict[int, tuple[str, ...]]] = field(default_factory=dict)  # fields an edit changed
    kinds: dict[Key, dict[int, tuple[str, ...]]] = field(default_factory=dict)  # the edits made

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        for host in self.hosts:
            host.advance(0)
            for story in host.stories:
                self.truth[(host.name, story.slug)] = {}
                self.kinds[(host.name, story.slug)] = {}
        self._record(0)

    def urls(self) -> dict[str, Key]:
        return {host.url(story): (host.name, story.slug) for host in self.hosts for story in host.stories}

    def made(self, key: Key, after: int, until: int) -> tuple[str, ...]:
        """The edits made to a story after cycle `after`, up to `until`."""
        return tuple(
            kind
            for cycle, kinds in sorted(self.kinds[key].items())
            if after < cycle <= until
            for kind in kinds
        )

    def cycle(self, number: int) -> None:
        """Everything the newsroom does before tracker's `number`th check."""
        for host in self.hosts:
            host.advance(number)
            if not host.edited:
                continue
            for story in host.stories:
                if self.rng.random() < self.edit_share:
                    self._edit(host, story, number)
        self._record(number)

    def _record(self, number: int) -> None:
        for host in self.hosts:
            for story in host.stories:
                self.states[((host.name, story.slug), number)] = story.snapshot()

    def _edit(self, host: Host, story: Story, number: int) -> None:
        before = story.snapshot()
        kinds = list(EDITS)
        weights = [EDITS[kind][1] for kind in kinds]
        wanted = self.rng.choices(kinds, weights, k=self.rng.choice((1, 1, 1, 2)))
        done = [
            kind for kind in dict.fromkeys(wanted) if EDITS[kind][0](story, self.rng, host.now, host.names)
        ]
        if (
            done
            and "updated" not in done
            and self.rng.random() < 0.5
            and EDITS["updated"][0](story, self.rng, host.now, host.names)
        ):
            done.append("updated")
        after = story.snapshot()
        fields = tuple(name for name in FIELDS if before[name] != after[name])
        if fields:
            self.truth[(host.name, story.slug)][number] = fields
            self.kinds[(host.name, story.slug)][number] = tuple(done)
