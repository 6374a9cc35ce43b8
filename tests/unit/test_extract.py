"""Extraction rules on small pages (pure: HTML in, fields out). The corpus-wide figures
are in tests/golden; the rules on the simulated site's templates in
tests/integration/test_extract.py."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.extraction.dates import parse_date
from tracker.extraction.extract import extract
from tracker.extraction.worker import analyze

URL = "https://daily.example/world/2026/11/30/floods"
SENTENCES = (
    "The river road closed overnight as the water rose to its highest level in forty years.",
    "The council met on Monday and agreed to pay for new barriers along the lower village.",
    "Forecasters expect more rain on Tuesday, with up to sixty millimetres on the hills.",
    "Residents of the lower village were told to move their cars to higher ground at once.",
)
ARTICLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Floods close the river road - The Daily</title>
<meta property="og:title" content="Floods close the river road">
<meta name="author" content="Ana Lima">
<meta property="article:published_time" content="2026-11-30T08:15:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<main><article><h1>Floods close the river road</h1>
<p>{first}</p>
<p>The council said the road would stay shut until engineers had inspected the bridge,
which was built in 1962.</p>
<p>Residents of the lower village were told to move cars to higher ground before the
evening tide arrived on Monday.</p>
<p>Forecasters expect more rain on Tuesday, with up to 60 millimetres falling on the
hills above the valley.</p>
</article></main><footer>&copy; The Daily</footer></body></html>"""
FIRST = "Heavy rain overnight flooded the river road near the old mill, the council said on Monday morning."


def _page(head: str, body: str) -> str:
    paragraphs = "".join(
        f"<p>{text} The council met on Monday to discuss the findings in detail, and again on Tuesday.</p>"
        for text in ("Water rose fast.", "Roads were closed.", "Schools stayed shut.")
    )
    return f"<html><head>{head}</head><body><main><article>{body}{paragraphs}</article></main></body></html>"


def _story(body: str) -> str:
    """A story with its metadata declared and `body` (paragraphs) in `<main><article>`."""
    return (
        '<html><head><title>Floods close the river road</title><meta name="author" content="Ana Lima">'
        '<meta property="article:published_time" content="2026-11-30T08:15:00Z"></head><body><main><article>'
        f"<h1>Floods close the river road</h1>{body}</article></main></body></html>"
    )


def _columns(body: str) -> str:
    """A story laid out in columns of classed `<div>`s, where trafilatura drops the
    subheadings between the story's paragraphs."""
    return (
        "<html><head><title>Floods close the river road — The Daily</title></head><body>"
        '<div class="wrap"><div class="top">The Daily</div><div class="col-main">'
        '<h1>Floods close the river road</h1><div class="dateline">By Ana Lima '
        '<time datetime="2026-11-30T08:15:00Z">earlier</time></div>'
        f'<div class="txt">\n{body}\n</div></div><div class="col-side"><b>Popular</b>'
        '<ul><li><a href="/b">Another story</a></li></ul></div></div></body></html>'
    )


def _paragraphs(*texts: str) -> str:
    return "\n".join(f"<p>{text}</p>" for text in texts)


def test_a_dropped_subheading_between_kept_paragraphs_is_put_back() -> None:
    a, b, c, d = SENTENCES
    page = _columns(f"{_paragraphs(a, b)}\n<h3>What happens next</h3>\n{_paragraphs(c, d)}")
    assert extract(page, URL).paragraphs == (a, b, "What happens next", c, d)


def test_a_heading_under_another_parent_or_between_distant_paragraphs_stays_out() -> None:
    a, b, c, d = SENTENCES
    boxed = _columns(
        f"{_paragraphs(a, b)}\n<div class='box'><h3>Our coverage</h3></div>\n{_paragraphs(c, d)}"
    )
    assert extract(boxed, URL).paragraphs == SENTENCES
    quote = "We have never seen the water rise this fast, said the mayor of the lower village."
    apart = _columns(
        f"{_paragraphs(a, b)}\n<h3>Closures</h3>\n<blockquote>{quote}</blockquote>\n{_paragraphs(c, d)}"
    )
    assert extract(apart, URL).paragraphs == (a, b, quote, c, d)  # b and c are not side by side


def test_a_paragraph_the_page_repeats_stays_repeated() -> None:
    correction = "Correction: an earlier version of this story misstated the figure."
    found = extract(_story(_paragraphs(*SENTENCES, correction, correction)), URL).paragraphs
    assert found == (*SENTENCES, correction, correction)
    elsewhere = _story(_paragraphs(*SENTENCES)).replace(
        "</article>", f"</article><aside><p>{SENTENCES[3]}</p></aside>"
    )
    assert extract(elsewhere, URL).paragraphs.count(SENTENCES[3]) == 1  # not side by side: no repeat


def test_a_line_repeated_in_one_place_is_not_doubled_everywhere_else() -> None:
    """The hour soak found this: a correction appended twice in a row at the end, while the
    same line also stood alone higher up; both places were doubled."""
    fig = "Correction: an earlier version of this story misstated the figure."
    date = "Correction: an earlier version of this story misstated the date."
    a, b, c, d = SENTENCES
    found = extract(_story(_paragraphs(a, fig, date, b, c, d, fig, fig)), URL).paragraphs
    assert found == (a, fig, date, b, c, d, fig, fig)


def test_text_after_a_comment_inside_a_paragraph_is_kept() -> None:
    """React pages write `<p>text<!-- -->more</p>`: what follows the comment is text too."""
    first = "Heavy rain overnight flooded the river road <!-- -->near the old mill, the council"
    analysis = analyze(ARTICLE.format(first=first + "<!-- --> said on Monday morning."), URL)
    assert analysis.problem is None
    assert analysis.extraction.paragraphs[0] == FIRST


def test_a_control_character_in_a_paragraph_is_dropped_not_a_reason_to_refuse() -> None:
    page = ARTICLE.format(first=FIRST.replace("river road", "river\x01 road").replace("mill", "mill\x1b"))
    analysis = analyze(page, URL)
    assert analysis.problem is None
    assert analysis.extraction.paragraphs[0] == FIRST
    assert analysis.extraction.headline == "Floods close the river road"


def test_scripts_after_the_closing_html_tag_are_not_a_cut_off_page() -> None:
    """Some publishers append 8 KB and more of tracking scripts after `</html>`."""
    push = 'window.dataLayer.push({{"event": "view", "n": {n}, "pad": "{pad}"}});'
    tail = "".join(f"<script>{push.format(n=n, pad='x' * 200)}</script>\n" for n in range(40))
    page = ARTICLE.format(first=FIRST) + "\n" + tail
    assert len(tail) > 8000
    assert analyze(page, URL).problem is None
    cut = ARTICLE.format(first=FIRST)[:700]
    assert analyze(cut, URL).problem == "the page was cut off before its end"


def test_the_headline_is_the_h1_a_declared_title_agrees_with_without_the_site_path() -> None:
    page = _page(
        "<title>DAILY NEWS | Politics | Council votes to close the river road</title>"
        '<meta property="og:title" content="Council votes to close the river road - The Daily">'
        '<meta property="og:site_name" content="The Daily">',
        "<h1>Council votes to close the river road</h1>",
    )
    assert extract(page, "https://www.thedaily.example/politics/1234567/council").headline == (
        "Council votes to close the river road"
    )
    # no <h1>: the <title>, its site name and section path dropped
    page = _page("<title>DAILY NEWS | Politics | Council votes to close the river road</title>", "")
    assert (
        extract(page, "https://dailynews.example/a/1234567").headline
        == "Council votes to close the river road"
    )
    # a CMS that escaped its meta twice
    page = _page('<meta property="og:title" content="Rain &amp;#8211; and more rain">', "")
    assert extract(page, "https://x.example/a").headline == "Rain – and more rain"


def test_a_kicker_inside_the_h1_is_not_the_headline() -> None:
    page = _page(
        '<meta property="og:title" content="Remembering the victims of the flood">',
        "<h1><span>Anniversary</span> <span>Remembering the victims of the flood</span></h1>",
    )
    assert extract(page, "https://x.example/a").headline == "Remembering the victims of the flood"


def test_a_byline_only_in_markup_is_read() -> None:
    """BBC-like: no meta, no JSON-LD author, no class; a data-component says byline."""
    page = _page(
        "<title>Floods close the river road</title>",
        '<h1>Floods close the river road</h1><div data-component="byline-block">'
        "<span>By Jane Doe and John Roe</span><span>BBC News</span></div>",
    )
    assert extract(page, "https://www.bbc.example/news/world-12345678").byline == "Jane Doe, John Roe"


def test_partial_microdata_does_not_beat_the_visible_byline() -> None:
    page = _page(
        "<title>Floods close the river road</title>",
        '<h1>Floods close the river road</h1><p class="byline">By <span itemprop="author">Jane Doe</span>'
        " and John Roe</p>",
    )
    assert extract(page, "https://x.example/a").byline == "Jane Doe, John Roe"


def test_the_site_is_not_an_author() -> None:
    page = _page(
        '<meta name="author" content="Jane Doe, The Daily">'
        '<meta property="og:site_name" content="The Daily">',
        "<h1>Floods close the river road</h1>",
    )
    assert extract(page, "https://x.example/a").byline == "Jane Doe"
    page = _page('<meta name="author" content="thedaily.example">', '<p class="byline">By Jane Doe</p>')
    assert extract(page, "https://x.example/a").byline == "Jane Doe"


def test_old_templates_dates_and_local_formats() -> None:
    page = _page(
        '<meta name="OriginalPublicationDate" content="2014-06-30T16:54:02+00:00">', "<h1>Floods</h1>"
    )
    assert extract(page, "https://x.example/a").published_at == datetime(2014, 6, 30, 16, 54, 2, tzinfo=UTC)
    assert parse_date("10.12.2022") == datetime(2022, 12, 10, tzinfo=UTC)
    assert parse_date("01-11-2023 10:29") == datetime(2023, 11, 1, 10, 29, tzinfo=UTC)
    assert parse_date("19 Oct 2019 10:30 CEST") == datetime(2019, 10, 19, 8, 30, tzinfo=UTC)
    assert parse_date("1676551869") == datetime(2023, 2, 16, 12, 51, 9, tzinfo=UTC)
    assert parse_date("2:33 PM") is None  # no day: not today
    assert parse_date("Oct 16") is None  # no year: not this year


def test_old_layouts_paragraphs_are_paragraphs() -> None:
    """A page laid out in a table, paragraphs split by <br><br>, the first one written
    straight into the cell: three paragraphs, not one row of cells."""
    a, b, c, _ = SENTENCES
    page = (
        "<html><head><title>Floods close the river road</title></head><body><table><tr>"
        "<td><a href='/'>Home</a></td><td><h1>Floods close the river road</h1>"
        f"{a}<p>{b}<br><br>{c}<br>Updated twice.</p></td></tr></table></body></html>"
    )
    found = extract(page, "https://x.example/news/floods").paragraphs
    assert found == (a, b, f"{c} Updated twice.")


def test_a_data_table_stays_a_table() -> None:
    rows = "".join(f"<tr><td>Station {n}</td><td>{n * 3} mm</td></tr>" for n in range(1, 4))
    page = _page("<title>Rainfall</title>", f"<h1>Rainfall</h1><table>{rows}</table>")
    assert "Station 1 | 3 mm" in extract(page, "https://x.example/a").paragraphs


def test_a_lede_outside_the_paragraphs_is_the_first_paragraph() -> None:
    lede = "Floods closed the river road overnight, and the council met at once to plan repairs."
    page = _page(
        '<meta property="og:title" content="Floods close the river road">',
        f'<h1>Floods close the river road</h1><div class="teaser-content">{lede}</div>',
    )
    assert extract(page, "https://x.example/a").paragraphs[0] == lede
