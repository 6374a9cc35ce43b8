"""Pictures for the web pages, drawn on the server as inline SVG (no script: the
Content-Security-Policy allows none): revisions per day as bars, and an article's
versions and failed checks on one time line.

Only presentation attributes are used, never `style`: the policy forbids inline
styles too. Every text in a picture (a tooltip's `<title>`) is escaped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from tracker.store import counts as kept_counts
from tracker.store.models import GOOD_OUTCOMES

DAYS = 30


def revisions_per_day(session: Session, now: datetime, days: int = DAYS) -> dict[str | None, list[int]]:
    """Per source (None: articles without one), its revisions (not trivial) on each of the
    last `days` days (UTC), the oldest first; today is the last. Read from the counts kept
    as revisions are written (`tracker.store.counts`): a few hundred rows, whatever the
    history's size."""
    first = (now.astimezone(UTC) - timedelta(days=days - 1)).date()
    counts: dict[str | None, list[int]] = defaultdict(lambda: [0] * days)
    for name, day, revisions, trivial in kept_counts.by_source_and_day(session, first):
        index = (_as_date(day) - first).days
        if 0 <= index < days and revisions > trivial:
            counts[name][index] += revisions - trivial
    return dict(counts)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def bars(counts: list[int], today: date, *, width: int = 240, height: int = 40) -> Markup:
    """A bar a day, the last one today; each bar's tooltip gives its day and count."""
    top = max(counts, default=0) or 1
    step = width / max(len(counts), 1)
    first = today - timedelta(days=len(counts) - 1)
    parts = [
        Markup(
            '<svg class="bars" role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>'
            '<line x1="0" y1="{h}" x2="{w}" y2="{h}" stroke="#bbb" stroke-width="1"/>'
        ).format(w=width, h=height, label=f"revisions per day, last {len(counts)} days: {sum(counts)} in all")
    ]
    for index, count in enumerate(counts):
        if not count:
            continue
        tall = max(1.0, (height - 2) * count / top)
        day = first + timedelta(days=index)
        parts.append(
            Markup(
                '<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{bh:.1f}" fill="#4a6fb5">'
                "<title>{label}</title></rect>"
            ).format(
                x=index * step + 0.5,
                y=height - tall,
                bw=max(step - 1, 1),
                bh=tall,
                label=f"{day.isoformat()}: {count} revision{'s' if count != 1 else ''}",
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def timeline_strip(article: dict[str, Any], *, width: int = 600, height: int = 28) -> Markup | None:
    """An article's versions (blue) and failed checks (red) between its first sighting and
    its last check, each mark's tooltip saying what and when. None with nothing to draw."""
    marks: list[tuple[datetime, str, str]] = []
    for entry in article["timeline"]:
        if entry["type"] == "version" and entry["at"]:
            marks.append((datetime.fromisoformat(entry["at"]), "#2456a8", f"version {entry['number']}"))
    for check in article["checks"]:
        if check["outcome"] not in GOOD_OUTCOMES and check["started_at"]:
            why = check["error_kind"] or check["outcome"]
            marks.append((datetime.fromisoformat(check["started_at"]), "#c0392b", f"check failed: {why}"))
    if not marks:
        return None
    moments = [m[0] for m in marks]
    if article.get("first_seen_at"):
        moments.append(datetime.fromisoformat(article["first_seen_at"]))
    start, end = min(moments), max(moments)
    span = (end - start).total_seconds() or 1.0
    parts = [
        Markup(
            '<svg class="strip" role="img" viewBox="0 0 {w} {h}" width="100%" height="{h}" '
            'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
            "<title>{label}</title>"
            '<line x1="0" y1="{mid}" x2="{w}" y2="{mid}" stroke="#ccd" stroke-width="2"/>'
        ).format(w=width, h=height, mid=height / 2, label="versions (blue) and failed checks (red) over time")
    ]
    for moment, colour, what in sorted(marks):
        x = 3 + (width - 6) * (moment - start).total_seconds() / span
        parts.append(
            Markup(
                '<rect x="{x:.1f}" y="3" width="4" height="{bh}" fill="{colour}">'
                "<title>{label}</title></rect>"
            ).format(x=x - 2, bh=height - 6, colour=colour, label=f"{what}, {moment.isoformat()[:16]}")
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
