"""Headline tests in a check (`tracker.core.headline_tests`): what its fetches served,
whether that reveals or ends a test, and the rows that say so.

`assess` runs before judging, under the article's lock: the variants it gives are the
headlines `judge` takes for the one the story shows (no revision for drawing another
variant). `settle` runs after `apply`: the sightings, the test (recognised once, an
event `headline_test`), the flip-flops' revisions marked, and when one headline was
served alone long enough, the test's end on one revision (`headline_test` data).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from tracker.core import headline_tests as tests
from tracker.core.kinds import significance
from tracker.pipeline.observe import Extracted, Observation
from tracker.store import headlines, histories, repository
from tracker.store.models import HeadlineTest, Revision


@dataclass(frozen=True, slots=True)
class Assessment:
    """What one check's headlines mean for the story's tests."""

    served: tuple[str, ...] = ()
    revealed: frozenset[str] = frozenset()
    test: HeadlineTest | None = None  # the running test, before this check
    streak: tests.Streak = field(default_factory=tests.Streak)
    ends: bool = False

    @property
    def variants(self) -> frozenset[str]:
        """The headlines `judge` takes for the one the story shows (none when the test
        ends with this check: the settled headline is compared as drawn)."""
        if self.ends:
            return frozenset()
        known = frozenset(self.test.variants) if self.test is not None else frozenset()
        return known | self.revealed


def served_by(observation: Observation) -> tuple[str, ...]:
    """The headline each good page of the check served (the confirming fetches too)."""
    pages = (observation.first, *observation.confirmations)
    return tuple(
        headline
        for seen in pages
        if isinstance(seen, Extracted)
        and seen.good
        and (headline := seen.analysis.extraction.content().headline)
    )


def assess(session: Session, article_id: int, served: tuple[str, ...], now: datetime) -> Assessment:
    if not served:
        return Assessment()
    before = headlines.sightings(session, article_id)
    revealed = tests.revealed(before, served, now)
    test = headlines.running_test(session, article_id)
    counts = {s.text: s.count for s in before}
    if test is None:
        return Assessment(served, revealed, None, tests.streak(tests.Streak(), served, now, counts))
    streak = tests.streak(_streak_of(test), served, now, counts)
    after = _with(before, served, now)
    ends = not revealed - {streak.text} and tests.settled(streak, after, test.variants, now)
    return Assessment(served, revealed, test, streak, ends)


def settle(
    session: Session, article_id: int, assessment: Assessment, new_version: int | None, now: datetime
) -> None:
    """The rows say what `assess` found; `new_version`: the version this check stored."""
    if not assessment.served:
        return
    headlines.add_sightings(session, article_id, headlines.HEADLINE, assessment.served, now)
    test = assessment.test
    if test is None and assessment.revealed:
        _begin(session, article_id, assessment, new_version, now)
        return
    if test is None:
        return
    _keep_streak(test, assessment.streak)
    if assessment.revealed - set(test.variants):
        test.variants = sorted(set(test.variants) | assessment.revealed)
        headlines.mark_flip_flops(session, article_id, test.variants, now)
    if assessment.ends:
        _end(session, article_id, test, new_version, now)


def socials_of(observation: Observation) -> tuple[str, ...]:
    """The social headline (og:title/twitter:title) each good page of the check served."""
    pages = (observation.first, *observation.confirmations)
    return tuple(
        social
        for seen in pages
        if isinstance(seen, Extracted) and seen.good and (social := seen.analysis.extraction.social_headline)
    )


def settle_other(
    session: Session, article_id: int, kind: str, served: tuple[str, ...], now: datetime
) -> None:
    """A headline the story shows elsewhere (`social`: og:title/twitter:title; `feed`: a
    feed entry's title): its sightings, and a test of that kind recognised and ended by
    the same rules. It never makes or hides a revision: the story's headline is its own."""
    if not served:
        return
    before = headlines.sightings(session, article_id, kind)
    revealed = tests.revealed(before, served, now)
    headlines.add_sightings(session, article_id, kind, served, now)
    test = headlines.running_test(session, article_id, kind)
    if test is None:
        if revealed:
            variants = sorted(revealed)
            test = HeadlineTest(
                article_id=article_id, kind=kind, started_at=now, before=None, variants=variants
            )
            _keep_streak(test, tests.streak(tests.Streak(), served, now, {s.text: s.count for s in before}))
            session.add(test)
            repository.record_event(session, article_id, "headline_test", now, of=kind, variants=variants)
        return
    if revealed - set(test.variants):
        test.variants = sorted(set(test.variants) | revealed)
    streak = tests.streak(_streak_of(test), served, now, {s.text: s.count for s in before})
    _keep_streak(test, streak)
    after = _with(before, served, now)
    if not revealed - {streak.text} and tests.settled(streak, after, test.variants, now):
        test.ended_at, test.winner = now, streak.text
        repository.record_event(session, article_id, "headline_test_ended", now, of=kind, winner=streak.text)


def settle_quick(session: Session, test: HeadlineTest, headline: str | None, now: datetime) -> None:
    """A quick check (its page's fingerprint unchanged) of a story under test served the
    headline its last version shows."""
    if not headline:
        return
    served = (headline,)
    before = headlines.sightings(session, test.article_id)
    headlines.add_sightings(session, test.article_id, headlines.HEADLINE, served, now)
    streak = tests.streak(_streak_of(test), served, now, {s.text: s.count for s in before})
    _keep_streak(test, streak)
    if tests.settled(streak, _with(before, served, now), test.variants, now):
        _end(session, test.article_id, test, None, now)


def _begin(
    session: Session, article_id: int, assessment: Assessment, new_version: int | None, now: datetime
) -> None:
    """A test recognised: its row, its event, and the flip-flops that revealed it marked.
    The headline before it: the one the first flip-flop changed, else the story's (none
    when the test ran from the story's first check: its first version drew a variant)."""
    variants = sorted(assessment.revealed)
    marked = headlines.mark_flip_flops(session, article_id, variants, now)
    latest = histories.latest_version(session, article_id)
    before = marked[0][1] if marked else (latest.headline if latest is not None else None)
    if not marked and new_version == 1:
        before = None
    test = HeadlineTest(
        article_id=article_id,
        kind=headlines.HEADLINE,
        started_at=now,
        before=before,
        variants=variants,
    )
    _keep_streak(test, assessment.streak)
    session.add(test)
    repository.record_event(
        session, article_id, "headline_test", now, of=headlines.HEADLINE, variants=variants, before=before
    )
    session.flush()


def _end(
    session: Session, article_id: int, test: HeadlineTest, new_version: int | None, now: datetime
) -> None:
    """One headline was served alone long enough: the test ends, and the revision that
    brought the story to it carries the test (its variants, their shares, the winner).
    The winner being the headline before the test, that revision is the test's too
    (`headline-test`, trivial); another, it is the story's headline change (unmarked)."""
    winner = test.streak_text
    test.ended_at, test.winner = now, winner
    data = {
        "variants": tests.shares(headlines.sightings(session, article_id), {*test.variants, winner or ""}),
        "winner": winner,
        "before": test.before,
    }
    revision = _bringing(session, test, new_version)
    if revision is not None:
        revision.headline_test = data
        if winner != test.before and headlines.TEST_KIND in revision.kinds:
            _unmark(revision)
        elif winner == test.before and list(revision.changed) == ["headline"]:
            revision.trivial, revision.significance = True, 0.0
            revision.kinds = [*dict.fromkeys([*revision.kinds, headlines.TEST_KIND])]
    repository.record_event(
        session, article_id, "headline_test_ended", now,
        of=test.kind, winner=winner, revision=revision.to_number if revision is not None else None,
    )  # fmt: skip
    session.flush()


def _bringing(session: Session, test: HeadlineTest, new_version: int | None) -> Revision | None:
    """The revision that brought the story its settled headline: this check's, else (the
    winner not the headline before the test) the last one that changed the headline,
    when it is the test's (detected within `WINDOW` of its start)."""
    if new_version is not None:
        revision = histories.revision_to(session, test.article_id, new_version)
        return revision if revision is not None and "headline" in revision.changed else None
    if test.streak_text == test.before:
        return None
    for revision in reversed(histories.revisions_of(session, test.article_id)):
        if "headline" in revision.changed:
            return revision if revision.detected_at >= test.started_at - tests.WINDOW else None
    return None


def _unmark(revision: Revision) -> None:
    """A flip-flop's revision that turned out to bring the winner: the story's change."""
    revision.kinds = [kind for kind in revision.kinds if kind != headlines.TEST_KIND]
    revision.trivial = False
    revision.significance = significance(tuple(revision.changed), tuple(revision.kinds), revision.stats, 1)


def _streak_of(test: HeadlineTest) -> tests.Streak:
    return tests.Streak(test.streak_text, test.streak_checks, test.streak_since, test.streak_base)


def _keep_streak(test: HeadlineTest, streak: tests.Streak) -> None:
    test.streak_text, test.streak_checks, test.streak_since = streak.text, streak.checks, streak.since
    test.streak_base = streak.base


def _with(before: list[tests.Sighting], served: tuple[str, ...], now: datetime) -> list[tests.Sighting]:
    """The sightings with this check's added (what `settle` will store)."""
    counts = {text: served.count(text) for text in served}
    known = {s.text: s for s in before}
    merged = [
        tests.Sighting(s.text, s.first_seen, max(s.last_seen, now), s.count + counts.get(s.text, 0))
        for s in before
    ]
    merged += [tests.Sighting(text, now, now, n) for text, n in counts.items() if text not in known]
    return merged
