"""Issue 22's date rules, on snippets of real markup: a date is stored only where the
page declares it (never a guess from a copyright line, an unrelated address or a menu of
years)."""

# ruff: noqa: E501  (markup reads better unwrapped)

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tracker.extraction.dates import printed_days, url_day
from tracker.extraction.extract import extract
from tracker.extraction.page import parse_html

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
