"""Template sightings stored (`tracker.store.templates`), on SQLite and PostgreSQL: each
story counted once however often it is recorded, and the same answer from the same
counts whichever process recorded them."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.harness import Tracker, make_config
from tracker.core.furniture import OneLine, Rule
from tracker.pipeline.template import learn_first_versions
from tracker.store import repository, templates
from tracker.store.db import transaction

NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)
HOST = "news.example"


def body(story: int) -> tuple[str, ...]:
    return (
        "Published",
        f"Story {story} opens with its own words, as every story does, at length.",
        f"Background {story % 3}",  # a subheading some stories share, at no fixed place
        "Correction: an earlier version misstated the date",
        "Related topics" if story % 2 else f"The end of story {story}, in a sentence.",
    )


def test_each_story_counts_once_however_often_it_is_recorded(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    try:
        for _ in range(2):  # a check recorded twice, or by two workers
            with transaction(tracker.sessions) as session:
                templates.record_first_versions(session, HOST, {n: body(n) for n in range(4)}, NOW)
        with transaction(tracker.sessions) as session:
            assert templates.first_versions(session, [HOST, "other.example"]) == {
                HOST: 4,
                "other.example": 0,
            }
            lines = {line for n in range(4) for line in body(n)}
            assert templates.furniture(session, HOST, lines) == {"Published"}
            assert templates.furniture(session, "other.example", lines) == set()
    finally:
        tracker.close()


def test_halves_recorded_apart_teach_what_the_whole_does_and_never_a_correction(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    rule = Rule(stories=5, share=0.2, few=3, everywhere=0.8)
    try:
        learned: dict[str, str] = {}
        for half in (range(0, 8, 2), range(1, 8, 2)):  # two workers, one after the other
            with transaction(tracker.sessions) as session:
                learned |= learn_first_versions(session, HOST, {n: body(n) for n in half}, NOW, rule)
        with transaction(tracker.sessions) as session:
            assert templates.first_versions(session, [HOST]) == {HOST: 8}
            assert sorted(learned.values()) == ["published"]  # "Related topics" closes half: 4 < 5
            assert set(learned) <= repository.volatile_shapes(session, HOST)
            more = dict.fromkeys(range(8, 10), ("Text of a story.", "Related topics"))
            assert set(learn_first_versions(session, HOST, more, NOW, rule).values()) == {"related topics"}
            assert learn_first_versions(session, HOST, more, NOW, rule) == {}  # learned once
    finally:
        tracker.close()


def test_a_one_line_change_counts_once_a_story_with_its_revision(db_url: str) -> None:
    tracker = Tracker(make_config(db_url))
    change = OneLine("Supported by", added=True)
    try:
        with transaction(tracker.sessions) as session:
            for article_id, revision_id in ((1, 10), (2, 20), (1, 11)):
                templates.record_change(session, HOST, article_id, revision_id, change, NOW)
            assert templates.changed_revisions(session, HOST, change) == [10, 20]
            assert templates.changed_revisions(session, HOST, OneLine("Supported by", False)) == []
    finally:
        tracker.close()
