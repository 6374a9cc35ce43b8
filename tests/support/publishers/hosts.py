"""A publisher on loopback: its stories served through a layout (which a redesign can
switch), its feed, its clock, and real captured pages served as they are."""

from __future__ import annotations

import html
import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tests.support.publishers.story import Page, Story
from tests.support.site import NewsSite, Request, Response

Render = Callable[[Story, Page], str]
STEP = timedelta(hours=3)  # the site's clock between two checks
# each publisher on a loopback address of its own, as publishers are hosts of their own (what
# tracker learns of a site, its template lines and chrome, is kept per host name)
_ADDRESSES = (f"127.0.2.{n}" for n in itertools.cycle(range(1, 255)))
LAST_MODIFIED = "Sat, 25 May 2019 10:00:00 GMT"


def path_of(layout: str, story: Story) -> str:
    """The story's path as its publisher writes one, the local day in it (none for the
    pages of `nodate`)."""
    day = story.local(story.published)
    publisher = layout.rstrip("0123456789x")
    if publisher == "bbc":
        return f"/news/articles/{story.slug}"
    if publisher == "nyt":
        return f"/{day:%Y/%m/%d}/{story.section}/{story.slug}.html"
    if publisher == "guardian":
        return f"/{story.section}/{day:%Y}/{day:%b}/{day:%d}/{story.slug}".lower()
    if publisher == "wapo":
        return f"/{story.section}/{story.slug}/{day:%Y/%m/%d}/{story.ident}_story.html"
    if publisher == "cnn":
        return f"/{day:%Y/%m/%d}/{story.section}/{story.slug}/index.html"
    return f"/{story.section}/{story.slug}.html"


@dataclass
class Host:
    """One publisher's site: `layout` renders its stories until cycle `switch_at`, `then`
    from there on (a redesign: the same stories, new markup)."""

    name: str
    layout: str
    render: Render
    stories: list[Story]
    names: list[str] = field(default_factory=list)  # reporters a byline edit can add
    switch_at: int | None = None
    then: tuple[str, Render] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: dict[str, bytes] = field(default_factory=dict)  # path -> a captured page, served as is
    seed: int = 22
    edited: bool = True  # the newsroom edits its stories (not a re-capture's, not the undated pages)
    dated: bool = True  # its feed gives each story's time (the undated pages' feed gives none)
    cycle: int = 0

    def __post_init__(self) -> None:
        self.site = NewsSite(seed=self.seed, host=next(_ADDRESSES))
        self.paths = {story.slug: path_of(self.layout, story) for story in self.stories}
        latest = max((s.published for s in self.stories), default=datetime(2024, 1, 1, tzinfo=UTC))
        self.start_clock = latest + timedelta(hours=2)
        for story in self.stories:
            self.site.route(self.paths[story.slug], self._handler(story))
        for path, body in self.raw.items():
            self.site.route(path, self._captured(body))
        self.site.route(
            "/feed.xml",
            lambda _r: Response(body=self._rss(), headers={"Content-Type": "application/rss+xml"}),
        )

    @property
    def now(self) -> datetime:
        return self.start_clock + self.cycle * STEP

    def url(self, story: Story) -> str:
        return self.site.url(self.paths[story.slug])

    def feed(self) -> str:
        return self.site.url("/feed.xml")

    def advance(self, cycle: int) -> None:
        """The site as it is at the tracker's `cycle`th check: its clock, its layout."""
        self.cycle = cycle
        if self.switch_at is not None and cycle >= self.switch_at and self.then is not None:
            self.layout, self.render = self.then

    def start(self) -> Host:
        self.site.start()
        return self

    def stop(self) -> None:
        self.site.stop()

    def _captured(self, body: bytes) -> Callable[[Request], Response]:
        return lambda _request: Response(body=body, headers=dict(self.headers))

    def _handler(self, story: Story) -> Callable[[Request], Response]:
        def serve(request: Request) -> Response:
            path = self.paths[story.slug]
            served = self.site.hits.get(path, 0)
            page = Page(
                url=self.site.url(path),
                base=self.site.base,
                now=self.now,
                rng=random.Random(f"{self.seed}:{path}:{served}"),
                others=tuple(s for s in self.stories if s is not story),
            )
            return Response(body=self.render(story, page).encode("utf-8"), headers=dict(self.headers))

        return serve

    def _rss(self) -> bytes:
        items = "".join(
            f"<item><title>{html.escape(s.headline)}</title><link>{self.url(s)}</link>"
            + (
                f"<pubDate>{s.published.astimezone(UTC):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
                if self.dated
                else ""
            )
            + "</item>"
            for s in self.stories
        ) + "".join(
            f"<item><title>{html.escape(p)}</title><link>{self.site.url(p)}</link></item>" for p in self.raw
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{html.escape(self.name)}</title><link>{self.site.base}/</link>{items}</channel></rss>"
        ).encode()
