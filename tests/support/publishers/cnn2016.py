"""CNNMoney, 2016, rebuilt from mozilla/readability test/test-pages/cnn/source.html
(../shared/corpus/readability/test/test-pages/cnn, 259 kB).

`h1.article-title`; `span.cnnbyline > span.byline` ("by Ahiza Garcia ", lower-case "by")
and the reporter's handle `a.soc-twtname` ("@ahiza_garcia"); `span.cnnDateStamp`
("February 1, 2016: 12:41 PM ET", the last update, a colon after the year); the body
`div#storytext > p`, a video player script at its top and an in-story link paragraph
("Related: …" in `span.inStoryHeading`); at its foot `div.storytimestamp` ("CNNMoney (New
York)", "First published February 1, 2016: 1:28 AM ET"). Meta `date` and
`DC.date.issued` are New York local times without an offset; the URL carries the day.
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers.chrome import ap_date, css, esc, long_date, menu, slug_of
from tests.support.publishers.story import Page, Story


def _stamp(story: Story, *, first: bool) -> str:
    local = story.local(story.published if first else (story.updated or story.published))
    return f"{long_date(local)}: {local.hour % 12 or 12}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} ET"


def render(story: Story, page: Page) -> str:
    local = story.local(story.published)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8" />'
        f"<title>{esc(story.headline)} - {ap_date(local)}</title>"
        f'<meta name="date" content="{local:%Y-%m-%d %H:%M:%S}" />'
        f'<meta name="author" content="{esc(", ".join(story.byline))}" />'
        f'<meta name="DC.date.issued" content="{local:%Y-%m-%dT%H:%M:%S}" />'
        f'<meta name="description" content="{esc(story.dek)}" /><link rel="canonical" href="{page.url}" />'
        f"<style>{css('cnn', 180_000, 'cnn2016')}</style></head><body>"
        f'<div id="header"><header><nav><ul class="nav-menu">{menu("nav-item", "nav-link")}</ul></nav></header></div>'
        '<main class="container js-social-anchor-start" role="main"><header><div class="row"><div class="column">'
        f'<div class="breadcrumb"><a href="/news/economy/">Economy</a></div><h1 class="article-title">'
        f"{esc(story.headline)} </h1></div></div>{_byline(story)}</header>"
        '<article><div id="storycontent"><!--storytext--><div id="storytext"><div id="js-ie-storytop" '
        'class="ie--storytop"><script type="text/javascript"> vidConfig.push({ videoArray: [], loc: \'top\', '
        f"autoplay: true }}); </script></div>{_body(story, page)}"
        '<div id="storyFooter"></div><div class="storytimestamp"><span class="cnnStorySource"> CNNMoney (New York)'
        f' </span><span class="cnnDateStamp">First published {_stamp(story, first=True)}</span></div></div>'
        "<!--/storytext--></div></article></main>"
        '<div id="footer"><p>© 2016 Cable News Network. A Time Warner Company. All Rights Reserved.</p></div>'
        "</body></html>"
    )


def _byline(story: Story) -> str:
    handle = slug_of(story.byline[0]).replace("-", "_")
    return (
        '<div class="row"><div class="column share-byline-timestamp"><span class="byline-timestamp">'
        '<span id="js-byline-icon"> </span><span class="cnnbyline "> '
        f'<span class="byline">by {esc(" and ".join(story.byline))} </span> <a href="https://twitter.com/intent/'
        f'user?screen_name={handle}" class="soc-twtname">@{handle}</a> </span>'
        f'<span class="cnnDateStamp"> {_stamp(story, first=False)} </span></span></div></div>'
    )


def _body(story: Story, page: Page) -> str:
    out = []
    for number, (kind, text) in enumerate(story.blocks()):
        tag = (
            f'<h2 class="inStoryHeading">{esc(text)}</h2>' if kind == "h2" else f'<p style="">{esc(text)}</p>'
        )
        out.append(tag)
        if number == 3 and page.others:
            other = page.others[0]
            out.append(
                f'<p style=""><a href="{page.base}/{other.section}/{other.slug}"><span class="inStoryHeading">'
                f"Related: {esc(other.headline)}</span></a></p>"
            )
    return "".join(out)
