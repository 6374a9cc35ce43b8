"""BBC News, 2024 ("data-component" blocks), rebuilt from johnl/web-page-parser
spec/fixtures/bbc_news/cden3j9d1r7o.html (captured 2024-09-30, 342 kB).

Inside `<article>`: headline-block; image-block with visually hidden "Image source, " and
"Image caption, " labels; byline-block (the name, then "BBC News"); metadata-block (a
visually hidden "Published", then `<time dateTime>` reading "2 hours ago", or the date
once a day old); text-blocks, the lede in `<b>`; subheadline-blocks; topic-list "Related
topics"; links-block "More on this story", promos with "Published"/"Attribution" labels
and other stories' dates ("4 days ago", "30 August"). Times are Z only; JSON-LD and the
`__INITIAL_DATA__` state (the whole article again) in scripts; 170 kB of emotion CSS.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

import json
import zlib
from datetime import datetime

from tests.support.publishers.chrome import css, day_month_year, esc, iso_z, json_ld, menu, relative, state
from tests.support.publishers.story import LONDON, Page, Story

AGENCIES = ("Reuters", "EPA", "Getty Images", "AFP", "PA Media")
HIDDEN = "visually-hidden ssrcss-1f39n02-VisuallyHidden e16en2lz0"


def render(story: Story, page: Page) -> str:
    nonce = page.nonce
    return (
        '<!DOCTYPE html><html lang="en-GB" class="no-js"><head><meta charSet="utf-8" />'
        '<meta name="viewport" content="width=device-width, initial-scale=1" />'
        f"{_head(story, page, nonce)}</head><body>"
        f'<div id="__next"><div class="ssrcss-1ocoo3l-Wrap e42f8511"><nav aria-label="BBC">'
        f'<ul role="list" class="ssrcss-1bqm6h7-NavigationBarLinkList-En">'
        f"{menu('ssrcss-or45ca-StyledMenuItem eis6szr3', 'ssrcss-dgu9ea-StyledLink eis6szr2')}</ul></nav>"
        '<div width="300" class="ssrcss-q03fby-ContainerWithSidebarWrapper e1jl38b40">'
        '<div class="ssrcss-1ki8hfp-StyledZone e1mcntqj3"><main id="main-content" data-testid="main-content">'
        f'<article class="ssrcss-15tkd6i-ArticleWrapper e1nh2i2l3">{_article(story, page)}</article></main>'
        f'</div><div class="ssrcss-115e9m-StyledZone e1mcntqj3">{_top_stories(page)}</div></div></div>'
        f'<footer class="ssrcss-hf2leg-GlobalFooterStyling ejnx8uh0"><ul role="list">'
        f"{menu('ssrcss-1iurs7n-Columns', 'ssrcss-a2h6e2-Link-NavigationLink e130hpyp0')}</ul>"
        '<p class="ssrcss-3dh7ba-Copyright">Copyright 2024 BBC. All rights reserved.</p></footer></div>'
        f'<script nonce="{nonce}">window.__INITIAL_DATA__={json.dumps(json.dumps(_model(story, page)))};'
        "</script>"
        f'<script nonce="{nonce}" type="application/json" id="__LOADABLE_STATE__">'
        f"{json.dumps(state(40_000, 'bbc2024'))}</script></body></html>"
    )


def _head(story: Story, page: Page, nonce: str) -> str:
    modified = story.updated or story.published
    ld = {
        "@context": "http://schema.org",
        "@type": "ReportageNewsArticle",
        "url": page.url,
        "publisher": {"@type": "NewsMediaOrganization", "name": "BBC News"},
        "datePublished": iso_z(story.published),
        "dateModified": iso_z(modified),
        "description": story.dek,
        "headline": story.headline,
        "mainEntityOfPage": page.url,
        "author": [{"@type": "Person", "name": name} for name in story.byline],
    }
    return (
        f'<title data-rh="true">{esc(story.headline)} - BBC News</title>'
        f'<meta data-rh="true" name="description" content="{esc(story.dek)}"/>'
        '<meta data-rh="true" property="article:author" content="https://www.facebook.com/bbcnews"/>'
        f'<meta data-rh="true" property="og:title" content="{esc(story.headline)}"/>'
        '<meta data-rh="true" property="og:site_name" content="BBC News"/>'
        '<meta data-rh="true" property="og:type" content="article"/>'
        f'<meta data-rh="true" property="og:url" content="{page.url}"/>'
        f'<link data-rh="true" rel="canonical" href="{page.url}"/>'
        f"{json_ld(ld)}"
        f'<script nonce="{nonce}">document.querySelector("html").classList.remove("no-js")</script>'
        f'<style data-emotion="ssrcss-global 1sfheez">{css("ssrcss", 12_000, "bbc-global")}</style>'
        f'<style data-emotion="ssrcss">{css("ssrcss", 160_000, "bbc2024")}</style>'
    )


def _article(story: Story, page: Page) -> str:
    parts = [
        '<header data-component="headline-block" class="ssrcss-bwbna7-ComponentWrapper-HeadlineComponentWrapper">'
        f'<h1 id="main-heading" type="headline" tabindex="-1" class="ssrcss-1s9pby4-Heading e10rt3ze0">'
        f'<span role="text">{esc(story.headline)}</span></h1></header>',
        _image(story, 0),
        _byline(story),
        _metadata(story.published, page.now),
    ]
    for group in _text_groups(story):
        parts.append(group)
    parts.append(_topics(story))
    parts.append(_links(page))
    return "".join(parts)


def _image(story: Story, number: int) -> str:
    agency = AGENCIES[(len(story.slug) + number) % len(AGENCIES)]
    caption = story.captions[number % len(story.captions)] if story.captions else story.dek
    return (
        '<div data-component="image-block" class="ssrcss-1b5y2ub-ComponentWrapper-FullWidthWrapper ey0461q0">'
        '<figure class="ssrcss-1vfya96-StyledFigure e34k3c22"><div class="ssrcss-ab5fd8-StyledFigureContainer">'
        f'<span class="ssrcss-b294mj-Placeholder etlorgc0"><picture><img alt="{esc(caption)}" loading="eager"'
        f' src="https://ichef.bbci.co.uk/ace/standard/976/cpsprodpb/{story.slug}-{number}.jpg" width="976"'
        ' height="549" class="ssrcss-11yxrdo-Image edrdn950"/></picture></span>'
        '<span role="text" class="ssrcss-tvuve5-StyledFigureCopyright e34k3c20">'
        f'<span class="{HIDDEN}">Image source, </span>{agency}</span></div>'
        f'<figcaption class="ssrcss-1kk6ucf-StyledFigureCaption ehbdhz00"><span class="{HIDDEN}">Image caption, '
        '</span><div spacing="6" class="ssrcss-y7krbn-Stack e1y4nx260"><p class="ssrcss-1q0x1qg-Paragraph">'
        f"{esc(caption)}</p></div></figcaption></figure></div>"
    )


def _byline(story: Story) -> str:
    if not story.byline:
        return ""
    people = "".join(
        '<div class="ssrcss-h3c0s8-ContributorContainer e8mq1e916">'
        '<div class="ssrcss-1u2in0b-Container-ContributorDetails e8mq1e913">'
        f'<div class="ssrcss-68pt20-Text-TextContributorName e8mq1e96">{esc(name)}</div>'
        '<div class="ssrcss-84ltp5-Text e8mq1e910">BBC News</div></div></div>'
        for name in story.byline
    )
    return (
        '<div data-component="byline-block" class="ssrcss-1hbb5i-BylineComponentWrapper e8mq1e90">'
        f'<div class="ssrcss-qt5zqv-BylineWrapper e8mq1e917">{people}</div>'
        '<div class="ssrcss-jlwt2c-Divider e8mq1e915"></div></div>'
    )


def _metadata(published: datetime, now: datetime) -> str:
    shown = relative(now, published) or day_month_year(published.astimezone(LONDON))
    return (
        '<div data-component="metadata-block" class="ssrcss-xza2yt-ComponentWrapper ep2nwvo1"><div>'
        '<ul role="list" class="ssrcss-1ik71mx-MetadataStripContainer eh44mf03">'
        '<div class="ssrcss-13nu8ri-GroupChildrenForWrapping eh44mf02">'
        '<li role="listitem" class="ssrcss-30fcoe-MetadataStripItem eh44mf01">'
        f'<div class="{HIDDEN}">Published</div><div class="ssrcss-m5j4pi-MetadataContent eh44mf00">'
        '<span class="ssrcss-1pvwv4b-MetadataSnippet e4wm5bw3"><span class="ssrcss-1if1g9v-MetadataText e4wm5bw1">'
        f'<time data-testid="timestamp" dateTime="{iso_z(published)}">{shown}</time></span></span></div></li>'
        "</div></ul></div></div>"
    )


def _text_groups(story: Story) -> list[str]:
    """Paragraphs in text-blocks of up to four, an image-block after the first; a subhead
    is a block of its own; the lede's words in `<b>`."""
    out: list[str] = []
    group: list[str] = []

    def close() -> None:
        if group:
            out.append(
                '<div data-component="text-block" class="ssrcss-uf6wea-RichTextComponentWrapper ep2nwvo0">'
                f'<div class="ssrcss-7uxr49-RichTextContainer e5tfeyi1">{"".join(group)}</div></div>'
            )
            group.clear()

    for index, (kind, text) in enumerate(story.blocks()):
        if kind == "h2":
            close()
            out.append(
                '<div data-component="subheadline-block" class="ssrcss-1q1qn1c-StyledHeading e1fj1fc10">'
                f'<h2 id="{index}" class="ssrcss-y9dgj8-StyledHeading e1fj1fc10">{esc(text)}</h2></div>'
            )
            continue
        words = f'<b class="ssrcss-1xjjfut-BoldText e5tfeyi3">{esc(text)}</b>' if index == 0 else esc(text)
        group.append(f'<p class="ssrcss-1q0x1qg-Paragraph e1jhz7w10">{words}</p>')
        if len(group) == 4 or index == 0:
            close()
            if index == 0:
                out.append(_image(story, 1))
    close()
    return out


def _topics(story: Story) -> str:
    topics = "".join(
        f'<li><a href="/news/topics/c{zlib.crc32(word.encode()):x}" class="ssrcss-z69h1q-StyledLink ed0g1kj0">'
        f"{esc(word)}</a></li>"
        for word in story.topics
    )
    return (
        '<div data-component="topic-list" class="ssrcss-1qmkvfu-TopicListWrapper etw6iwl1">'
        '<div class="ssrcss-113c0cq-StyledTagContainer ed0g1kj1"><div class="ssrcss-50vlbt-TopicListHeaderWrapper">'
        '<h2 type="normal" class="ssrcss-ad2rmd-Heading e10rt3ze0">Related topics</h2></div>'
        '<div class="ssrcss-17ehax8-Cluster e1ihwmse1"><ul role="list" spacing="2" class="ssrcss-1ujonwb-ClusterItems">'
        f"{topics}</ul></div></div></div>"
    )


def _promo(headline: str, href: str, label: str, when: str) -> str:
    attribution = (
        f'<li role="listitem" class="ssrcss-30fcoe-MetadataStripItem eh44mf01"><div class="{HIDDEN}">Attribution'
        '</div><div class="ssrcss-m5j4pi-MetadataContent eh44mf00"><span class="ssrcss-1pvwv4b-MetadataSnippet">'
        '<a href="https://www.bbc.co.uk/weather" class="ssrcss-5w19pw-MetadataLink e4wm5bw2">'
        '<span class="ssrcss-1if1g9v-MetadataText e4wm5bw1">Weather</span></a></span></div></li>'
        if label == "Attribution"
        else ""
    )
    return (
        '<li class="ssrcss-r2yl4r-PromoItem e3eyuya1"><div data-testid="promo" class="ssrcss-s1qr4x-Promo">'
        '<div class="ssrcss-1d68cot-PromoContent exn3ah99"><div spacing="2" class="ssrcss-1f3bvyz-Stack">'
        f'<a href="{href}" class="ssrcss-1mrs5ns-PromoLink exn3ah91"><span role="text">'
        f'<p class="ssrcss-1sen9vx-PromoHeadline exn3ah96"><span aria-hidden="false">{esc(headline)}</span>'
        '</p></span></a></div><div spacing="2" class="ssrcss-1f3bvyz-Stack e1y4nx260"><div>'
        f'<ul role="list" class="ssrcss-1ik71mx-MetadataStripContainer eh44mf03">{attribution}'
        '<div class="ssrcss-13nu8ri-GroupChildrenForWrapping eh44mf02">'
        f'<li role="listitem" class="ssrcss-30fcoe-MetadataStripItem eh44mf01"><div class="{HIDDEN}">Published'
        '</div><div class="ssrcss-m5j4pi-MetadataContent eh44mf00"><span class="ssrcss-1pvwv4b-MetadataSnippet">'
        f'<span class="ssrcss-1if1g9v-MetadataText e4wm5bw1">{when}</span></span></div></li></div></ul>'
        "</div></div></div></div></li>"
    )


def _links(page: Page) -> str:
    promos = []
    for number, other in enumerate(page.others[:3]):
        when = relative(page.now, other.published) or f"{other.published.day} {other.published:%B}"
        label = "Attribution" if number == 2 else "Published"
        promos.append(_promo(other.headline, f"/news/articles/{other.slug}", label, when))
    return (
        '<div data-component="links-block" class="ssrcss-5i1hhv-LinksComponentWrapper e3eyuya0">'
        '<section class="ssrcss-msolhr-LinksWrapper e3eyuya5"><div class="ssrcss-1lqqmgw-LinksHeadingWrapper">'
        '<h2 type="normal" class="ssrcss-ad2rmd-Heading e10rt3ze0">More on this story</h2></div>'
        f'<ul role="list" class="ssrcss-1ypkflt-EndOfContentLinksGrid e3eyuya2">{"".join(promos)}</ul>'
        "</section></div>"
    )


def _top_stories(page: Page) -> str:
    others = list(page.others)
    page.rng.shuffle(others)
    promos = "".join(
        _promo(
            o.headline,
            f"/news/articles/{o.slug}",
            "Published",
            relative(page.now, o.published) or "1 day ago",
        )
        for o in others[:4]
    )
    return (
        '<aside id="topStories-label-aside-content" aria-labelledby="topStories-label">'
        '<div data-component="topStories"><h2 id="topStories-label" type="normal">Top stories</h2>'
        f'<ul role="list" spacing="responsive" class="ssrcss-1020bd1-Stack e1y4nx260">{promos}</ul></div></aside>'
    )


def _model(story: Story, page: Page) -> dict[str, object]:
    """The page's state script: the article's blocks again, with the template's labels."""
    blocks: list[dict[str, object]] = [{"type": "headline", "model": {"text": story.headline}}]
    blocks.append(
        {"type": "byline", "model": {"contributors": [{"name": n, "role": "BBC News"} for n in story.byline]}}
    )
    blocks.append({"type": "metadata", "model": {"firstPublishedDateTime": iso_z(story.published)}})
    blocks += [{"type": "text", "model": {"kind": kind, "text": text}} for kind, text in story.blocks()]
    translations = {"published": "Published", "attribution": "Attribution", "seeAlsos": "More on this story"}
    return {"page": {"translations": translations, "content": {"model": {"blocks": blocks}}}, "url": page.url}
