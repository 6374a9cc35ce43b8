"""What the New York Times' 2018 and 2020 layouts share, as both captures have it: the ad
slots with their "Advertisement" slug and the hidden "Continue reading the main story"
skip link, the "Supported by" sponsor slot in the `<header>` beside the `h1`, the byline
(`itemProp="author"`, the names in `itemProp="name"`), the print line at the foot
("A version of this article appears in print on … with the headline: …"), the site index
and footer (`© <span>2020</span>`), and `window.__preloadedData` (the article again)."""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers.chrome import ap_date, css, esc, iso_z, menu, script_json, slug_of, state
from tests.support.publishers.story import Page, Story

SKIP = (
    "position:absolute;width:1px;height:1px;margin:-1px;padding:0;border:0;clip:rect(0 0 0 0);overflow:hidden"
)


def ad(slot: str, slug_class: str, *, skip: bool = True) -> str:
    link = f'<a href="#after-{slot}" style="{SKIP}">Continue reading the main story</a>' if skip else ""
    return (
        f'<div id="{slot}-wrapper" class="css-1sy8kpn"><div id="{slot}-slug" class="{slug_class}">'
        f"<p>Advertisement</p></div>{link}"
        f'<div class="ad {slot}-wrapper" style="text-align:center;height:100%;display:block;min-height:250px">'
        f'<div id="{slot}" class="place-ad" data-position="{slot}"></div></div><div id="after-{slot}"></div></div>'
    )


def sponsor(*, skip: bool) -> str:
    link = f'<a href="#after-sponsor" style="{SKIP}">Continue reading the main story</a>' if skip else ""
    return (
        '<div id="sponsor-wrapper" class="css-1hyfx7x"><div id="sponsor-slug" class="css-19vbshk">'
        f'<p>Supported by</p></div>{link}<div class="ad sponsor-wrapper" id="sponsor" '
        'style="text-align:center;height:100%;display:block"></div><div id="after-sponsor"></div></div>'
    )


def byline(story: Story, paragraph_class: str, itemprop: str) -> str:
    names = []
    for number, name in enumerate(story.byline):
        last = " last-byline" if number == len(story.byline) - 1 else ""
        names.append(
            f'<a href="https://www.nytimes.com/by/{slug_of(name)}" class="css-brehiz e1jsehar0">'
            f'<span class="css-1baulvz{last}" itemProp="name">{esc(name)}</span></a>'
        )
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + "<!-- --> and<!-- --> " + names[-1]
    return (
        f'<p class="{paragraph_class}" itemProp="{itemprop}" itemscope="" itemType="http://schema.org/Person">'
        f"By<!-- --> {joined}</p>"
    )


def print_line(story: Story, page_number: int) -> str:
    printed = story.local(story.published)
    return (
        '<div class="bottom-of-article"><div class="css-3glrhn">A version of this article appears in print on'
        f" <!-- -->{ap_date(printed)}<!-- -->, on Page <!-- -->A<!-- -->{page_number}<!-- --> of the New York"
        f" edition<!-- --> with the headline: <!-- -->{esc(story.print_headline or story.headline)}"
        '<span>. <a href="https://www.nytreprints.com/">Order Reprints</a> | '
        '<a href="https://www.nytimes.com/section/todayspaper">Today’s Paper</a> | '
        '<a href="https://www.nytimes.com/subscription">Subscribe</a></span></div></div>'
    )


def site_index(year: int) -> str:
    return (
        '<nav class="css-1ropbjl" id="site-index" aria-labelledby="site-index-label"><header class="css-jxzr5i">'
        '<h2 class="css-vz7hjd" id="site-index-label">Site Index</h2></header>'
        f'<ul class="css-1gprdgz">{menu("css-10t7hia", "css-mzqdl", "https://www.nytimes.com")}</ul></nav>'
        '<footer class="css-1e1s8k7" role="contentinfo"><nav data-testid="footer"><ul class="css-1ho5u4o">'
        f'<li data-testid="copyright"><a class="css-jq1cx6" href="https://help.nytimes.com/">© <span itemProp='
        f'"copyrightYear">{year}</span> <span>The New York Times Company</span></a></li></ul></nav></footer>'
    )


def preloaded(story: Story, page: Page, seed: str) -> str:
    """`window.__preloadedData`: the article's blocks and times again, and the print day."""
    printed = story.local(story.published).replace(hour=0, minute=0, second=0)
    data = {
        "initialState": {
            "Article": {
                "url": page.url,
                "headline": {"default": story.headline},
                "firstPublished": iso_z(story.published),
                "lastModified": iso_z(story.updated or story.published),
                "printInformation": {"publicationDate": iso_z(printed), "page": "10", "section": "A"},
                "bylines": [{"renderedRepresentation": "By " + " and ".join(story.byline)}],
                "sprinkledBody": [{"__typename": "ParagraphBlock", "text": t} for _, t in story.blocks()],
            }
        },
        "config": state(30_000, seed),
    }
    return script_json("window.__preloadedData", data)


def styles(seed: str, size: int) -> str:
    return f'<style data-emotion-css="{seed}">{css("css", size, seed)}</style>'


def companion(paragraphs: list[str], paragraph_class: str, column_class: str, inner_class: str) -> str:
    return (
        f'<div class="{column_class} StoryBodyCompanionColumn"><div class="{inner_class}">'
        f"{''.join(paragraphs)}</div>"
        '<aside class="css-ew4tgv" aria-label="companion column"></aside></div>'
    )


def body_columns(story: Story, paragraph_class: str, column_class: str, inner_class: str) -> str:
    """The story in companion columns of up to four blocks, an ad slot between columns."""
    columns: list[str] = []
    current: list[str] = []
    for kind, text in story.blocks():
        if kind == "h2":
            current.append(f'<h2 class="css-1f9nypk eoo0vm40" id="{slug_of(text, 4)}">{esc(text)}</h2>')
        else:
            current.append(f'<p class="{paragraph_class}">{esc(text)}</p>')
        if len(current) == 4:
            columns.append(companion(current, paragraph_class, column_class, inner_class))
            current = []
            if len(columns) in (1, 3):
                columns.append(f'<div class="css-1m6ebzm">{ad(f"mid{len(columns)}", "css-l9onyx")}</div>')
    if current:
        columns.append(companion(current, paragraph_class, column_class, inner_class))
    return "".join(columns)
