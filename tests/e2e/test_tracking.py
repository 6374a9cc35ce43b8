"""End to end: a feed on a loopback news site, real checks, real databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from tests.support.site import NewsSite, Response
from tracker.store.models import Article, Check, Outcome, Revision, Version


def versions(tracker, url: str) -> list[Version]:  # type: ignore[no-untyped-def]
    with tracker.session() as session:
        article = session.scalar(select(Article).where(Article.url == url))
        assert article is not None, f"{url} is not tracked"
        return list(
            session.scalars(select(Version).where(Version.article_id == article.id).order_by(Version.number))
        )


def revisions(tracker, url: str) -> list[Revision]:  # type: ignore[no-untyped-def]
    with tracker.session() as session:
        article = session.scalar(select(Article).where(Article.url == url))
        assert article is not None
        return list(
            session.scalars(
                select(Revision).where(Revision.article_id == article.id).order_by(Revision.to_number)
            )
        )


def last_check(tracker, url: str) -> Check:  # type: ignore[no-untyped-def]
    with tracker.session() as session:
        article = session.scalar(select(Article).where(Article.url == url))
        assert article is not None
        return session.scalars(
            select(Check).where(Check.article_id == article.id).order_by(Check.id.desc())
        ).first()


@pytest.fixture
def tracked(site: NewsSite, make_tracker, db_url: str):  # type: ignore[no-untyped-def]
    """Three stories (one per template) in a feed, tracked through one cycle."""
    stories = [site.add_story(template) for template in ("jsonld", "meta", "time")]
    feed = site.feed()
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [feed]}])
    assert tracker.cycle() == {"new_version": 3}
    return site, tracker, stories


def test_feed_is_discovered_and_every_entry_tracked(tracked) -> None:  # type: ignore[no-untyped-def]
    site, tracker, stories = tracked
    for story in stories:
        url = site.url(story.path)
        [version] = versions(tracker, url)
        assert version.headline == story.headline
        assert version.body == "\n\n".join(story.paragraphs)
        assert version.published_at == story.published_at
        assert version.fetched_at.tzinfo is not None


def test_unchanged_pages_store_no_version_despite_chrome(tracked) -> None:  # type: ignore[no-untyped-def]
    site, tracker, stories = tracked
    assert tracker.cycle() == {"unchanged": 3}
    assert tracker.cycle() == {"unchanged": 3}
    for story in stories:
        assert len(versions(tracker, site.url(story.path))) == 1


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda s: setattr(s, "headline", s.headline + " as talks collapse"), ["headline"]),
        (lambda s: s.paragraphs.insert(2, "A new paragraph was added by the desk."), ["body"]),
        (lambda s: s.paragraphs.pop(3), ["body"]),
        (lambda s: setattr(s, "byline", ["Jane Doe", "Sam Roe"]), ["byline"]),
        (lambda s: setattr(s, "updated_at", datetime(2026, 11, 28, 9, 30, tzinfo=UTC)), ["updated_at"]),
    ],
    ids=["headline", "paragraph-added", "paragraph-removed", "byline", "timestamp-only"],
)
def test_each_edit_makes_one_version_and_a_revision_naming_it(tracked, edit, expected) -> None:  # type: ignore[no-untyped-def]
    site, tracker, stories = tracked
    story = stories[0]
    edit(story)
    assert tracker.cycle() == {"new_version": 1, "unchanged": 2}
    assert tracker.cycle() == {"unchanged": 3}
    url = site.url(story.path)
    assert [v.number for v in versions(tracker, url)] == [1, 2]
    [revision] = revisions(tracker, url)
    assert (revision.from_number, revision.to_number) == (1, 2)
    assert revision.changed == expected
    assert last_check(tracker, url).outcome == Outcome.UNCHANGED


def test_paragraph_insert_is_recorded_as_an_insert(tracked) -> None:  # type: ignore[no-untyped-def]
    site, tracker, stories = tracked
    stories[1].paragraphs.insert(1, "Correction: an earlier version misnamed the minister.")
    tracker.cycle()
    [revision] = revisions(tracker, site.url(stories[1].path))
    inserts = [op for op in revision.body_diff if op["op"] == "insert"]
    assert inserts == [
        {
            "op": "insert",
            "old": [1, 1],
            "new": [1, 2],
            "text": ["Correction: an earlier version misnamed the minister."],
        }
    ]
    assert revision.stats["paragraphs_added"] == 1
    assert revision.stats["words_added"] == 7  # Correction, an, earlier, version, misnamed, the, minister
    assert revision.field_changes == []


def test_headline_change_is_described_old_and_new(tracked) -> None:  # type: ignore[no-untyped-def]
    site, tracker, stories = tracked
    old = stories[2].headline
    stories[2].headline = "Minister resigns"
    tracker.cycle()
    [revision] = revisions(tracker, site.url(stories[2].path))
    assert revision.field_changes == [
        {"field": "headline", "kind": "changed", "old": old, "new": "Minister resigns"}
    ]


def test_failures_are_recorded_and_the_cycle_carries_on(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    good = site.add_story()
    bad = {
        "/news/missing": None,  # 404 from the site
        "/news/broken": lambda _r: Response(500, b"<h1>Internal error</h1>"),
        "/news/slow": lambda _r: Response(body=site.render(good).encode(), delay=5),
        "/news/empty": lambda _r: Response(body=b""),
        "/news/huge": lambda _r: Response(body=b"<p>" + b"x" * 3_000_000 + b"</p>"),
        "/news/cut": lambda _r: Response(body=site.render(good).encode(), truncate_to=2000),
        "/news/malformed": lambda _r: Response(body=b"<html><body><div><p>Unclosed <b>tags <i>every"),
        "/news/challenge": lambda _r: Response(
            body=b"<html><head><title>Just a moment...</title></head><body><h1>Checking your browser"
            b"</h1><p>Please enable JavaScript and cookies to continue.</p></body></html>"
        ),
    }
    for path, handler in bad.items():
        if handler:
            site.route(path, handler)
    tracker = make_tracker(
        db_url,
        fetch={"timeout": "1s"},
        sources=[{"name": "sim", "urls": [site.url(p) for p in [good.path, *bad]]}],
    )
    outcomes = tracker.cycle()
    assert outcomes == {"new_version": 1, "gone": 1, "error": 4, "soft_error": 3}
    kinds = {
        path: (last_check(tracker, site.url(path)).outcome, last_check(tracker, site.url(path)).error_kind)
        for path in bad
    }
    assert kinds == {
        "/news/missing": ("gone", "http_status"),
        "/news/broken": ("error", "http_status"),
        "/news/slow": ("error", "timeout"),
        "/news/empty": ("soft_error", "soft_error"),
        "/news/huge": ("error", "too_large"),
        "/news/cut": ("error", "truncated"),
        "/news/malformed": ("soft_error", "soft_error"),
        "/news/challenge": ("soft_error", "soft_error"),
    }
    with tracker.session() as session:
        assert session.scalar(select(func.count()).select_from(Version)) == 1
        assert session.scalar(select(func.count()).select_from(Check)) == 9
        http = dict(
            session.execute(
                select(Check.error_kind, Check.http_status).where(Check.error_kind == "http_status")
            ).all()
        )
    assert http == {"http_status": 500} or set(http.values()) <= {404, 500}


def test_redirect_is_followed_and_target_kept_as_alias(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story(slug="new-slug-a77")
    site.route("/news/old-slug-a77", lambda _r: Response(301, headers={"Location": story.path}))
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url("/news/old-slug-a77")]}])
    assert tracker.cycle() == {"new_version": 1}
    with tracker.session() as session:
        article = session.scalar(select(Article))
        assert article is not None
        assert {u.url for u in article.urls} == {site.url("/news/old-slug-a77"), site.url(story.path)}
    assert last_check(tracker, site.url("/news/old-slug-a77")).final_url == site.url(story.path)


def test_iso_8859_1_page_is_decoded(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """One page declares its charset in the header, the other only in <meta>."""
    for slug, header in (("latin-a5001", "text/html; charset=ISO-8859-1"), ("latin-meta-a5002", "text/html")):
        story = site.add_story(slug=slug, headline="Café owners in Zürich protest")
        story.paragraphs = [
            "Müller said the façade of the café would stay, à la française, for ten more years."
        ]
        latin = site.render(story).replace('charset="utf-8"', 'charset="iso-8859-1"').encode("iso-8859-1")
        site.route(
            story.path,
            lambda _r, body=latin, kind=header: Response(body=body, headers={"Content-Type": kind}),
        )
    urls = [site.url("/news/latin-a5001"), site.url("/news/latin-meta-a5002")]
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": urls}])
    assert tracker.cycle() == {"new_version": 2}
    for url in urls:
        [version] = versions(tracker, url)
        assert version.headline == "Café owners in Zürich protest"
        assert "façade" in version.body


def test_tracking_parameters_make_one_article(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story()
    urls = [
        site.url(story.path) + "?utm_source=x",
        site.url(story.path) + "?fbclid=abc&utm_medium=y",
        site.url(story.path),
    ]
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": urls}])
    assert tracker.cycle() == {"new_version": 1}
