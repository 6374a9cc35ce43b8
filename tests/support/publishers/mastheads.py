"""Who publishes what: the publishers of the history (one layout each, three real texts
each), the seven re-capture pairs (one story each, its site redesigned under it), and the
pages that declare no date (built ones, and real ones of ../shared/corpus served as
captured). Bylines are the texts' own where they name people, else reporters whose
names the real captures carry."""

from __future__ import annotations

import gzip
import random
import zlib
from datetime import datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from tests.support.corpus import CORPUS
from tests.support.publishers import edits, layouts, nodate
from tests.support.publishers.chrome import slug_of
from tests.support.publishers.hosts import LAST_MODIFIED, Host
from tests.support.publishers.story import LONDON, NEW_YORK, Page, Story
from tests.support.publishers.texts import Text, captions, text


class Masthead(NamedTuple):
    """A publisher of the history: one layout, four stories from real texts; `reporters`
    sign a text that names nobody, and are the names a byline edit adds."""

    layout: str
    zone: ZoneInfo
    section: str
    first_day: str
    texts: tuple[str, ...]
    reporters: tuple[str, ...]


HISTORY = (
    Masthead("bbc2024", LONDON, "world", "2024-09-27", ("bbc-1", "telegraph", "bug-1255978", "wordpress"),
             ("Vanessa Buschschlüter", "Nada Tawfik", "Jon Sopel")),
    Masthead("nyt2020", NEW_YORK, "business", "2020-08-14",
             ("nytimes-2", "nytimes-3", "nytimes-4", "videos-1"), ("Ivan Penn", "Jeffrey Gettleman")),
    Masthead("nyt2018", NEW_YORK, "world", "2018-03-05", ("nytimes-1", "quanta-1", "salon-1", "medium-2"),
             ("Ivan Penn", "Tariq Panja")),
    Masthead("guardian2019", NEW_YORK, "environment", "2019-01-02",
             ("guardian-1", "citylab-1", "keep-images", "webmd-2"), ("Adrian Malloch", "Shiv Malik")),
    Masthead("guardian2012", LONDON, "business", "2012-01-25",
             ("herald-sun-1", "medicalnewstoday", "article-author-tag", "breitbart"),
             ("Shiv Malik", "Henry McDonald", "Eleanor Ainge Roy")),
    Masthead("wapo2024", NEW_YORK, "politics", "2024-03-14",
             ("wapo-1", "schema-org-context-object", "theverge", "spiceworks"),
             ("Matt Viser", "Jenna Johnson")),
    Masthead("wapo2019", NEW_YORK, "politics", "2019-10-30", ("wapo-2", "cnet", "engadget", "iab-1"),
             ("Matt Viser", "Jenna Johnson", "Max Ehrenfreund")),
    Masthead("cnn2023", NEW_YORK, "europe", "2023-06-04", ("cnn", "wikia", "yahoo-3", "webmd-1"),
             ("Lauren Said-Moorhouse", "James Frater", "Ivana Kottasová", "Petro Zadorozhnyy",
              "Lauren del Valle")),
)  # fmt: skip
# bylines as the real captures write them, in place of the texts' own: CNN's hyphenated and
# multi-part surnames (real CNN author strings), the Guardian's and the Post's two reporters
BYLINES = {
    "cnn2023": (
        ["Lauren Said-Moorhouse", "James Frater"],
        ["Ivana Kottasová", "Petro Zadorozhnyy", "Lauren Said-Moorhouse"],
        ["Jeremy Herb", "Lauren del Valle", "Kara Scannell"],
        ["Tara Subramaniam", "Andrew Raine", "Lauren Said-Moorhouse", "Thom Poole", "Sophie Tanno"],
    ),
    "guardian2012": (["Shiv Malik", "Henry McDonald"],),
    "wapo2019": (["Matt Viser", "Jenna Johnson"],),
}
PAIRS: tuple[tuple[str, str, str, list[str] | None], ...] = (  # first layout, second layout, text, byline
    ("wapo2019", "wapo2024", "aclu", ["Matt Viser", "Jenna Johnson"]),
    ("guardian2012", "guardian2012x", "medium-1", ["Shiv Malik", "Henry McDonald"]),
    ("nyt2018", "nyt2020", "msn", None),
    ("bbc2015", "bbc2024", "seattletimes-1", ["Vanessa Buschschlüter"]),
    ("guardian2012", "guardian2019", "lifehacker-working", None),
    ("cnn2016", "cnn2023", "buzzfeed-1", ["Ahiza Garcia"]),
    ("bbc2015", "bbc2020", "telegraph", []),
)
NODATE_TEXTS = ("ehow-1", "ehow-2", "gitlab-blog", "dropbox-blog", "v8-blog", "002")
NODATE_CAPTURES = (  # trafilatura-eval pages that declare no date (checked by hand: no meta,
    # JSON-LD or <time> date, no Y-M-D in their URL), each with the digits that invite a guess
    "archive.org.steinzeitwissen.de.werkzeuge",  # "© 2015" theme footer
    "archive.org.bewegliche-lettern.de.typography",  # "© 2016" theme footer
    "baumev.de.Transformationslabor",  # a menu of year links
    "bmbf.de.energiewende",  # "G7-Präsidentschaft 2022" in the navigation
    "anwaltniemeyer.de.index",  # 25.05.2015 in an HTML comment
)
HOURS = ((22, 40, 47), (9, 5, 12), (23, 55, 3), (0, 20, 31))  # local times: some on another UTC day


def story_from(
    source: Text, *, zone: ZoneInfo, section: str, published: datetime, byline: list[str]
) -> Story:
    """The source's first nine paragraphs (its subheads among them) as published; the next
    four wait as the paragraphs a later edit adds."""
    paragraphs: list[str] = []
    subheads: dict[int, str] = {}
    rest = list(source.blocks)
    while rest and len(paragraphs) < 9:
        kind, words = rest.pop(0)
        if kind == "h2":
            subheads[len(paragraphs)] = words
        else:
            paragraphs.append(words)
    headline = source.headline.split(" | ")[0].strip()
    slug = slug_of(headline)
    rng = random.Random(slug)
    return Story(
        slug=slug,
        headline=headline,
        byline=byline,
        paragraphs=paragraphs,
        subheads={i: t for i, t in subheads.items() if 0 < i < len(paragraphs)},
        published=published,
        zone=zone,
        dek=source.dek,
        print_headline=headline,
        later=[w for k, w in rest if k == "p"][:4],
        captions=rng.sample(list(captions()), 2),
        topics=list(dict.fromkeys(w.strip(",.:'’") for w in headline.split()[1:] if w[:1].isupper()))[:3]
        or [section.title()],
        section=section,
        ident=f"{zlib.crc32(slug.encode()):08x}-{zlib.adler32(slug.encode()):08x}",
    )


def _when(first_day: str, number: int, zone: ZoneInfo) -> datetime:
    """The `number`th story's time: the first story the newest (two hours old at the first
    check, its age printed as "2 hours ago" where the layout does), the others a day apart
    before it, their dates printed."""
    hour, minute, second = HOURS[number % len(HOURS)]
    day = datetime.fromisoformat(first_day) + timedelta(days=len(HOURS) - 1 - number)
    return day.replace(hour=hour, minute=minute, second=second, tzinfo=zone)


def history_hosts(seed: int) -> list[Host]:
    hosts = []
    for layout, zone, section, first_day, names, reporters in HISTORY:
        stories = []
        for number, name in enumerate(names):
            source = text(name)
            given = BYLINES.get(layout, ())
            byline = given[number] if number < len(given) else list(source.byline)
            byline = byline or [reporters[number % len(reporters)]]
            story = story_from(
                source, zone=zone, section=section, published=_when(first_day, number, zone), byline=byline
            )
            if number % 2 == 0:
                edits.plant_typo(story, random.Random(f"{seed}:{story.slug}"))
            stories.append(story)
        hosts.append(Host(layout, layout, layouts.LAYOUTS[layout], stories, names=list(reporters), seed=seed))
    return hosts


def pair_hosts(seed: int, switch_at: int) -> list[Host]:
    hosts = []
    for number, (first, second, name, byline) in enumerate(PAIRS):
        source = text(name)
        zone = NEW_YORK if first.startswith(("nyt", "wapo", "cnn")) else LONDON
        names = list(source.byline) if byline is None else byline
        story = story_from(
            source, zone=zone, section="news", published=_when("2019-11-01", number, zone), byline=names
        )
        host = Host(
            f"{first}-to-{second}",
            first,
            layouts.LAYOUTS[first],
            [story],
            switch_at=switch_at,
            then=(second, layouts.LAYOUTS[second]),
            seed=seed,
            edited=False,
        )
        hosts.append(host)
    return hosts


def nodate_host(seed: int) -> Host:
    stories = []
    for number, name in enumerate(NODATE_TEXTS):
        source = text(name)
        story = story_from(
            source,
            zone=LONDON,
            section=nodate.TRAPS[number],
            published=_when("2021-03-01", 0, LONDON),
            byline=[],
        )
        stories.append(story)
    raw = {
        f"/archive/{name}.html": gzip.decompress(
            (CORPUS / "trafilatura-eval" / "pages" / f"{name}.html.gz").read_bytes()
        )
        for name in NODATE_CAPTURES
    }

    def render(story: Story, page: Page) -> str:
        return nodate.render(story, page, story.section)

    headers = {"Last-Modified": LAST_MODIFIED}
    return Host(
        "nodate", "nodate", render, stories, raw=raw, headers=headers, seed=seed, edited=False, dated=False
    )
