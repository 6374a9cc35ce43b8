"""The pure core: normalize, diff, policy, URLs, durations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.support.contents import T0, article
from tracker.config import ScheduleConfig, parse_duration
from tracker.core.diff import compare, diff_words
from tracker.core.normalize import clean_text, make_content
from tracker.core.policy import next_check_at
from tracker.core.urls import normalize_url
from tracker.errors import FetchError

content = article("Storm hits coast", ["First paragraph here.", "Second paragraph here.", "Third one."])


def test_whitespace_invisible_characters_and_chrome_lines_do_not_change_the_hash() -> None:
    plain = content()
    noisy = content(
        headline="  Storm\u00a0hits   coast\u200b ",
        paragraphs=[
            "First paragraph\nhere.",
            "Advertisement",
            "Second paragraph here.",
            "26 minutes ago",
            "Third one.",
            "Updated 3 hours ago",
        ],
    )
    assert noisy == plain
    assert noisy.content_hash == plain.content_hash


def test_offsets_become_utc_and_the_hash_ignores_how_a_time_was_written() -> None:
    cet = timezone(timedelta(hours=1))
    assert (
        content(published_at=datetime(2026, 11, 28, 13, 0, tzinfo=cet)).content_hash == content().content_hash
    )
    assert content(published_at=T0 + timedelta(minutes=1)).content_hash != content().content_hash


def test_clean_text_keeps_words() -> None:
    assert clean_text(" Café\u00adau\u2009lait\n ") == "Caféau lait"


def test_compare_names_exactly_the_changed_fields() -> None:
    old = content()
    new = content(headline="Storm batters coast", updated_at=T0 + timedelta(hours=1))
    changes = compare(old, new)
    assert changes.changed == ("headline", "updated_at")
    assert changes.field_changes == (
        {"field": "headline", "kind": "changed", "old": "Storm hits coast", "new": "Storm batters coast"},
        {"field": "updated_at", "kind": "added", "old": None, "new": "2026-11-28T13:00:00+00:00"},
    )
    assert changes.body_diff == ()
    assert not changes.trivial


def test_body_diff_inserts_deletes_and_rewords() -> None:
    old = content()
    new = content(
        paragraphs=[
            "First paragraph here.",
            "Second paragraph was reworded.",
            "Third one.",
            "A fourth paragraph.",
        ]
    )
    changes = compare(old, new)
    assert changes.changed == ("body",)
    ops = [op["op"] for op in changes.body_diff]
    assert ops == ["equal", "change", "equal", "insert"]
    change = changes.body_diff[1]
    assert change["words"] == [["=", "Second paragraph "], ["-", "here"], ["+", "was reworded"], ["=", "."]]
    assert changes.stats == {
        "chars_added": 31,
        "chars_removed": 4,
        "words_added": 5,
        "words_removed": 1,
        "paragraphs_added": 1,
        "paragraphs_removed": 0,
        "paragraphs_changed": 1,
        "paragraphs_moved": 0,
    }


def test_punctuation_only_change_is_trivial() -> None:
    changes = compare(
        content(), content(paragraphs=["First paragraph here!", "Second paragraph here.", "Third one."])
    )
    assert changes.changed == ("body",) and changes.trivial


def test_diff_words_marks_added_and_removed() -> None:
    assert diff_words("the cat sat", "the dog sat") == [
        ["=", "the "],
        ["-", "cat"],
        ["+", "dog"],
        ["=", " sat"],
    ]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("About 40,000 homes lost power.", "Some 40,500 homes  lost power!"),
        ("Correction: the minister said", "The minister said, on Friday:"),
        ("", "Entirely new text."),
        ("Gone text.", ""),
    ],
)
def test_diff_words_ops_give_back_both_texts(old: str, new: str) -> None:
    ops = diff_words(old, new)
    assert "".join(text for tag, text in ops if tag in "=-") == old
    assert "".join(text for tag, text in ops if tag in "=+") == new


def test_policy_front_loads_then_backs_off_then_retires() -> None:
    schedule = ScheduleConfig()

    def interval(age: timedelta, **kw):  # type: ignore[no-untyped-def]
        due = next_check_at(
            schedule,
            now=T0 + age,
            born_at=T0,
            last_changed_at=kw.get("changed"),
            consecutive_failures=kw.get("failures", 0),
        )
        return None if due is None else due - (T0 + age)

    assert interval(timedelta(minutes=30)) == timedelta(minutes=10)
    assert interval(timedelta(hours=5)) == timedelta(hours=1)
    assert interval(timedelta(days=3)) == timedelta(hours=6)
    assert interval(timedelta(days=10)) == timedelta(days=1)
    assert interval(timedelta(days=31)) is None
    assert interval(timedelta(days=3), changed=T0 + timedelta(days=3) - timedelta(minutes=5)) == timedelta(
        minutes=10
    )
    assert interval(timedelta(minutes=30), failures=3) == timedelta(minutes=80)
    assert interval(timedelta(days=10), failures=10) == timedelta(days=1)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://Example.org/World/Story-1?utm_source=rss&utm_medium=x",
            "https://example.org/World/Story-1",
        ),
        ("https://example.org/a?fbclid=1&gclid=2&id=5#comments", "https://example.org/a?id=5"),
        ("http://example.org:80/a?b=2&a=1", "http://example.org/a?a=1&b=2"),
        ("/news/x", "https://example.org/news/x"),
    ],
)
def test_normalize_url(url: str, expected: str) -> None:
    assert normalize_url(url, "https://example.org/") == expected


@pytest.mark.parametrize("url", ["ftp://example.org/x", "mailto:a@b.c", "javascript:alert(1)", "https://"])
def test_normalize_url_refuses_what_is_not_http(url: str) -> None:
    with pytest.raises(FetchError):
        normalize_url(url)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("15m", 900), ("6h", 21600), ("7d", 604800), ("500ms", 0.5), (90, 90), ("1.5h", 5400)],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize("text", ["soon", "5 parsecs", "", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_control_characters_never_reach_stored_text() -> None:
    from tracker.core.normalize import clean_text

    assert clean_text("Ana\x1b[31m Lima\x07\x00 and\x85 Ben\x7f") == "Ana[31m Lima and Ben"
    assert clean_text("tab\tand\nnewline") == "tab and newline"


def test_terminal_output_shows_control_characters_instead_of_obeying_them() -> None:
    from tracker.cli.common import shown

    assert shown("Breaking\x1b[2J\x1b]0;owned\x07 news\r\nfake row\x9b") == (
        "Breaking\\x1b[2J\\x1b]0;owned\\x07 news\\r\\nfake row\\x9b"
    )
    assert shown("Café – «naïve» 東京") == "Café – «naïve» 東京"


def test_stored_fields_are_capped_at_documented_lengths() -> None:
    from tracker.core.normalize import BYLINE_MAX, HEADLINE_MAX, PARAGRAPH_MAX, PARAGRAPHS_MAX

    huge = make_content(
        headline="word " * 200_001,  # 1,000,005 characters
        byline="Ana " * 1000,
        paragraphs=["x" * 50_000, *(f"The council met on day {n} and voted again." for n in range(3000))],
        published_at=None,
        updated_at=None,
    )
    assert (
        huge.headline is not None and len(huge.headline) <= HEADLINE_MAX and huge.headline.endswith("word…")
    )
    assert huge.byline is not None and len(huge.byline) <= BYLINE_MAX
    assert len(huge.body) == PARAGRAPHS_MAX and len(huge.body[0]) == PARAGRAPH_MAX
    plain = make_content(
        headline="A headline", byline=None, paragraphs=["One."], published_at=None, updated_at=None
    )
    assert plain.headline == "A headline" and plain.body == ("One.",)
