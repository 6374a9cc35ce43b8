"""Body paragraphs by structure (issue 22): every paragraph the editor wrote, and only
those. Each rule on a snippet of the real template it comes from (the captures named in
tests/support/publishers), and on the look-alike it must leave alone."""

from __future__ import annotations

from tracker.extraction.extract import extract

URL = "https://news.example/politics/2019/11/01/story"
LEDE = (
    "Anyone who has ever been involved in closing a billion-dollar deal knows that the last "
    "few days are the hardest, and this one was no different."
)
SECOND = "Facebook CEO Mark Zuckerberg knows a thing or two about how to close a deal, his colleagues say."
REST = (
    "The company said on Friday that the talks had ended without an agreement on the price of the shares.",
    "Lawyers for both sides met again on Saturday morning, according to two people familiar with the talks.",
    "A spokesman declined to comment on the talks, saying only that the company did not discuss rumours.",
)


def _page(article: str, *, headline: str = "Zuckerberg offers a deal") -> str:
    return (
        f"<html><head><title>{headline}</title>"
        '<meta property="article:published_time" content="2019-11-01T22:25:00Z">'
        '<meta name="author" content="Matt Viser"></head><body><main>'
        f"<header><h1>{headline}</h1></header><article>{article}</article></main></body></html>"
    )


def test_the_posts_2019_lede_in_teaser_content_is_body() -> None:
    """wapo2019: `div.teaser-content > section > div > p`, the rest in `div.remainder-content`."""
    paragraph = '<div><p class="font--body font-copy color-gray-darkest ma-0 pad-bottom-md">{}</p></div>'
    teaser = "".join(paragraph.format(text) for text in (LEDE, SECOND))
    rest = "".join(paragraph.format(text) for text in REST)
    page = _page(
        f'<div class="article-body"><div class="teaser-content"><section>{teaser}</section></div>'
        f'<div class="remainder-content"><section>{rest}</section></div></div>'
    )
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


def test_the_posts_2024_lede_in_teaser_content_and_drop_cap_is_body() -> None:
    """wapo2024: `div.teaser-content` wraps the first `article-body` divs, each paragraph a
    `p[data-testid=drop-cap-letter]`; the rest in later `article-body` divs."""
    body = '<div class="wpds-c-PJLV article-body" data-qa="article-body">'
    paragraph = (
        body + '<p data-testid="drop-cap-letter" data-el="text" class="wpds-c-cYdRxM font-copy">{}</p></div>'
    )
    teaser = "".join(paragraph.format(text) for text in (LEDE, SECOND))
    rest = "".join(paragraph.format(text) for text in REST)
    page = _page(
        f'<div class="meteredContent grid-center"><div class="teaser-content">{teaser}</div>'
        f"<div></div>{rest}</div>"
    )
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


def test_teasers_of_other_stories_stay_out() -> None:
    """A series of teaser boxes, each a linked headline and its summary, is not a lede."""
    teasers = "".join(
        f'<div class="teaser"><h3><a href="/other/{n}">Another story number {n}</a></h3><p>{text}</p></div>'
        for n, text in enumerate(REST)
    )
    page = _page("".join(f"<p>{text}</p>" for text in (LEDE, SECOND, *REST)) + f"<aside>{teasers}</aside>")
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)
