"""What web archives say they hold (`tracker.core.mementos`) and where their captures go
in a history (`tracker.core.backfill`): pure, no network, no database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tracker.config import config_from_mapping
from tracker.core import mementos
from tracker.core.backfill import Found, Held, insertion, place
from tracker.core.mementos import MementoFormatError
from tracker.errors import ConfigError

# the shape of the Wayback Machine's TimeMap (web.archive.org/web/timemap/link/URL)
WEB = "https://web.archive.org/web"
STORY = "http://example.org/a,b;c"
IA_TIMEMAP = ",\n".join(
    [
        f'<{STORY}>; rel="original"',
        f'<{WEB}/timemap/link/{STORY}>; rel="self"; type="application/link-format"; '
        'from="Tue, 01 Dec 2026 10:00:00 GMT"',
        '<https://web.archive.org>; rel="timegate"',
        f'<{WEB}/20261201100000/{STORY}>; rel="first memento"; datetime="Tue, 01 Dec 2026 10:00:00 GMT"',
        f'<{WEB}/20261202110000/{STORY}>; rel="memento"; datetime="Wed, 02 Dec 2026 11:00:00 GMT"',
        f'<{WEB}/20261203120000/{STORY}>; rel="last memento"; datetime="Thu, 03 Dec 2026 12:00:00 GMT"',
    ]
)
# the shape of its CDX API (web.archive.org/cdx/search/cdx?url=URL&output=json)
IA_CDX = """[["urlkey","timestamp","original","mimetype","statuscode","digest","length"],
["org,example)/a", "20261201100000", "http://example.org/a", "text/html", "200", "AAA", "1200"],
["org,example)/a", "20261202110000", "http://example.org/a", "warc/revisit", "-", "AAA", "700"],
["org,example)/a", "20261202120000", "http://example.org/a", "text/html", "301", "BBB", "300"]]"""
# pywb's (/coll/cdx?url=URL&output=json): one object a line
PYWB_CDX = (
    '{"urlkey": "org,example)/a", "timestamp": "20261201100000", "url": "http://example.org/a", '
    '"mime": "text/html", "status": "200", "digest": "sha1:AAA", "length": "1200"}\n'
)
REPLAY = "https://web.archive.org/web/{timestamp}id_/{url}"


def test_a_timemap_lists_its_mementos_whatever_commas_and_semicolons_their_urls_hold() -> None:
    found = mementos.timemap(IA_TIMEMAP, "http://example.org/a,b;c")
    assert [m.url for m in found] == [
        "https://web.archive.org/web/20261201100000/http://example.org/a,b;c",
        "https://web.archive.org/web/20261202110000/http://example.org/a,b;c",
        "https://web.archive.org/web/20261203120000/http://example.org/a,b;c",
    ]
    assert found[1].at == datetime(2026, 12, 2, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        '<http://a>; rel="memento"; datetime="Tue, 01 Dec 2026 10:00:00 GMT" <http://b>',
        '<http://a; rel="memento"',
        '<http://a>; rel="memento; datetime="x"',
        "<html><body>Too many requests</body></html>",
        '<http://a>; rel="memento"',  # a memento without its time
    ],
)
def test_what_is_not_a_timemap_is_an_error_not_an_empty_list(text: str) -> None:
    with pytest.raises(MementoFormatError):
        mementos.timemap(text, "http://a")


def test_cdx_rows_of_the_wayback_machine_and_of_pywb() -> None:
    ia = mementos.cdx_rows(IA_CDX, REPLAY)
    assert [(m.url, m.status, m.digest, m.revisit) for m in ia] == [
        ("https://web.archive.org/web/20261201100000id_/http://example.org/a", 200, "AAA", False),
        ("https://web.archive.org/web/20261202110000id_/http://example.org/a", None, "AAA", True),
        ("https://web.archive.org/web/20261202120000id_/http://example.org/a", 301, "BBB", False),
    ]
    (pywb,) = mementos.cdx_rows(PYWB_CDX, "http://127.0.0.1:9/coll/{timestamp}id_/{url}")
    assert pywb.at == datetime(2026, 12, 1, 10, tzinfo=UTC) and pywb.original == "http://example.org/a"
    assert mementos.cdx_rows("", REPLAY) == []
    with pytest.raises(MementoFormatError):
        mementos.cdx_rows("<html>rate limited</html>", REPLAY)


def test_a_memento_url_in_its_original_form_and_what_it_is_of() -> None:
    url = "https://web.archive.org/web/20261201100000/http://example.org/a?x=1"
    assert (
        mementos.original_form(url)
        == "https://web.archive.org/web/20261201100000id_/http://example.org/a?x=1"
    )
    banner = "https://web.archive.org/web/20261201100000im_/http://example.org/a"
    assert mementos.original_form(banner).endswith("/20261201100000id_/http://example.org/a")
    assert mementos.original_of(url) == "http://example.org/a?x=1"
    at = mementos.memento_time(url, {"memento-datetime": "Tue, 01 Dec 2026 10:00:07 GMT"})
    assert at == datetime(2026, 12, 1, 10, 0, 7, tzinfo=UTC)
    assert mementos.memento_time(url, {}) == datetime(2026, 12, 1, 10, tzinfo=UTC)


T0 = datetime(2026, 12, 1, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_captures_before_the_first_version_come_first_and_identical_ones_collapse() -> None:
    held = [Held(10, 1, at(10), "e", 300), Held(20, 2, at(20), "f", 300)]
    found = [
        Found(1, at(1), "a", 300),
        Found(2, at(2), "a", 300),  # the same as the one before: an archive took it twice
        Found(3, at(3), "b", 300),
        Found(4, at(4), "e", 300),  # tracker's first version, seen earlier: gives way to it
        Found(5, at(15), "x", 300),  # between tracker's versions: an edit its checks missed
        Found(6, at(25), "y", 300),  # after tracker's latest: its own checks see that
    ]
    placement = place(held, found)
    assert placement.order == (("found", 1), ("found", 3), ("held", 10), ("found", 5), ("held", 20))
    assert dict(placement.skipped) == {
        2: "the same as the version before",
        4: "the same as the version after",
        6: "not before the latest version",
    }


def test_a_capture_whose_text_collapsed_is_no_version_and_its_neighbours_settle_again() -> None:
    held = [Held(10, 1, at(10), "c", 400)]
    found = [Found(1, at(1), "a", 400), Found(2, at(2), "teaser", 30), Found(3, at(3), "a", 400)]
    placement = place(held, found)
    assert placement.order == (("found", 1), ("held", 10))
    assert dict(placement.skipped) == {2: "the article's text collapsed", 3: "the same as the version before"}


@dataclass(frozen=True)
class Rev:
    id: int
    article_id: int
    from_number: int
    to_number: int


def test_revisions_between_held_neighbours_are_kept_and_one_leading_past_a_capture_keeps_its_id() -> None:
    held = [Held(10, 1, at(10), "a", 1), Held(20, 2, at(20), "b", 1), Held(30, 3, at(30), "c", 1)]
    revisions = [Rev(102, 1, 1, 2), Rev(103, 1, 2, 3)]
    plan = insertion([7, 10, 20, 8, 30], held, revisions)
    steps = [(s.older, s.newer, s.revision_id, s.recompute) for s in plan.steps]
    assert steps == [(7, 10, None, True), (10, 20, 102, False), (20, 8, None, True), (8, 30, 103, True)]
    assert plan.numbers() == {7: 1, 10: 2, 20: 3, 8: 4, 30: 5} and plan.dropped == ()


def test_neighbours_a_hash_apart_with_no_field_different_are_one_version() -> None:
    """A check's rule: `same` may say two hashes are one version (a time to the minute)."""
    held = [Held(10, 1, at(10), "b", 300)]
    found = [Found(1, at(1), "a", 300), Found(2, at(2), "a-to-the-second", 300)]
    alike = {frozenset({"a", "a-to-the-second"})}
    placement = place(
        held,
        found,
        same=lambda x, y: x.content_hash == y.content_hash or {x.content_hash, y.content_hash} in alike,
    )
    assert placement.order == (("found", 1), ("held", 10))
    assert dict(placement.skipped) == {2: "the same as the version before"}


@pytest.mark.parametrize(
    ("archives", "error"),
    [
        (
            [{"name": "ia", "timemap": "https://a.example/timemap/link/{url}"}] * 2,
            "archive names must be unique: ia",
        ),
        ([{"name": "x", "timemap": "https://a.example/tm"}], "must hold {url} once"),
        ([{"name": "x", "timemap": "ftp://a.example/{url}"}], "is not an http(s) URL template"),
        (
            [{"name": "x", "timemap": "https://a/{url}", "replay": "https://a/{url}"}],
            "must hold {timestamp} and {url}",
        ),
        ([{"name": "x y", "timemap": "https://a/{url}"}], "archives.0.name: an archive name uses letters"),
        ([{"name": "x", "timemap": "https://a/{url}", "api_key": "k"}], "archives.0.api_key: unknown key"),
        ([{"timemap": "https://a/{url}"}], "archives.0.name: Field required"),
    ],
)
def test_an_archives_entry_that_cannot_work_is_named_with_why(archives: list[object], error: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(error)):
        config_from_mapping({"archives": archives})


def test_without_archives_the_internet_archive_is_asked_at_its_published_pace() -> None:
    (ia,) = config_from_mapping({}).archives
    assert (ia.name, ia.delay) == ("ia", timedelta(seconds=2.5))
    assert ia.replay_template() == "https://web.archive.org/web/{timestamp}id_/{url}"
    assert config_from_mapping({"archives": []}).archives == ()


def test_versions_an_earlier_backfill_recovered_do_not_bound_what_comes_after() -> None:
    """Only tracker's own latest version bounds the captures: one after a recovered
    version (and before tracker's first) is placed."""
    recovered = [Held(10, 1, at(1), "a", 300, own=False)]  # no version of tracker's own yet
    placement = place(recovered, [Found(1, at(5), "b", 300)])
    assert placement.order == (("held", 10), ("found", 1)) and placement.skipped == ()
    held = [*recovered, Held(20, 2, at(10), "c", 300)]
    placement = place(held, [Found(1, at(5), "b", 300), Found(2, at(12), "d", 300)])
    assert placement.order == (("held", 10), ("found", 1), ("held", 20))
    assert dict(placement.skipped) == {2: "not before the latest version"}
