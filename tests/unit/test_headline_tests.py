"""Recognising headline tests from sightings (tracker.core.headline_tests), on a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.core.headline_tests import (
    SETTLE_CHECKS,
    WINDOW,
    Sighting,
    Streak,
    checks_to_settle,
    revealed,
    settled,
    shares,
    streak,
    substitute,
)

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def seen(text: str, first: int, last: int, count: int = 1) -> Sighting:
    return Sighting(text, T0 + first * HOUR, T0 + last * HOUR, count)


def test_two_headlines_seconds_apart_are_a_test() -> None:
    assert revealed([], ["A", "B"], T0) == {"A", "B"}
    assert revealed([seen("A", 0, 0)], ["B", "A", "A"], T0 + HOUR) == {"A", "B"}


def test_a_headline_that_comes_back_is_a_test_with_what_was_served_meanwhile() -> None:
    before = [seen("X", 0, 1), seen("A", 2, 3), seen("B", 4, 4)]
    assert revealed(before, ["A"], T0 + 5 * HOUR) == {"A", "B"}  # X was before: not a variant


def test_a_rewrite_is_not_a_test() -> None:
    assert revealed([seen("A", 0, 3)], ["B"], T0 + 4 * HOUR) == frozenset()
    assert revealed([seen("A", 0, 3), seen("B", 4, 5)], ["B"], T0 + 6 * HOUR) == frozenset()


def test_a_headline_back_after_the_window_is_a_rewrite() -> None:
    before = [seen("A", 0, 1), seen("B", 2, 3)]
    assert revealed(before, ["A"], T0 + HOUR + WINDOW + HOUR) == frozenset()
    assert revealed(before, ["A"], T0 + HOUR + WINDOW) == {"A", "B"}


def test_drawing_a_known_variant_compares_as_the_shown_headline() -> None:
    assert substitute("B", "A", {"A", "B"}) == "A"
    assert substitute("C", "A", {"A", "B"}) == "C"  # never served before: a rewrite
    assert substitute("B", "A", ()) == "B"


def test_a_streak_counts_checks_serving_one_headline_alone() -> None:
    s = streak(Streak(), ["A"], T0, {"A": 3, "B": 2})
    s = streak(s, ["A", "A"], T0 + HOUR, {"A": 4, "B": 2})
    assert s == Streak("A", 2, T0, base=3)  # what the test served of A before the streak
    assert streak(s, ["A", "B"], T0 + 2 * HOUR) == Streak()
    assert streak(s, ["B"], T0 + 2 * HOUR) == Streak("B", 1, T0 + 2 * HOUR)
    assert streak(s, [], T0 + 2 * HOUR) == s  # no page: the streak stands


def test_a_test_settles_after_six_checks_over_two_hours() -> None:
    sightings = [seen("A", 0, 9, 10), seen("B", 0, 3, 4 + 6)]  # B served alone by the last six
    variants = {"A", "B"}
    assert settled(Streak("B", 6, T0 + 4 * HOUR, base=4), sightings, variants, T0 + 6 * HOUR)
    assert not settled(Streak("B", 5, T0 + 4 * HOUR, base=4), sightings, variants, T0 + 6 * HOUR)
    assert not settled(Streak("B", 6, T0 + 4 * HOUR, base=4), sightings, variants, T0 + 5 * HOUR)  # 1 h


def test_a_rare_variant_needs_a_longer_streak() -> None:
    assert checks_to_settle(0.5) == SETTLE_CHECKS + 1  # 0.5**7 < 1%
    assert checks_to_settle(0.1) == 44
    assert checks_to_settle(0.0) == SETTLE_CHECKS
    sightings = [seen("A", 0, 20, 90 + 10), seen("B", 0, 10, 10)]
    assert not settled(Streak("A", 10, T0, base=90), sightings, {"A", "B"}, T0 + 20 * HOUR)
    longer = [seen("A", 0, 9, 90 + 2 * 44), seen("B", 0, 9, 10)]  # a streak's checks fetch twice: no matter
    assert settled(Streak("A", 44, T0, base=90), longer, {"A", "B"}, T0 + 50 * HOUR)


def test_shares_list_the_variants_most_served_first() -> None:
    listed = shares([seen("A", 0, 2, 1), seen("B", 1, 3, 3), seen("X", 0, 0, 9)], {"A", "B"})
    assert [(v["text"], v["share"]) for v in listed] == [("B", 0.75), ("A", 0.25)]
    assert listed[0]["first_seen"] == (T0 + HOUR).isoformat()
