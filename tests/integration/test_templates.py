"""Template sightings stored (`tracker.store.templates`), on SQLite and PostgreSQL: each
story counted once however often it is recorded, and the same answer from the same
counts whichever process recorded them."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.support.harness import Tracker, make_config
from tracker.core.furniture import OneLine, Rule
from tracker.fetch import FetchFailure
from tracker.pipeline.observe import Observation
from tracker.pipeline.plan import Known, Plan
from tracker.pipeline.template import TemplateGate, learn_first_versions
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


def _plan(article_id: int, host: str = HOST, *, first: bool = True) -> Plan:
    baseline = Known(None if first else "a-hash")
    return Plan(article_id, f"https://{host}/story-{article_id}", None, None, baseline, frozenset())


def test_the_gate_waits_only_for_first_versions_of_its_host_still_in_flight(sqlite_url: str) -> None:
    """A held check waits until the others of its host arrive or leave (a failure, a
    postponed turn): never for a check that will not come, another host's, or a story
    with versions; a host that has shown enough first versions is not held."""
    tracker = Tracker(make_config(sqlite_url))
    with transaction(tracker.sessions) as session:
        settled = dict.fromkeys(range(100, 100 + Rule().settled), ("Text.",))
        templates.record_first_versions(session, "settled.example", settled, NOW)
    plans = [
        _plan(1),
        _plan(2),
        _plan(3, "other.example"),
        _plan(4, first=False),
        _plan(5, "settled.example"),
    ]
    gate = TemplateGate.for_batch(tracker.sessions, lambda: NOW, plans)
    assert [gate.holds(plan) for plan in plans] == [True, True, True, False, False]

    async def go() -> list[str]:
        order: list[str] = []
        failed = Observation(plans[0], FetchFailure(plans[0].url, "timeout", "no answer"), NOW, 0.0)

        async def arrive() -> None:
            assert not await gate.arrive(plans[0], failed)  # no page: no sightings stored
            order.append("1 released")

        waiting = asyncio.create_task(arrive())
        await asyncio.sleep(0)
        order.append("2 leaves")
        gate.leave(plans[1])
        await waiting
        assert not await gate.arrive(plans[3], failed)  # not held: on at once
        return order

    try:
        assert asyncio.run(go()) == ["2 leaves", "1 released"]
    finally:
        tracker.close()
