"""A history with every part the export writes: aliases, several versions (a declared
canonical URL, an archive origin, offsets), revisions (one ending a headline test), events,
headline tests with sightings, witnesses captured and waiting, and articles of no source.
Written as rows, so a test can have hundreds of stories in a second."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from tracker.store.models import (
    Article,
    ArticleUrl,
    Event,
    HeadlineSighting,
    HeadlineTest,
    Revision,
    Source,
    Version,
)
from tracker.store.witness_rows import Witness, WitnessState

START = datetime(2026, 11, 1, 6, 0, tzinfo=UTC)


def add_stories(session: Session, count: int, *, start: datetime = START) -> list[int]:
    """`count` stories, each a different mix of the parts; their ids."""
    source = Source(name="wire", created_at=start)
    session.add(source)
    session.flush()
    ids = []
    for i in range(count):
        at = start + timedelta(minutes=7 * i)
        article = Article(
            url=f"https://news.example/s{i}",
            host="news.example",
            source_id=source.id if i % 5 else None,
            first_seen_at=at,
            status=("active", "gone", "retired")[i % 3],
            last_changed_at=at + timedelta(hours=i % 4),
        )
        session.add(article)
        session.flush()
        ids.append(article.id)
        _story(session, article.id, i, at)
    session.flush()
    return ids


def _story(session: Session, article_id: int, i: int, at: datetime) -> None:
    session.add(
        ArticleUrl(
            url=f"https://news.example/s{i}", article_id=article_id, kind="discovered", first_seen_at=at
        )
    )
    if i % 2:
        session.add(
            ArticleUrl(
                url=f"https://amp.news.example/s{i}", article_id=article_id, kind="redirect", first_seen_at=at
            )
        )
    versions = []
    for n in range(1, 1 + i % 4 + 1):
        extra: dict[str, object] = {}
        if n == 2 and i % 3 == 0:
            extra["canonical_url"] = f"https://news.example/canonical/s{i}"
        if n == 1 and i % 7 == 0:
            extra["archive"] = {
                "name": "ia",
                "memento_url": f"https://archive.example/{i}",
                "memento_at": at.isoformat(),
            }
        version = Version(
            article_id=article_id,
            number=n,
            fetched_at=at + timedelta(hours=n),
            headline=f"Headline {i} v{n}" if n % 3 else None,
            byline="Jane Doe, John Roe" if i % 2 else None,
            body="\n\n".join(f"Paragraph {p} of story {i}, edit {n} — «quoted»." for p in range(3)),
            published_at=at - timedelta(hours=1) if i % 4 else None,
            updated_at=at + timedelta(hours=n) if n > 1 else None,
            published_offset=(-300, 60, None)[i % 3],
            updated_offset=None,
            extra=extra,
            content_hash=f"{i:032d}{n:032d}",
        )
        session.add(version)
        versions.append(version)
    session.flush()
    for n in range(2, len(versions) + 1):
        session.add(
            Revision(
                article_id=article_id,
                from_number=n - 1,
                to_number=n,
                detected_at=at + timedelta(hours=n),
                changed=["headline", "body"],
                field_changes=[{"field": "headline", "kind": "changed", "old": "a", "new": "b"}],
                body_diff=[{"op": "change", "old": [0, 1], "new": [0, 1], "words": [["=", "x"], ["+", "y"]]}],
                stats={"chars_added": n, "chars_removed": 0},
                trivial=bool(n % 2),
                kinds=["wording"],
                significance=0.25 * n,
                headline_test={"variants": [], "winner": "b", "before": None}
                if i % 6 == 1 and n == 2
                else None,
            )
        )
    if i % 3 == 1:
        session.add(
            Event(article_id=article_id, at=at + timedelta(hours=2), kind="gone", detail={"http_status": 410})
        )
        session.add(Event(article_id=article_id, at=at + timedelta(hours=2), kind="restored", detail={}))
    if i % 6 == 1:
        for kind, winner in (("headline", "B"), ("social", None)):
            session.add(
                HeadlineTest(
                    article_id=article_id,
                    kind=kind,
                    started_at=at,
                    ended_at=at if winner else None,
                    before="A",
                    variants=["A", "B"],
                    winner=winner,
                )
            )
            for text, count in (("A", 3), ("B", 5)):
                session.add(
                    HeadlineSighting(
                        article_id=article_id, kind=kind, text=text, first_seen=at, last_seen=at, count=count
                    )
                )
    for k, version in enumerate(versions):
        if (i + k) % 4 == 0:
            for state, minutes in (
                (WitnessState.CAPTURED, 9),
                (WitnessState.CAPTURED, 3),
                (WitnessState.PENDING, 1),
            ):
                session.add(
                    Witness(
                        version_id=version.id,
                        destination=f"spn{minutes}",
                        url=f"https://news.example/s{i}",
                        state=state,
                        requested_at=at,
                        next_attempt_at=at,
                        memento_url=f"https://archive.example/{i}/{minutes}"
                        if state == WitnessState.CAPTURED
                        else None,
                        memento_at=at + timedelta(minutes=minutes)
                        if state == WitnessState.CAPTURED
                        else None,
                    )
                )
