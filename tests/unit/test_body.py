"""Body paragraphs by structure (issue 22): every paragraph the editor wrote, and only
those. Each rule on a snippet of the real template it comes from (the captures named in
tests/support/publishers), and on the look-alike it must leave alone."""

from __future__ import annotations

from tracker.core.normalize import is_chrome_line
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


BBC_HIDDEN = "visually-hidden ssrcss-1f39n02-VisuallyHidden e16en2lz0"


def _bbc(blocks: str) -> str:
    """A BBC 2024 article: `data-component` blocks inside `<article>`."""
    text = "".join(
        '<div data-component="text-block" class="ssrcss-uf6wea-RichTextComponentWrapper ep2nwvo0">'
        f'<div class="ssrcss-7uxr49-RichTextContainer e5tfeyi1"><p class="ssrcss-1q0x1qg-Paragraph">{p}</p>'
        "</div></div>"
        for p in (LEDE, SECOND, *REST)
    )
    return _page(blocks.replace("{text}", text))


def _bbc_metadata(shown: str) -> str:
    return (
        '<div data-component="metadata-block" class="ssrcss-xza2yt-ComponentWrapper ep2nwvo1"><div>'
        '<ul role="list" class="ssrcss-1ik71mx-MetadataStripContainer eh44mf03">'
        '<li role="listitem" class="ssrcss-30fcoe-MetadataStripItem eh44mf01">'
        f'<div class="{BBC_HIDDEN}">Published</div><div class="ssrcss-m5j4pi-MetadataContent eh44mf00">'
        '<span class="ssrcss-1pvwv4b-MetadataSnippet e4wm5bw3"><span class="ssrcss-1if1g9v-MetadataText">'
        f'<time data-testid="timestamp" dateTime="2024-09-27T08:20:31.000Z">{shown}</time></span></span>'
        "</div></li></ul></div></div>"
    )


def test_a_hidden_label_and_its_time_are_not_body() -> None:
    """BBC 2024's metadata-block: a visually hidden "Published", then the `<time>`."""
    for shown in ("2 hours ago", "27 September 2024"):
        page = _bbc(_bbc_metadata(shown) + "{text}")
        assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


def test_a_promos_hidden_labels_and_dates_are_not_body() -> None:
    """BBC 2024's promos: "Attribution" and "Published" labels run into a link and another
    story's date ("Attribution Published27 September")."""
    item = (
        '<li role="listitem" class="ssrcss-30fcoe-MetadataStripItem eh44mf01"><div class="{hidden}">{label}'
        '</div><div class="ssrcss-m5j4pi-MetadataContent eh44mf00">'
        '<span class="ssrcss-1pvwv4b-MetadataSnippet">'
        '<span class="ssrcss-1if1g9v-MetadataText e4wm5bw1">{value}</span></span></div></li>'
    )
    strip = (
        '<ul role="list" class="ssrcss-1ik71mx-MetadataStripContainer eh44mf03">'
        + item.format(hidden=BBC_HIDDEN, label="Attribution", value='<a href="/weather">Weather</a>')
        + item.format(hidden=BBC_HIDDEN, label="Published", value="27 September")
        + "</ul>"
    )
    promo = (
        '<li class="ssrcss-r2yl4r-PromoItem e3eyuya1"><div data-testid="promo"><a href="/news/x">'
        '<p class="ssrcss-1sen9vx-PromoHeadline">Another story</p></a>'
        f"<div>{strip}</div></div></li>"
    )
    page = _bbc(
        '{text}<div data-component="links-block"><section><div><h2 type="normal">More on this story</h2>'
        f'</div><ul role="list">{promo}</ul></section></div>'
    )
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


def test_a_hidden_label_run_into_a_caption_goes_alone() -> None:
    """BBC 2024's image caption: "Image caption, " hidden before the caption's words."""
    caption = "Workers cleared the flooded road near the old mill on Monday morning after the storm."
    figure = (
        '<figure><figcaption class="ssrcss-1kk6ucf-StyledFigureCaption">'
        f'<span class="{BBC_HIDDEN}">Image caption, </span><div><p>{caption}</p></div></figcaption></figure>'
    )
    page = _page(
        "".join(f"<p>{text}</p>" for text in (LEDE, SECOND))
        + figure
        + "".join(f"<p>{text}</p>" for text in REST)
    )
    assert "Image caption" not in " ".join(extract(page, URL).paragraphs)


def test_the_bbc_2020_hidden_published_label_is_not_body() -> None:
    """BBC 2020: `<dt class="…VisuallyHidden">Published</dt>` and a `<dd>` with the `<time>`."""
    header = (
        '<header class="css-1eqcsb3-StyledHeader e1j2237y7"><div class="css-1sm1dy7-MetadataStripWrapper">'
        '<dl class="css-11c8au8-MetadataStrip e1ojgjhb0"><div class="css-8d0yke-MetadataStripItem e1ojgjhb1">'
        '<dt class="css-178wc68-VisuallyHidden e1y6uwnp0">Published</dt>'
        '<dd class="css-1n98t8y-MetadataContent"><span><time dateTime="2015-04-12T10:00:00Z">12 April 2015'
        "</time></span></dd></div></dl></div></header>"
    )
    page = _page(header + "".join(f"<p>{text}</p>" for text in (LEDE, SECOND, *REST)))
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


def test_a_heading_over_a_list_of_links_is_not_body() -> None:
    """BBC 2024's topic-list: "Related topics" over a list of topic links."""
    topics = "".join(
        f'<li><a href="/news/topics/c{n}" class="ssrcss-z69h1q-StyledLink ed0g1kj0">{word}</a></li>'
        for n, word in enumerate(("Facebook", "Mark Zuckerberg", "Technology"))
    )
    page = _bbc(
        '{text}<div data-component="topic-list" class="ssrcss-1qmkvfu-TopicListWrapper etw6iwl1">'
        '<div class="ssrcss-113c0cq-StyledTagContainer ed0g1kj1">'
        '<div class="ssrcss-50vlbt-TopicListHeaderWrapper">'
        '<h2 type="normal" class="ssrcss-ad2rmd-Heading e10rt3ze0">Related topics</h2></div>'
        '<div class="ssrcss-17ehax8-Cluster e1ihwmse1"><ul role="list" spacing="2">'
        f"{topics}</ul></div></div></div>"
        '<div data-component="links-block"><section><div><h2 type="normal">More on this story</h2></div>'
        '<ul role="list"><li><div data-testid="promo"><a href="/news/x"><p>Another story</p></a></div></li>'
        "</ul></section></div>"
    )
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


def test_a_heading_over_a_list_of_prose_stays() -> None:
    items = "".join(f"<li>{text}</li>" for text in REST)
    page = _page(f"<p>{LEDE}</p><p>{SECOND}</p><h2>What the company said</h2><ul>{items}</ul>")
    assert extract(page, URL).paragraphs == (LEDE, SECOND, "What the company said", *REST)


def test_a_card_embedded_in_the_article_is_not_body() -> None:
    """BBC 2020's include-block: a policy card, an `<article>` inside the article."""
    card = (
        '<div data-component="include-block"><div data-component="include-html">'
        '<div class="storybody-halfwide-include"><article id="card--taxation" class="pullout guide-card">'
        "<a href='/news/election/2015/manifesto-guide' class='guide-card__brand'>"
        "<h3 class='guide-card__issue'>Taxation</h3></a><h4 class='guide-card__party'>Conservative</h4>"
        "<p class='guide-card__pledges'>Main pledges</p><ul class='guide-card__pledges--list'>"
        "<li class='guide-card__pledges--item'>Robert</li><li class='guide-card__pledges--item'>Mugabe</li>"
        "</ul></article></div></div></div>"
    )
    wrap = '<div data-component="text-block"><div class="css-83cqas-RichTextContainer"><p>{}</p></div></div>'
    page = _page(
        "".join(wrap.format(t) for t in (LEDE, SECOND, REST[0]))
        + card
        + wrap.format(REST[1])
        + wrap.format(REST[2])
    )
    assert extract(page, URL).paragraphs == (LEDE, SECOND, *REST)


NYT_HEADLINE = "The Hidden Heroines of Chaos"


def _nyt(byline: str) -> str:
    """The New York Times 2018: the sponsor slot ("Supported by") above the `h1` in the
    story's `<header>`, the byline under it."""
    return (
        f"<html><head><title>{NYT_HEADLINE} - The New York Times</title>"
        f'<meta property="og:title" content="{NYT_HEADLINE}">'
        '<meta property="article:published_time" content="2018-03-07T10:00:00Z"></head><body>'
        '<main id="site-content"><article id="story" class="Story-story--2QyGh css-1ts2ybq">'
        '<header class="css-sb57iz e345g291"><div id="sponsor-wrapper" class="css-1hyfx7x">'
        '<div id="sponsor-slug" class="css-19vbshk"><p>Supported by</p></div></div>'
        f'<h1 class="css-1dbjv5l ejekc6u0" itemProp="headline"><span>{NYT_HEADLINE}</span></h1>'
        f'<div class="css-xt80pu eaw9eks0"><div class="css-1dv1kvn">{byline}</div></div></header>'
        '<div class="css-18sbwfn StoryBodyCompanionColumn"><div class="css-1h6whtw">'
        + "".join(f'<p class="css-1i0edl6 e2kc3sl0">{text}</p>' for text in (LEDE, SECOND, *REST))
        + "</div></div></article></main></body></html>"
    )


def test_supported_by_and_the_headline_repeated_are_not_body() -> None:
    byline = (
        '<p class="css-1cbhw1y e1x1pwtg1" itemProp="author creator" itemscope="" '
        'itemType="http://schema.org/Person">By<!-- --> <a href="https://www.nytimes.com/by/joshua-sokol" '
        'class="css-brehiz"><span class="css-1baulvz" itemProp="name">Joshua Sokol</span></a><!-- --> and'
        '<!-- --> <a href="https://www.nytimes.com/by/tariq-panja" class="css-brehiz"><span class='
        '"css-1baulvz last-byline" itemProp="name">Tariq Panja</span></a></p>'
    )
    assert extract(_nyt(byline), URL).content().body == (LEDE, SECOND, *REST)


def test_the_headline_repeated_later_is_not_body_but_other_h1s_are() -> None:
    """A line that is the story's headline is never a paragraph; a book's chapters, `<h1>`s
    inside the text, stay."""
    page = _page(
        f"<p>{LEDE}</p><h1>Definitions</h1><p>{SECOND}</p><p>Zuckerberg offers a deal</p>"
        + "".join(f"<p>{t}</p>" for t in REST)
    )
    assert extract(page, URL).paragraphs == (LEDE, "Definitions", SECOND, *REST)


def test_corrections_and_editors_notes_are_body() -> None:
    notes = (
        "Correction: An earlier version of this article misstated the price of the shares.",
        "Update: The company confirmed the deal on Sunday.",
        "Editor's note",
    )
    page = _page(
        "".join(f"<p>{t}</p>" for t in (LEDE, SECOND, *REST))
        + f'<div class="correction"><p><strong>{notes[0]}</strong></p></div><p><em>{notes[1]}</em></p>'
        f"<h3>{notes[2]}</h3><p>{REST[0]} Again.</p>"
    )
    assert extract(page, URL).paragraphs[-4:] == (*notes, f"{REST[0]} Again.")


def test_a_label_and_a_number_is_a_subheading_a_counter_is_not() -> None:
    """ "Circa 2011" (a subheading of a real text), "Chapter 3" stay; counters go."""
    for line in ("Circa 2011", "Chapter 3", "Step 1", "Top 10"):
        assert not is_chrome_line(line), line
    for line in (
        "Comments 12",
        "Comments: 12",
        "Twitter (12)",
        "Kommentare (5)",
        "12 comments",
        "1.2k shares",
    ):
        assert is_chrome_line(line), line


def test_an_editors_short_line_keeps_its_words_when_a_hidden_label_opens_it() -> None:
    page = _page(
        "".join(f"<p>{t}</p>" for t in (LEDE, SECOND, *REST))
        + '<p><span class="sr-only">Update:</span> The road reopened.</p>'
    )
    assert extract(page, URL).paragraphs[-1] == "The road reopened."
