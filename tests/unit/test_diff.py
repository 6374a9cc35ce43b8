"""The diff engine: paragraph alignment, word ops, kinds, significance (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.contents import T0, article
from tracker.core.diff import compare, diff_paragraphs

BODY = (
    "The council approved the harbour plan on Friday after a long debate.",
    "Work will start in the spring and last two years, officials said.",
    "Opponents said the plan would hurt the fishing fleet and raise rents.",
    "The mayor promised a public meeting before any building begins next year.",
    "A final vote on the budget is expected in March, after the election.",
)


def ops_of(new: tuple[str, ...], old: tuple[str, ...] = BODY) -> list[tuple[str, list[int], list[int]]]:
    return [(op["op"], op.get("old"), op.get("new")) for op in diff_paragraphs(old, new)]


def rebuild(ops: tuple[dict, ...], old: tuple[str, ...]) -> tuple[list[str], list[str]]:  # type: ignore[type-arg]
    """Both texts back from the ops alone (with the old text for `equal` runs)."""
    olds: list[tuple[int, list[str]]] = []
    news: list[str] = []
    for op in ops:
        kind = op["op"]
        if kind == "equal":
            news += old[op["old"][0] : op["old"][1]]
            olds.append((op["old"][0], list(old[op["old"][0] : op["old"][1]])))
        elif kind == "insert":
            news += op["text"]
        elif kind == "delete":
            olds.append((op["old"][0], op["text"]))
        elif "words" in op:
            news += "".join(t for tag, t in op["words"] if tag in "=+").split("\n")
            olds.append((op["old"][0], "".join(t for tag, t in op["words"] if tag in "=-").split("\n")))
        else:  # an unchanged move
            news.append(op["text"])
            olds.append((op["old"][0], [op["text"]]))
    return [p for _, ps in sorted(olds, key=lambda item: item[0]) for p in ps], news


def test_unchanged_paragraphs_anchor_and_a_reworded_one_is_a_change() -> None:
    new = (BODY[0], BODY[1].replace("two years", "three years"), *BODY[2:])
    assert ops_of(new) == [("equal", [0, 1], [0, 1]), ("change", [1, 2], [1, 2]), ("equal", [2, 5], [2, 5])]
    [change] = [op for op in diff_paragraphs(BODY, new) if op["op"] == "change"]
    assert [w for w in change["words"] if w[0] != "="] == [["-", "two"], ["+", "three"]]


def test_a_moved_paragraph_is_a_move_not_a_delete_and_an_insert() -> None:
    new = (BODY[0], BODY[2], BODY[3], BODY[1], BODY[4])
    assert [kind for kind, _, _ in ops_of(new)] == ["equal", "equal", "move", "equal"]
    [move] = [op for op in diff_paragraphs(BODY, new) if op["op"] == "move"]
    assert move["old"] == [1, 2] and move["new"] == [3, 4] and "words" not in move


def test_a_paragraph_moved_and_edited_is_a_move_with_word_ops() -> None:
    new = (BODY[0], BODY[2], BODY[3], BODY[4], BODY[1].replace("spring", "summer"))
    [move] = [op for op in diff_paragraphs(BODY, new) if op["op"] == "move"]
    assert [w for w in move["words"] if w[0] != "="] == [["-", "spring"], ["+", "summer"]]


def test_a_split_and_a_merge() -> None:
    first, second = BODY[2].split(" and ", 1)
    split = (BODY[0], BODY[1], first + ".", "And " + second, *BODY[3:])
    assert ("split", [2, 3], [2, 4]) in ops_of(split)
    merged = (BODY[0], BODY[1] + " " + BODY[2], *BODY[3:])
    assert ("merge", [1, 3], [1, 2]) in ops_of(merged)


def test_deletions_read_before_what_was_inserted_in_their_place() -> None:
    new = (BODY[0], BODY[1], "Police closed the quay to traffic on Saturday morning.", *BODY[3:])
    assert [kind for kind, _, _ in ops_of(new)] == ["equal", "delete", "insert", "equal"]


edits = st.lists(
    st.tuples(
        st.sampled_from(["insert", "delete", "change", "move", "split", "merge"]),
        st.integers(0, 30),
        st.integers(0, 30),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(edits)
def test_ops_always_give_back_both_texts(changes: list[tuple[str, int, int]]) -> None:
    old = tuple(
        f"Paragraph {n} says the {w} met on day {n} and agreed on item {n * 7}."
        for n, w in enumerate(["council", "board", "mayor", "union", "court", "panel", "jury", "club"])
    )
    new = list(old)
    for kind, a, b in changes:
        if not new:
            new.append("A fresh start.")
            continue
        i, j = a % len(new), b % len(new)
        if kind == "insert":
            new.insert(i, f"Inserted text number {a} about item {b}.")
        elif kind == "delete":
            new.pop(i)
        elif kind == "change":
            new[i] = new[i].replace("agreed", "disagreed").replace("met", f"met {b} times")
        elif kind == "move":
            new.insert(j, new.pop(i))
        elif kind == "split" and " and " in new[i]:
            left, right = new[i].split(" and ", 1)
            new[i : i + 1] = [left + ".", right]
        elif kind == "merge" and i + 1 < len(new):
            new[i : i + 2] = [new[i] + " " + new[i + 1]]
    ops = diff_paragraphs(old, tuple(new))
    rebuilt_old, rebuilt_new = rebuild(ops, old)
    assert rebuilt_new == new
    assert rebuilt_old == list(old)


content = article("Council approves harbour plan", BODY)


@pytest.mark.parametrize(
    ("fields", "kinds"),
    [
        ({"headline": "Council approves harbour plan after row"}, ["headline", "silent"]),
        (
            {"headline": "Council approves harbour plan after a bitter row"},
            ["headline", "addition", "silent"],
        ),
        ({"headline": "Council aproves harbour plan"}, ["headline", "typo", "silent"]),
        ({"byline": "Jane Doe, Sam Roe"}, ["byline"]),
        ({"updated_at": T0 + timedelta(hours=2)}, ["timestamp-only"]),
        ({"paragraphs": (BODY[0].replace("approved", "aproved"), *BODY[1:])}, ["typo", "silent"]),
        (
            {"paragraphs": (BODY[0].replace("after a long debate", "despite protests"), *BODY[1:])},
            ["rewording", "silent"],
        ),
        (
            {"paragraphs": (*BODY, "Residents will be able to comment online until the end of January.")},
            ["addition", "silent"],
        ),
        ({"paragraphs": BODY[:-1]}, ["deletion", "silent"]),
        (
            {
                "paragraphs": (*BODY, "Correction: an earlier version of this story gave the wrong date."),
                "updated_at": T0 + timedelta(hours=3),
            },
            ["addition", "correction"],
        ),
        ({"paragraphs": (BODY[0], BODY[2], BODY[1], *BODY[3:])}, ["moved", "silent"]),
    ],
    ids=[
        "headline-words",
        "headline-addition",
        "headline-typo",
        "byline",
        "timestamp-only",
        "typo",
        "rewording",
        "addition",
        "deletion",
        "correction",
        "moved",
    ],
)
def test_every_kind(fields: dict, kinds: list[str]) -> None:  # type: ignore[type-arg]
    assert list(compare(content(), content(**fields)).kinds) == kinds


def test_trivial_revisions_are_flagged_and_weigh_nothing() -> None:
    changes = compare(content(), content(paragraphs=(BODY[0].replace(".", "!"), *BODY[1:])))
    assert changes.trivial and changes.significance == 0.0


def test_significance_orders_a_typo_below_a_rewrite() -> None:
    typo = compare(content(), content(paragraphs=(BODY[0].replace("approved", "aproved"), *BODY[1:])))
    reword = compare(
        content(), content(paragraphs=(BODY[0].replace("after a long debate", "despite protests"), *BODY[1:]))
    )
    headline = compare(content(), content(headline="Council rejects harbour plan"))
    rewrite = compare(
        content(), content(headline="Harbour plan scrapped", paragraphs=("Everything changed.",))
    )
    assert 0 < typo.significance < reword.significance < headline.significance < rewrite.significance <= 1


def test_stats_count_words_and_paragraphs() -> None:
    new = (BODY[0], BODY[2], BODY[1].replace("two years", "three years"), BODY[3], "A new closing line here.")
    stats = compare(content(), content(paragraphs=new)).stats
    assert stats == {
        "chars_added": 29,
        "chars_removed": 71,
        "words_added": 6,
        "words_removed": 14,
        "paragraphs_added": 1,
        "paragraphs_removed": 1,
        "paragraphs_changed": 0,
        "paragraphs_moved": 1,
    }


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("The storm killed 138 people.", "The storm killed 148 people."),
        ("The minister, Anna Smith, resigned.", "The minister, Anna Smyth, resigned."),
        ("Officials said there was a risk to the dam.", "Officials said there was no risk to the dam."),
    ],
    ids=["number", "name", "negation"],
)
def test_a_number_a_name_or_a_negation_is_never_a_typo(old: str, new: str) -> None:
    changes = compare(content(paragraphs=(old, *BODY[1:])), content(paragraphs=(new, *BODY[1:])))
    assert "typo" not in changes.kinds and "rewording" in changes.kinds


def test_an_appended_paragraph_weighs_less_than_a_correction_or_a_headline_rewrite() -> None:
    long_addition = " ".join(BODY)  # as long as the whole story
    appended = compare(content(), content(paragraphs=(*BODY, long_addition)))
    headline = compare(content(), content(headline="Council rejects harbour plan"))
    correction = compare(content(), content(paragraphs=(*BODY, "Correction: the vote was on Tuesday.")))
    assert 0 < appended.significance < headline.significance
    assert appended.significance < correction.significance


def test_a_misspelt_word_opening_a_sentence_is_still_a_typo() -> None:
    old = "The council met. Goverment officials said the plan would go ahead."
    new = "The council met. Government officials said the plan would go ahead."
    changes = compare(content(paragraphs=(old, *BODY[1:])), content(paragraphs=(new, *BODY[1:])))
    assert "typo" in changes.kinds
