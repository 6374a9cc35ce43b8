"""Sources end to end: sitemaps, indexes, URL lists and conditional polls on a loopback site."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from tests.support.site import NewsSite, Request, Response
from tracker.store.models import Article, SourceEndpoint, Version


def test_sitemap_index_gzipped_child_and_news_sitemap(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story() for _ in range(6)]
    site.sitemap("/sitemap-1.xml.gz", stories[:3], gzipped=True)
    site.sitemap("/sitemap-news.xml", stories[3:], news=True)
    index = (
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<sitemap><loc>{site.url('/sitemap-1.xml.gz')}</loc></sitemap>"
        f"<sitemap><loc>{site.url('/sitemap-news.xml')}</loc></sitemap>"
        f"<sitemap><loc>{site.url('/sitemap-missing.xml')}</loc></sitemap></sitemapindex>"
    )
    site.route(
        "/sitemap.xml", lambda _r: Response(body=index.encode(), headers={"Content-Type": "application/xml"})
    )
    tracker = make_tracker(db_url, sources=[{"name": "sim", "sitemaps": [site.url("/sitemap.xml")]}])
    assert tracker.cycle() == {"new_version": 6}
    with tracker.session() as session:
        listed = dict(session.execute(select(Article.url, Article.listed_published_at)).all())
        endpoint = session.scalar(select(SourceEndpoint))
    assert set(listed) == {site.url(s.path) for s in stories}
    assert listed[site.url(stories[4].path)] == stories[4].published_at
    assert endpoint is not None and "sitemap-missing.xml: http_status: HTTP 404" in (
        endpoint.last_error or ""
    )


def test_url_lists_over_http_and_from_disk(site: NewsSite, make_tracker, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b, c = (site.add_story() for _ in range(3))
    site.route(
        "/watch.txt",
        lambda _r: Response(
            body=f"# watched\n{site.url(a.path)}\n".encode(), headers={"Content-Type": "text/plain"}
        ),
    )
    local = tmp_path / "urls.txt"
    local.write_text(f"{site.url(b.path)}\n\n{site.url(c.path)}?utm_source=newsletter\n")
    tracker = make_tracker(db_url, sources=[{"name": "sim", "lists": [site.url("/watch.txt"), str(local)]}])
    assert tracker.cycle() == {"new_version": 3}


def test_feed_polls_are_conditional(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story()
    body = site.rss([story])
    seen: list[str | None] = []

    def feed(request: Request) -> Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"feed-1"':
            return Response(304)
        return Response(body=body, headers={"Content-Type": "application/rss+xml", "ETag": '"feed-1"'})

    site.route("/feed.xml", feed)
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.url("/feed.xml")]}])
    tracker.cycle()
    tracker.cycle()
    assert seen == [None, '"feed-1"']
    with tracker.session() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1


def test_charset_is_detected_when_nothing_declares_it(site: NewsSite, make_tracker, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story(headline="Zürich: Bürger diskutieren über die Straßenbahn")
    story.paragraphs = [
        "Die Bürgerinnen und Bürger äußerten große Sorgen über die Öffnungszeiten der Geschäfte "
        "und über die Straßenbahn, die künftig später fährt."
    ] * 3
    page = site.render(story).replace('<meta charset="utf-8">', "").encode("cp1252")
    site.route("/news/undeclared", lambda _r: Response(body=page, headers={"Content-Type": "text/html"}))
    tracker = make_tracker(sqlite_url, sources=[{"name": "sim", "urls": [site.url("/news/undeclared")]}])
    assert tracker.cycle() == {"new_version": 1}
    with tracker.session() as session:
        version = session.scalar(select(Version))
    assert version is not None
    assert version.headline == "Zürich: Bürger diskutieren über die Straßenbahn"
    assert "äußerten große Sorgen" in version.body


def test_a_huge_listing_is_tracked_in_batches_up_to_its_cap_and_a_stop_lands_between_batches(
    site: NewsSite, make_tracker, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import time
    from datetime import UTC, datetime

    from tracker.daemon import runtime_for
    from tracker.discovery import ENTRIES_PER_BATCH, poll_sources

    cap = 6 * ENTRIES_PER_BATCH
    urls = "".join(f"<url><loc>{site.url(f'/archive/{n}/story-a{n}')}</loc></url>" for n in range(6_000))
    body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'.encode()
    site.route("/archive.xml", lambda _r: Response(body=body, headers={"Content-Type": "application/xml"}))
    sources = [{"name": "archive", "sitemaps": [site.url("/archive.xml")], "max_entries": cap}]

    def poll(tracker, *, stop_after: float | None = None) -> tuple[list, float]:  # type: ignore[no-untyped-def]
        async def go() -> tuple[list, float]:  # type: ignore[type-arg]
            async with runtime_for(tracker.config, tracker.sessions, lambda: datetime.now(UTC)) as runtime:
                task = asyncio.ensure_future(poll_sources(runtime, every_endpoint=True))
                if stop_after is None:
                    return await task, 0.0
                await asyncio.sleep(stop_after)
                asked = time.monotonic()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                return [], time.monotonic() - asked

        return asyncio.run(go())

    whole = make_tracker(f"sqlite:///{tmp_path / 'whole.db'}", sources=sources)
    [result], _ = poll(whole)
    assert result.listed == 6_000 and result.new_articles == cap
    assert f"lists 6000 entries: the first {cap} are tracked" in (result.problem or "")
    with whole.session() as session:
        assert session.scalar(select(func.count(Article.id))) == cap
    everything = [{**sources[0], "max_entries": 6_000}]
    cut = make_tracker(f"sqlite:///{tmp_path / 'cut.db'}", sources=everything)
    _, waited = poll(cut, stop_after=0.8)
    with cut.session() as session:
        kept = session.scalar(select(func.count(Article.id))) or 0
    assert waited < 2.0  # the stop landed between two batches, not after the whole listing
    assert kept % ENTRIES_PER_BATCH == 0 and kept < 6_000  # whole batches, committed
