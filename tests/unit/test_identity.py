"""Which story a page is: the keys beyond its URL that say a new URL is an article
tracked already (its canonical URL, its publisher's id, the id in its path)."""

from __future__ import annotations

import pytest

from tracker.extraction.extract import Extraction
from tracker.extraction.identity import identity_keys, path_id


def page(canonical: str | None = None, publisher_id: str | None = None) -> Extraction:
    return Extraction(
        "Council votes to close the river road",
        "Ana Lima",
        ("The council met on Monday.",),
        None,
        None,
        canonical_url=canonical,
        publisher_id=publisher_id,
    )


def test_a_page_declaring_everything_has_every_key_scoped_to_its_site() -> None:
    url = "https://www.daily.example/politics/1234567/council-votes"
    found = page("https://daily.example/politics/1234567/council-votes-to-close", "A-998")
    assert identity_keys(found, url) == (
        "canonical:https://daily.example/politics/1234567/council-votes-to-close",
        "id:daily.example:A-998",
        "path-id:daily.example:1234567",  # in both URLs: once
    )


def test_a_story_moved_to_a_new_slug_keeps_its_keys_and_another_story_shares_none() -> None:
    before = identity_keys(page(), "https://daily.example/politics/1234567/council-votes-to-close-the-road")
    after = identity_keys(page(), "https://daily.example/politics/1234567/council-delays-the-vote")
    other = identity_keys(page(), "https://daily.example/politics/7654321/council-votes-to-close-the-road")
    assert before == after == ("path-id:daily.example:1234567",)
    assert not set(before) & set(other)


def test_the_same_id_on_another_site_is_another_story() -> None:
    ours = identity_keys(page(publisher_id="998"), "https://daily.example/a/story-1234567")
    theirs = identity_keys(page(publisher_id="998"), "https://weekly.example/a/story-1234567")
    assert not set(ours) & set(theirs)


def test_a_canonical_url_elsewhere_or_at_the_home_page_says_nothing() -> None:
    url = "https://daily.example/news/floods"
    assert identity_keys(page("https://syndicator.example/news/floods-1234567"), url) == ()
    assert identity_keys(page("https://daily.example/"), url) == ()
    assert identity_keys(page("https://daily.example/news/floods-again"), url) == (
        "canonical:https://daily.example/news/floods-again",
    )


def test_the_id_in_a_canonical_url_counts_when_the_page_url_has_none() -> None:
    keys = identity_keys(
        page("https://daily.example/news/floods-12345678"), "https://daily.example/news/floods"
    )
    assert keys == ("canonical:https://daily.example/news/floods-12345678", "path-id:daily.example:12345678")
    elsewhere = identity_keys(page("https://other.example/news/floods-12345678"), "https://daily.example/x")
    assert elsewhere == ()


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("https://x.example/politics/1234567/council-votes-to-close-the-road.html", "1234567"),
        ("https://x.example/politics/1234567/council-delays-the-vote.html", "1234567"),
        ("https://x.example/news/world-europe-12345678", "12345678"),
        ("https://x.example/news/story-150-a1150", "a1150"),
        ("https://x.example/article/idUSKBN2X1234/", "iduskbn2x1234"),
        ("https://x.example/p/5f3a9c2e1b7d/a-slug", "5f3a9c2e1b7d"),
        ("https://x.example/2026/11/30/floods", None),  # a date is no id
        ("https://x.example/20261130/floods", None),
        ("https://x.example/a/election-2026", None),  # nor a year
        ("https://x.example/news/2024elections/a-slug", None),  # nor a section named with one
        ("https://x.example/", None),
    ],
)
def test_the_id_in_a_path_wherever_it_stands(url: str, found: str | None) -> None:
    assert path_id(url) == found
