"""End to end: what a check keeps of its fetches (captures), on a loopback site."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from tests.support.site import NewsSite
from tracker.store import captures
from tracker.store.models import Article, Capture, CaptureDictionary, Version


def test_a_new_version_keeps_its_fetch_and_the_one_that_confirmed_it(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story("jsonld")
    tracker = make_tracker(db_url, sources=[{"name": "sim", "urls": [site.url(story.path)]}])
    assert tracker.cycle() == {"new_version": 1}
    story.paragraphs.append("A correction was appended by the desk.")
    assert tracker.cycle() == {"new_version": 1}
    with tracker.session() as session:
        article = session.scalar(select(Article).where(Article.url == site.url(story.path)))
        assert article is not None
        kept = captures.of_article(session, article.id)
        numbers = [(capture.role, capture.version_number) for capture in kept]
        assert ("version", 1) in numbers and ("version", 2) in numbers
        assert ("confirm", 2) in numbers, "the edit was confirmed by a second fetch, kept too"
        last = next(capture for capture in kept if capture.role == "version" and capture.version_number == 2)
        body = captures.body(last)
        assert body is not None and b"A correction was appended by the desk." in body
        assert last.digest == hashlib.sha256(body).hexdigest() and last.size == len(body)
        assert last.status == 200 and last.http_version == "HTTP/1.1" and last.reason == "OK"
        assert last.peer == "127.0.0.1"
        sent = {name.lower(): value for name, value in last.request_headers or []}
        assert sent["host"] == site.url("/").split("/")[2] and "user-agent" in sent
        received = {name.lower() for name, _ in last.response_headers or []}
        assert "content-type" in received
        assert len(last.body or b"") < len(body) / 2, "the body is stored compressed"
        version = session.scalar(select(Version).where(Version.article_id == article.id, Version.number == 2))
        assert version is not None and version.extractor is not None
        assert set(version.extractor) == {"tracker", "trafilatura", "code", "rules"}


def test_a_run_trains_a_host_dictionary_and_later_captures_use_it(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    stories = [site.add_story("jsonld") for _ in range(captures.SAMPLES)]
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.feed("/feed.xml", stories)]}])
    assert tracker.cycle()["new_version"] == len(stories)  # the cycle's storage step trains after it
    later = site.add_story("jsonld")
    site.feed("/feed.xml", [*stories, later])
    stories[0].paragraphs.append("A correction was appended by the desk.")
    tracker.cycle()
    with tracker.session() as session:
        dictionary = session.scalar(select(CaptureDictionary))
        assert dictionary is not None and dictionary.samples == captures.SAMPLES
        new = session.scalar(select(Article).where(Article.url == site.url(later.path)))
        assert new is not None
        key = captures.of_version(session, new.id, 1)
        assert key is not None and key.codec == "zstd-dict" and key.dictionary_id == dictionary.id
        edited = session.scalar(select(Article).where(Article.url == site.url(stories[0].path)))
        assert edited is not None
        first, confirmed = captures.of_article(session, edited.id)[:2]
        assert (
            confirmed.role == "confirm" and confirmed.codec == "zstd-delta" and confirmed.base_id == first.id
        )
        edit = captures.of_version(session, edited.id, 2)
        assert edit is not None
        for capture in session.scalars(select(Capture)):
            content = captures.body(capture)
            assert content is not None and hashlib.sha256(content).hexdigest() == capture.digest
        assert b"A correction was appended by the desk." in (captures.body(edit) or b"")
