"""The New York Times, 2018, rebuilt from johnl/web-page-parser
spec/fixtures/new_york_times/show-banned-french-comedian-has-new-one-2018.html (148 kB).

`main#site-content > article#story`: the top ad slot ("Advertisement"), `<header>` with
the sponsor slot ("Supported by", no skip link yet), the `h1` (`itemProp="headline"`,
the text in a `<span>`), the byline (`itemProp="author creator"`), a date-only
`<time dateTime="2014-01-12">Jan. 12, 2014</time>`; the body in `StoryBodyCompanionColumn`
divs; the print line with the headline again; the bottom ad slot. Meta: `byl`, `pdate`,
`ptime`/`utime` in New York local time without an offset, `article:published` and
`article:modified` in Z; no JSON-LD; the footer's `copyrightYear` is 2018.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers import nytimes
from tests.support.publishers.chrome import ap_date, esc, iso_z
from tests.support.publishers.story import Page, Story

PARAGRAPH = "css-1i0edl6 e2kc3sl0"
SLUG = "ResponsiveAd-adSlug--3H3QM"


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/>'
        f'<title data-rh="true">{esc(story.headline)} - The New York Times</title>{_meta(story, page)}'
        f"{nytimes.styles('nyt2018', 70_000)}</head><body>"
        '<div id="app"><div class="NYTAppHideMasthead"><header class="css-1bymuyk"><nav>'
        '<a href="https://www.nytimes.com/">The New York Times</a></nav></header>'
        '<main id="site-content"><article id="story" class="Story-story--2QyGh css-1ts2ybq">'
        f'{nytimes.ad("top", SLUG, skip=False)}<header class="css-sb57iz e345g291">{nytimes.sponsor(skip=False)}'
        f'<h1 class="css-1dbjv5l ejekc6u0" itemProp="headline"><span>{esc(story.headline)}</span></h1>'
        f"{_byline_and_time(story)}</header>"
        f"{nytimes.body_columns(story, PARAGRAPH, 'css-18sbwfn', 'css-1h6whtw')}"
        f"{nytimes.print_line(story, 10)}"
        f"{nytimes.ad('bottom', SLUG, skip=False)}</article></main>"
        f"{nytimes.site_index(2018)}</div>{nytimes.preloaded(story, page, 'nyt2018')}</body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    published = story.local(story.published)
    updated = story.local(story.updated or story.published)
    return (
        f'<meta data-rh="true" name="byl" content="By {esc(" and ".join(story.byline))}"/>'
        f'<meta data-rh="true" name="pdate" content="{published:%Y%m%d}"/>'
        f'<meta data-rh="true" name="utime" content="{updated:%Y%m%d%H%M%S}"/>'
        f'<meta data-rh="true" name="ptime" content="{published:%Y%m%d%H%M%S}"/>'
        f'<meta data-rh="true" name="description" content="{esc(story.dek)}"/>'
        f'<meta data-rh="true" property="og:url" content="{page.url}"/>'
        f'<meta data-rh="true" property="og:title" content="{esc(story.headline)}"/>'
        f'<meta data-rh="true" property="article:published" itemprop="datePublished" '
        f'content="{iso_z(story.published)}"/>'
        f'<meta data-rh="true" property="article:modified" itemprop="dateModified" '
        f'content="{iso_z(story.updated or story.published)}"/>'
        f'<link data-rh="true" rel="canonical" href="{page.url}"/>'
    )


def _byline_and_time(story: Story) -> str:
    published = story.local(story.published)
    return (
        '<div class="css-xt80pu eaw9eks0"><div class="css-1dv1kvn">'
        f"{nytimes.byline(story, 'css-1cbhw1y e1x1pwtg1', 'author creator')}</div>"
        f'<ul class="css-1w5cs23"><li class="css-1ea0paw"><time class="css-pnci9c eqgapgq0" '
        f'dateTime="{published:%Y-%m-%d}">{ap_date(published)}</time></li>'
        '<li class="css-1ul6g0s"><div class="css-1r7kxew"><ul class="css-1cgwddh"><li class="styles-shareItem">'
        '<a aria-label="Facebook"></a></li><li class="styles-shareItem"><a aria-label="Email"></a></li>'
        "</ul></div></li></ul></div>"
    )
