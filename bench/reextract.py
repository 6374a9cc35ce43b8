"""How fast `tracker reextract` reads a history again, on real pages.

Builds a SQLite database (under bench/out/) of --articles articles, each with
--versions versions whose captures are real pages of ../shared/corpus (readability's
test pages, one page an article, its first `<p>` edited in each version: where that
paragraph is not the article's, the versions read the same and collapse),
stamped as made under another site rule; then times a dry run and a real run
(which re-derives every version: the rule's hash changed) and prints versions per
second and the process's peak memory.

    .venv/bin/python bench/reextract.py [--articles 40] [--versions 5]
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tracker.config import config_from_mapping
from tracker.core.normalize import make_content
from tracker.fetch import Page
from tracker.pipeline import captures
from tracker.pipeline.rederive import Scope, articles_in, reextract
from tracker.store import db, histories
from tracker.store.models import Article

OUT = Path(__file__).resolve().parent / "out"
CORPUS = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus" / "readability" / "test" / "test-pages"
)
NOW = datetime.now(UTC).replace(microsecond=0)


def build(url: str, articles: int, versions: int) -> int:
    """The database: each article's versions with a capture each; how many versions."""
    engine = db.create_engine(url)
    db.upgrade(engine)
    sessions = db.session_factory(engine)
    pages = sorted(p for p in CORPUS.glob("*/source.html") if p.stat().st_size > 20_000)[:articles]
    made = 0
    with db.transaction(sessions) as session:
        for index, path in enumerate(pages):
            html = path.read_text(encoding="utf-8", errors="replace")
            article = Article(
                url=f"https://example.org/{path.parent.name}", host="example.org", first_seen_at=NOW
            )
            session.add(article)
            session.flush()
            for number in range(1, versions + 1):
                edited = html.replace(
                    "</body>", f"<p>Correction number {number} of story {index}.</p></body>", 1
                )
                content = make_content(
                    headline=path.parent.name, byline=None, paragraphs=[f"placeholder {number}"],
                    published_at=None, updated_at=None,
                )  # fmt: skip
                at = NOW - timedelta(hours=versions - number)
                version = histories.add_version(
                    session, article, content, fetched_at=at, extra={}, extractor={"rules": "old"}
                )
                page = Page(article.url, article.url, 200, edited.encode(), "text/html; charset=utf-8")
                captures.keep(session, article.id, page, role="version", version_number=version.number, at=at)
                made += 1
    engine.dispose()
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--versions", type=int, default=5)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    path = OUT / "reextract.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    made = build(url, args.articles, args.versions)
    config = config_from_mapping({"database": {"url": url}})
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    ids = articles_in(sessions, Scope())
    for dry in (True, False):
        began = time.perf_counter()
        report = reextract(config, sessions, ids, now=lambda: datetime.now(UTC), dry_run=dry)
        took = time.perf_counter() - began
        print(
            f"{'dry run' if dry else 'real run'}: {made} versions of {len(ids)} articles in {took:.1f} s "
            f"({made / took:.1f} versions/s); changed {report.versions_changed}, "
            f"collapsed {report.versions_collapsed}, kept as they are {dict(report.unreadable)}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory {peak:.0f} MB; database {path.stat().st_size / 1e6:.1f} MB")
    engine.dispose()


if __name__ == "__main__":
    main()
