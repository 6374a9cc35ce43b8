"""What two fetches agree on, the host's volatile text learned from what they did not,
and which hosts are calm enough to skip a first version's confirming fetch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace

from tracker.core.confirm import (
    CalmHosts,
    agree,
    baseline,
    is_volatile,
    shape,
    volatile_shapes,
    without_volatile,
)
from tracker.core.normalize import Content, make_content

T0 = datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
STORY = (
    "The river road closed overnight as the water rose to its highest level in forty years.",
    "The council met on Monday and agreed to pay for new barriers along the lower village.",
    "Forecasters expect more rain on Tuesday, with up to sixty millimetres on the hills.",
)


def content(*body: str, headline: str = "Floods close the river road", byline: str = "Ana Lima") -> Content:
    return make_content(headline=headline, byline=byline, paragraphs=body, published_at=T0, updated_at=None)


def test_what_both_fetches_show_is_agreed_and_what_one_shows_is_not() -> None:
    first = content(STORY[0], "Quote of the day: rain is wet.", *STORY[1:])
    second = content(*STORY[:2], "Quote of the day: the sea is deep.", STORY[2])
    agreed, differed = agree(first, second, None)
    assert agreed == content(*STORY)
    assert differed == ("Quote of the day: rain is wet.", "Quote of the day: the sea is deep.")


def test_an_edit_both_fetches_see_is_kept_against_the_latest_version() -> None:
    latest = content(*STORY)
    edited = content(
        *STORY, "Update: the road reopened at noon.", headline="Floods close the river road again"
    )
    agreed, differed = agree(edited, edited, latest)
    assert agreed == edited
    assert differed == ()


def test_an_edit_landing_between_the_first_two_fetches_is_kept_by_the_last_two() -> None:
    """The desk reworded a paragraph between the first fetch and the second: those two
    disagree on it, and agreeing over them would drop it as chrome. A third fetch agrees
    with the second, and the last two keep the edit (the pipeline agrees over them)."""
    latest = before = content(*STORY)
    reworded = STORY[1].replace("Monday", "Tuesday")
    after = content(STORY[0], reworded, STORY[2])
    dropped, differed = agree(before, after, latest)
    assert reworded not in dropped.body and differed == (STORY[1], reworded)
    agreed, differed = agree(after, after, latest)
    assert agreed.body == (STORY[0], reworded, STORY[2]) and differed == ()


def test_a_field_the_fetches_disagree_on_keeps_the_latest_versions_value() -> None:
    latest = content(*STORY, headline="Floods close the river road")
    first = content(*STORY, headline="Floods close the river road: live")  # an A/B headline
    second = content(*STORY, headline="River road shut by floods")
    assert agree(first, second, latest)[0].headline == "Floods close the river road"
    assert agree(first, second, None)[0].headline == "River road shut by floods"  # no version: the second's
    updated = replace(content(*STORY), updated_at=T0)
    assert agree(updated, content(*STORY), latest)[0].updated_at is None


def test_the_body_follows_the_second_fetch_and_counts_repeats() -> None:
    a, b, c = STORY
    agreed, differed = agree(content(a, b, c), content(c, a, b, c), None)
    assert agreed.body == (c, a, b)  # the second fetch's order; `c` twice in one fetch only, once here
    assert differed == ()  # a paragraph both fetches hold is not chrome, however often


def test_what_differed_is_learned_with_its_numbers_folded() -> None:
    shapes = volatile_shapes(("312 readers on this page right now, 4 in your town",))
    assert list(shapes.values()) == [shape("# readers on this page right now, # in your town")]
    learned = frozenset(shapes)
    assert is_volatile("45 readers on this page right now, 12 in your town", learned)
    assert not is_volatile("45 readers left the town hall meeting early", learned)


def test_a_label_two_differing_paragraphs_open_with_is_learned() -> None:
    shapes = volatile_shapes(("Also read: Storm hits the coast", "Also read: Bridge to close for a week"))
    assert "label:also read:" in shapes.values()
    assert is_volatile("Also read: Council budget passed", frozenset(shapes))
    one = volatile_shapes(("Also read: Storm hits the coast", "Weather: rain"))
    assert not any(value.startswith("label:") for value in one.values())  # one is not a pattern
    assert not is_volatile("Also read: Council budget passed", frozenset(one))


def test_known_volatile_text_is_dropped_from_every_later_page() -> None:
    learned = frozenset(
        volatile_shapes(("Quote of the day: rain is wet.", "Quote of the day: seas are deep."))
    )
    page = content(STORY[0], "Quote of the day: 3 rivers flood.", *STORY[1:])
    assert without_volatile(page, learned) == content(*STORY)
    assert without_volatile(page, frozenset()) is page
    assert without_volatile(content(*STORY), learned) == content(*STORY)


def test_the_baseline_is_the_latest_version_without_the_hosts_volatile_text() -> None:
    learned = frozenset(
        volatile_shapes(("Quote of the day: rain is wet.", "Quote of the day: seas are deep."))
    )
    row = SimpleNamespace(
        headline="Floods close the river road",
        byline="Ana Lima",
        body="\n\n".join((STORY[0], "Quote of the day: 3 rivers flood.", *STORY[1:])),
        published_at=T0,
        updated_at=None,
    )
    assert baseline(row, learned) == content(*STORY)
    assert baseline(None, learned) is None


def test_a_host_whose_fetches_disagree_is_calm_again_only_after_as_many_agreements() -> None:
    calm = CalmHosts()
    host = "news.example"

    def decide() -> bool:
        confirmed = calm.confirm_first(host)
        if confirmed:
            calm.note(host, True)
        return confirmed

    assert all(decide() for _ in range(calm.after))
    decisions = [decide() for _ in range(30)]
    assert decisions.count(True) == 3  # one in ten still confirmed
    calm.note(host, False)  # two fetches of a page disagreed: learned, and counted again
    assert all(decide() for _ in range(calm.after))
    assert [decide() for _ in range(30)].count(True) == 3
    calm.note(host, False)
    calm.note(host, True)
    assert not calm.is_calm(host)
    assert CalmHosts().confirm_first(host)  # a new run starts from nothing known


def test_a_new_host_asks_no_more_confirmations_than_those_in_flight_need() -> None:
    calm = CalmHosts()
    host = "news.example"
    assert [calm.decide(host) for _ in range(calm.after)] == [True] * calm.after
    assert calm.decide(host) is None  # twenty under way: if they agree, the host is calm
    for _ in range(calm.after - 1):
        calm.note(host, True)
    assert calm.decide(host) is None
    calm.note(host, None)  # one confirming fetch failed: it says nothing
    assert calm.decide(host) is True  # so one more is asked for
    calm.note(host, True)
    assert calm.is_calm(host)
    assert [calm.decide(host) for _ in range(10)] == [False] * 9 + [True]  # one in ten still confirmed
    calm.note(host, False)  # a sampled confirmation disagreed: careful again
    assert not calm.is_calm(host) and calm.decide(host) is True
