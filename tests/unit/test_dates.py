"""Issue 22's date rules, on snippets of real markup: a date is stored only where the
page declares it (never a guess from a copyright line, an unrelated address or a menu of
years)."""

# ruff: noqa: E501  (markup reads better unwrapped)

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.support.contents import article
from tracker.core.diff import compare
from tracker.extraction.dates import dateline_days, printed_days, url_day
from tracker.extraction.declared import Declared
from tracker.extraction.extract import extract
from tracker.extraction.page import parse_html
from tracker.read.shapes import local_day, offset_text

TEXT = (
    "The association met on a wet evening to plan the season's walks along the old canal, "
    "and agreed that the programme would start with the towpath between the two locks. "
    "Members who joined last year asked for shorter routes, and the committee promised to "
    "print a map of each one, with the places to stop and the buses back into town."
)


def _page(head: str = "", body: str = "", footer: str = "", html_attributes: str = "") -> str:
    """A page shaped as ../shared/corpus/trafilatura-eval's undated ones are: a theme's
    header, an article without a date, a footer."""
    return (
        f'<!DOCTYPE html><html lang="en"{html_attributes}><head><meta charset="utf-8">{head}'
        "<title>Walks on the old canal – Association for Local History</title></head><body>"
        '<header class="site-header"><p class="site-title"><a href="/">Association for Local History</a></p></header>'
        '<main><article class="page type-page"><h1 class="entry-title">Walks on the old canal</h1>'
        f'<div class="entry-content"><p>{TEXT}</p>{body}<p>{TEXT}</p></div></article></main>'
        f'<footer class="site-footer">{footer}</footer></body></html>'
    )


UNDATED = {
    # archive.org.steinzeitwissen.de.werkzeuge: a theme's copyright line
    "copyright": _page(footer="<p>© 2015 Association for Local History · Theme by Studio Blass</p>"),
    # an RDF namespace: htmldate reads 2000-01-01 in it
    "rdf": _page(html_attributes=' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"'),
    # NYT 2018's footer
    "copyrightYear": _page(
        footer='<p>© <span itemprop="copyrightYear">2018</span> The New York Times Company</p>'
    ),
    # baumev.de.Transformationslabor: a menu of years
    "years": _page(
        body='<div class="archive-menu"><span>Looking back</span> '
        + " ".join(f'<a href="/archive/{y}/">{y}</a>' for y in range(2021, 2012, -1))
        + "</div>"
    ),
    # a WordPress uploads path: 2019-03-01 to htmldate
    "uploads": _page(
        body='<figure class="wp-block-image"><img src="/wp-content/uploads/2019/03/meeting-room-1024x683.jpg" alt=""></figure>'
    ),
    # anwaltniemeyer.de.index: a date in an HTML comment
    "comment": _page(head="<!-- Seite erzeugt am 25.05.2015 17:03 durch das CMS, Vorlage 3.2 -->"),
}


@pytest.mark.parametrize("trap", sorted(UNDATED))
def test_no_date_is_invented_where_the_page_declares_none(trap: str) -> None:
    found = extract(UNDATED[trap], "https://history.example/walks-on-the-old-canal")
    assert (found.published_at, found.updated_at) == (None, None)


def test_a_dateline_printed_on_the_page_is_a_declared_day() -> None:
    # springer.com-produkte: "Wiesbaden, 11. November 2021", the day split over elements
    page = _page(body='<p class="dateline">Hofheim am Taunus | Wiesbaden, <b>11.</b> November 2021</p>')
    found = extract(page, "https://history.example/walks-on-the-old-canal")
    assert found.published_at is not None and found.published_at.date() == date(2021, 11, 11)


def test_the_articles_own_url_carries_its_day() -> None:
    found = extract(_page(), "https://www.wolfgangmichal.de/2017/06/07/publizistische-sorgfaltspflicht/")
    assert found.published_at == datetime(2017, 6, 7, tzinfo=UTC)
    assert url_day("https://weisser-ring.de/media-news/meldungen/29-10-2021") == date(2021, 10, 29)
    assert url_day("https://web.archive.org/web/20160218174457/http://x.example/2010/05/post") is None


def test_printed_days_are_whole_days_of_the_visible_text() -> None:
    tree = parse_html(
        "<html><body><!-- 25.05.2015 --><script>var d = '2011-01-01';</script>"
        "<p>Berlin, 25.01.22 – Am Montag (30. Oktober 2023) und am 2020-01-31.</p>"
        "<footer>© 2015 · May 2016</footer></body></html>"
    )
    assert tree is not None
    days = printed_days(tree)
    assert {date(2022, 1, 25), date(2023, 10, 30), date(2020, 1, 31)} <= days
    assert not days & {date(2015, 5, 25), date(2011, 1, 1), date(2015, 1, 1), date(2016, 5, 1)}


def _declared(head: str, body: str = "") -> Declared:
    tree = parse_html(f'<html><head><meta charset="utf-8">{head}</head><body>{body}</body></html>')
    assert tree is not None
    return Declared.read(tree)


def test_an_offset_written_beside_the_same_instant_is_the_pages() -> None:
    # Guardian 2019: `article:published_time` in Z, the dateline's <time> in the edition's zone
    found = _declared(
        '<meta property="article:published_time" content="2019-01-03T07:00:02.000Z" />',
        '<p class="content__dateline"><time itemprop="datePublished" datetime="2019-01-03T02:00:02-0500" '
        'data-timestamp="1546498802000" class="content__dateline-wpd js-wpd">Thu 3 Jan 2019 '
        '<span class="content__dateline-time">02.00&#160;EST</span></time></p>',
    )
    assert found.published_at == datetime(2019, 1, 3, 7, 0, 2, tzinfo=UTC)
    assert found.published_offset == -300


def test_a_time_printed_with_its_zone_gives_the_offset() -> None:
    # WaPo 2019: JSON-LD to the minute in Z, the display date in New York time
    found = _declared(
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2019-11-01T22:25:00Z"}</script>',
        '<div data-qa="timestamp"><div class="display-date">November 1, 2019 at 6:25 PM EDT</div></div>',
    )
    assert (found.published_at, found.published_offset) == (datetime(2019, 11, 1, 22, 25, tzinfo=UTC), -240)


def test_a_local_time_without_offset_is_read_in_the_zone_the_page_prints() -> None:
    # CNN 2016: meta `date` in New York time without an offset, the stamp in "ET"
    found = _declared(
        '<meta name="date" content="2019-10-30 09:05:12" />'
        '<meta name="DC.date.issued" content="2019-10-30T09:05:12" />',
        '<span class="cnnDateStamp"> October 30, 2019: 9:05 AM ET </span>',
    )
    assert (found.published_at, found.published_offset) == (
        datetime(2019, 10, 30, 13, 5, 12, tzinfo=UTC),
        -240,
    )


def test_a_local_time_of_the_same_instant_gives_the_offset() -> None:
    # NYT 2018: `ptime` in New York time without an offset, `article:published` in Z
    found = _declared(
        '<meta data-rh="true" name="ptime" content="20180306235503"/>'
        '<meta data-rh="true" property="article:published" itemprop="datePublished" content="2018-03-07T04:55:03.000Z"/>'
    )
    assert (found.published_at, found.published_offset) == (datetime(2018, 3, 7, 4, 55, 3, tzinfo=UTC), -300)


def test_utc_as_written_says_no_offset_and_an_update_equal_to_publication_is_none() -> None:
    # CNN 2023: dateModified equals datePublished on a story never updated; Z only
    found = _declared(
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-06-08T02:40:47.000Z",'
        ' "dateModified": "2023-06-08T02:40:47.000Z"}</script>',
        '<div class="timestamp vossi-timestamp">Published 3 hours ago</div>',
    )
    assert (found.published_at, found.published_offset) == (datetime(2023, 6, 8, 2, 40, 47, tzinfo=UTC), None)
    assert found.updated_at is None
    printed = _declared(
        '<meta property="article:published_time" content="2023-06-08T02:40:47.000Z">'
        '<meta property="article:modified_time" content="2023-06-08T14:04:00.000Z">',
        '<div class="timestamp vossi-timestamp">Updated 10:04 AM EDT, Thu June 8, 2023</div>',
    )
    assert (printed.published_offset, printed.updated_offset) == (-240, -240)  # the place's clock, both
    assert printed.updated_at == datetime(2023, 6, 8, 14, 4, tzinfo=UTC)


def test_the_time_printed_under_the_headline_wins_over_a_machine_time_of_another_day() -> None:
    # gothamist.com-plagues (trafilatura-eval): JSON-LD the evening before the printed "Published"
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-11-08T21:13:10Z"}</script>'
    dateline = '<div class="date-published">Published Nov 9, 2023 at 5:01 a.m. ET</div>'
    found = _declared(ld, f"<h1>Plagues of the past</h1>{dateline}<p>{TEXT}</p>")
    assert (found.published_at, found.published_offset) == (datetime(2023, 11, 9, 10, 1, tzinfo=UTC), -300)
    # the same day: the machine time stays (to the second, where print is to the minute)
    same_day = _declared(
        ld.replace("2023-11-08T21:13:10Z", "2023-11-09T10:01:47Z"), f"<h1>Plagues</h1>{dateline}<p>{TEXT}</p>"
    )
    assert (same_day.published_at, same_day.published_offset) == (
        datetime(2023, 11, 9, 10, 1, 47, tzinfo=UTC),
        -300,
    )


def test_an_update_or_an_embedded_posts_time_is_not_the_dateline() -> None:
    ld = '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-10-24T14:19:10Z"}</script>'
    # 90min.de: "Zuletzt geändert" (last changed); elle.de: an Instagram card's <time>
    body = (
        "<h1>Bundesliga</h1><header><h4><time>| Zuletzt geändert: Nov 7, 2023, 8:54 AM GMT+1</time></h4></header>"
        f'<blockquote class="instagram-media"><p><time>Apr 21, 2019 at 4:40am PDT</time></p></blockquote><p>{TEXT}</p>'
    )
    assert _declared(ld, body).published_at == datetime(2023, 10, 24, 14, 19, 10, tzinfo=UTC)


def test_a_time_written_to_the_minute_and_to_the_second_is_one_time_in_comparison() -> None:
    # wapo2019 -> wapo2024: JSON-LD "…03:40:00Z" in one markup, "…03:40:47Z" in the other
    story = article("Beto O'Rourke quits", ("He ended his campaign.",))
    minute = datetime(2019, 11, 5, 3, 40, tzinfo=UTC)
    assert compare(story(published_at=minute), story(published_at=minute.replace(second=47))).changed == ()
    moved = compare(
        story(published_at=minute.replace(second=12)), story(published_at=minute.replace(second=47))
    )
    assert moved.changed == ("published_at",)  # both to the second: a real change, recorded
    later = compare(story(published_at=minute), story(published_at=minute.replace(minute=41, second=47)))
    assert later.changed == ("published_at",) and later.field_changes[0]["field"] == "published_at"


def test_offsets_and_the_pages_own_day_in_the_export() -> None:
    assert [offset_text(m) for m in (None, 0, -240, 330, -570)] == [
        None,
        "+00:00",
        "-04:00",
        "+05:30",
        "-09:30",
    ]
    late = datetime(2023, 6, 8, 2, 40, 47, tzinfo=UTC)
    assert local_day(late, -240) == "2023-06-07"  # CNN's evening story, a UTC day later
    assert local_day(late, None) is None and local_day(None, 60) is None


def test_a_dateline_in_another_language_is_a_printed_day() -> None:
    # football.ua: "15 августа 2016, 13:43" in `p.date`
    tree = parse_html('<html><body><h1>Podolski</h1><p class="date">15 августа 2016, 13:43</p></body></html>')
    assert tree is not None
    assert dateline_days(tree) == {date(2016, 8, 15)}


def test_a_dateline_that_prints_the_machine_time_agrees_whatever_follows() -> None:
    # readability's theverge: dateModified the published minute, then a list of other stories' times
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2023-06-07T20:54:26.829Z",'
        ' "dateModified": "2023-06-07T20:54:00Z"}</script>'
    )
    body = (
        '<h1>A story</h1><div class="duet--article--date-and-comments"><time class="duet--article--timestamp">'
        f"Jun 7, 2023, 8:54 PM UTC</time></div><p>{TEXT}</p><section><ul><li><div>"
        '<time class="duet--article--timestamp">Jun 24, 2023, 8:32 PM UTC</time></div></li></ul></section>'
    )
    assert _declared(ld, body).published_at == datetime(2023, 6, 7, 20, 54, 26, tzinfo=UTC)
