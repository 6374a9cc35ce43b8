"""A witness is of a fetch: when `tracker reextract` derives a history again, a memento
follows its version to the row that replaces it, or to the version a false one folds
into; none is lost and none changes its id (a witness job may be asking about it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.e2e.test_reextract import FIXED, _run, _track
from tests.support.site import NewsSite
from tracker.read import history
from tracker.store import repository, witnesses
from tracker.store.models import Version
from tracker.store.witness_rows import Witness


def test_mementos_follow_their_versions_through_a_reextraction(
    site: NewsSite, make_tracker: Any, db_url: str
) -> None:
    bad, desk, real = _track(site, make_tracker, db_url)
    harbour = site.url(next(iter(desk.stories)))
    now = datetime.now(UTC)
    with bad.sessions.begin() as session:  # a witness landed for every version
        for version in session.scalars(select(Version)):
            witnesses.enqueue(session, version.id, "pywb", harbour, now)
        session.flush()
        for row in session.scalars(select(Witness)):
            witnesses.captured(session, row.id, f"http://archive.test/coll/{row.id}/{harbour}", now)
    with bad.session() as session:
        before = {w.id: w.memento_url for w in session.scalars(select(Witness))}
        article = repository.find_article(session, harbour)
        assert article is not None
        versions_before = len(history.history(session, article)["versions"])
    bad.close()

    fixed = make_tracker(
        db_url, sources=[{"name": "sim", "urls": list(map(site.url, desk.stories))}], sites=FIXED
    )
    done = _run(fixed, dry_run=False)
    assert done.versions_collapsed > 0
    with fixed.session() as session:
        after = {w.id: w.memento_url for w in session.scalars(select(Witness))}
        live = set(session.scalars(select(Version.id)))
        assert all(w.version_id in live for w in session.scalars(select(Witness)))
        article = repository.find_article(session, harbour)
        assert article is not None
        shown = history.history(session, article)["versions"]
    assert after == before  # every memento kept, under its id
    assert len(shown) == len(real["/world/2026/dec/05/harbour-vote"]) < versions_before
    assert sum(len(v["witnesses"]) for v in shown) == versions_before  # the folded ones' too


def test_versions_imported_from_a_crawl_ask_no_witness(
    tmp_path: Any, site: NewsSite, make_tracker: Any
) -> None:
    """An import's pages are the site's past, not its present: a witness of them would
    capture today's page under an old version's name."""
    from tests.e2e.test_import import browsertrix_crawl, imported
    from tracker.pipeline.imports import Options

    browsertrix_crawl(tmp_path / "crawl.warc.gz", site)
    destination = {"name": "pywb", "kind": "pywb-record", "url": "http://127.0.0.1:9/witness"}
    tracker = make_tracker(
        f"sqlite:///{tmp_path / 'tracker.db'}",
        sources=[{"name": "crawl", "urls": [site.url("/")], "witness": "pywb"}],
        witness={"destinations": [destination]},
    )
    done = imported(tracker, [tmp_path / "crawl.warc.gz"], Options(source="crawl", track=True))
    assert done.versions == 5
    with tracker.session() as session:
        assert list(session.scalars(select(Witness))) == []
