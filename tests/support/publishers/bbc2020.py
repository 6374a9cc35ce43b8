"""BBC News, 2020 (the first "data-component" layout, emotion CSS inline), rebuilt from
johnl/web-page-parser spec/fixtures/bbc_news/32271505-2020.html (209 kB), a 2020
re-capture of the 2015 story of spec/fixtures/bbc_news/32271505.html.

`<header>` with the `h1` and a metadata strip: `dt` "Published" hidden by the
`VisuallyHidden` class, `<time dateTime="…Z">12 April 2015</time>`; a media-block whose
caption starts with a hidden "media caption"; one paragraph per text-block, the lede in
`<b>`, `<style data-emotion-css>` elements inside the paragraphs (their CSS is text to a
naive reader); an include-block with a policy card (`<article>` inside the article:
"Taxation", "Conservative", "Main pledges", a list), and empty include-blocks; image-blocks.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers.chrome import css, day_month_year, esc, iso_z, json_ld, menu
from tests.support.publishers.story import Page, Story

HIDDEN = "css-178wc68-VisuallyHidden e1y6uwnp0"
BOLD = ".css-14iz86j-BoldText{font-weight:bold;}"
LINK = ".css-yidnqd-InlineLink:link{color:#3F3F42;}.css-yidnqd-InlineLink:visited{color:#696969;}"
WRAP = '<div data-component="text-block" class="css-uf6wea-RichTextComponentWrapper e1xue1i82">'


def render(story: Story, page: Page) -> str:
    return (
        '<!DOCTYPE html><html lang="en-GB"><head><meta charSet="utf-8"/>'
        f"<title>{esc(story.headline)} - BBC News</title>{_ld(story, page)}"
        f"<style>{css('css', 150_000, 'bbc2020')}</style></head><body><div id="
        f'"site-container"><nav><ul role="list">{menu("css-1x0xsd3-NavItem", "css-1s3l7gr-NavLink")}</ul></nav>'
        '<div id="main-content"><article class="css-1jjsmz5-ArticleWrapper e1nh2i2l0">'
        f"{_header(story)}{_media(story)}{_blocks(story)}</article></div></div></body></html>"
    )


def _ld(story: Story, page: Page) -> str:
    return json_ld(
        {
            "@context": "http://schema.org",
            "@type": "ReportageNewsArticle",
            "url": page.url,
            "datePublished": iso_z(story.published),
            "dateModified": iso_z(story.updated or story.published),
            "headline": story.headline,
            "author": [{"@type": "Person", "name": n} for n in story.byline]
            or {"@type": "NewsMediaOrganization", "name": "BBC News"},
        }
    )


def _header(story: Story) -> str:
    shown = day_month_year(story.local(story.published))
    return (
        '<header class="css-1eqcsb3-StyledHeader e1j2237y7"><div id="main-heading" class="css-1u9bmdb-Heading">'
        f'<h1 tabindex="-1" class="css-1c1994u-StyledHeading e1fj1fc10">{esc(story.headline)}</h1></div>'
        '<div class="css-1sm1dy7-MetadataStripWrapper"><dl class="css-11c8au8-MetadataStrip e1ojgjhb0">'
        f'<div class="css-8d0yke-MetadataStripItem e1ojgjhb1"><dt class="{HIDDEN}">Published</dt>'
        '<dd class="css-1n98t8y-MetadataContent e1ojgjhb2"><span class="css-1hizfh0-MetadataSnippet ecn1o5v0">'
        '<span class="css-1n712b9-IconContainer ecn1o5v2"><svg width="1em" height="1em" viewBox="0 0 32 32">'
        '<title>duration</title></svg></span><span aria-hidden="false">'
        f'<time dateTime="{iso_z(story.published)}">{shown}</time></span></span></dd></div></dl></div></header>'
    )


def _media(story: Story) -> str:
    caption = story.captions[0] if story.captions else story.dek
    return (
        '<div data-component="media-block" class="css-r83t2i-ComponentWrapper e1xue1i80">'
        '<figure class="css-1759m9z-StyledFigure e34k3c20"><div class="css-kwaqyc-StyledFigureContainer e34k3c22">'
        '<div class="css-bhez6r-Container e1h75hkw0"></div></div><figcaption class="css-1rnnz6t-StyledFigureCaption '
        f'e34k3c21"><span class="{HIDDEN}">media caption</span>{esc(caption)}</figcaption></figure></div>'
    )


def _card(story: Story) -> str:
    items = "".join(f"<li class='guide-card__pledges--item'>{esc(t)}</li>" for t in story.topics)
    return (
        '<div data-component="include-block" class="css-1spk45z-ComponentWrapper-IncludeComponentWrapper e1xue1i83">'
        '<div data-component="include-html"><!-- TEST -->\n<div class="storybody-halfwide-include">'
        "<article id='card--taxation' class='pullout idt__news guide-card guide-card--policy'>"
        "<a href='/news/election/2015/manifesto-guide' target='_top' class='guide-card__brand'>"
        "<h3 class='guide-card__issue'>Taxation</h3></a><h4 class='guide-card__party'>Conservative</h4>"
        f"<p class='guide-card__pledges'>Main pledges</p><ul class='guide-card__pledges--list'>{items}</ul>"
        '</article></div></div></div><div data-component="include-block" class="css-1spk45z-ComponentWrapper">'
        '<div data-component="include-html"><div style="display: none;">\n\t</div></div></div>'
    )


def _blocks(story: Story) -> str:
    out: list[str] = []
    for number, (kind, text) in enumerate(story.blocks()):
        if kind == "h2":
            out.append(
                '<div data-component="crosshead-block" class="css-1gqxdxh-ComponentWrapper">'
                f'<h2 class="css-1fwr6bn-StyledHeading e1fj1fc10">{esc(text)}</h2></div>'
            )
            continue
        if number == 0:
            words = f'<style data-emotion-css="14iz86j-BoldText">{BOLD}</style><b class="css-14iz86j-BoldText">{esc(text)}</b>'
        elif number == 2:
            words = f'<style data-emotion-css="yidnqd-InlineLink">{LINK}</style>{esc(text)}'
        else:
            words = esc(text)
        out.append(f'{WRAP}<div class="css-83cqas-RichTextContainer e5tfeyi2"><p>{words}</p></div></div>')
        if number == 4:
            out.append(_card(story))
    return "".join(out)
