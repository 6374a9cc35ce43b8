"""The New York Times, 2020, rebuilt from adbar/trafilatura tests/eval/nytimes.com.blackouts.html
(../shared/corpus/trafilatura-eval/pages/nytimes.com.blackouts.html.gz, 254 kB).

`article#story`: the top ad slot ("Advertisement", "Continue reading the main story"),
then `<header>` holding the sponsor slot "Supported by", the `h1`, the summary
(`p#article-summary`), the lead picture with "Credit..." and the byline, then
`<time dateTime>` with the page's own offset ("2020-08-16T19:40:47-04:00") reading
"Aug. 16, 2020"; `section[name=articleBody]` in `StoryBodyCompanionColumn` divs with ad
slots between them; the print line and the bottom ad slot. Meta and JSON-LD times are Z
only; the footer's `copyrightYear` is the capture's year.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers import nytimes
from tests.support.publishers.chrome import ap_date, clock12, esc, iso_local, iso_z, json_ld
from tests.support.publishers.story import Page, Story


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html lang="en-US" class="story" xmlns:og="http://opengraphprotocol.org/schema/"><head>'
        f'<title data-rh="true">{esc(story.headline)} - The New York Times</title>{_meta(story, page)}'
        f"{nytimes.styles('nyt2020', 150_000)}</head><body>"
        '<div id="app"><div><div class="css-1sy8kpn"><header class="css-ahe4g0 e1m0pzr40"><nav>'
        '<a href="https://www.nytimes.com/">The New York Times</a></nav></header>'
        '<main id="site-content"><div><article id="story" class="css-1vxca1d e1qksbhf0">'
        f'<div class="css-13pd83m"></div>{nytimes.ad("top", "css-l9onyx")}'
        f'<div><header class="css-1oqewnb euiyums2">{nytimes.sponsor(skip=True)}{_headline(story)}'
        f"{_picture(story)}{_byline_and_time(story)}</header></div>"
        '<section name="articleBody" itemProp="articleBody" class="meteredContent css-1r7ky0e">'
        f"{nytimes.body_columns(story, 'css-158dogj evys1bk0', 'css-1fanzo5', 'css-53u6y8')}</section>"
        f"<div></div><div>{nytimes.print_line(story, 1)}</div>"
        f"<div>{nytimes.ad('bottom', 'css-l9onyx')}</div></article></div></main>"
        f"{nytimes.site_index(2020)}</div></div></div>"
        f"{nytimes.preloaded(story, page, 'nyt2020')}</body></html>"
    )


def _meta(story: Story, page: Page) -> str:
    published = story.local(story.published)
    ld = {
        "@context": "http://schema.org",
        "@type": "NewsArticle",
        "description": story.dek,
        "image": [{"@type": "ImageObject", "url": f"https://static01.nyt.com/images/{story.slug}.jpg"}],
        "mainEntityOfPage": page.url,
        "url": page.url,
        "inLanguage": "en",
        "author": [{"@type": "Person", "name": name} for name in story.byline],
        "dateModified": iso_z(story.updated or story.published),
        "datePublished": iso_z(story.published),
        "headline": story.headline,
        "publisher": {"@id": "https://www.nytimes.com/#publisher"},
        "copyrightHolder": {"@id": "https://www.nytimes.com/#publisher"},
        "copyrightYear": 2020,
    }
    return (
        f'<meta data-rh="true" property="article:published" content="{iso_z(story.published)}"/>'
        f'<meta data-rh="true" property="article:modified" content="{iso_z(story.updated or story.published)}"/>'
        f'<meta data-rh="true" name="description" content="{esc(story.dek)}"/>'
        f'<meta data-rh="true" name="byl" content="By {esc(" and ".join(story.byline))}"/>'
        f'<meta data-rh="true" name="pdate" content="{published:%Y%m%d}"/>'
        f'<meta data-rh="true" property="og:url" content="{page.url}"/>'
        '<meta data-rh="true" property="og:type" content="article"/>'
        f'<meta data-rh="true" property="og:title" content="{esc(story.headline)}"/>'
        f'<meta data-rh="true" property="og:description" content="{esc(story.dek)}"/>'
        f'<link data-rh="true" rel="canonical" href="{page.url}"/>{json_ld(ld)}'
    )


def _headline(story: Story) -> str:
    return (
        '<div class="css-186x18t"></div><div class="css-1vkm6nb ehdk2mb0">'
        f'<h1 id="link-{story.slug[:8]}" class="css-rsa88z e1h9rw200" itemProp="headline" data-test-id="headline">'
        f'{esc(story.headline)}</h1></div><p id="article-summary" class="css-1smgwul e1wiw3jv0">{esc(story.dek)}</p>'
    )


def _picture(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    return (
        '<div class="css-79elbk" data-testid="photoviewer-wrapper"><figure class="css-1l2w7m7 e1g7ppur0" '
        'aria-label="media" role="group"><div data-testid="photoviewer-children" class="css-1a48zt4 ehw59r15">'
        f'<picture><img alt="{esc(caption)}" class="css-11cwn6f" src="https://static01.nyt.com/images/'
        f'{story.slug}-articleLarge.jpg" itemProp="url" itemID="https://static01.nyt.com/images/{story.slug}.jpg"/>'
        '</picture></div><figcaption class="css-1l44abu ewdxa0s0" itemProp="caption description">'
        f'<span class="css-16f3y1r e13ogyst0">{esc(caption)}</span><span class="css-cnj6d5 e1z0qqy90">'
        '<span class="css-1ly73wi e1tej78p0">Credit...</span><span><span>Associated Press</span></span></span>'
        "</figcaption></figure></div>"
    )


def _byline_and_time(story: Story) -> str:
    published = story.local(story.published)
    updated = ""
    if story.updated:
        local = story.local(story.updated)
        updated = (
            f'<li class="css-ccw2r3 epjyd6m1"><time dateTime="{iso_local(local)}" class="css-ld3wwf e16638kd2">'
            f'<span class="css-1sbuyqj e16638kd3">Updated <!-- -->{ap_date(local)}, {clock12(local, dots=True)}'
            " ET</span></time></li>"
        )
    return (
        '<div class="css-18e8msd"><div class="css-vp77d3 epjyd6m0"><div class="css-1baulvz">'
        f"{nytimes.byline(story, 'css-1nuro5j e1jsehar1', 'author')}</div></div>"
        f'<ul class="css-1u1psjv epjyd6m3"><li class="css-ccw2r3 epjyd6m1"><time dateTime="{iso_local(published)}" '
        f'class="css-ld3wwf e16638kd2"><span class="css-1sbuyqj e16638kd3">{ap_date(published)}</span></time></li>'
        f'{updated}<li class="css-1ut65qz epjyd6m2"><div role="toolbar" aria-label="Social Media Share buttons">'
        '<ul class="css-y8aj3r"><li class="css-qj0ud4 fb-share-item"><a aria-label="Share on Facebook"></a></li>'
        '<li class="css-qj0ud4 email-share-item"><a aria-label="Email"></a></li></ul></div></li></ul></div>'
    )
