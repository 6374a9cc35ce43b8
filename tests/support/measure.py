"""Run tracker against a Newsroom and measure it (issue 3's figures)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import aliased

from tests.support.newsroom import Newsroom, fields_order
from tracker.store.models import Article, ArticleStatus, ArticleUrl, Revision, Version

_TOKEN = re.compile(r"\w+")


@dataclass
class Report:
    edits: int = 0
    recorded: int = 0
    found: int = 0
    fields_exact: int = 0
    versions: int = 0
    headline_exact: int = 0
    byline_exact: int = 0
    body_f1: list[float] = field(default_factory=list)
    published_exact: int = 0
    published_total: int = 0
    updated_exact: int = 0
    updated_total: int = 0
    split_histories: int = 0
    withdrawn: int = 0
    withdrawn_gone: int = 0
    troubled: int = 0
    template_changes: int = 0  # revisions marked as the site's template changing
    missed: list[Any] = field(default_factory=list)
    spurious: list[Any] = field(default_factory=list)
    wrong_fields: list[Any] = field(default_factory=list)
    wrong_content: list[Any] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.found / self.recorded if self.recorded else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.edits if self.edits else 1.0

    def share(self, right: int, total: int | None = None) -> float:
        total = self.versions if total is None else total
        return right / total if total else 1.0

    def explain(self) -> str:
        """What went wrong, for a failing assertion's neighbourhood in the output."""
        return (
            f"missed {self.missed[:10]}\nspurious {self.spurious[:10]}\n"
            f"wrong fields {self.wrong_fields[:10]}\nwrong content {self.wrong_content[:10]}"
        )

    def lines(self) -> list[str]:
        f1 = sorted(self.body_f1)
        return [
            f"edits {self.edits}, versions recorded after the first {self.recorded}, "
            f"bad pages served {self.troubled}",
            f"precision {self.precision:.4f}  recall {self.recall:.4f}  "
            f"changed fields exact {self.share(self.fields_exact, self.edits):.4f}",
            f"over {self.versions} versions: headline exact {self.share(self.headline_exact):.4f}  "
            f"byline exact {self.share(self.byline_exact):.4f}  "
            f"body token F1 mean {sum(f1) / len(f1):.4f} (min {f1[0]:.3f})",
            f"published exact to the minute {self.share(self.published_exact, self.published_total):.4f} "
            f"({self.published_total})  updated {self.share(self.updated_exact, self.updated_total):.4f} "
            f"({self.updated_total})",
            f"split histories {self.split_histories}; "
            f"withdrawn {self.withdrawn}, marked gone {self.withdrawn_gone}",
        ]


def run(newsroom: Newsroom, tracker: Any, cycles: int) -> Report:
    """Publish-then-check, then `cycles` rounds of newsroom activity and checks. A version
    belongs to the cycle it was first stored in, a revision to its newer version's: two
    histories joined later keep the cycles their versions were seen in."""
    site = newsroom.site
    tracker.cycle()
    stored_at: dict[int, int] = {}  # version id -> the cycle it was stored in
    seen_version = 0
    for number in range(cycles + 1):
        if number:
            newsroom.cycle(number, cycles)
            tracker.cycle()
        with tracker.session() as session:
            for (version_id,) in session.execute(select(Version.id).where(Version.id > seen_version)).all():
                stored_at[version_id] = number
                seen_version = max(seen_version, version_id)
    url_to_key = _url_keys(newsroom, site.base)
    recorded: dict[tuple[str, int], list[str]] = {}
    templates = 0
    with tracker.session() as session:
        article_key = _article_keys(session, url_to_key)
        newer = aliased(Version)
        for article_id, changed, kinds, version_id in session.execute(
            select(Revision.article_id, Revision.changed, Revision.kinds, newer.id).join(
                newer, (newer.article_id == Revision.article_id) & (newer.number == Revision.to_number)
            )
        ).all():
            if "template" in kinds:  # recorded as the site's template changing, not as an edit
                templates += 1
                continue
            recorded[(article_key.get(article_id, f"?{article_id}"), stored_at[version_id])] = changed
    report = _report(newsroom, tracker, recorded, stored_at)
    report.template_changes = templates
    return report


def _url_keys(newsroom: Newsroom, base: str) -> dict[str, str]:
    return {base + path: key for key, paths in newsroom.paths.items() for path in paths}


def _article_keys(session: Any, url_to_key: dict[str, str]) -> dict[int, str]:
    keys: dict[int, str] = {}
    for article_id, url in session.execute(select(ArticleUrl.article_id, ArticleUrl.url)).all():
        if url in url_to_key:
            keys[article_id] = url_to_key[url]
    return keys


def _report(
    newsroom: Newsroom,
    tracker: Any,
    recorded: dict[tuple[str, int], list[str]],
    stored_at: dict[int, int],
) -> Report:
    report = Report(troubled=len(newsroom.troubled))
    real = {
        (key, cycle): fields_order(fields)
        for key, edits in newsroom.truth.items()
        for cycle, fields in edits.items()
    }
    found = real.keys() & recorded.keys()
    report.edits, report.recorded, report.found = len(real), len(recorded), len(found)
    report.fields_exact = sum(recorded[k] == real[k] for k in found)
    report.missed = sorted(real.keys() - recorded.keys())
    report.spurious = sorted((k, recorded[k]) for k in recorded.keys() - real.keys())
    report.wrong_fields = sorted((k, recorded[k], real[k]) for k in found if recorded[k] != real[k])
    url_to_key = _url_keys(newsroom, newsroom.site.base)
    with tracker.session() as session:
        article_key = _article_keys(session, url_to_key)
        per_story = Counter(article_key.values())
        report.split_histories = sum(count - 1 for count in per_story.values() if count > 1)
        statuses = dict(session.execute(select(Article.id, Article.status)).all())
        gone_keys = {
            article_key[a]
            for a, status in statuses.items()
            if status == ArticleStatus.GONE and a in article_key
        }
        report.withdrawn, report.withdrawn_gone = len(newsroom.withdrawn), len(newsroom.withdrawn & gone_keys)
        for version in session.scalars(select(Version)):
            key = article_key.get(version.article_id)
            cycle = stored_at.get(version.id)
            if key is None or cycle is None:
                continue
            _score(report, version, newsroom.states[(key, cycle)], (key, cycle))
    return report


def _score(report: Report, version: Version, truth: dict[str, Any], where: tuple[str, int]) -> None:
    report.versions += 1
    headline_ok = version.headline == truth["headline"]
    byline_ok = set((version.byline or "").split(", ")) == set(truth["byline"])
    report.headline_exact += headline_ok
    report.byline_exact += byline_ok
    ours, theirs = (
        Counter(_TOKEN.findall(version.body.lower())),
        Counter(_TOKEN.findall(" ".join(truth["body"]).lower())),
    )
    common = sum((ours & theirs).values())
    f1 = 2 * common / (sum(ours.values()) + sum(theirs.values())) if common else 0.0
    report.body_f1.append(f1)
    report.published_total += 1
    report.published_exact += _same_minute(version.published_at, truth["published_at"])
    if truth["updated_at"] is not None:
        report.updated_total += 1
        report.updated_exact += _same_minute(version.updated_at, truth["updated_at"])
    if not (headline_ok and byline_ok and f1 > 0.99):
        report.wrong_content.append((where, version.number, headline_ok, byline_ok, round(f1, 3)))


def _same_minute(a: Any, b: Any) -> bool:
    return a is not None and b is not None and abs((a - b).total_seconds()) < 60
