"""The plan of a history derived again from its captures (`tracker.core.rederive`):
pure, no database, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.core.rederive import Reading, Step, plan_rederivation


@dataclass(frozen=True)
class Rev:
    id: int
    article_id: int
    from_number: int
    to_number: int


def history(*hashes: str) -> tuple[list[Reading], list[Rev]]:
    """Versions 1..n (ids 10, 20, ...) with these stored hashes, and their revisions
    (ids 100 + number of the newer version)."""
    readings = [Reading(10 * n, n, h, None) for n, h in enumerate(hashes, start=1)]
    revisions = [Rev(100 + n, 1, n - 1, n) for n in range(2, len(hashes) + 1)]
    return readings, revisions


def read_again(readings: list[Reading], **derived: str) -> list[Reading]:
    """The readings with today's extractor giving `derived` (v2="a") for some versions."""
    return [
        Reading(r.version_id, r.number, r.stored, derived.get(f"v{r.number}", r.stored)) for r in readings
    ]


def test_a_history_that_reads_the_same_is_unchanged() -> None:
    readings, revisions = history("a", "b", "c")
    plan = plan_rederivation(read_again(readings), revisions)
    assert plan.unchanged and not plan.renumbered
    assert plan.kept == (10, 20, 30) and plan.dropped == ()
    assert [s.revision_id for s in plan.steps] == [102, 103] and not plan.recomputed()


def test_chrome_read_as_edits_collapses_and_the_real_edit_keeps_its_revision_id() -> None:
    # v1 "a", v2 "a" + chrome 1, v3 "a" + chrome 2, v4 the real edit "b" + chrome 2
    readings, revisions = history("a", "a1", "a2", "b2")
    plan = plan_rederivation(read_again(readings, v2="a", v3="a", v4="b"), revisions)
    assert plan.kept == (10, 40) and plan.collapsed == ((20, 10), (30, 10))
    assert plan.changed == (40,) and plan.renumbered
    assert plan.numbers() == {10: 1, 40: 2}
    assert plan.steps == (Step(10, 40, 104, recompute=True),), "the edit keeps the id it was notified under"
    assert plan.dropped == (102, 103)


def test_revisions_between_versions_that_read_the_same_stay_as_they_were() -> None:
    # a false version in the middle: v1 a, v2 b, v3 b + chrome, v4 c
    readings, revisions = history("a", "b", "bx", "c")
    plan = plan_rederivation(read_again(readings, v3="b"), revisions)
    assert plan.kept == (10, 20, 40) and plan.changed == ()
    assert plan.steps == (Step(10, 20, 102, False), Step(20, 40, 104, True))
    assert plan.dropped == (103,)


def test_a_version_that_cannot_be_read_again_keeps_its_content() -> None:
    readings, revisions = history("a", "b", "c")
    readings[1] = Reading(20, 2, "b", None)  # no capture kept
    plan = plan_rederivation(read_again(readings, v3="b"), revisions)
    assert plan.kept == (10, 20) and plan.collapsed == ((30, 20),)
    assert plan.steps == (Step(10, 20, 102, False),) and plan.dropped == (103,)


def test_a_changed_version_that_stays_distinct_gets_its_revisions_computed_again() -> None:
    readings, revisions = history("a", "b", "c")
    plan = plan_rederivation(read_again(readings, v2="B"), revisions)
    assert plan.kept == (10, 20, 30) and plan.changed == (20,) and not plan.collapsed
    assert plan.steps == (Step(10, 20, 102, True), Step(20, 30, 103, True))
    assert not plan.renumbered and not plan.unchanged


def test_the_first_version_changing_never_collapses_it() -> None:
    readings, revisions = history("a1", "a2")
    plan = plan_rederivation(read_again(readings, v1="a", v2="a"), revisions)
    assert plan.kept == (10,) and plan.changed == (10,) and plan.collapsed == ((20, 10),)
    assert plan.steps == () and plan.dropped == (102,)
