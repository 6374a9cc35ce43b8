"""The plan of two histories joined into one (`tracker.core.joins`): pure, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tracker.core.joins import JoinPlan, Step, plan_join

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KEEP, OTHER = 1, 2


@dataclass(frozen=True)
class V:
    id: int
    article_id: int
    number: int
    fetched_at: datetime
    content_hash: str


@dataclass(frozen=True)
class R:
    id: int
    article_id: int
    from_number: int
    to_number: int


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_versions_are_ordered_by_fetch_time_and_renumbered_from_one() -> None:
    versions = [
        V(10, KEEP, 1, at(0), "a"),
        V(11, KEEP, 2, at(20), "b"),
        V(20, OTHER, 1, at(10), "x"),
        V(21, OTHER, 2, at(30), "y"),
    ]
    plan = plan_join(KEEP, versions, [])
    assert plan.kept == (10, 20, 11, 21)
    assert plan.numbers() == {10: 1, 20: 2, 11: 3, 21: 4}
    assert plan.repeated == ()


def test_the_order_versions_are_given_in_does_not_matter() -> None:
    versions = [V(10, KEEP, 1, at(0), "a"), V(20, OTHER, 1, at(10), "x"), V(11, KEEP, 2, at(20), "b")]
    assert plan_join(KEEP, versions, []) == plan_join(KEEP, versions[::-1], [])


def test_on_a_tie_the_kept_articles_version_goes_first() -> None:
    versions = [V(20, OTHER, 1, at(0), "x"), V(10, KEEP, 1, at(0), "a")]
    assert plan_join(KEEP, versions, []).kept == (10, 20)
    assert plan_join(OTHER, versions, []).kept == (20, 10)


def test_a_version_equal_to_the_one_before_it_is_dropped_as_repeated() -> None:
    """The same page seen under both URLs is one version, whichever article fetched it."""
    versions = [
        V(10, KEEP, 1, at(0), "a"),
        V(20, OTHER, 1, at(5), "a"),
        V(11, KEEP, 2, at(10), "b"),
        V(21, OTHER, 2, at(15), "b"),
        V(22, OTHER, 3, at(20), "b"),
        V(23, OTHER, 4, at(25), "c"),
    ]
    plan = plan_join(KEEP, versions, [])
    assert plan.kept == (10, 11, 23)
    assert plan.repeated == ((20, 10), (21, 11), (22, 11))
    assert plan.numbers() == {10: 1, 11: 2, 23: 3}


def test_a_version_equal_to_an_older_one_but_not_to_its_predecessor_stays() -> None:
    """A story edited back to an earlier text is a change, twice."""
    versions = [V(10, KEEP, 1, at(0), "a"), V(20, OTHER, 1, at(5), "b"), V(11, KEEP, 2, at(10), "a")]
    plan = plan_join(KEEP, versions, [])
    assert plan.kept == (10, 20, 11) and plan.repeated == ()


def test_a_revision_between_versions_that_stay_neighbours_is_kept() -> None:
    """`keep`'s history, then `other`'s starting with the page `keep` last saw: the
    revisions of both stay as they were, and only the seam is computed again."""
    versions = [
        V(10, KEEP, 1, at(0), "a"),
        V(11, KEEP, 2, at(10), "b"),
        V(20, OTHER, 1, at(20), "b"),
        V(21, OTHER, 2, at(30), "c"),
        V(22, OTHER, 3, at(40), "d"),
    ]
    revisions = [R(100, KEEP, 1, 2), R(200, OTHER, 1, 2), R(201, OTHER, 2, 3)]
    plan = plan_join(KEEP, versions, revisions)
    assert plan.kept == (10, 11, 21, 22)
    assert plan.steps == (Step(10, 11, kept=100), Step(11, 21, kept=None), Step(21, 22, kept=201))
    assert plan.recomputed() == (Step(11, 21, kept=None),)


def test_revisions_are_recomputed_where_neighbours_change() -> None:
    """Interleaved histories: no version keeps its neighbour, every revision is new."""
    versions = [
        V(10, KEEP, 1, at(0), "a"),
        V(11, KEEP, 2, at(20), "b"),
        V(20, OTHER, 1, at(10), "x"),
        V(21, OTHER, 2, at(30), "y"),
    ]
    revisions = [R(100, KEEP, 1, 2), R(200, OTHER, 1, 2)]
    plan = plan_join(KEEP, versions, revisions)
    assert plan.steps == (Step(10, 20, None), Step(20, 11, None), Step(11, 21, None))
    assert plan.recomputed() == plan.steps


def test_one_version_makes_a_history_with_no_revision() -> None:
    assert plan_join(KEEP, [V(10, KEEP, 1, at(0), "a"), V(20, OTHER, 1, at(5), "a")], []) == JoinPlan(
        kept=(10,), repeated=((20, 10),), steps=()
    )
