"""CNN, 2023. No capture of this layout was readable here (newspaper4k's cnn_001/002.html
are 2.6 MB of mostly base64): rebuilt from the selectors public scrapers use on it
(`div.headline__byline-sub-text`, `div.byline__names > span.byline__name`,
`div.timestamp`, `div.article__content > p.paragraph`) and from what
AndyTheFactory/newspaper4k tests/data/metadata/cnn_001.json and cnn_002.json expect of two
2023 pages: the text opens with the dateline "CNN —", JSON-LD names only some of the
authors, `dateModified` in Z. Bylines as CNN writes them: "By <a>Lauren Said-Moorhouse</a>,
James Frater, CNN"; the timestamp "Updated 10:04 AM EDT, Tue June 6, 2023" (or
"Published …"); "Ad Feedback" slots and a "Related article" card inside the body.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

import json

from tests.support.publishers.chrome import css, esc, iso_z, json_ld, menu, slug_of, state
from tests.support.publishers.story import Page, Story

PARAGRAPH = "paragraph inline-placeholder vossi-paragraph-primary-core-light"


def render(story: Story, page: Page) -> str:
    return (
        f'<!DOCTYPE html><html lang="en" data-uri="cms.cnn.com/_pages/{story.slug}"><head><meta charset="utf-8">'
        f"<title>{esc(story.headline)} | CNN</title>{_meta(story, page)}"
        f'<style>{css("cnn", 220_000, "cnn2023")}</style></head><body class="layout layout-with-rail__body">'
        f'<div class="header__wrapper-outer"><nav class="header__nav"><ul>{menu("header__nav-item", "header__link")}'
        '</ul></nav></div><section class="layout__content-wrapper layout-with-rail__content-wrapper">'
        f'<section class="layout__top layout-with-rail__top">{_headline(story)}</section>'
        '<section class="layout__wrapper layout-with-rail__wrapper"><section class="layout__main-wrapper">'
        f'<section class="layout__main layout-with-rail__main"><article class="article" data-uri="{page.url}">'
        f'<div class="article__content-container"><div class="article__main">{_lede_image(story)}'
        f'<div class="article__content" data-editable="content" itemprop="articleBody" data-reorderable="content">'
        f"{_body(story, page)}</div></div></div></article></section></section></section></section>"
        '<footer class="footer"><div class="footer__copyright-text">© 2023 Cable News Network. A Warner Bros. '
        "Discovery Company. All Rights Reserved.</div></footer>"
        f"<script>window.CNN = {json.dumps({'contentModel': state(40_000, 'cnn2023')})};</script></body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "datePublished": iso_z(story.published),
        "dateModified": iso_z(story.updated or story.published),
        "author": [{"@type": "Person", "name": name} for name in story.byline[:3]],
        "articleBody": " ".join(text for _, text in story.blocks()),
        "mainEntityOfPage": page.url,
    }
    return (
        f'<meta name="author" content="{esc(", ".join(story.byline))}">'
        f'<meta property="og:title" content="{esc(story.headline)}"><meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{iso_z(story.published)}">'
        f'<meta property="article:modified_time" content="{iso_z(story.updated or story.published)}">'
        f'<meta name="description" content="{esc(story.dek)}"><link rel="canonical" href="{page.url}">{json_ld(ld)}'
    )


def _names(story: Story) -> str:
    """ "By <a>First</a>, Second and Third, CNN": the first names linked as CNN links staff."""
    shown = []
    for number, name in enumerate(story.byline):
        span = f'<span class="byline__name">{esc(name)}</span>'
        shown.append(
            f'<a href="https://www.cnn.com/profiles/{slug_of(name)}" class="byline__link">{span}</a>'
            if number < 2
            else span
        )
    joined = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
    return f'<span class="byline__by">By</span> {joined}, CNN'


def _timestamp(story: Story) -> str:
    moment = story.local(story.updated or story.published)
    word = "Updated" if story.updated else "Published"
    clock = f"{moment.hour % 12 or 12}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"
    return f"\n    {word}\n    {clock} {moment.tzname()}, {moment:%a %B} {moment.day}, {moment.year}\n  "


def _headline(story: Story) -> str:
    return (
        '<div class="headline headline--has-lowertext"><div class="headline__wrapper">'
        f'<h1 data-editable="headlineText" class="headline__text inline-placeholder" id="maincontent">\n'
        f'      {esc(story.headline)}\n    </h1></div><div class="headline__footer"><div class="headline__sub-container">'
        '<div class="headline__sub-text"><div class="headline__byline-sub-text">'
        '<div class="byline vossi-byline" data-editable="byline"><div class="byline__images"></div>'
        f'<div class="byline__names">{_names(story)}</div></div>'
        f'<div class="timestamp vossi-timestamp" data-editable="settings">{_timestamp(story)}</div>'
        "</div></div></div></div></div>"
    )


def _lede_image(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    return (
        '<div class="image image__lede article__lede-wrapper" data-component-name="image"><div class="image__container">'
        f'<picture class="image__picture"><img src="https://media.cnn.com/api/v1/images/stellar/prod/{story.slug}.jpg"'
        f' alt="{esc(caption)}" class="image__dam-img"></picture></div><div class="image__metadata">'
        f'<div class="image__caption attribution"><span data-editable="metaCaption">{esc(caption)}</span></div>'
        '<figcaption class="image__credit">Getty Images</figcaption></div></div>'
    )


AD = (
    '<div class="ad-slot-dynamic ad-slot-dynamic--desktop" data-ad-slot-dynamic="true"><div class="ad-slot-header">'
    '<div class="ad-slot-header__wrapper"><div class="ad-feedback-link-container"><div class="ad-feedback-link">'
    '<div class="ad-feedback-link__label">Ad Feedback</div></div></div></div></div></div>'
)


def _related(page: Page) -> str:
    other = page.others[0] if page.others else None
    if other is None:
        return ""
    return (
        '<div class="related-content related-content--article" data-component-name="related-content">'
        f'<a href="{page.base}/{other.section}/{other.slug}/index.html"><div class="related-content__content">'
        '<span class="related-content__headline"><span class="related-content__headline-text">Related article'
        f'</span><span data-editable="headline">{esc(other.headline)}</span></span></div></a></div>'
    )


def _body(story: Story, page: Page) -> str:
    out = [
        '<div class="source inline-placeholder" data-component-name="source"><cite class="source__cite">'
        '<span class="source__location" data-editable="location"></span>'
        '<span class="source__text" data-editable="source">CNN</span>\n          &#x2014;\n        </cite></div>'
    ]
    for number, (kind, text) in enumerate(story.blocks()):
        ident = f"paragraph_{story.slug[:6]}_{number}"
        if kind == "h2":
            out.append(
                f'<h2 class="subheader" data-editable="text" data-component-name="subheader" id="{ident}">'
                f"{esc(text)}</h2>"
            )
        else:
            out.append(
                f'<p class="{PARAGRAPH}" data-component-name="paragraph" id="{ident}" data-editable="text">'
                f"\n            {esc(text)}\n          </p>"
            )
        if number == 2:
            out.append(AD)
        if number == 4:
            out.append(_related(page))
    return "".join(out)
