"""A simulated news site on loopback for tests: real HTTP, pages that change.

Every page carries chrome that differs on each request (relative times, a
rotating "More stories" box, inline scripts with nonces, comment counts, an ad
label inside the body), so a tracker that records chrome as edits fails.
Tests edit articles between checks and know exactly which edits they made.
"""

from __future__ import annotations

import gzip
import html
import itertools
import json
import random
import socket
import ssl
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TEMPLATES = ("jsonld", "meta", "time", "wordpress", "inline")
UNSEEN = ("sneaky",)  # chrome tracker was not tuned against: rotating teasers that patterns cannot know
INTERSTITIALS = {
    "challenge": "<html><head><title>Just a moment...</title></head><body><h1>Checking your browser before "
    "accessing the site.</h1><p>This process is automatic. Please enable JavaScript and cookies.</p></body></html>",
    "denied": "<html><head><title>Access denied</title></head><body><h1>Access denied</h1><p>You don't have "
    "permission to access this page on this server. Reference #18.5f3c2e17</p></body></html>",
    "consent": "<html><head><title>Before you continue</title></head><body><h1>We value your privacy</h1><p>We "
    "and our partners use cookies to store and access information on your device. Accept all or manage "
    "your choices.</p><button>Accept all</button></body></html>",
    "error200": "<html><head><title>Something went wrong</title></head><body><h1>Sorry, something went wrong"
    "</h1><p>Please try again later.</p></body></html>",
}
WORDS = [
    "council",
    "minister",
    "river",
    "budget",
    "harbour",
    "election",
    "storm",
    "vaccine",
    "court",
    "village",
    "bridge",
    "school",
    "market",
    "climate",
    "police",
    "report",
    "festival",
    "hospital",
    "railway",
    "union",
    "farmers",
    "energy",
    "museum",
    "city",
    "coast",
    "summit",
    "treaty",
    "protest",
    "inquiry",
    "drought",
    "airport",
    "parliament",
    "border",
    "mayor",
]


def sentence(rng: random.Random, words: int = 14) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 4)))


@dataclass
class Story:
    """One article as the newsroom currently has it."""

    slug: str
    headline: str
    byline: list[str]
    paragraphs: list[str]
    published_at: datetime
    updated_at: datetime | None = None
    template: str = "jsonld"
    subheadings: dict[int, str] = field(default_factory=dict)
    section: str | None = None  # with `ident`: a path as many publishers write it,
    ident: str | None = None  # /SECTION/ID/slug.html, the id in the middle

    @property
    def path(self) -> str:
        if self.section and self.ident:
            return f"/{self.section}/{self.ident}/{self.slug}.html"
        return f"/news/{self.slug}"


Handler = Callable[["Request"], "Response"]


@dataclass
class HeadlineTester:
    """A headline test on one story: each request draws a variant by weight (its own
    random stream, so a run replays). `social`: the variant only in og:title and
    twitter:title, the page's `<h1>`, `<title>` and JSON-LD keeping the story's headline;
    `feed`: the feed's entry title draws too (`page` False: only it does)."""

    variants: list[tuple[str, float]]
    seed: int = 1
    social: bool = False
    feed: bool = False  # the feed's entry titles draw too
    page: bool = True  # the page draws (else only the feed does)
    served: list[str] = field(default_factory=list)
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self) -> str:
        texts, weights = zip(*self.variants, strict=True)
        text = self.rng.choices(texts, weights=weights)[0]
        self.served.append(text)
        return text

    def render(self, site: NewsSite, story: Story, drawn: str) -> str:
        if not self.social:
            return site.render(replace(story, headline=drawn))
        page = site.render(story)
        tags = (
            f'<meta property="og:title" content="{html.escape(drawn)}">'
            f'<meta name="twitter:title" content="{html.escape(drawn)}">'
        )
        return page.replace("</head>", tags + "</head>", 1)


# The kernel's receive time of a request's bytes (Linux's SO_TIMESTAMPNS): a server thread
# in the test's own process reads a request when it gets the GIL, tens of milliseconds late
# while tracker's event loop is busy or the machine is loaded; the kernel stamps the bytes
# when they arrive, whatever the server thread is doing.
_SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
_KERNEL_STAMPS = sys.platform == "linux"


def _stamp_arrivals(connection: socket.socket) -> None:
    if _KERNEL_STAMPS:
        connection.setsockopt(socket.SOL_SOCKET, _SO_TIMESTAMPNS, 1)


def _arrival(connection: socket.socket) -> float | None:
    """When the next request's bytes reached this machine's kernel, on `time.monotonic()`'s
    clock (None when the client hung up or the platform gives no stamp). A client sends
    one request and waits for its answer, so the bytes queued are one request's."""
    if not _KERNEL_STAMPS or isinstance(connection, ssl.SSLSocket):  # TLS: no peeking at the bytes
        return None
    try:
        data, ancillary, _flags, _address = connection.recvmsg(1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
    except OSError:
        return None
    for level, kind, value in ancillary:
        if data and level == socket.SOL_SOCKET and kind == _SO_TIMESTAMPNS and len(value) >= 16:
            seconds, nanoseconds = struct.unpack("qq", value[:16])
            return _on_monotonic(seconds + nanoseconds / 1e9)
    return None


def _on_monotonic(wall: float) -> float:
    """A `time.time()` moment on `time.monotonic()`'s clock. The two clocks are read
    between two readings of the wall clock, and again when those are more than a
    millisecond apart: a thread descheduled between its two readings (tens of ms on a
    loaded machine) would place the moment early by that long."""
    best: tuple[float, float] | None = None
    for _ in range(50):
        before, now, after = time.time(), time.monotonic(), time.time()
        if best is None or after - before < best[0]:
            best = (after - before, now - ((before + after) / 2 - wall))
        if after - before < 0.001:
            break
    assert best is not None
    return best[1]


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-response (tracker cutting a body at its size limit) is normal."""


@dataclass
class Noise:
    """What changes on every request."""

    nonce: str
    minutes: int
    readers: int
    comments: int
    others: list[str]
    links: list[str]


def _chrome(rng: random.Random, size: int) -> str:
    """About `size` bytes of the markup around an article: menu, teaser cards, footer."""
    menu = "".join(
        f'<li class="menu-item"><a class="menu-link" href="/{w}/{n}">{w.title()} {n}</a></li>'
        for n, w in enumerate(WORDS * 2)
    )
    parts = [f'<nav class="mega-menu" aria-label="Sections"><ul class="menu">{menu}</ul></nav>']
    footer = "".join(
        f'<div class="footer-col"><h4>{w.title()}</h4><ul>'
        + "".join(f'<li><a href="/{w}/{k}">{rng.choice(WORDS).title()}</a></li>' for k in range(12))
        + "</ul></div>"
        for w in WORDS[:6]
    )
    parts.append(f'<footer class="site-footer"><div class="footer-grid">{footer}</div></footer>')
    cards: list[str] = []
    while sum(map(len, parts + cards)) < size:
        slug = "-".join(rng.sample(WORDS, 4))
        cards.append(
            f'<div class="card"><a class="card-link" href="/news/{slug}"><figure class="card-media">'
            f'<img src="/img/{slug}.jpg" alt="" loading="lazy" width="320" height="180"></figure>'
            f'<div class="card-body"><span class="kicker">{rng.choice(WORDS).title()}</span>'
            f'<h4 class="card-title">{sentence(rng, 9)}</h4><p class="card-teaser">{sentence(rng, 16)}</p>'
            f'<span class="card-meta">{rng.randint(2, 59)} min read</span></div></a></div>'
        )
    parts.insert(
        1, f'<section class="more-news"><h3>More news</h3><div class="cards">{"".join(cards)}</div></section>'
    )
    return "".join(parts)


def _links(titles: list[str], hrefs: list[str]) -> str:
    return "".join(
        f'<li><a href="{href}">{html.escape(title)}</a></li>'
        for title, href in zip(titles, hrefs, strict=False)
    )


@dataclass
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate_to: int | None = None


class NewsSite:
    """Stories plus extra routes, served by a threaded HTTP server on 127.0.0.1 (or
    `host`, `port`; over TLS with a `tls` server context)."""

    def __init__(
        self,
        seed: int = 7,
        padding: int = 0,
        host: str = "127.0.0.1",
        *,
        light: bool = False,
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ):
        self.seed = seed
        self.padding = padding  # bytes of inline script per page, as real pages carry
        self.light = light  # the padding all script (a DOM-light page), not half markup
        self.rng = random.Random(seed)
        self.stories: dict[str, Story] = {}
        self.routes: dict[str, Handler] = {}
        self.flaky: dict[str, list[str]] = {}
        self.moved: dict[str, str] = {}
        # the template's own lines inside the article container, as plain paragraphs
        # ("Published", "Related topics"): (0, line) before the story's text, (-1, line) after
        self.furniture: list[tuple[int, str]] = []
        self.withdrawn: dict[str, int] = {}
        # headline tests as newsrooms' tools run them: each request draws one variant by
        # weight, for the whole page (`social`: only og:title/twitter:title draw it)
        self.headline_tests: dict[str, HeadlineTester] = {}
        self.hits: dict[str, int] = {}
        self.requests: list[tuple[float, str]] = []  # (time.monotonic() on arrival, path), every request
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self._server = _QuietServer((host, port), self._handler_class())
        self.scheme = "https" if tls is not None else "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # -- lifecycle
    def start(self) -> NewsSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"{self.scheme}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    # -- content
    def add_story(self, template: str = "jsonld", paragraphs: int = 6, **overrides: Any) -> Story:
        number = next(self._counter)
        story = Story(
            slug=overrides.pop("slug", f"story-{number}-a{1000 + number}"),
            headline=overrides.pop("headline", sentence(self.rng, 8).rstrip(".")),
            byline=overrides.pop("byline", ["Jane Doe"] if number % 2 else ["Ali Khan", "Mia Berg"]),
            paragraphs=overrides.pop("paragraphs", [paragraph(self.rng) for _ in range(paragraphs)]),
            published_at=overrides.pop(
                "published_at", datetime(2026, 11, 28, 6, 0, tzinfo=UTC) + timedelta(minutes=number)
            ),
            template=template,
            **overrides,
        )
        self.stories[story.path] = story
        return story

    def feed(self, path: str = "/feed.xml", stories: list[Story] | None = None) -> str:
        self.routes[path] = lambda _request: Response(
            body=self.rss(stories if stories is not None else list(self.stories.values())),
            headers={"Content-Type": "application/rss+xml; charset=utf-8"},
        )
        return self.url(path)

    def rss(self, stories: list[Story]) -> bytes:
        items = "".join(
            f"<item><title>{html.escape(self._feed_title(s))}</title>"
            f"<link>{self.url(s.path)}?utm_source=rss&amp;utm_medium=feed</link>"
            f"<pubDate>{s.published_at.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
            for s in stories
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>Sim News</title><link>{self.base}/</link>{items}</channel></rss>"
        ).encode()

    def _feed_title(self, story: Story) -> str:
        """The entry's title: a test that reaches the feed draws it per request."""
        with self._lock:
            test = self.headline_tests.get(story.path)
            return test.draw() if test is not None and test.feed else story.headline

    def sitemap(self, path: str, stories: list[Story], *, gzipped: bool = False, news: bool = False) -> str:
        urls = "".join(
            f"<url><loc>{self.url(s.path)}</loc><lastmod>{s.published_at.isoformat()}</lastmod>"
            + (
                "<news:news><news:publication><news:name>Sim</news:name><news:language>en"
                f"</news:language></news:publication><news:publication_date>{s.published_at.isoformat()}"
                f"</news:publication_date><news:title>{html.escape(s.headline)}</news:title></news:news>"
                if news
                else ""
            )
            + "</url>"
            for s in stories
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
            ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>"
        ).encode()
        if gzipped:
            body = gzip.compress(body)
        content_type = "application/x-gzip" if gzipped else "application/xml"
        self.routes[path] = lambda _r: Response(body=body, headers={"Content-Type": content_type})
        return self.url(path)

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    # -- rendering
    def render(self, story: Story) -> str:
        """The page as the site serves it now: the story plus fresh chrome (drawn from the
        site's seed, the path and how often it was served, so a run can be replayed)."""
        rng = random.Random(f"{self.seed}:{story.path}:{self.hits.get(story.path, 0)}")
        noise = Noise(
            nonce=f"{rng.getrandbits(64):x}",
            minutes=rng.randint(1, 59),
            readers=rng.randint(10, 900),
            comments=rng.randint(0, 500),
            others=[s.headline for s in rng.sample(list(self.stories.values()), min(5, len(self.stories)))],
            links=[f"/news/{w}-{rng.randint(1, 999)}" for w in rng.sample(WORDS, 5)],
        )
        if self.padding:
            return self._padded(story, noise, rng)
        if story.template == "wordpress":
            return self._wordpress(story, noise, rng)
        if story.template == "sneaky":
            return self._sneaky(story, noise, rng)
        if story.template == "react":
            return self._react(story, noise, rng)
        return PAGE.format(
            head=self._head(story, noise.nonce),
            headline=html.escape(story.headline),
            byline=self._byline(story),
            times=self._times(story, noise.minutes),
            body=self._body(story, noise),
            related=_links(noise.others[:3] + [sentence(rng, 6) for _ in range(2)], noise.links),
            most_read=_links(list(reversed(noise.others)), noise.links),
            comments=noise.comments,
            minutes=noise.minutes,
            readers=noise.readers,
            nonce=noise.nonce,
            today=time.strftime("%A %d %B %Y"),
            temp=rng.randint(-5, 30),
        )

    def _padded(self, story: Story, noise: Noise, rng: random.Random) -> str:
        """The page of its template grown to about `padding` bytes as real pages are: half
        inline script state in the head, half markup (a mega menu, teaser cards, a footer
        of link columns), the teasers drawn afresh for every request."""
        template, self.padding = self.padding, 0
        try:
            page = self.render_template(story)
        finally:
            self.padding = template
        share = 100 if self.light else 200
        blob = json.dumps({"state": [sentence(rng, 12) for _ in range(self.padding // share)]})
        page = page.replace("</head>", f"<script>window.__APP__ = {blob};</script></head>", 1)
        if self.light:
            return page
        return page.replace("</body>", _chrome(rng, self.padding // 2) + "</body>", 1)

    def render_template(self, story: Story) -> str:
        return self.render(story)

    def _body(self, story: Story, noise: Noise) -> str:
        inline = story.template == "inline"
        body = []
        if inline:
            body.append(
                f'<figure class="lead"><img src="/img/{story.slug}.jpg?cb={noise.nonce}" alt=""></figure>'
            )
            body.append(f'<p class="live-readers">{noise.readers} people are reading this now</p>')
        body.extend(f"<p>{html.escape(text)}</p>" for place, text in self.furniture if place == 0)
        for index, text in enumerate(story.paragraphs):
            if index in story.subheadings:
                body.append(f"<h2>{html.escape(story.subheadings[index])}</h2>")
            body.append(f"<p>{html.escape(text)}</p>")
            if index == 1:
                body.append('<div class="ad-slot"><span>Advertisement</span></div>')
            if inline and index == 2:
                body.append(
                    '<aside class="related-links"><h4>Read more</h4><ul>'
                    + _links(noise.others[:3], noise.links)
                    + "</ul></aside>"
                )
            if inline and index == 3:
                body.append(
                    '<div class="newsletter-signup"><p>Get our morning briefing in your inbox every '
                    'day.</p><form><input type="email"><button>Sign up</button></form></div>'
                )
        body.extend(f"<p>{html.escape(text)}</p>" for place, text in self.furniture if place == -1)
        return "\n".join(body)

    def _sneaky(self, story: Story, noise: Noise, rng: random.Random) -> str:
        body = [f"<p>Last refreshed at {time.strftime('%H:%M:%S')}.{rng.randint(0, 999):03d}</p>"]
        for index, text in enumerate(story.paragraphs):
            if index in story.subheadings:
                body.append(f"<h3>{html.escape(story.subheadings[index])}</h3>")
            body.append(f"<p>{html.escape(text)}</p>")
            if index == 1 and noise.others:
                body.append(
                    f"<p><strong>Also read:</strong> <a href='{noise.links[0]}'>{html.escape(noise.others[0])}</a></p>"
                )
            if index == 2:
                body.append(f"<p><em>Quote of the day: {sentence(rng, 9)}</em></p>")
        names = ", ".join(story.byline[:-1]) + (" &amp; " if len(story.byline) > 1 else "") + story.byline[-1]
        updated = (
            f" &middot; <time datetime='{story.updated_at.isoformat()}'>updated</time>"
            if story.updated_at
            else ""
        )
        return SNEAKY.format(
            headline=html.escape(story.headline),
            names=names,
            published=story.published_at.isoformat(),
            updated=updated,
            body="\n".join(body),
            nonce=noise.nonce,
            url=self.url(story.path),
            others=_links(noise.others, noise.links),
        )

    def _react(self, story: Story, noise: Noise, rng: random.Random) -> str:
        """A page as a large publisher's React front end writes it (the BBC's, 2024): the
        byline only in markup (`data-component="byline-block"`, no author in JSON-LD or
        meta), `<!-- -->` between a paragraph's text nodes, each paragraph in its own
        text block, "Related topics" inside the article, its state in a large script
        after `</html>`."""
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story.headline,
            "datePublished": story.published_at.isoformat(),
            **({"dateModified": story.updated_at.isoformat()} if story.updated_at else {}),
            "publisher": {"@type": "NewsMediaOrganization", "name": "Sim News"},
        }
        names = " & ".join(story.byline) if len(story.byline) < 3 else ", ".join(story.byline)
        blocks = []
        for index, text in enumerate(story.paragraphs):
            if index in story.subheadings:
                blocks.append(
                    f'<div data-component="subheadline-block"><h2>{html.escape(story.subheadings[index])}</h2></div>'
                )
            words = html.escape(text).split(" ")
            middle = len(words) // 2
            blocks.append(
                f'<div data-component="text-block"><p>{" ".join(words[:middle])}<!-- --> {" ".join(words[middle:])}</p></div>'
            )
        state = json.dumps({"page": [sentence(rng, 12) for _ in range(60)], "nonce": noise.nonce})
        return REACT.format(
            headline=html.escape(story.headline),
            ld=json.dumps(data),
            url=self.url(story.path),
            names=html.escape(names),
            published=story.published_at.isoformat(),
            minutes=noise.minutes,
            body="\n".join(blocks),
            topics=_links(noise.others[:3], noise.links),
            state=state,
        )

    def _wordpress(self, story: Story, noise: Noise, rng: random.Random) -> str:
        authors = " and ".join(
            f'<span class="author vcard"><a class="url fn n" href="/author/{n.split()[0].lower()}">{n}</a></span>'
            for n in story.byline
        )
        updated = (
            (
                f'<time class="updated" datetime="{story.updated_at.isoformat()}">'
                f"{story.updated_at.strftime('%B %d, %Y')}</time>"
            )
            if story.updated_at
            else ""
        )
        comments = "".join(
            f'<li class="comment"><article class="comment-body"><footer class="comment-meta"><div '
            f'class="comment-author vcard"><b class="fn">{rng.choice(["Bob", "Ann", "Kai"])}</b></div><div '
            f'class="comment-metadata">{rng.randint(1, 20)} hours ago</div></footer><div class="comment-content">'
            f"<p>{sentence(rng, 12)}</p></div></article></li>"
            for _ in range(rng.randint(0, 4))
        )
        return WORDPRESS.format(
            headline=html.escape(story.headline),
            head=self._head(story, noise.nonce),
            published=story.published_at.isoformat(),
            published_text=story.published_at.strftime("%B %d, %Y"),
            updated=updated,
            authors=authors,
            body=self._body(story, noise),
            shares=noise.comments,
            related=_links(noise.others[:3], noise.links),
            count=noise.comments % 40,
            comments=comments,
            recent=_links(noise.others, noise.links),
            nonce=noise.nonce,
        )

    def _head(self, story: Story, nonce: str) -> str:
        url = self.url(story.path)
        parts = [f'<link rel="canonical" href="{url}">', f'<meta property="og:url" content="{url}">']
        if story.template in ("jsonld", "inline", "wordpress"):
            data = {
                "@context": "https://schema.org",
                "@graph": [
                    {"@type": "WebSite", "name": "Sim News", "url": self.base},
                    {
                        "@type": "NewsArticle",
                        "headline": story.headline,
                        "author": [{"@type": "Person", "name": n} for n in story.byline],
                        "datePublished": story.published_at.isoformat(),
                        "identifier": story.ident or story.slug.rsplit("-", 1)[-1],
                        **({"dateModified": story.updated_at.isoformat()} if story.updated_at else {}),
                    },
                ],
            }
            parts.append(f'<script type="application/ld+json">{json.dumps(data)}</script>')
        if story.template == "meta":
            parts.append(f'<meta property="og:title" content="{html.escape(story.headline)}">')
            parts.append(f'<meta name="author" content="{html.escape(", ".join(story.byline))}">')
            parts.append(
                f'<meta property="article:published_time" content="{story.published_at.isoformat()}">'
            )
            if story.updated_at:
                parts.append(
                    f'<meta property="article:modified_time" content="{story.updated_at.isoformat()}">'
                )
        parts.append(f'<meta name="csrf-token" content="{nonce}">')
        return "\n".join(parts)

    def _byline(self, story: Story) -> str:
        names = " and ".join(
            f'<a rel="author" href="/authors/{n.lower().replace(" ", "-")}">{n}</a>' for n in story.byline
        )
        return f'<p class="byline">By {names}</p>'

    def _times(self, story: Story, minutes: int) -> str:
        published = (
            f'<time class="published" datetime="{story.published_at.isoformat()}">'
            f"{story.published_at.strftime('%d %B %Y, %H:%M')}</time>"
        )
        updated = ""
        if story.updated_at:
            updated = (
                f' <time class="updated" datetime="{story.updated_at.isoformat()}">'
                f"Updated {minutes} minutes ago</time>"
            )
        return published + updated

    # -- HTTP
    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            arrived: float | None = None

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                _stamp_arrivals(self.connection)

            def handle_one_request(self) -> None:
                self.arrived = _arrival(self.connection)
                super().handle_one_request()

            def do_GET(self) -> None:
                # the kernel's stamp, else now (before the lock: another request's page may hold it)
                arrived = self.arrived if self.arrived is not None else time.monotonic()
                path = self.path.split("?")[0]
                with site._lock:
                    site.requests.append((arrived, path))
                    site.hits[path] = site.hits.get(path, 0) + 1
                response = site._respond(Request(path, dict(self.headers.items())))
                if response.delay:
                    time.sleep(response.delay)
                self.send_response(response.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **response.headers}
                headers.setdefault("Content-Length", str(len(response.body)))
                if not headers["Content-Length"]:
                    del headers["Content-Length"]
                    self.close_connection = True
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                body = (
                    response.body if response.truncate_to is None else response.body[: response.truncate_to]
                )
                try:
                    self.wfile.write(body)
                    if response.truncate_to is not None:
                        self.wfile.flush()
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler

    def _respond(self, request: Request) -> Response:
        if request.path in self.routes:
            return self.routes[request.path](request)
        if request.path in self.withdrawn:
            return Response(
                self.withdrawn[request.path], b"<html><body><h1>Page not found</h1></body></html>"
            )
        if request.path in self.moved:
            return Response(301, headers={"Location": self.moved[request.path]})
        story = self.stories.get(request.path)
        if story is None:
            return Response(404, b"<html><body><h1>Not found</h1></body></html>")
        with self._lock:
            trouble = self.flaky.get(request.path, [])
            kind = trouble.pop(0) if trouble else None
            test = self.headline_tests.get(request.path)
            drawn = test.draw() if test is not None and test.page else None
        if test is not None and drawn is not None:
            page = test.render(self, story, drawn).encode("utf-8")
        else:
            page = self.render(story).encode("utf-8")
        if kind in INTERSTITIALS:
            return Response(body=INTERSTITIALS[kind].encode())
        if kind == "truncated":  # cut mid-page, no Content-Length to give it away
            return Response(
                body=page[: len(page) // 2], headers={"Content-Length": ""}, truncate_to=len(page) // 2
            )
        if kind == "500":
            return Response(500, b"<h1>Internal Server Error</h1>")
        return Response(body=page)

    def move(self, story: Story, new_slug: str) -> None:
        """The story moves to a new slug; its old URL answers 301."""
        old = story.path
        del self.stories[old]
        story.slug = new_slug
        self.stories[story.path] = story
        self.moved[old] = story.path

    def withdraw(self, story: Story, status: int = 410) -> None:
        del self.stories[story.path]
        self.withdrawn[story.path] = status


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{headline} | Sim News</title>
{head}
<script>window.__STATE__ = {{"nonce": "{nonce}", "ts": {readers}}};</script>
</head>
<body>
<header class="masthead"><a href="/">Sim News</a> <span class="today">{today}</span>
<span class="weather">{temp}&deg;C</span>
<nav><a href="/world">World</a> <a href="/politics">Politics</a> <a href="/sport">Sport</a></nav>
</header>
<main>
<article class="story">
<h1 class="headline">{headline}</h1>
{byline}
<div class="meta">{times} <span class="readers">{readers} people reading now</span></div>
<div class="story-body">
<p class="posted">Posted {minutes} minutes ago</p>
{body}
</div>
<div class="share">Share this story <span class="count">{comments} shares</span></div>
<div class="most-read"><h3>Most read</h3><ol>{most_read}</ol></div>
</article>
<aside class="related"><h3>More stories</h3><ul>{related}</ul></aside>
<section class="comments"><h3>{comments} comments</h3></section>
<div class="newsletter">Sign up for our morning newsletter</div>
</main>
<footer><p>&copy; 2026 Sim News. All rights reserved.</p></footer>
<script nonce="{nonce}">(function(){{var x = "{nonce}"; console.log(x);}})();</script>
</body></html>
"""


WORDPRESS = """<!DOCTYPE html>
<html lang="en-US"><head><meta charset="UTF-8">
<title>{headline} &#8211; A Sim Blog</title>
{head}
<script>var wpnonce = "{nonce}";</script>
</head>
<body class="post-template-default single single-post">
<div id="page" class="site"><header id="masthead" class="site-header"><p class="site-title">A Sim Blog</p>
<nav class="main-navigation"><ul><li><a href="/">Home</a></li><li><a href="/about">About</a></li></ul></nav></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">
<article class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{headline}</h1>
<div class="entry-meta"><span class="posted-on">Posted on <time class="entry-date published"
datetime="{published}">{published_text}</time>{updated}</span><span class="byline"> by {authors}</span></div>
</header>
<div class="entry-content">
{body}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li>Twitter ({shares})</li>
<li>Facebook</li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3><ul>{related}</ul></div>
</div>
<footer class="entry-footer"><span class="comments-link">{count} Comments</span></footer>
</article>
<div id="comments" class="comments-area"><h2 class="comments-title">{count} thoughts on &ldquo;{headline}&rdquo;</h2>
<ol class="comment-list">{comments}</ol>
<div id="respond" class="comment-respond"><h3>Leave a Reply</h3><form><textarea></textarea></form></div></div>
</main></div>
<aside id="secondary" class="widget-area"><section class="widget widget_recent_entries"><h2>Recent Posts</h2>
<ul>{recent}</ul></section></aside></div>
<footer id="colophon" class="site-footer">Proudly powered by WordPress</footer></div>
</body></html>
"""


REACT = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">
<title>{headline} - Sim News</title><meta property="og:title" content="{headline}">
<meta property="og:site_name" content="Sim News"><link rel="canonical" href="{url}">
<script type="application/ld+json">{ld}</script></head>
<body><div id="__next"><header data-testid="header"><nav><a href="/">Home</a> <a href="/news">News</a>
<a href="/sport">Sport</a></nav></header>
<main id="main-content" data-testid="main-content"><article>
<header data-component="headline-block"><h1 id="main-heading">{headline}</h1></header>
<div data-component="byline-block"><div><div><span>By {names}</span><span>Sim News</span></div></div>
<div><time datetime="{published}">{minutes} minutes ago</time></div></div>
{body}
<div data-component="links-block"><h2>Related topics</h2><ul>{topics}</ul></div>
</article></main><footer><p>Copyright 2026 Sim News.</p></footer></div></body></html>
<script>window.__INITIAL_DATA__={state};</script>
<script>window.__INITIAL_DATA_COPY__={state};</script>"""


SNEAKY = """<!doctype html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>{headline} — The Daily Sim</title><link rel="canonical" href="{url}">
<script>window.dataLayer=[{{"rid":"{nonce}"}}];</script></head>
<body><div class="wrap"><div class="top">The Daily Sim</div>
<div class="col-main"><h1>{headline}</h1>
<div class="dateline">By {names} <time datetime="{published}">earlier</time>{updated}</div>
<div class="txt">
{body}
</div></div>
<div class="col-side"><b>Popular</b><ul>{others}</ul></div></div></body></html>
"""


JITTER = 0.01  # a request granted on time may reach the server a few ms late or early (a new connection)


def tolerance(delay: float) -> float:
    """How much closer than `delay` two requests may arrive: a turn granted on time may
    reach the server a few ms late when it opens a new connection (the one after it, on an
    open connection, then looks early). Arrivals are the kernel's stamps (`_arrival`), so
    the server thread's own lateness does not count."""
    return max(JITTER, 0.05 * delay)


def gaps(site: NewsSite) -> list[float]:
    """Between the requests the site received, in order of arrival."""
    times = sorted(at for at, _path in site.requests)
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def too_close(site: NewsSite, delay: float) -> list[tuple[float, str, str]]:
    """Requests the site received closer than `delay` (less the tolerance) after the one
    before, as (gap, path, path). A request on a new connection may arrive a few ms late
    (the handshake after its turn): a late arrival moves time from the gap before it to
    the gap after it. A request really sent early shortens both, so a short gap counts
    only when it and the gap before it are also short together."""
    arrivals = sorted(site.requests)
    slack = tolerance(delay)
    found = []
    for index in range(1, len(arrivals)):
        gap = arrivals[index][0] - arrivals[index - 1][0]
        before = arrivals[index - 1][0] - arrivals[index - 2][0] if index >= 2 else delay
        if gap < delay - slack and gap + before < 2 * delay - slack:
            found.append((round(gap, 4), arrivals[index - 1][1], arrivals[index][1]))
    return found
