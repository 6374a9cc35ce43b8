"""What a check teaches about its host's template, and the gate that lets a new host's
first versions be stored only once their batch has taught it (`tracker.core.furniture`
says what is learned; `tracker.store.templates` keeps the counts).

A new host's template is learned from its first stories, and what is learned is
dropped from every page before it is judged. Were each first version stored as it
comes, the first stories of every host would keep the template's lines: so, in a
batch, the first-version checks of a host that has not yet shown enough stories
(`Rule.settled`) wait at the `TemplateGate` until every first-version check of that
host in the batch has been extracted (or has failed, or been postponed); then their
sightings are stored and counted with every earlier one, what reaches the rule
becomes the host's volatile text, and only then are they stored, without it. Later
stories of a settled host are recorded as they come, their sightings counted the
same way (`learn_first_versions`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from tracker.core.confirm import shape_hash
from tracker.core.furniture import RULE, Rule, could_be_furniture, learned_shapes, one_line_change
from tracker.core.urls import site_of
from tracker.pipeline.observe import Extracted, Observation
from tracker.pipeline.plan import Known, Plan
from tracker.store import histories, repository, templates
from tracker.store.db import transaction

log = logging.getLogger(__name__)


def first_body(observation: Observation) -> tuple[str, ...] | None:
    """The body of a good first fetch as extracted (the learned text still in it: places
    are the template's), or None."""
    first = observation.first
    if isinstance(first, Extracted) and first.good:
        return first.analysis.extraction.content().body
    return None


def learn_first_versions(
    session: Session, host: str, bodies: Mapping[int, Sequence[str]], now: datetime, rule: Rule = RULE
) -> dict[str, str]:
    """Store these first versions' sightings (article id -> body), and learn as the
    host's volatile text the lines that the stored counts now make its template's; the
    lines learned (shape hash -> shape)."""
    templates.record_first_versions(session, host, bodies, now)
    lines = {line for body in bodies.values() for line in body if could_be_furniture(line)}
    known = repository.volatile_shapes(session, host)
    found = {
        line for line in templates.furniture(session, host, lines, rule) if shape_hash(line) not in known
    }
    learned = learned_shapes(found)
    if learned:
        log.info("%s: template lines learned %s", host, sorted(found))
        repository.learn_volatile(session, host, learned, now)
    return learned


def learn_from_revision(
    session: Session, host: str, article_id: int, number: int, now: datetime, rule: Rule = RULE
) -> None:
    """A revision that only gained or lost a short line: counted; once `Rule.redesign`
    stories of the host made the same change, it is the template's: the line is
    learned, and those revisions are marked a template change."""
    revision = histories.revision_to(session, article_id, number)
    if revision is None:
        return
    change = one_line_change(tuple(revision.changed), tuple(revision.body_diff))
    if change is None:
        return
    templates.record_change(session, host, article_id, revision.id, change, now)
    revisions = templates.changed_revisions(session, host, change)
    if not rule.is_redesign(len(revisions)) or shape_hash(change.line) in repository.volatile_shapes(
        session, host
    ):
        return
    log.info("%s: the template %s %r", host, "gained" if change.added else "lost", change.line)
    repository.learn_volatile(session, host, learned_shapes([change.line]), now)
    histories.mark_template_change(session, revisions, change.line, change.added, now)


class TemplateGate:
    """A batch's first-version checks of hosts not yet settled, held until all of
    their host's have arrived or left (see the module's docstring). It waits only for
    checks of the batch still in flight, so a check that fails, is postponed or is
    skipped (`leave`) never holds the others back."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        held: Mapping[str, Iterable[int]],
        rule: Rule = RULE,
    ) -> None:
        self._sessions, self._clock, self._rule = sessions, clock, rule
        self._pending = {host: set(ids) for host, ids in held.items()}
        self._bodies: dict[str, dict[int, tuple[str, ...]]] = {host: {} for host in held}
        self._open = {host: asyncio.Event() for host in held}
        self._learned: set[str] = set()  # hosts whose batch's sightings are stored

    @classmethod
    def for_batch(
        cls,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        plans: Iterable[Plan],
        rule: Rule = RULE,
    ) -> TemplateGate:
        """The gate of a batch: its first-version checks (no version yet) of hosts that
        have shown fewer than `Rule.settled` first versions."""
        held: dict[str, set[int]] = {}
        for plan in plans:
            if isinstance(plan.baseline, Known) and plan.baseline.content_hash is None:
                held.setdefault(site_of(plan.url), set()).add(plan.article_id)
        if held:
            with transaction(sessions) as session:
                shown = templates.first_versions(session, held)
            held = {host: ids for host, ids in held.items() if shown[host] < rule.settled}
        return cls(sessions, clock, held, rule)

    def holds(self, plan: Plan) -> bool:
        return plan.article_id in self._pending.get(site_of(plan.url), ())

    async def arrive(self, plan: Plan, observation: Observation) -> bool:
        """A held check's observation: wait until its host's batch is learned from.
        True when its sightings are stored (its first fetch was a good page, and
        learning did not fail: else `record` stores them)."""
        host = site_of(plan.url)
        if not self.holds(plan):
            return False
        body = first_body(observation)
        if body is not None:
            self._bodies[host][plan.article_id] = body
        self._pending[host].discard(plan.article_id)
        self._learn_when_complete(host)
        await self._open[host].wait()
        return body is not None and host in self._learned

    def leave(self, plan: Plan) -> None:
        """A held check that will not arrive (it failed, was postponed): no longer awaited.
        Harmless for a check that arrived."""
        host = site_of(plan.url)
        if self.holds(plan):
            self._pending[host].discard(plan.article_id)
            self._learn_when_complete(host)

    def _learn_when_complete(self, host: str) -> None:
        if self._pending[host] or self._open[host].is_set():
            return
        bodies = self._bodies.pop(host, {})
        try:
            if bodies:
                with transaction(self._sessions) as session:
                    learn_first_versions(session, host, bodies, self._clock(), self._rule)
                self._learned.add(host)
        except Exception:  # learning is an improvement: the checks are stored all the same
            log.exception("cannot learn the template of %s", host)
        finally:
            self._open[host].set()
