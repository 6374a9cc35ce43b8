"""Issue 22's figures, from tracker's own export (the JSON Lines contract: what is shown
and exported) against the newsroom's truth. Each figure is a `Figure`: right of total,
and the failing cases, so that a developer sees what went wrong.

- bodies: a stored body is exactly the editor's text (paragraphs, white space folded);
- diffs: the paragraphs a revision removes and adds are those the edit removed and
  added (an edit that left no revision, or a revision without an edit, is wrong);
- bylines and titles: exactly the newsroom's;
- days: the published day tracker gives is the page's own (local) day: read from a
  `published_day` of the export when it has one, else the local date of `published_at`
  in the offset it is written with, or in `published_offset` when the export carries one
  beside it; a UTC-only time counts as its UTC day.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select

from tests.support.publishers.desk import Desk, Key
from tests.support.publishers.hosts import Host
from tracker.read import history
from tracker.store.models import Version


@dataclass
class Figure:
    name: str
    right: int = 0
    total: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, ok: bool, failure: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.failures.append(failure)

    @property
    def share(self) -> float:
        return self.right / self.total if self.total else 1.0

    def report(self, examples: int = 5) -> str:
        lines = [f"{self.name}: {self.share:.3f} ({self.right} of {self.total})"]
        lines += [f"    {failure}" for failure in self.failures[:examples]]
        if len(self.failures) > examples:
            lines.append(f"    … and {len(self.failures) - examples} more")
        return "\n".join(lines)


@dataclass
class Run:
    """What tracker stored over a run: the export, and the cycle each version was stored in."""

    desk: Desk
    articles: dict[Key, dict[str, Any]]
    stored_at: dict[tuple[int, int], int]  # (article id, version number) -> cycle
    by_url: dict[str, dict[str, Any]]  # every exported article, by its URL

    def versions(self) -> list[tuple[Key, dict[str, Any], dict[str, object]]]:
        """(story, version, the newsroom's state when it was stored), for every version."""
        out = []
        for key, article in sorted(self.articles.items()):
            for version in article["versions"]:
                cycle = self.stored_at[(article["id"], version["number"])]
                out.append((key, version, self.desk.states[(key, cycle)]))
        return out

    def cycle_of(self, key: Key, number: int) -> int:
        return self.stored_at[(self.articles[key]["id"], number)]


def run(desk: Desk, tracker: Any, cycles: int) -> Run:
    """A first check, then `cycles` rounds of the newsroom's work and a check (one
    `run --once --all` each)."""
    stored_at: dict[tuple[int, int], int] = {}
    tracker.cycle()
    for number in range(cycles + 1):
        if number:
            desk.cycle(number)
            tracker.cycle()
        with tracker.session() as session:
            for article_id, version in session.execute(select(Version.article_id, Version.number)):
                stored_at.setdefault((article_id, version), number)
    urls = desk.urls()
    with tracker.session() as session:
        exported = list(history.export(session))
    articles = {urls[a["url"]]: a for a in exported if a["url"] in urls}
    return Run(desk, articles, stored_at, {a["url"]: a for a in exported})


_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))


def clean(text: str) -> str:
    """As a reader reads it: NFC, no invisible characters (a soft hyphen), white space folded."""
    return " ".join(unicodedata.normalize("NFC", text).translate(_INVISIBLE).split())


def paragraphs(body: str | None) -> tuple[str, ...]:
    return tuple(clean(p) for p in (body or "").split("\n\n") if clean(p))


def short(text: str, width: int = 70) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def bodies(run: Run) -> Figure:
    figure = Figure("stored bodies exactly the editor's text, share of versions")
    for key, version, truth in run.versions():
        ours, theirs = paragraphs(version["body"]), tuple(map(clean, truth["body"]))  # type: ignore[call-overload]
        extra = [short(p) for p in ours if p not in theirs]
        missing = [short(p) for p in theirs if p not in ours]
        figure.add(
            ours == theirs, f"{key[0]} v{version['number']}: not the editor's {extra[:3]}, lost {missing[:2]}"
        )
    return figure


def _changes(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[Counter[str], Counter[str]]:
    return Counter(old) - Counter(new), Counter(new) - Counter(old)


def diffs(run: Run) -> Figure:
    figure = Figure("body diffs equal to the edit made, share of revisions")
    for key, article in sorted(run.articles.items()):
        numbered = {v["number"]: v for v in article["versions"]}
        revised: set[int] = set()
        for revision in article["revisions"]:
            old, new = numbered[revision["from"]], numbered[revision["to"]]
            before, after = run.cycle_of(key, old["number"]), run.cycle_of(key, new["number"])
            revised.add(after)
            truth = _changes(_body(run, key, before), _body(run, key, after))
            stored = _changes(paragraphs(old["body"]), paragraphs(new["body"]))
            if truth == stored or not (any(truth) or any(stored)):
                figure.add(True, "")
                continue
            kinds = run.desk.made(key, before, after) or tuple(revision["kinds"])
            figure.add(False, f"{key[0]} cycle {after} {kinds}: {_explain(stored, truth)}")
        for cycle, fields in sorted(run.desk.truth[key].items()):
            if "body" in fields and cycle not in revised:
                kinds = run.desk.kinds[key][cycle]
                figure.add(False, f"{key[0]} cycle {cycle} {kinds}: no revision for the edit")
    return figure


def _body(run: Run, key: Key, cycle: int) -> tuple[str, ...]:
    return tuple(map(clean, run.desk.states[(key, cycle)]["body"]))  # type: ignore[call-overload]


def _explain(stored: tuple[Counter[str], Counter[str]], truth: tuple[Counter[str], Counter[str]]) -> str:
    def lines(counter: Counter[str]) -> list[str]:
        return [short(p, 60) for p in counter]

    wrong_removed, wrong_added = stored[0] - truth[0], stored[1] - truth[1]
    lost_removed, lost_added = truth[0] - stored[0], truth[1] - stored[1]
    return (
        f"diff also removed {lines(wrong_removed)} added {lines(wrong_added)}; "
        f"missed removed {lines(lost_removed)} added {lines(lost_added)}"
    )


def bylines(run: Run) -> Figure:
    figure = Figure("bylines exact, share of versions")
    for key, version, truth in run.versions():
        ours = [n for n in (version["byline"] or "").split(", ") if n]
        theirs = list(truth["byline"])  # type: ignore[call-overload]
        figure.add(
            set(ours) == set(theirs), f"{key[0]}: {version['byline']!r}, the page's {', '.join(theirs)!r}"
        )
    return figure


def titles(run: Run) -> Figure:
    figure = Figure("titles exact, share of versions")
    for key, version, truth in run.versions():
        ok = clean(version["headline"] or "") == clean(str(truth["headline"]))
        figure.add(ok, f"{key[0]}: {version['headline']!r}, the page's {truth['headline']!r}")
    return figure


def stored_day(version: dict[str, Any]) -> date | None:
    if version.get("published_day"):
        return date.fromisoformat(version["published_day"])
    if not version.get("published_at"):
        return None
    moment = datetime.fromisoformat(version["published_at"])
    offset = version.get("published_offset")
    if isinstance(offset, int):
        moment = moment.astimezone(timezone(timedelta(minutes=offset)))
    elif isinstance(offset, str) and offset:
        moment = moment.astimezone(datetime.strptime(offset.replace(":", ""), "%z").tzinfo)
    return moment.date()


def days(run: Run) -> Figure:
    figure = Figure("published day equal to the page's own day, share of versions")
    for key, version, truth in run.versions():
        ours = stored_day(version)
        figure.add(
            ours == truth["day"], f"{key[0]}: {version['published_at']} -> {ours}, the page's {truth['day']}"
        )
    return figure


def undated(run: Run, host: Host) -> Figure:
    """Pages that declare no date (the host's stories and its captured pages): none
    stored in any version; a page of which no version was stored counts as wrong (the
    figure is about what tracker keeps of such pages, not about skipping them)."""
    figure = Figure("no date stored on pages that declare none, share of pages")
    urls = {story.slug: host.url(story) for story in host.stories} | {p: host.site.url(p) for p in host.raw}
    for name, url in urls.items():
        article = run.by_url.get(url, {"versions": []})
        if not article["versions"]:
            figure.add(False, f"{name}: no version stored")
            continue
        dated = [
            (v["published_at"], v["updated_at"])
            for v in article["versions"]
            if v["published_at"] or v["updated_at"]
        ]
        figure.add(not dated, f"{name}: stored {dated[:1]}")
    return figure


def recaptures(run: Run, hosts: list[Host]) -> Figure:
    """Re-capture pairs: the site switched to its second markup, the story unchanged; any
    revision stored from the switch on is wrong."""
    figure = Figure("re-capture pairs giving no revision")
    for host in hosts:
        key = (host.name, host.stories[0].slug)
        article = run.articles.get(key)
        if article is None or not article["versions"]:
            figure.add(False, f"{host.name}: no version stored")
            continue
        numbered = {v["number"]: v for v in article["versions"]}
        wrong = [r for r in article["revisions"] if run.cycle_of(key, r["to"]) >= (host.switch_at or 0)]
        figure.add(not wrong, f"{host.name}: {'; '.join(_revision(r, numbered) for r in wrong)}")
    return figure


def _revision(revision: dict[str, Any], numbered: dict[int, dict[str, Any]]) -> str:
    parts = []
    for change in revision["diff"]["fields"]:
        parts.append(
            f"{change['field']} {short(str(change['old']), 60)!r} -> {short(str(change['new']), 60)!r}"
        )
    if "body" in revision["changed"]:
        removed, added = _changes(
            paragraphs(numbered[revision["from"]]["body"]), paragraphs(numbered[revision["to"]]["body"])
        )
        parts.append(f"body removed {[short(p, 50) for p in removed]} added {[short(p, 50) for p in added]}")
    return ", ".join(parts)
