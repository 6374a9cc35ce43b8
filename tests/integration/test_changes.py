"""What counts as a change (issue 3), one behaviour at a time, on real databases."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.support.site import INTERSTITIALS, NewsSite
from tracker.read import history
from tracker.store.models import (
    Article,
    ArticleStatus,
    ArticleUrl,
    Check,
    Event,
    Revision,
    Version,
    VolatileText,
)


def rows(tracker, model, *where):  # type: ignore[no-untyped-def]
    with tracker.session() as session:
        return list(session.scalars(select(model).where(*where)))


def last_outcome(tracker, url: str) -> tuple[str, str | None]:  # type: ignore[no-untyped-def]
    with tracker.session() as session:
        article_id = session.scalar(select(ArticleUrl.article_id).where(ArticleUrl.url == url))
        check = session.scalars(
            select(Check).where(Check.article_id == article_id).order_by(Check.id.desc())
        ).first()
        assert check is not None
        return check.outcome, check.error_message


@pytest.mark.parametrize("kind", [*INTERSTITIALS, "truncated"])
def test_bad_pages_never_become_versions_and_cause_no_flip_flop(
    site: NewsSite, make_tracker, db_url: str, kind: str
) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story("inline")
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(story.path)]}])
    assert tracker.cycle() == {"new_version": 1}
    site.flaky[story.path] = [kind]
    assert tracker.cycle() == {"soft_error": 1}
    assert tracker.cycle() == {"unchanged": 1}
    assert len(rows(tracker, Version)) == 1
    assert rows(tracker, Revision) == []


def test_a_bad_confirming_fetch_stores_nothing(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story()
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(story.path)]}])
    tracker.cycle()
    story.headline = "A headline the desk rewrote"
    site.flaky[story.path] = ["ok", "challenge"]  # the first fetch is fine, the confirmation is not
    assert tracker.cycle() == {"soft_error": 1}
    outcome, message = last_outcome(tracker, site.url(story.path))
    assert outcome == "soft_error"
    assert message is not None and message.startswith("the confirming fetch failed")
    assert tracker.cycle() == {"new_version": 1}
    [revision] = rows(tracker, Revision)
    assert revision.changed == ["headline"]


def test_a_collapsed_body_is_a_soft_error(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story(paragraphs=8)
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(story.path)]}])
    tracker.cycle()
    full = list(story.paragraphs)
    story.paragraphs = full[:1]
    assert tracker.cycle() == {"soft_error": 1}
    assert "collapsed" in (last_outcome(tracker, site.url(story.path))[1] or "")
    story.paragraphs = full
    assert tracker.cycle() == {"unchanged": 1}


def test_volatile_text_no_pattern_knows_is_learned_per_host(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story("sneaky") for _ in range(4)]
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.feed()]}])
    assert tracker.cycle() == {"new_version": 4}
    for _ in range(3):
        assert tracker.cycle() == {"unchanged": 4}
    learned = {row.shape for row in rows(tracker, VolatileText)}
    assert "label:also read:" in learned and "label:quote of the day:" in learned
    assert any(shape.startswith("last refreshed at #") for shape in learned)
    for version in rows(tracker, Version):
        assert "Last refreshed" not in version.body and "Quote of the day" not in version.body
    del stories


def test_a_moved_story_keeps_one_history(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story(slug="harbour-vote-a4242")
    feed = site.feed()
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [feed]}])
    tracker.cycle()
    site.move(story, "harbour-vote-delayed-again-a4242")
    story.headline = "Harbour vote delayed again"
    # both URLs are checked: the new one from the feed, the old one through its 301
    assert tracker.cycle() == {"new_version": 1, "unchanged": 1}
    [article] = rows(tracker, Article)
    urls = {url.url for url in rows(tracker, ArticleUrl)}
    assert urls == {site.url("/news/harbour-vote-a4242"), site.url("/news/harbour-vote-delayed-again-a4242")}
    assert [v.number for v in rows(tracker, Version)] == [1, 2]
    assert [r.changed for r in rows(tracker, Revision)] == [["headline"]]
    assert [e.kind for e in rows(tracker, Event)] == ["merged"]
    del article


def test_two_histories_of_one_story_are_joined_when_the_old_url_redirects(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """No id to tie them: the new URL was tracked on its own (the old one still answered
    200 that cycle); once the old URL answers 301 to it, the two are one history, in
    order, the page seen under both stored once, the old revision kept as it was."""
    story = site.add_story("meta", slug="harbour-vote", headline="Harbour vote")
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.feed()]}])
    tracker.cycle()
    story.paragraphs.append("The council will meet again on Friday to settle the harbour's fees.")
    assert tracker.cycle() == {"new_version": 1}
    [kept] = rows(tracker, Revision)
    old_path = story.path
    site.move(story, "harbour-vote-delayed-again")
    story.headline = "Harbour vote delayed again"
    del site.moved[old_path]  # one more cycle the old URL shows the old page
    site.stories[old_path] = dataclasses.replace(story, headline="Harbour vote", slug="harbour-vote")
    assert tracker.cycle() == {"new_version": 1, "unchanged": 1}
    assert len(rows(tracker, Article)) == 2  # split, for now
    del site.stories[old_path]
    site.moved[old_path] = story.path
    tracker.cycle()
    [article] = rows(tracker, Article)
    assert article.url == site.url(old_path)
    versions = sorted(rows(tracker, Version), key=lambda v: v.number)
    assert [v.number for v in versions] == [1, 2, 3]
    assert [v.headline for v in versions] == ["Harbour vote", "Harbour vote", "Harbour vote delayed again"]
    revisions = sorted(rows(tracker, Revision), key=lambda r: r.to_number)
    assert [r.changed for r in revisions] == [["body"], ["headline"]]
    assert revisions[0].id == kept.id and revisions[0].detected_at == kept.detected_at
    [merged] = [e for e in rows(tracker, Event) if e.kind == "merged"]
    assert merged.detail["url"] == site.url(story.path) and merged.detail["versions"] == 3
    assert {u.url for u in rows(tracker, ArticleUrl)} == {site.url(old_path), site.url(story.path)}


def test_withdrawn_story_is_marked_gone_then_restored(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story()
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(story.path)]}])
    tracker.cycle()
    site.withdraw(story, 410)
    assert tracker.cycle() == {"gone": 1}
    assert rows(tracker, Article)[0].status == ArticleStatus.ACTIVE  # one 410 is not enough
    assert tracker.cycle() == {"gone": 1}
    [article] = rows(tracker, Article)
    assert article.status == ArticleStatus.GONE
    assert article.next_check_at is not None  # still looked at, now and then
    with tracker.session() as session:
        [exported] = list(history.export(session))
    assert exported["status"] == "gone"
    assert [event["kind"] for event in exported["events"]] == ["gone"]
    assert exported["events"][0]["detail"] == {"http_status": 410}
    assert len(exported["versions"]) == 1
    del site.withdrawn[story.path]
    site.stories[story.path] = story
    assert tracker.cycle(every_active=False) == {}  # not due yet: gone articles are re-checked daily
    with tracker.session() as session, session.begin():
        session.get(Article, article.id).next_check_at = datetime.now(UTC)  # type: ignore[union-attr]
    assert tracker.cycle(every_active=False) == {"unchanged": 1}
    assert rows(tracker, Article)[0].status == ArticleStatus.ACTIVE
    assert [e.kind for e in rows(tracker, Event)] == ["gone", "restored"]
    assert len(rows(tracker, Version)) == 1


@pytest.mark.parametrize(
    ("edit", "kinds"),
    [
        (
            lambda s: setattr(s, "headline", "Quietly rewritten"),
            ["headline", "rewording", "deletion", "silent"],
        ),
        (lambda s: s.paragraphs.append("A new closing paragraph."), ["addition", "silent"]),
        (lambda s: setattr(s, "updated_at", datetime(2026, 11, 28, 12, 0, tzinfo=UTC)), ["timestamp-only"]),
        (
            lambda s: (
                s.paragraphs.append("Correction: the vote is on Monday."),
                setattr(s, "updated_at", datetime(2026, 11, 28, 12, 0, tzinfo=UTC)),
            ),
            ["addition", "correction"],
        ),
    ],
    ids=["silent-headline", "silent-body", "timestamp-only", "declared-update"],
)
def test_revision_kinds_flag_silent_edits(site: NewsSite, make_tracker, db_url: str, edit, kinds) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story("jsonld")
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(story.path)]}])
    tracker.cycle()
    edit(story)
    tracker.cycle()
    [revision] = rows(tracker, Revision)
    assert revision.kinds == kinds


def test_chrome_inside_the_article_container_is_not_an_edit(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story(template) for template in ("inline", "wordpress", "sneaky")]
    for _ in range(30):  # the rest of the site: what its "More stories" and "Also read" boxes draw from
        site.add_story()
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.feed(stories=stories)]}])
    tracker.cycle()
    for _ in range(4):
        assert tracker.cycle() == {"unchanged": 3}
    with tracker.session() as session:
        versions = list(session.scalars(select(Version).order_by(Version.article_id)))
    for story, version in zip(stories, versions, strict=True):
        assert version.body.split("\n\n") == story.paragraphs
