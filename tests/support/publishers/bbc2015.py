"""BBC News, 2015-2020 ("story-body"), rebuilt from adbar/trafilatura
tests/eval/bbc.com.52241221.html (../shared/corpus/trafilatura-eval, 215 kB) and johnl/
web-page-parser spec/fixtures/bbc_news/32271505.html (2015), read with its parser
`BbcNewsPageParserV6` (`div.story-body > div.story-body__inner` children p, h2, ul).

`div.story-body`: the `h1.story-body__h1`, the byline (`span.byline__name` "By …",
`span.byline__title` "BBC News"), `div.date` with `data-seconds` and the printed date
("10 April 2020"), share tools with off-screen labels, the "Related Topics" tags, then
`div.story-body__inner[property=articleBody]`: a media figure ("Media playback is
unsupported on your device", off-screen "Media caption"), the lede as
`p.story-body__introduction`, paragraphs, an MPU ad slot (a script), an image with
off-screen "Image copyright"/"Image caption" labels, crossheads `h2.story-body__crosshead`;
then "More on this story" with other stories' dates. JSON-LD: the page's own offset
("2020-04-10T17:58:15+01:00"), the author the organisation.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers.chrome import css, day_month_year, esc, iso_local, json_ld, menu
from tests.support.publishers.story import Page, Story


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html lang="en" id="responsive-news"><head><meta charset="utf-8">'
        f"<title>{esc(story.headline)} - BBC News</title>"
        f'<meta name="description" content="{esc(story.dek)}">{_json_ld(story, page)}'
        f"<style>{css('bbc', 110_000, 'bbc2015')}</style></head><body>"
        f'<div id="orb-banner"><ul class="orb-nav-links">{menu("orb-nav-item", "orb-link")}</ul></div>'
        '<div class="container--primary-and-secondary-columns column-clearfix"><div class="column--primary">'
        f'<div class="story-body"><h1 class="story-body__h1">{esc(story.headline)}</h1>{_byline(story)}'
        f"{_mini_info(story)}{_tags(story)}"
        f'<div class="story-body__inner" property="articleBody">{_inner(story)}</div></div>'
        f"{_more(story, page)}</div></div>"
        '<div id="orb-footer"><p class="orb-footer-copyright">Copyright © 2020 BBC.</p></div>'
        "<script>window.bbcpage = window.bbcpage || {};</script></body></html>"
    )


def _json_ld(story: Story, page: Page) -> str:
    return json_ld(
        {
            "@context": "http://schema.org",
            "@type": "ReportageNewsArticle",
            "url": page.url,
            "publisher": {"@type": "NewsMediaOrganization", "name": "BBC News"},
            "datePublished": iso_local(story.local(story.published)),
            "dateModified": iso_local(story.local(story.updated or story.published)),
            "headline": story.headline,
            "author": {"@type": "NewsMediaOrganization", "name": "BBC News"},
        }
    )


def _byline(story: Story) -> str:
    if not story.byline:
        return ""
    return (
        f'<div class="byline"><span class="byline__name">By {esc(" and ".join(story.byline))}</span>'
        '<span class="byline__title">BBC News</span></div>'
    )


def _mini_info(story: Story) -> str:
    local = story.local(story.published)
    shown = day_month_year(local)
    return (
        '<div class="with-extracted-share-icons"><div class="story-body__mini-info-list-and-share">'
        '<ul class="mini-info-list"><li class="mini-info-list__item"><div class="date date--v2" '
        f'data-seconds="{int(story.published.timestamp())}" data-datetime="{shown}">{shown}</div></li></ul>'
        '<ul class="sharetools"><li class="twite__channel-out"><a class="extracted__channel-link" href="#">'
        '<span class="off-screen">Share this with Facebook</span></a></li><li class="twite__channel-out">'
        '<a class="extracted__channel-link" href="#"><span class="off-screen">Share this with Twitter</span></a>'
        "</li></ul></div></div>"
    )


def _tags(story: Story) -> str:
    items = "".join(
        f'<li class="tags-list__tags"><a href="/news/topics/{t.lower().replace(" ", "-")}">{esc(t)}</a></li>'
        for t in story.topics
    )
    return (
        '<div id="topic-tags"><div class="tags-container"><span class="off-screen">Related Topics</span>'
        f'<ul class="tags-list">{items}</ul></div></div>'
    )


def _inner(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    out = [
        '<figure class="media-with-caption"><div class="player-with-placeholder">'
        '<div class="player-with-placeholder__caption">Media playback is unsupported on your device</div></div>'
        f'<figcaption class="media-with-caption__caption"><span class="off-screen">Media caption</span>{esc(caption)}'
        "</figcaption></figure>"
    ]
    for number, (kind, text) in enumerate(story.blocks()):
        if kind == "h2":
            out.append(f'<hr class="story-body__line"><h2 class="story-body__crosshead">{esc(text)}</h2>')
        elif number == 0:
            out.append(f'<p class="story-body__introduction">{esc(text)}</p>')
        else:
            out.append(f"<p>{esc(text)}</p>")
        if number == 3:
            out.append(
                '<div id="bbccom_mpu_1_2_3" class="bbccom_slot mpu-ad" aria-hidden="true"><div class="bbccom_advert">'
                "<script>(function() { if (window.bbcdotcom) { bbcdotcom.adverts.slotAsync('mpu', [1,2,3]); } })();"
                "</script></div></div>"
            )
        if number == 5:
            out.append(
                '<figure class="media-landscape has-caption full-width"><span class="image-and-copyright-container">'
                f'<div class="js-delayed-image-load" data-alt="{esc(caption)}"></div>'
                '<span class="off-screen">Image copyright</span> <span class="story-image-copyright">Reuters</span>'
                '</span><figcaption class="media-caption"><span class="off-screen">Image caption</span> '
                f'<span class="media-caption__text"> {esc(caption)} </span></figcaption></figure>'
            )
    return "".join(out)


def _more(story: Story, page: Page) -> str:
    items = "".join(
        '<li class="unit unit--regular"><a href="/news/' + o.slug + '" class="unit__link-wrapper">'
        f'<div class="unit__body"><div class="unit__header"><div class="unit__title"><span class="cta">'
        f'{esc(o.headline)}</span></div><div class="unit__meta"><div class="date date--v1" '
        f'data-seconds="{int(o.published.timestamp())}" data-datetime="{day_month_year(o.local(o.published))}">'
        f"{day_month_year(o.local(o.published))}</div></div></div></div></a></li>"
        for o in page.others[:3]
    )
    return (
        '<div class="story-more"><div class="group story-alsos more-on-this-story"><div class="group__header">'
        '<h2 class="group__title">More on this story</h2></div><div class="group__body">'
        f'<ul class="units-list ">{items}</ul></div></div></div>'
    )
