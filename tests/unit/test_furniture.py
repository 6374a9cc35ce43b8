"""The template rule (`tracker.core.furniture`), pure: sightings of a body, when
counts make a line the template's, one-line changes. Fake data, no database."""

from __future__ import annotations

from typing import Any

from tracker.core.furniture import (
    RULE,
    OneLine,
    Rule,
    Sighting,
    could_be_furniture,
    one_line_change,
    sightings,
)


def test_a_body_shows_its_short_lines_at_both_places_and_never_a_sentence_or_an_editors_label() -> None:
    body = (
        "Published",
        "The story opens with its own words, as every story does, at length.",
        "Correction: the date was wrong",
        "Related topics",
    )
    assert sightings(body) == (
        Sighting("Published", 0),
        Sighting("Published", -4),
        Sighting("Related topics", 3),
        Sighting("Related topics", -1),
    )
    assert not could_be_furniture("Editor's note")
    assert not could_be_furniture("It rained.")
    assert not could_be_furniture("seven words are too many for a line")


def test_a_line_on_enough_stories_and_of_the_hosts_first_versions_is_furniture() -> None:
    rule = Rule(stories=5, share=0.2, few=3, everywhere=0.8)
    assert rule.is_furniture(5, 25)  # in some captures only: a fifth of them
    assert not rule.is_furniture(5, 26)
    assert not rule.is_furniture(4, 6)  # too few stories, and not nearly everywhere
    assert rule.is_furniture(5, 6)


def test_a_host_with_few_stories_learns_the_line_that_stands_in_nearly_all() -> None:
    rule = Rule(stories=5, share=0.2, few=3, everywhere=0.8)
    assert rule.is_furniture(3, 3) and rule.is_furniture(4, 4)
    assert not rule.is_furniture(3, 4)  # one story of four lacks it
    assert not rule.is_furniture(2, 2)  # two stories say nothing of a template
    assert RULE.is_furniture(4, 4)


def test_the_rule_is_a_value() -> None:
    assert Rule() == RULE and hash(Rule()) == hash(RULE)
    assert RULE.is_redesign(3) and not RULE.is_redesign(2)


def _insert(text: str) -> tuple[Any, ...]:
    return (
        {"op": "equal", "old": [0, 3], "new": [0, 3]},
        {"op": "insert", "old": [3, 3], "new": [3, 4], "text": [text]},
    )


def test_a_one_line_change_is_a_short_line_gained_or_lost_and_nothing_else() -> None:
    assert one_line_change(("body",), _insert("Supported by")) == OneLine("Supported by", True)
    removed = ({"op": "delete", "old": [0, 1], "new": [0, 0], "text": ["Supported by"]},)
    assert one_line_change(("body",), removed) == OneLine("Supported by", False)  # type: ignore[arg-type]
    assert one_line_change(("headline", "body"), _insert("Supported by")) is None
    assert one_line_change(("body",), _insert("Correction: the date was wrong")) is None
    two = (*_insert("Supported by"), {"op": "insert", "old": [3, 3], "new": [4, 5], "text": ["More"]})
    assert one_line_change(("body",), two) is None
    changed = ({"op": "change", "old": [0, 1], "new": [0, 1], "words": []},)
    assert one_line_change(("body",), changed) is None  # type: ignore[arg-type]
