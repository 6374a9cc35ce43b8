"""The Washington Post, 2019 (Arc "fusion"), rebuilt from johnl/web-page-parser
spec/fixtures/washingtonpost/beto-orourke-quits.html (263 kB).

`header` with the kicker and the `h1`; `article[data-qa=main]`: the lead figure, the byline
(`div.author-names`: "By ", each name in `span.author-name`, " and " between, and beside
each a tooltip hidden by CSS class only (`dn hidden author-tooltip`) with the name again,
the job ("National political reporter"), "Email", "Bio", "Follow"), the display date
("November 1, 2019 at 6:25 PM EDT"), then `div.article-body`: the lede paragraphs in
`div.teaser-content > section > div > p`, the rest in `div.remainder-content`, "AD"
placeholders between them. JSON-LD's datePublished is the printed minute ("…22:25:00Z")
and its author one Person named "A, B"; `wpAdFusion` (a `text/blzscript`) says
`firstPubDate` to the second; `Fusion.globalContent` repeats the article at the end.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

import json
from datetime import timedelta

from tests.support.publishers.chrome import (
    clock12,
    css,
    esc,
    iso_z,
    json_ld,
    long_date,
    menu,
    script_json,
    slug_of,
)
from tests.support.publishers.story import Page, Story

P = "font--body font-copy color-gray-darkest ma-0 pad-bottom-md undefined"
TEASER = 2  # paragraphs in the teaser


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charSet="UTF-8"/>'
        f"<title>{esc(story.headline)} - The Washington Post</title>{_meta(story, page)}"
        f"<style>{css('wapo', 150_000, 'wapo2019')}</style></head><body>"
        '<div id="fusion-app" class="layout-article"><nav class="site-menu"><ul>'
        f'{menu("nav-item", "font--subhead")}</ul><ul class="list-unstyled"><li class="mb-sm">'
        '<a class="font--subhead">© 1996-<!-- -->2019<!-- --> The Washington Post</a></li></ul></nav>'
        '<main><header class="grid-item" data-qa="main-full"><div class="kicker" data-qa="kicker">'
        f'<a href="/{story.section}">{esc(story.section.title())}</a></div>'
        f'<h1 class="font--headline font-xxl" data-qa="headline">{esc(story.headline)}</h1>'
        '<h2 class="font--subhead font-light gray-dark mb-sm null">\n\n</h2></header>'
        f'<article class="grid-item grid-item--cols-lg-8" data-qa="main">{_figure(story)}{_byline(story)}'
        f'{_date(story)}<div class="article-body">{_body(story)}</div>'
        '<div class="newsletter-form"><h3 class="font--headline">Today&#x27;s Headlines</h3><p class="gray-dark">'
        "Free daily updates delivered just for you</p></div></article></main></div>"
        f"{_fusion(story, page)}</body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    minute = story.published.replace(second=0, microsecond=0)
    ld = {
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "description": story.dek,
        "datePublished": iso_z(minute, millis=False),
        "dateModified": iso_z(story.updated or story.published),
        "author": {"@type": "Person", "name": ", ".join(story.byline)},
        "mainEntityOfPage": page.url,
    }
    fusion = {
        "author": story.byline,
        "firstPubDate": iso_z(story.published, millis=False),
        "section": "politics",
    }
    return (
        f'<meta name="description" content="{esc(story.dek)}"/><link rel="canonical" href="{page.url}"/>'
        f'<meta property="og:title" content="{esc(story.headline)}"/>{json_ld(ld)}'
        f'<script type="text/blzscript">window.wpAdFusion = {_json(fusion)}</script>'
    )


def _json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False)


def _figure(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    return (
        '<figure class="center mb-md hide-for-print"><img src="https://www.washingtonpost.com/resizer/'
        f'{story.slug}.jpg" alt="{esc(caption)}" class="w-100 mw-100"/>'
        f'<figcaption class="left ml-gutter gray-dark font--subhead font-xxxs">{esc(caption)}</figcaption></figure>'
    )


def _tooltip(name: str) -> str:
    return (
        '<div class="absolute bg-white brad-4 z-2 tooltip tooltip-bottom mt-sm dn hidden author-tooltip">'
        f'<a aria-label="Read more more stories from {esc(name)}" href="/people/{slug_of(name)}/"></a>'
        '<div class="blue author-name font-bold"><a class="author-name-link link-hover-underline" '
        f'href="/people/{slug_of(name)}/">{esc(name)}</a></div>'
        '<div class="author-description gray mt-xxs">National political reporter</div><div class="b mt-sm"></div>'
        '<div class="social-links mt-sm black flex justify-between">'
        f'<a href="mailto:{slug_of(name).replace("-", ".")}@washpost.com" class="email-link"><span class="pointer">'
        f'Email</span></a><a href="/people/{slug_of(name)}/" class="bio-link"><span class="pointer">Bio</span></a>'
        f'<a href="https://twitter.com/@{slug_of(name)}" class="twitter-link"><span class="pointer">Follow</span>'
        "</a></div></div>"
    )


def _byline(story: Story) -> str:
    people = []
    for number, name in enumerate(story.byline):
        between = (
            " and<!-- --> "
            if number == len(story.byline) - 2
            else (", " if number < len(story.byline) - 2 else " ")
        )
        people.append(
            '<div class="relative dib"><div><span><a class="author-name-link link-hover-underline" '
            f'href="/people/{slug_of(name)}/"><span class="author-name font-bold link blue hover-blue-hover">'
            f'{esc(name)}</span></a><span class="gray-dark">{between}</span></span></div>{_tooltip(name)}</div>'
        )
    return (
        '<div class="byline flex mb-md" data-qa="byline"><div class="dib gray-dark font--subhead self-center '
        f'author-text font-xxs"><div class="author-names"><span>By </span>{"".join(people)}</div></div></div>'
    )


def _date(story: Story) -> str:
    local = story.local(story.published)
    zone = local.tzname()
    return (
        '<div class="mb-md gray-dark font--subhead font-xxs" data-qa="timestamp"><div class="display-date">'
        f"{long_date(local)} at {clock12(local)} {zone}</div></div>"
    )


def _paragraph(text: str) -> str:
    return f'<div><p class="{P}">{esc(text)}</p></div>'


def _ad(slot: str) -> str:
    return (
        '<div><div class="cb bg-offwhite mt-xxs pad-top-md pad-bottom-md mb-lg dn db-ns relative" '
        'style="min-height:250px"><div class="absolute z-0" style="left:50%;top:50%">AD</div>'
        f'<div class="relative z-1"><div class=" "><wp-ad class="hide-for-print" id="slug_{slot}"></wp-ad>'
        "</div></div></div></div>"
    )


def _body(story: Story) -> str:
    blocks = story.blocks()
    teaser = "".join(_paragraph(text) for _, text in blocks[:TEASER])
    rest: list[str] = []
    for number, (kind, text) in enumerate(blocks[TEASER:]):
        if kind == "h2":
            rest.append(f'<div><h3 class="font--subhead font-md">{esc(text)}</h3></div>')
        else:
            rest.append(_paragraph(text))
        if number % 3 == 1:
            rest.append(_ad(f"inline_bb_{number}"))
    return (
        f'<div class="teaser-content"><section>{teaser}</section></div>'
        f'<div class="remainder-content"><section>{"".join(rest)}</section></div>'
    )


def _fusion(story: Story, page: Page) -> str:
    created = story.published - timedelta(minutes=55, seconds=50)
    content = {
        "additional_properties": {
            "date_created": iso_z(created),
            "display_date": iso_z(story.published.replace(second=0, microsecond=0)),
            "first_published": iso_z(story.published.replace(second=0, microsecond=0)),
            "last_updated": iso_z(story.updated or story.published),
        },
        "canonical_url": page.url,
        "content_elements": [{"content": text, "type": "text"} for _, text in story.blocks()],
    }
    return script_json(
        "window.Fusion=window.Fusion||{};Fusion.globalContent", content, attributes=' type="text/blzscript"'
    )
