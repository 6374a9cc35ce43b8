"""The quick look: an unchanged page is recognised without extraction; any editorial
change, and anything the look cannot vouch for, goes to full extraction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from tests.support.site import NewsSite, Story
from tracker.extraction import glance
from tracker.extraction.extract import SiteRules, extract
from tracker.store.models import Article, Check, Outcome, Version


def learned(site: NewsSite, story: Story) -> tuple[glance.Glance, str]:
    url = site.url(story.path)
    html = httpx.get(url).text
    look = glance.learn(html, extract(html, url).paragraphs, frozenset())
    assert look is not None
    return look, url


@pytest.mark.parametrize("template", ["jsonld", "meta", "time"])
def test_the_same_story_looks_the_same_through_fresh_chrome(site: NewsSite, template: str) -> None:
    story = site.add_story(template, paragraphs=6)
    look, url = learned(site, story)
    places = tuple(place for place in look.places if not place.startswith(glance.SKIP))
    assert places == ("/html/body/main/article[@class='story']/div[@class='story-body']",)
    for _ in range(3):  # each request brings a new nonce, clock, reader count and teasers
        assert glance.fingerprint(httpx.get(url).text, look.places, frozenset()) == look.fingerprint


def test_boxes_inside_the_article_that_change_on_every_request_are_outside_the_look(site: NewsSite) -> None:
    """The `inline` template puts a related box of other headlines (drawn afresh for each
    request), a newsletter form and a readers counter inside the article's container."""
    for _ in range(6):
        site.add_story("jsonld")  # other headlines for the related box
    story = site.add_story("inline", paragraphs=6)
    look, url = learned(site, story)
    assert any(place.startswith(glance.SKIP) and "related-links" in place for place in look.places)
    pages = [httpx.get(url).text for _ in range(4)]
    assert len({page.split('class="related-links"')[1][:400] for page in pages}) > 1, "the box must rotate"
    assert all(glance.fingerprint(page, look.places, frozenset()) == look.fingerprint for page in pages)
    story.paragraphs.insert(3, "A new paragraph was added by the desk between two others.")
    assert glance.fingerprint(httpx.get(url).text, look.places, frozenset()) != look.fingerprint


EDITS: list[tuple[str, Callable[[Story], None]]] = [
    ("headline", lambda s: setattr(s, "headline", s.headline + " as talks collapse")),
    ("paragraph-added", lambda s: s.paragraphs.insert(2, "A new paragraph was added by the desk.")),
    ("paragraph-removed", lambda s: s.paragraphs.pop(3)),
    ("paragraph-reworded", lambda s: s.paragraphs.__setitem__(1, s.paragraphs[1] + " Officials denied it.")),
    ("byline", lambda s: setattr(s, "byline", ["Jane Doe", "Sam Roe"])),
    ("updated", lambda s: setattr(s, "updated_at", datetime(2026, 11, 28, 9, 30, tzinfo=UTC))),
]


@pytest.mark.parametrize("template", ["jsonld", "meta", "time"])
@pytest.mark.parametrize(("name", "edit"), EDITS, ids=[name for name, _ in EDITS])
def test_every_editorial_change_changes_the_look(
    site: NewsSite, template: str, name: str, edit: Callable[[Story], None]
) -> None:
    story = site.add_story(template, paragraphs=6)
    look, url = learned(site, story)
    edit(story)
    assert glance.fingerprint(httpx.get(url).text, look.places, frozenset()) != look.fingerprint, name


def test_no_quick_look_when_extraction_would_need_trafilatura_metadata() -> None:
    page = "<html><head><title>A headline here</title></head><body><main><p>{}</p></main></body></html>"
    html = page.format("The council met on Monday and agreed the budget for next year.")
    assert (
        glance.learn(html, ("The council met on Monday and agreed the budget for next year.",), frozenset())
        is None
    )


def test_no_quick_look_for_a_site_whose_body_is_chosen_by_keep_rules(site: NewsSite) -> None:
    story = site.add_story("jsonld", paragraphs=4)
    look, url = learned(site, story)
    rules = SiteRules(keep=("div.story-body",))
    assert glance.fingerprint(httpx.get(url).text, look.places, frozenset(), rules) is None


def test_unchanged_checks_trust_the_look_and_every_nth_extracts_in_full(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story("jsonld", paragraphs=5)
    tracker = make_tracker(
        db_url,
        sources=[{"name": "sim", "feeds": [site.feed()]}],
        schedule={"full_extraction_every": 3},
    )
    url = site.url(story.path)

    def state() -> tuple[int, str | None]:
        with tracker.session() as session:
            article = session.scalars(select(Article).where(Article.url == url)).one()
            return article.quick_checks, article.look_fingerprint

    assert tracker.cycle() == {"new_version": 1}
    quick, fingerprint = state()
    assert (quick, fingerprint is not None) == (0, True)
    seen = []
    for _ in range(4):
        assert tracker.cycle() == {"unchanged": 1}
        seen.append(state()[0])
    assert seen == [1, 2, 0, 1]  # two quick looks, then a full extraction, then quick again
    story.paragraphs.append("Update: the council has now published its minutes.")
    assert tracker.cycle() == {"new_version": 1}  # seen by a quick look's mismatch
    with tracker.session() as session:
        article = session.scalars(select(Article).where(Article.url == url)).one()
        checks = session.scalars(select(Check).where(Check.article_id == article.id).order_by(Check.id)).all()
        versions = session.scalars(select(Version).where(Version.article_id == article.id)).all()
    assert [c.outcome for c in checks] == [Outcome.NEW_VERSION] + [Outcome.UNCHANGED] * 4 + [
        Outcome.NEW_VERSION
    ]
    assert [c.version_number for c in checks] == [1, 1, 1, 1, 1, 2]
    assert all(c.http_status == 200 and c.bytes and c.final_url == url for c in checks)
    assert versions[-1].body.endswith("published its minutes.")


def test_first_versions_on_a_calm_host_skip_most_confirming_fetches(
    site: NewsSite, make_tracker, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story("jsonld", paragraphs=4) for _ in range(40)]
    tracker = make_tracker(
        sqlite_url, sources=[{"name": "sim", "feeds": [site.feed()]}], schedule={"batch_size": 5}
    )
    assert tracker.cycle() == {"new_version": 40}
    pages = [site.hits.get(story.path, 0) for story in stories]
    assert pages[:20] == [2] * 20  # the first twenty: every first version confirmed
    assert 1 in pages[20:] and sum(pages) <= 2 * 40 - 5  # then most are not
    assert tracker.cycle() == {"unchanged": 40}
    with tracker.session() as session:
        bodies = session.scalars(select(Version.body).order_by(Version.article_id)).all()
    assert bodies == ["\n\n".join(story.paragraphs) for story in stories]
