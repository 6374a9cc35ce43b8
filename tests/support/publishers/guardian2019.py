"""The Guardian, 2019, rebuilt from mozilla/readability test/test-pages/guardian-1/source.html
(../shared/corpus/readability/test/test-pages/guardian-1, 1.16 MB, most of it inline CSS).

`article#article[itemtype=NewsArticle]`: the `h1` (`itemprop="headline"`), the standfirst,
then the meta container: a sponsor badge ("… is supported by", "About this content") on
some stories, the byline (`span[itemprop=author] > a[rel=author] > span[itemprop=name]`),
and `p.content__dateline` with two times in the zone of the edition that served the page
(`datetime="2019-01-03T02:00:02-0500" data-timestamp="…"`, "Thu 3 Jan 2019 02.00 EST", and
a hidden `u-h` "Last modified on …"); the body in `div.content__article-body
[itemprop=articleBody]`, the lede's first letter in `span.drop-cap`, figures with
"Photograph: …" captions; `div.submeta` ("Topics"); `article:published_time` in Z.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from datetime import datetime

from tests.support.publishers.chrome import css, esc, iso_z, json_ld, menu, slug_of
from tests.support.publishers.story import Page, Story


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html id="js-context" class="js-off is-not-modern id--signed-out" lang="en" '
        'xmlns="http://www.w3.org/1999/xhtml" xml:lang="en"><head>'
        f"<title>{esc(story.headline)} | {story.section.title()} | The Guardian</title>{_meta(story, page)}"
        f"<style>{css('gu', 360_000, 'guardian2019')}</style></head><body>"
        f'<header class="new-header"><nav><ul class="pillars">{menu("pillars__item", "pillar-link")}</ul></nav>'
        f'</header><div id="maincontent" tabindex="0"></div><article id="article" data-test-id="article-root" '
        f'class="content content--article tonal tonal--tone-news section-{story.section}" itemscope="itemscope" '
        'itemtype="http://schema.org/NewsArticle" role="main">'
        f'<meta itemprop="mainEntityOfPage" content="{page.url}" /><header class="content__head tonal__head">'
        f'<div class="content__header tonal__header"><h1 class="content__headline" itemprop="headline">'
        f'{esc(story.headline)}</h1></div><div class="tonal__standfirst"><div class="content__standfirst" '
        f'data-link-name="standfirst" data-component="standfirst"><p>{esc(story.dek)}</p></div></div></header>'
        f'<div class="content__main tonal__main"><div class="gs-container"><div class="content__main-column">'
        f'{_meta_container(story)}<div class="content__article-body from-content-api js-article__body" '
        f'itemprop="articleBody" data-test-id="article-review-body">{_body(story)}</div>{_submeta(story)}'
        "</div></div></div></article>"
        f'<footer class="l-footer"><div class="copyright-container">© {page.now.year} Guardian News &amp; Media '
        "Limited or its affiliated companies. All rights reserved.</div></footer></body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": page.url,
        "publisher": {"name": "The Guardian"},
    }
    return (
        f'<meta charset="utf-8" /><meta name="description" content="{esc(story.dek)}" />'
        f'<meta property="og:title" content="{esc(story.headline)}" /><meta property="og:url" content="{page.url}" />'
        f'<meta property="article:published_time" content="{iso_z(story.published)}" />'
        f'<meta property="article:modified_time" content="{iso_z(story.updated or story.published)}" />'
        + "".join(
            f'<meta property="article:author" content="https://www.theguardian.com/profile/{slug_of(n)}" />'
            for n in story.byline
        )
        + f'<link rel="canonical" href="{page.url}" />{json_ld(ld)}'
    )


def _stamp(local: datetime) -> str:
    text = local.strftime("%Y-%m-%dT%H:%M:%S%z")
    return f'datetime="{text}" data-timestamp="{int(local.timestamp() * 1000)}"'


def _printed(local: datetime) -> str:
    return f'{local:%a} {local.day} {local:%b %Y} <span class="content__dateline-time">{local:%H.%M}&#160;{local.tzname()}</span>'


def _meta_container(story: Story) -> str:
    published = story.local(story.published)
    modified = story.local(story.updated or story.published)
    names = " and ".join(
        '<span itemscope="itemscope" itemtype="http://schema.org/Person" itemprop="author">'
        f'<a rel="author" class="tone-colour" itemprop="sameAs" data-link-name="auto tag link" '
        f'href="https://www.theguardian.com/profile/{slug_of(name)}"><span itemprop="name">{esc(name)}</span></a>'
        "</span>"
        for name in story.byline
    )
    badge = (
        '<div class="badge badge--alt"><div class="badge__label"> Our oceans series is supported by'
        ' </div><a class="badge__link" href="https://foundation.example.org/" rel="nofollow"><img class="badge__logo" '
        'alt="A charitable foundation" src="https://static.theguardian.com/badge.png" /></a> '
        '<a href="https://www.theguardian.com/info/2016/jan/25/content-funding" class="badge__help">About this '
        "content</a></div>"
        if story.section == "environment"
        else ""
    )
    return (
        f'<div class="content__meta-container js-content-meta u-cf">{badge}'
        f'<p class="byline" data-link-name="byline" data-component="meta-byline">{names}</p>'
        f'<p class="content__dateline" aria-hidden="true"> <time itemprop="datePublished" {_stamp(published)} '
        f'class="content__dateline-wpd js-wpd">{_printed(published)}</time> <time {_stamp(modified)} '
        f'class="content__dateline-lm js-lm u-h" itemprop="dateModified">Last modified on {_printed(modified)}'
        f'</time> </p><meta itemprop="dateModified" content="{modified:%Y-%m-%dT%H:%M:%S%z}" />'
        '<div class="meta__extras"><div class="meta__social" data-component="share"><ul class="social social--top">'
        '<li class="social__item" data-link-name="facebook"><a class="social__action" href="#">Share on Facebook</a>'
        '</li><li class="social__item" data-link-name="email"><a class="social__action" href="#">Share via Email</a>'
        "</li></ul></div></div></div>"
    )


def _figure(story: Story, number: int) -> str:
    caption = story.captions[number % len(story.captions)] if story.captions else story.dek
    return (
        '<figure itemprop="associatedMedia image" itemscope="itemscope" itemtype="http://schema.org/ImageObject" '
        'data-component="image" class="element element-image img--landscape element--showcase">'
        f'<picture><img class="gu-image" itemprop="contentUrl" alt="{esc(caption)}" '
        f'src="https://i.guim.co.uk/img/media/{story.slug}-{number}.jpg" /></picture>'
        f'<figcaption class="caption caption--img caption caption--img" itemprop="description">{esc(caption)} '
        "Photograph: Reuters</figcaption></figure>"
    )


def _body(story: Story) -> str:
    out: list[str] = []
    for number, (kind, text) in enumerate(story.blocks()):
        if kind == "h2":
            out.append(f"<h2>{esc(text)}</h2>")
        elif number == 0 and text[:1].isalpha():
            out.append(
                f'<p> <span class="drop-cap"><span class="drop-cap__inner">{esc(text[0])}</span></span>'
                f"{esc(text[1:])} </p>"
            )
        else:
            out.append(f"<p> {esc(text)} </p>")
        if number == 2:
            out.append(_figure(story, 1))
    return "".join(out)


def _submeta(story: Story) -> str:
    links = "".join(
        f'<li class="submeta__link-item"><a class="submeta__link" href="https://www.theguardian.com/{slug_of(t)}">'
        f"{esc(t)}</a></li>"
        for t in story.topics
    )
    return (
        '<div class="submeta"><span class="submeta__label">Topics</span><div class="submeta__keywords">'
        f'<ul class="submeta__links">{links}</ul></div></div>'
    )
