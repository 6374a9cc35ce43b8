"""judge (tracker.pipeline.judge): what a check's fetches mean for the story, as a pure function."""

from __future__ import annotations

from datetime import UTC, datetime

from tracker.core.confirm import shape_hash
from tracker.extraction.extract import Extraction
from tracker.extraction.worker import Analysis
from tracker.fetch import FetchFailure, NotModified, Page
from tracker.pipeline.judge import (
    Failed,
    NewVersion,
    SoftError,
    Standing,
    Unchanged,
    Unmodified,
    judge,
)
from tracker.pipeline.observe import Extracted, Observation, Seen
from tracker.pipeline.plan import Known, Plan
from tracker.store.models import Version

URL = "https://news.example/world/2026/12/05/budget-123"
BODY = ("The council approved the budget on Friday.", "It passes to the mayor next week.")


def page(*body: str, headline: str = "Council approves budget", problem: str | None = None) -> Extracted:
    html = "<html><body>" + "".join(f"<p>{p}</p>" for p in body) + "</body></html>"
    extraction = Extraction(headline, "By Ana Ruiz", tuple(body), datetime(2026, 12, 5, 9, tzinfo=UTC), None)
    return Extracted(Page(URL, URL, 200, html.encode(), "text/html"), Analysis(extraction, problem))


def version(*body: str, headline: str = "Council approves budget", number: int = 1) -> Version:
    return Version(
        number=number,
        headline=headline,
        byline="By Ana Ruiz",
        body="\n\n".join(body),
        published_at=datetime(2026, 12, 5, 9, tzinfo=UTC),
        updated_at=None,
    )


def observed(first: Seen, *confirmations: Seen) -> Observation:
    plan = Plan(1, URL, None, None, Known(None), frozenset())
    return Observation(plan, first, datetime(2026, 12, 5, 10, tzinfo=UTC), 0.0, confirmations)


def test_a_failed_fetch_is_a_failure_and_a_second_404_in_a_row_withdraws_the_story() -> None:
    gone = FetchFailure(URL, "http_status", "HTTP 404", status=404)
    assert judge(observed(gone), Standing(active=True, gone_before=False)) == Failed(gone, withdrawn=False)
    assert judge(observed(gone), Standing(active=True, gone_before=True)) == Failed(gone, withdrawn=True)
    assert judge(observed(gone), Standing(active=False, gone_before=True)) == Failed(gone, withdrawn=False)
    timeout = FetchFailure(URL, "timeout", "no answer in 20s")
    assert judge(observed(timeout), Standing(gone_before=True)) == Failed(timeout, withdrawn=False)


def test_a_304_is_not_modified() -> None:
    assert judge(observed(NotModified(URL, URL)), Standing()) == Unmodified()


def test_a_page_that_is_not_the_article_is_a_soft_error_without_a_story() -> None:
    verdict = judge(observed(page(*BODY, problem="a challenge page")), Standing(latest=version(*BODY)))
    assert verdict == SoftError("a challenge page")


def test_a_first_page_is_a_first_version_without_changes() -> None:
    verdict = judge(observed(page(*BODY)), Standing())
    assert isinstance(verdict, NewVersion)
    assert verdict.changes is None and verdict.story.content.body == BODY


def test_the_same_content_is_unchanged_and_names_the_version() -> None:
    verdict = judge(observed(page(*BODY)), Standing(latest=version(*BODY, number=4)))
    assert isinstance(verdict, Unchanged) and verdict.number == 4


def test_an_edit_is_a_new_version_with_its_changes() -> None:
    edited = (BODY[0], "It passes to the mayor on Monday.")
    verdict = judge(observed(page(*edited), page(*edited)), Standing(latest=version(*BODY)))
    assert isinstance(verdict, NewVersion) and verdict.changes is not None
    assert verdict.changes.changed == ("body",)


def test_a_body_that_collapsed_against_the_last_version_is_a_soft_error_with_its_story() -> None:
    long_body = tuple(
        f"Paragraph {n} of the council's long budget story, with its details." for n in range(30)
    )
    verdict = judge(
        observed(page("Subscribe to read."), page("Subscribe to read.")), Standing(latest=version(*long_body))
    )
    assert isinstance(verdict, SoftError) and verdict.story is not None
    assert "collapsed" in verdict.problem


def test_what_two_fetches_disagree_on_is_learned_and_not_an_edit() -> None:
    first = page(*BODY, "Tonight at the theatre: Hamlet")
    second = page(*BODY, "Tonight at the theatre: Macbeth")
    verdict = judge(observed(first, second), Standing(latest=version(*BODY)))
    assert isinstance(verdict, Unchanged)
    assert set(verdict.story.learned) >= {
        shape_hash("Tonight at the theatre: Hamlet"),
        shape_hash("Tonight at the theatre: Macbeth"),
    }
    assert "label:tonight at the theatre:" in verdict.story.learned.values()  # both open with it
    assert set(verdict.story.learned) <= verdict.story.volatile


def test_an_edit_landing_between_two_fetches_is_kept_by_the_third() -> None:
    """The first fetch before the edit (with a line of chrome), the second and third after
    it: the last two agree on the edit, which is stored; nothing of it is learned as chrome."""
    edited = (BODY[0], "It passes to the mayor on Monday.")
    before = page(*BODY, "Tonight at the theatre: Hamlet")
    verdict = judge(observed(before, page(*edited), page(*edited)), Standing(latest=version(*BODY)))
    assert isinstance(verdict, NewVersion) and verdict.story.content.body == edited
    assert verdict.story.learned == {}


def test_a_headline_the_two_fetches_disagree_on_keeps_the_last_versions() -> None:
    verdict = judge(
        observed(page(*BODY, headline="Budget passes"), page(*BODY, headline="Council approves budget plan")),
        Standing(latest=version(*BODY)),
    )
    assert isinstance(verdict, Unchanged)


def test_a_confirming_fetch_that_failed_is_a_soft_error() -> None:
    edited = (BODY[0], "It passes to the mayor on Monday.")
    failed = FetchFailure(URL, "timeout", "no answer in 20s")
    verdict = judge(observed(page(*edited), failed), Standing(latest=version(*BODY)))
    assert verdict == SoftError("the confirming fetch failed: timeout: no answer in 20s")


def test_volatile_text_already_known_is_not_compared() -> None:
    known = frozenset({shape_hash("Tonight at the theatre: Hamlet")})
    verdict = judge(
        observed(page(*BODY, "Tonight at the theatre: Hamlet")),
        Standing(latest=version(*BODY), volatile=known),
    )
    assert isinstance(verdict, Unchanged)
