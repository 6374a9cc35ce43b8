"""The Guardian, 2012, in its two markups, rebuilt from johnl/web-page-parser
spec/fixtures/guardian/anger-grows-rbs-chiefs-bonus.html (138 kB) and
spec/fixtures/guardian/anger-grows-rbs-chiefs-bonus-with-explainer.html (170 kB), two
captures of one story.

`div#main-article-info` holds the `h1` and the standfirst `p#stand-first`;
`ul.article-attributes` holds the byline (`li.byline > div.contributer-full`, the first
name a `rel=author` link, " and " and the others plain text), then
`li.publication` ("guardian.co.uk, <time datetime="2012-01-27T12:58GMT" pubdate>Friday 27
January 2012 12.58 GMT</time>"): the block's text runs "… McDonald guardian.co.uk,
Friday 27 January 2012 12.58 GMT". The first capture adds `li.history` with the "About
this article" popup: three `pubdate`-ish times, the first machine value the midnight
after (contradicting its own text), one the print day. The re-capture ("explainer")
spells `contributor-full` with schema.org microdata, names "The Guardian", and moves the
history popup to the side column. Body: `div#article-body-blocks > p`.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.publishers.chrome import css, esc, iso_z, menu, slug_of
from tests.support.publishers.story import Page, Story


def render(story: Story, page: Page) -> str:
    return _page(story, page, explainer=False)


def render_explainer(story: Story, page: Page) -> str:
    return _page(story, page, explainer=True)


def _page(story: Story, page: Page, *, explainer: bool) -> str:
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">'
        '\n<html xmlns="http://www.w3.org/1999/xhtml" xmlns:og="http://opengraphprotocol.org/schema/" lang="en">'
        f"<head><title>{esc(story.headline)} | {story.section.title()} | guardian.co.uk</title>"
        f"{_meta(story, page)}<style>{css('gu', 90_000, 'guardian2012')}</style>"
        f"<script>{_scripts(page)}</script></head>"
        f'<body id="article" class="{story.section}"><div id="header"><ul class="top-navigation">'
        f"{menu('global', 'nav-link', 'http://www.guardian.co.uk')}</ul></div>"
        f'<div id="box"><div id="article-header"><div id="main-article-info">{_heading(story, explainer)}</div>'
        '<ul id="content-actions" class="share-links"><li class="full-line tweet tweet_button">'
        '<a href="http://twitter.com/share" class="twitter-share-button">Tweet this</a></li></ul></div>'
        f'<div id="content">{_attributes(story, explainer)}<div id="article-wrapper">{_picture(story)}'
        f'<div id="article-body-blocks">{_body(story)}</div></div>'
        f'<div id="related">{_history(story) if explainer else ""}{_more(page)}</div></div></div>'
        '<div id="footer"><p>© 2012 Guardian News and Media Limited or its affiliated companies. '
        "All rights reserved.</p></div></body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    published = story.local(story.published)
    author = slug_of(story.byline[0]) if story.byline else "staff"
    return (
        f'<meta name="description" content="{esc(story.dek)}" />'
        f'<meta property="og:title" content="{esc(story.headline)}" />'
        f'<meta property="og:url" content="{page.url}" />'
        f'<meta property="article:published_time" content="{iso_z(story.published, millis=False)}" />'
        f'<meta property="article:modified_time" content="{iso_z(story.updated or story.published, millis=False)}" />'
        f'<meta name="DC.date.issued" content="{published:%Y-%m-%d}" />'
        f'<meta property="article:author" content="http://www.guardian.co.uk/profile/{author}" />'
        f'<link rel="canonical" href="{page.url}" />'
    )


def _scripts(page: Page) -> str:
    blob = ";".join(f"guardian.r2.config.flag{n}={page.rng.random() < 0.5!s}".lower() for n in range(400))
    return f"var guardian={{r2:{{config:{{}}}}}};{blob};var OAS_rns='{page.rng.getrandbits(30)}';"


def _heading(story: Story, explainer: bool) -> str:
    h1 = ' itemprop="name headline  "' if explainer else ""
    dek = ' itemprop="description"' if explainer else ""
    return f'<h1{h1}>{esc(story.headline)}</h1><p{dek} id="stand-first" class="stand-first-alone">{esc(story.dek)}</p>'


def _names(story: Story, explainer: bool) -> str:
    first, *others = story.byline
    href = f"http://www.guardian.co.uk/profile/{slug_of(first)}"
    if explainer:
        lead = (
            '<span itemscope itemprop="author" itemtype="http://schema.org/Person"><span itemprop="name">'
            f'<a class="contributor" rel="author" itemprop="url" href="{href}">{esc(first)}</a></span></span>'
        )
    else:
        lead = f"<a class='contributor'  rel='author' href='{href}'>\n\t\t\t\t\t\t{esc(first)}</a>"
    if not others:
        return lead
    return lead + (", " + ", ".join(map(esc, others[:-1])) if others[:-1] else "") + f" and {esc(others[-1])}"


def _printed(local: datetime) -> str:
    return f"{local:%A} {local.day} {local:%B %Y %H.%M} {local.tzname()}"


def _attributes(story: Story, explainer: bool) -> str:
    local = story.local(story.published)
    stamp = f"{local:%Y-%m-%dT%H:%M}{local.tzname()}"
    contributor = "contributor-full" if explainer else "contributer-full"
    publisher = (
        '<a itemprop="publisher" href="http://www.guardian.co.uk/theguardian" >The Guardian</a>'
        if explainer
        else '<a href="http://www.guardian.co.uk" >guardian.co.uk</a>'
    )
    time_prop = ' itemprop="datePublished"' if explainer else ""
    extra = ' trackable-component b4" data-component="comp: r2: Byline' if explainer else " b4"
    return (
        f'<ul class="article-attributes{extra}">\n<li class="byline">\n<div class="{contributor}">\n'
        f'{_names(story, explainer)}\t</div>\n</li>\n<li class="publication">\n{publisher},\n'
        f'<time{time_prop} datetime="{stamp}" pubdate>{_printed(local)}</time>\n</li>'
        f"{'' if explainer else _history_item(story)}</ul>"
    )


def _history_text(story: Story) -> str:
    local = story.local(story.published)
    after = (local + timedelta(days=1)).replace(hour=0, minute=0)
    modified = story.local(story.updated or story.published)
    return (
        "This article was published on <a href='http://www.guardian.co.uk/'>guardian.co.uk</a> at "
        f'<time datetime="{after:%Y-%m-%dT%H:%M}GMT" pubdate>{local:%H.%M} {local.tzname()} on '
        f"{local:%A} {local.day} {local:%B %Y}</time>. A version appeared in "
        '<a href="http://www.guardian.co.uk/theguardian">the Guardian</a> on '
        f'<time datetime="{after:%Y-%m-%d}" pubdate><a href="http://www.guardian.co.uk/theguardian/'
        f'{after:%Y/%b/%d}">{after:%A} {after.day} {after:%B %Y}</a></time>. It was last modified at '
        f'<time datetime="{modified:%Y-%m-%dT%H:%M}{modified.tzname()}">{modified:%H.%M} {modified.tzname()} on '
        f"{modified:%A} {modified.day} {modified:%B %Y}</time>."
    )


def _history_item(story: Story) -> str:
    return (
        '<li class="history js-show"><a class="rollover history-link" href="#history-link-box">Article history</a>'
        '<div class="toolbox-popup" id="history-link-box" style="width: 460px"><div class="send-inner">'
        '<div class="share-top"><h3>About this article</h3><span><a class="close-toolbox" href="#history-link-box">'
        f'Close</a></span></div><div class="section"><h1>{esc(story.headline)}</h1>{_history_text(story)}</div>'
        "</div></div></li>"
    )


def _history(story: Story) -> str:
    return (
        '<div class="history b3 trackable-component" data-component="comp : r2 : article-history">'
        '<a class="rollover history-link" href="#history-link-box" data-link-name="Article history">Article history'
        '</a><div class="toolbox-popup" id="history-link-box"><div class="send-inner"><div class="share-top">'
        f'<h3>About this article</h3></div><div class="section"><p><strong>{esc(story.headline)}</strong></p>'
        f"<p>{_history_text(story)}</p></div></div></div></div>"
    )


def _picture(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    return (
        f'<div id="main-content-picture"><img src="http://static.guim.co.uk/sys-images/{story.slug}.jpg" '
        f'width="460" height="276" alt="" /><div class="caption">{esc(caption)}</div></div>'
    )


def _body(story: Story) -> str:
    return "".join(f"<h2>{esc(t)}</h2>" if k == "h2" else f"<p>{esc(t)}</p>" for k, t in story.blocks())


def _more(page: Page) -> str:
    items = "".join(
        f'<li><p><a href="{page.base}/{o.section}/{o.slug}" class="link-text"> {esc(o.headline)} </a></p>'
        f"<p> {esc(o.dek)} </p></li>"
        for o in page.others[:3]
    )
    return (
        '<div id="manual-trailblock" class="manual-trailblock package trackable-component"><ul>'
        f'<li class="first"><h3>More on this story</h3></li>{items}</ul></div>'
    )
