"""The Washington Post, 2024 (Next.js), rebuilt from johnl/web-page-parser
spec/fixtures/washingtonpost/beto-orourke-quits-2024.html (493 kB, the story near 345 kB).

The `h1` (`data-qa="headline"`, the text in a `span`), the byline (`data-qa="author-byline"`
blocks, "By " in `attribution-text`, the names `a[data-qa=author-name][rel=author]`, " and "
between), `data-testid="display-date"` ("November 1, 2019 at 6:25 p.m. EDT"); in
`article.grid-article`: the lede art, the article actions ("Share", "Comment", "Save"),
then `div.meteredContent`: `div.teaser-content` WRAPPING the first `article-body` divs,
every paragraph `p[data-testid=drop-cap-letter]`, then more `article-body` divs: the
"Get the full experience. Choose your plan" promo, ad placeholders ("Advertisement"),
the rest of the story. Three machine times for one publication: `article:published_time`
and JSON-LD to the second, a permutive `article.publishDate` 55 minutes earlier (when the
story was created); `__NEXT_DATA__` (the article again) closes the page.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

import json
from datetime import timedelta

from tests.support.publishers.chrome import clock12, css, esc, iso_z, json_ld, long_date, slug_of, state
from tests.support.publishers.story import Page, Story

P = "wpds-c-cYdRxM wpds-c-cYdRxM-iPJLV-css overrideStyles font-copy"
BODY = '<div class="wpds-c-PJLV article-body" data-qa="article-body">'
TEASER = 2


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
        f"<title>{esc(story.headline)} - The Washington Post</title>{_meta(story, page)}"
        f'<style id="stitches">{css("wpds-c", 300_000, "wapo2024")}</style></head><body><div id="__next">'
        '<header class="wpds-c-kXBnLe"><nav aria-label="sections"><a href="/politics/">Politics</a></nav>'
        f'</header><div class="PJLV PJLV-iklXUFA-css"><h1 class="PJLV PJLV-ibtEjqu-css overrideStyles" '
        f'data-testid="headline" data-qa="headline" id="main-content"><span data-qa="headline-text" class="PJLV">'
        f"{esc(story.headline)}</span></h1></div>{_byline(story)}{_date(story)}"
        '<article class="grid-article mb-xxl-ns" data-qa="main"><div data-testid="lede-art" data-qa="lede-art">'
        f'{_figure(story)}</div><div class="grid-body">{_actions()}<div class="meteredContent grid-center">'
        f"{_body(story)}</div></div></article></div>{_next_data(story, page)}</body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    created = story.published - timedelta(minutes=54, seconds=53)
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "datePublished": iso_z(story.published),
        "dateModified": iso_z(story.updated or story.published),
        "author": [{"@type": "Person", "name": n, "url": f"/people/{slug_of(n)}/"} for n in story.byline],
        "isAccessibleForFree": False,
    }
    permutive = [
        {"key": "article.publishDate", "values": iso_z(created)},
        {"key": "article.section", "values": "politics"},
    ]
    return (
        f'<meta property="article:published_time" content="{iso_z(story.published)}"/>'
        f'<meta name="description" content="{esc(story.dek)}"/><link rel="canonical" href="{page.url}"/>'
        f'<meta property="og:title" content="{esc(story.headline)}"/>{json_ld(ld)}'
        f'<script id="permutive">window.permutiveTargeting = {json.dumps(permutive)};</script>'
    )


def _byline(story: Story) -> str:
    people = []
    for number, name in enumerate(story.byline):
        prefix = (
            '<span data-qa="attribution-text" class="wpds-c-cNdzuP">By <!-- --> </span>'
            if number == 0
            else ""
        )
        between = (
            " and<!-- --> "
            if number == len(story.byline) - 2
            else ("," if number < len(story.byline) - 2 else "")
        )
        people.append(
            '<div class="dib items-center" data-qa="author-byline"><span class="left"><div class="dib font-xxs" '
            f'data-qa="name-with-optional-link">{prefix}<a data-qa="author-name" href="https://www.washingtonpost.com'
            f'/people/{slug_of(name)}/" rel="author" class="wpds-c-cNdzuP">{esc(name)}</a></div>'
            f'<span class="wpds-c-kpjDGe">{between}</span></span></div>'
        )
    return (
        '<div class="wpds-c-ffLlrl"><div class="PJLV PJLV-iPJLV-css mb-xxs flex overrideStyles" '
        f'data-qa="author-byline"><span class="wpds-c-PJLV">{"".join(people)}</span></div>'
    )


def _date(story: Story) -> str:
    local = story.local(story.published)
    return (
        '<div data-testid="timestamp" class="wpds-c-elYpxo"><span class="PJLV"><span data-testid="display-date" '
        f'class="wpds-c-cgxmX">{long_date(local)} at {clock12(local, dots=True)} {local.tzname()}</span></span>'
        "</div></div>"
    )


def _figure(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    return (
        '<div><figure class="mr-auto-ns ml-auto-ns hide-for-print"><div class="w-100 aspect-custom" '
        f'style="background-image:url(https://www.washingtonpost.com/wp-apps/imrs.php?src={story.slug}.jpg)"></div>'
        '<figcaption><div class="mt-xs left font--subhead font-xxxs gray-dark" data-qa="video-caption">'
        f"{esc(caption)}</div></figcaption></figure></div>"
    )


def _actions() -> str:
    buttons = "".join(
        f'<div class="wpds-c-mfMEg"><button aria-label="{label}" class="wpds-c-gPbxFP"></button>'
        f'<span aria-hidden="true" class="wpds-c-fBEbFG">{label}</span></div>'
        for label in ("Share", "Comment", "Save")
    )
    return f'<div class="hide-for-print mb-sm"><div class="flex items-center" data-qa="article-actions">{buttons}</div></div>'


def _paragraph(text: str) -> str:
    return (
        f'{BODY}<p data-testid="drop-cap-letter" data-el="text" class="{P}" dir="null">{esc(text)}</p></div>'
    )


PROMO = (
    f'{BODY}<div class="db dn-ns mr-neg-gutter ml-neg-gutter mb-md hide-for-print" data-qa="subscribe-promo">'
    '<a class="pt-sm pb-sm flex items-center bold font-xxxs" href="https://subscribe.washingtonpost.com/acquisition/'
    '?promo=o24_ma"><span class="mr-xs ml-xs gray-darkest flex items-center">Get the full experience.'
    '<span class="ml-xs subs-theme blue">Choose your plan</span></span></a></div></div>'
)
AD = (
    '<div class="wpds-c-PJLV wpds-c-PJLV-bHCGeL-isStandardLayoutAd-true article-body" data-qa="article-body">'
    '<div class="cb dn db-ns" data-qa="article-body-ad"><div aria-hidden="true" class="hide-for-print relative '
    'flex justify-center" style="min-height:250px"><div data-testid="placeholder-box" class="w-100 h-100 absolute">'
    '<div class="flex flex-column justify-center font-sans-serif center font-xxs light gray-dark lh-md">'
    "<div>Advertisement</div></div></div></div></div></div>"
)


def _body(story: Story) -> str:
    blocks = story.blocks()
    teaser = "".join(_paragraph(text) for _, text in blocks[:TEASER])
    rest = [PROMO]
    for number, (kind, text) in enumerate(blocks[TEASER:]):
        if kind == "h2":
            rest.append(f'{BODY}<h3 class="wpds-c-iQAvXD font-md" data-el="text">{esc(text)}</h3></div>')
        else:
            rest.append(_paragraph(text))
        if number % 4 == 1:
            rest.append(AD)
    return f'<div class="teaser-content">{teaser}</div><div></div>{"".join(rest)}'


def _next_data(story: Story, page: Page) -> str:
    data = {
        "props": {
            "pageProps": {
                "globalContent": {
                    "canonical_url": page.url,
                    "display_date": iso_z(story.published),
                    "content_elements": [{"type": "text", "content": text} for _, text in story.blocks()],
                },
                "siteServiceConfig": state(60_000, "wapo2024"),
            }
        },
        "page": "/[...all]",
        "buildId": "8282740854@745f17a2ce6dc4fec18901005be9135d712a8b59",
    }
    return (
        f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data, ensure_ascii=False)}</script>'
    )
