"""Pages that declare no date, with the digits that invite a guess, as the real ones of
../shared/corpus/trafilatura-eval have them (archive.org.steinzeitwissen.de.werkzeuge: a
"© 2015" theme footer; baumev.de.Transformationslabor: a menu of year links;
anwaltniemeyer.de.index: a date in an HTML comment; NYT 2018: `itemprop=copyrightYear`),
plus an RDF namespace (`w3.org/2000/01/rdf-schema`) and a WordPress uploads path
(`/wp-content/uploads/2019/03/…`). The server sends `Last-Modified`, as static servers do.
No JSON-LD, no date meta, no `<time>`, no date in the URL: the truth is "no date".
"""

# ruff: noqa: E501  (markup reads better unwrapped, as in tests/support/site.py)

from __future__ import annotations

from tests.support.publishers.chrome import esc, menu
from tests.support.publishers.story import Page, Story

TRAPS = ("copyright", "rdf", "years", "comment", "copyright-year", "uploads")


def render(story: Story, page: Page, trap: str) -> str:
    namespace = ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"' if trap == "rdf" else ""
    comment = (
        "<!-- Seite erzeugt am 25.05.2015 17:03 durch das CMS, Vorlage 3.2 -->" if trap == "comment" else ""
    )
    return (
        f'<!DOCTYPE html>\n<html lang="en"{namespace}><head><meta charset="utf-8">{comment}'
        f"<title>{esc(story.headline)} – Association for Local History</title>"
        f'<meta name="description" content="{esc(story.dek)}"><link rel="stylesheet" href="/theme/style.css">'
        '</head><body><div id="page" class="site"><header id="masthead" class="site-header">'
        '<p class="site-title"><a href="/">Association for Local History</a></p>'
        f'<nav id="site-navigation" class="main-navigation"><ul class="menu">{menu("menu-item", "menu-link")}</ul>'
        f"{_years() if trap == 'years' else ''}</nav></header>"
        '<div id="content" class="site-content"><main id="main" class="site-main"><article class="page type-page">'
        f'<header class="entry-header"><h1 class="entry-title">{esc(story.headline)}</h1></header>'
        f'<div class="entry-content">{_body(story, trap)}</div></article></main></div>'
        f'<footer id="colophon" class="site-footer">{_footer(trap)}</footer></div></body></html>'
    )


def _years() -> str:
    links = " ".join(f'<a href="/archive/{year}/">{year}</a>' for year in range(2021, 2012, -1))
    return f'<div class="archive-menu"><span>Looking back</span> {links}</div>'


def _body(story: Story, trap: str) -> str:
    out = []
    for number, (kind, text) in enumerate(story.blocks()):
        out.append(f"<h2>{esc(text)}</h2>" if kind == "h2" else f"<p>{esc(text)}</p>")
        if number == 1 and trap == "uploads":
            out.append(
                '<figure class="wp-block-image"><img src="/wp-content/uploads/2019/03/meeting-room-1024x683.jpg" '
                'alt="" width="1024" height="683"></figure>'
            )
    return "".join(out)


def _footer(trap: str) -> str:
    if trap == "copyright-year":
        return '<p>© <span itemprop="copyrightYear">2018</span> Association for Local History</p>'
    if trap == "copyright":
        return "<p>© 2015 Association for Local History · Theme by Studio Blass</p>"
    return "<p>Association for Local History · Imprint · Privacy</p>"
