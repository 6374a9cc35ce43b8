"""End to end: stories first tracked late get their earlier versions back from a real
pywb on loopback (`tracker backfill`), whose collection holds the simulated newsroom's
pages as they were at earlier steps, written with warcio as a crawler writes them.

One story is followed closely (`Followed`): captured at steps 1 to 4, twice at step 1
(the chrome differs, the story not), once as a challenge page and once cut off; tracked
at step 5; changed at 5b, when only the archive saw it; tracked again at step 6. A
newsroom of 20 more stories, edited at random, captured with gaps, duplicates and bad
captures, measures precision and recall of the edits recovered against the edits the
archive holds. Stubs in front of the same pywb (`tests/support/archive.py`) answer 429
with Retry-After, or slowly.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from warcio.archiveiterator import ArchiveIterator

from tests.support.archive import ArchiveStub, Collection
from tests.support.harness import Tracker, make_config
from tests.support.newsroom import Newsroom, snapshot
from tests.support.pywb import Pywb
from tests.support.site import INTERSTITIALS, NewsSite, Story, paragraph, sentence, tolerance
from tracker.cli import main
from tracker.fetch import Fetcher
from tracker.pipeline.backfill import Report, articles_in, backfill
from tracker.read.revisions import RevisionFilter, report_items_after
from tracker.store import generations, histories, repository
from tracker.store.models import Article, Event, Version
from tracker.web import create_app

pytestmark = pytest.mark.slow

DAY0 = datetime(2026, 11, 20, 8, tzinfo=UTC)  # step n is captured on day n after it
STORIES = 20


def day(step: float) -> datetime:
    return DAY0 + timedelta(days=step)


@dataclass
class Followed:
    """The story followed closely: its states and what the archive holds of it."""

    story: Story
    url: str
    states: dict[str, dict[str, object]] = field(default_factory=dict)
    captures: int = 0


@dataclass
class World:
    site: NewsSite
    pywb: Pywb
    followed: Followed
    newsroom: Newsroom
    archived: dict[str, list[tuple[int, datetime]]]  # story key -> (step, capture time) of its pages
    keys: dict[str, str]  # URL -> story key
    taken_down: str  # the URL of a story the archive saw redirected to the home page on day 2

    def archive(self) -> dict[str, str]:
        base = f"http://127.0.0.1:{self.pywb.port}"
        return {
            "name": "pywb",
            "timemap": f"{base}/coll/timemap/link/{{url}}",
            "cdx": f"{base}/coll/cdx?url={{url}}&output=json",
        }


def capture(
    collection: Collection, site: NewsSite, story: Story, at: datetime, html: str | None = None
) -> None:
    """The page as served now (fresh chrome each time) captured at `at`."""
    site.hits[story.path] = site.hits.get(story.path, 0) + 1
    collection.add(site.url(story.path), at, html if html is not None else site.render(story))


def follow(site: NewsSite, collection: Collection) -> Followed:
    """Steps 1 to 4 and 5b of the followed story, captured; left at step 5."""
    story = site.add_story("jsonld", paragraphs=6, slug="harbour-vote-a777")
    followed = Followed(story, site.url(story.path))
    rng = random.Random(3)
    followed.states["1"] = snapshot(story)
    capture(collection, site, story, day(1))
    capture(collection, site, story, day(1) + timedelta(hours=1))  # the same story, other chrome
    story.headline = "Harbour plan approved after a night of debate"
    followed.states["2"] = snapshot(story)
    capture(collection, site, story, day(2))
    capture(collection, site, story, day(2) + timedelta(minutes=30), INTERSTITIALS["challenge"])
    story.paragraphs.insert(2, paragraph(rng))
    followed.states["3"] = snapshot(story)
    capture(collection, site, story, day(3))
    whole = site.render(story)
    capture(collection, site, story, day(3) + timedelta(hours=1), whole[: int(len(whole) * 0.55)])
    story.paragraphs.append("Correction: an earlier version of this story misstated the date of the vote.")
    story.updated_at = day(4) - timedelta(hours=1)
    followed.states["4"] = snapshot(story)
    capture(collection, site, story, day(4))
    story.paragraphs[0] = story.paragraphs[0] + " " + sentence(rng, 6)
    followed.states["5"] = snapshot(story)
    capture(collection, site, story, day(5) + timedelta(hours=2))  # after tracker's first look
    story.byline = ["Jane Doe", "Ines Paz"]
    followed.states["5b"] = snapshot(story)
    capture(collection, site, story, day(6))  # between tracker's two looks: only the archive saw it
    story.byline = ["Jane Doe"]
    followed.captures = len(collection.captures)
    return followed


def sent_home(site: NewsSite, collection: Collection) -> str:
    """A story captured on day 1, then (the desk took it down for a day) captured as a
    302 to the home page, which the archive captured too: another story leads it."""
    story, lead = site.add_story("meta", slug="ferry-strike-a778"), site.add_story("jsonld", slug="lead-a779")
    url = site.url(story.path)
    capture(collection, site, story, day(1))
    story.paragraphs.append("The union said talks would resume on Monday.")  # as tracker first sees it
    collection.add(url, day(2), b"", status=302, location=site.url("/"))
    collection.add(site.url("/"), day(2) + timedelta(seconds=1), site.render(lead))
    return url


def newsroom_archive(
    site: NewsSite, collection: Collection
) -> tuple[Newsroom, dict[str, list[tuple[int, datetime]]]]:
    """20 stories edited at random over four steps, each step's pages captured, with gaps
    (a page not captured), duplicates and bad captures; then edited once more (step 5)."""
    newsroom = Newsroom(site, seed=19, edit_share=0.75, templates=("jsonld", "meta", "wordpress", "time"))
    newsroom.publish(STORIES)
    rng = random.Random(23)
    archived: dict[str, list[tuple[int, datetime]]] = {key: [] for key in newsroom.stories}
    for step in range(1, 5):
        newsroom.cycle(step, last=99)
        for index, (key, story) in enumerate(newsroom.stories.items()):
            at = day(step) + timedelta(minutes=index)
            if rng.random() < 0.15:
                continue  # the archive never took it that day: a gap
            capture(collection, site, story, at)
            archived[key].append((step, at))
            if rng.random() < 0.25:
                capture(collection, site, story, at + timedelta(hours=1))
                archived[key].append((step, at + timedelta(hours=1)))
            if rng.random() < 0.1:
                bad = rng.choice([INTERSTITIALS["challenge"], INTERSTITIALS["error200"], "cut"])
                whole = site.render(story)
                capture(
                    collection,
                    site,
                    story,
                    at + timedelta(hours=2),
                    whole[: len(whole) // 2] if bad == "cut" else bad,
                )
    newsroom.cycle(5, last=99)
    return newsroom, archived


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("archive")
    site = NewsSite(seed=41).start()
    collection = Collection()
    followed = follow(site, collection)
    taken_down = sent_home(site, collection)
    newsroom, archived = newsroom_archive(site, collection)
    pywb = Pywb(folder)
    pywb.add(collection.write(folder / "newsroom.warc.gz"))
    pywb.start()
    keys = {site.url(story.path): key for key, story in newsroom.stories.items()}
    yield World(site, pywb, followed, newsroom, archived, keys, taken_down)
    pywb.stop()
    site.stop()


def run_backfill(tracker: Tracker, article_ids: list[int], **options: Any) -> Report:
    async def go() -> Report:
        async with Fetcher(tracker.config.fetch) as fetcher:
            return await backfill(
                tracker.config, tracker.sessions, fetcher, tracker.config.archives, article_ids,
                now=lambda: datetime.now(UTC), **options,
            )  # fmt: skip

    return asyncio.run(go())


def track(tracker: Tracker, urls: list[str], source: str = "news") -> list[int]:
    now = datetime.now(UTC)
    with tracker.session() as session:
        named = repository.source_named(session, source, now)
        ids = [repository.add_article(session, url, source=named, now=now)[0].id for url in urls]
        session.commit()
    tracker.cycle()
    return ids


def fields(version: Version) -> tuple[object, ...]:
    return version.headline, tuple(version.body.split("\n\n"))


def state_fields(state: dict[str, object]) -> tuple[object, ...]:
    return state["headline"], state["body"]


def test_a_story_tracked_late_gets_its_earlier_versions_with_their_times_and_revisions(
    world: World, db_url: str, tmp_path: Path
) -> None:
    followed, story = world.followed, world.followed.story
    tracker = Tracker(make_config(db_url, archives=[world.archive()]))
    try:
        (article_id,) = track(tracker, [followed.url])  # step 5: version 1
        story.headline = "Harbour plan approved; work to start in spring"
        tracker.cycle()  # step 6: version 2
    finally:
        story.headline, story.byline = str(followed.states["5"]["headline"]), ["Jane Doe"]
    with tracker.session() as session:  # tracker looked on day 5 and day 7
        for number, when in ((1, day(5)), (2, day(7))):
            session.execute(
                update(Version)
                .where(Version.article_id == article_id, Version.number == number)
                .values(fetched_at=when)
            )
        (detected,) = histories.revisions_of(session, article_id)
        session.commit()

    report = run_backfill(tracker, [article_id])

    with tracker.session() as session:
        versions = histories.versions_of(session, article_id)
        revisions = {r.to_number: r for r in histories.revisions_of(session, article_id)}
        origins = [(v.extra.get("archive") or {}).get("name") for v in versions]
        assert origins == ["pywb", "pywb", "pywb", "pywb", None, "pywb", None], report.as_json()
        states = followed.states
        expected = [states["1"], states["2"], states["3"], states["4"], states["5"], states["5b"]]
        assert [fields(v) for v in versions[:6]] == [state_fields(s) for s in expected]
        assert [v.fetched_at for v in versions] == [day(1), day(2), day(3), day(4), day(5), day(6), day(7)]
        assert [v.extra["archive"]["memento_url"] for v in versions[:1]] == [
            f"{world.archive()['timemap'].split('/timemap')[0]}/20261121080000id_/{followed.url}"
        ]
        assert [revisions[n].changed for n in range(2, 8)] == [
            ["headline"],
            ["body"],
            ["body", "updated_at"],
            ["body"],
            ["byline"],
            ["headline", "byline"],
        ]
        # the revision tracker detected keeps its id (it now leads from the archive's 5b)
        assert revisions[7].id == detected.id and "archive" not in revisions[7].kinds
        assert all("archive" in revisions[n].kinds for n in range(2, 7))
        unsent = report_items_after(session, RevisionFilter(after_id=0, archived=False, include_trivial=True))
        assert [item.revision.id for item in unsent] == [detected.id]  # no webhook hears of the past
        assert generations.current(session, article_id) == 2
        assert len(generations.kept_versions(session, article_id, 1)) == 2
        event = session.scalar(
            select(Event).where(Event.article_id == article_id, Event.kind == "backfilled")
        )
        assert event is not None and event.detail["versions"] == {"before": 2, "added": 5}
    skipped = report.as_json()["captures"]["not_versions"]
    assert skipped["the page was cut off before its end"] == 1, skipped
    assert any(why.startswith("looks like an interstitial page") for why in skipped), skipped
    assert skipped["the same as the version before"] == 2, skipped  # step 1 twice, step 5 after tracker's
    assert report.harvest.fetched == followed.captures and report.harvest.failures == Counter()

    again = run_backfill(tracker, [article_id])  # nothing new: nothing fetched, nothing added
    assert (again.harvest.fetched, again.versions_added, again.harvest.kept_before) == (
        0,
        0,
        followed.captures,
    )

    config = tmp_path / "config.yaml"
    settings = {
        "database": {"url": db_url},
        "fetch": {"allow_private_addresses": True},  # the archive is on loopback
        "archives": [world.archive()],
    }
    config.write_text(yaml.safe_dump(settings))
    history = CliRunner().invoke(main, ["--config", str(config), "history", str(article_id)])
    assert history.exit_code == 0 and history.output.count("(from archive pywb:") == 5, history.output
    exported = CliRunner().invoke(main, ["--config", str(config), "export", "--format", "jsonl"])
    (line,) = [json.loads(text) for text in exported.output.splitlines() if text.startswith("{")]
    assert [v["archive"]["name"] if v["archive"] else None for v in line["versions"]] == origins
    assert line["versions"][0]["archive"]["memento_at"] == day(1).isoformat()
    with TestClient(create_app(tracker.config, tracker.sessions)) as client:
        page = client.get(f"/articles/{article_id}").text
        assert page.count("from the archive <strong>pywb</strong>") == 5, page
        api = client.get(f"/api/articles/{article_id}/versions/1").json()
        assert api["archive"]["name"] == "pywb" and api["fetched_at"] == day(1).isoformat()
    dry = CliRunner().invoke(
        main, ["--config", str(config), "backfill", str(article_id), "--dry-run", "--json"]
    )
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["captures"]["kept_before"] == followed.captures
    warc = tmp_path / "history.warc.gz"
    out = CliRunner().invoke(
        main, ["--config", str(config), "export", "--format", "warc", "--output", str(warc)]
    )
    assert out.exit_code == 0, out.output
    with warc.open("rb") as stream:  # each memento kept as fetched, and the versions made from them
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI")) for r in ArchiveIterator(stream)]
    assert len([uri for kind, uri in records if kind == "response" and "id_/" in uri]) == followed.captures
    assert len([uri for kind, uri in records if kind == "metadata" and "id_/" in uri]) == 5, records
    reread = CliRunner().invoke(
        main, ["--config", str(config), "reextract", "--article", str(article_id), "--dry-run", "--json"]
    )
    versions_read = json.loads(reread.output)["versions"]  # a recovered version is read from its memento
    assert (versions_read["current"], versions_read["not_rederivable"]) == (7, {}), reread.output
    tracker.close()


def test_the_command_names_what_it_needs(tmp_path: Path, sqlite_url: str) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump({"database": {"url": sqlite_url}, "archives": [{"name": "ours", "timemap": "x"}]})
    )
    bad = CliRunner().invoke(main, ["--config", str(config), "backfill", "7"])
    assert bad.exit_code == 1 and "archives.0.timemap: 'x' is not an http(s) URL template" in bad.output
    config.write_text(yaml.safe_dump({"database": {"url": sqlite_url}}))
    assert CliRunner().invoke(main, ["--config", str(config), "init"]).exit_code == 0
    neither = CliRunner().invoke(main, ["--config", str(config), "backfill"])
    assert neither.exit_code == 2 and "name one article (ID or URL) or --source" in neither.output
    unknown = CliRunner().invoke(
        main, ["--config", str(config), "backfill", "--source", "x", "--archive", "nope"]
    )
    assert unknown.exit_code == 1 and "no archive named 'nope' (configured: ia)" in unknown.output


def test_a_429_with_retry_after_from_the_archive_is_obeyed(world: World, sqlite_url: str) -> None:
    stub = ArchiveStub(world.pywb.port, throttle=2, retry_after=1, wayback=True)  # its CDX rows, its 429
    tracker = Tracker(make_config(sqlite_url, archives=[stub.archive("ia")]))
    try:
        (article_id,) = track(tracker, [world.followed.url])
        report = run_backfill(tracker, [article_id])
    finally:
        stub.stop()
    asked = stub.asked()
    refused = [i for i, (_at, _path, status) in enumerate(asked) if status == 429]
    assert len(refused) == 2, asked
    for index in refused:
        waited = asked[index + 1][0] - asked[index][0]
        assert waited >= 1 - tolerance(1), f"asked again {waited:.2f}s after a 429 with Retry-After: 1"
    assert report.harvest.fetched == world.followed.captures and report.versions_added == 6, report.as_json()


def test_an_archive_with_a_timemap_only_is_read_through_memento(world: World, sqlite_url: str) -> None:
    stub = ArchiveStub(world.pywb.port)
    archive = {key: value for key, value in stub.archive("memento").items() if key != "cdx"}
    tracker = Tracker(make_config(sqlite_url, archives=[archive]))
    try:
        (article_id,) = track(tracker, [world.followed.url])
        report = run_backfill(tracker, [article_id])
    finally:
        stub.stop()
    paths = [path for _at, path, _status in stub.asked()]
    assert paths[0].startswith("/coll/timemap/link/") and not any("/cdx" in path for path in paths), paths
    assert all("id_/" in path for path in paths[1:]), paths  # pywb lists mp_ mementos: read as id_
    assert report.harvest.fetched == world.followed.captures and report.versions_added == 6, report.as_json()


@pytest.mark.parametrize("wayback", [False, True], ids=["pywb", "wayback-machine"])
def test_a_capture_of_a_redirect_to_another_page_is_no_version(
    world: World, sqlite_url: str, wayback: bool
) -> None:
    """pywb answers the archived 302 with the live Location (refused: only the archive's
    hosts are asked); the Wayback Machine with one in the archive (followed, to a capture
    of the home page, which is not the story)."""
    stub = ArchiveStub(world.pywb.port, wayback=wayback)
    archive = {
        key: value for key, value in stub.archive("memento").items() if key != "cdx"
    }  # the TimeMap lists it
    tracker = Tracker(make_config(sqlite_url, archives=[archive]))
    try:
        (article_id,) = track(tracker, [world.taken_down])
        report = run_backfill(tracker, [article_id]).as_json()
    finally:
        stub.stop()
    with tracker.session() as session:
        versions = histories.versions_of(session, article_id)
    assert [v.fetched_at for v in versions[:-1]] == [day(1)], report
    if wayback:
        assert report["captures"]["not_versions"] == {"the capture is of another page": 1}, report
    else:
        assert report["captures"]["not_pages"] == {"a redirect out of the archive": 1}, report
    assert world.site.hits.get("/", 0) == 0, "the live site was asked"


def test_captures_after_trackers_latest_version_are_not_fetched(world: World, sqlite_url: str) -> None:
    tracker = Tracker(make_config(sqlite_url, archives=[world.archive()]))
    (article_id,) = track(tracker, [world.followed.url])
    with tracker.session() as session:  # tracker first looked on day 3, an hour after the archive
        session.execute(update(Version).where(Version.article_id == article_id).values(fetched_at=day(3.04)))
        session.commit()
    report = run_backfill(tracker, [article_id])
    assert (report.harvest.fetched, report.harvest.after_latest) == (5, 4), report.as_json()
    with tracker.session() as session:
        assert [v.fetched_at for v in histories.versions_of(session, article_id)] == [
            day(1),
            day(2),
            day(3),
            day(3.04),
        ]


def test_since_leaves_older_captures_alone(world: World, sqlite_url: str) -> None:
    tracker = Tracker(make_config(sqlite_url, archives=[world.archive()]))
    (article_id,) = track(tracker, [world.followed.url])
    report = run_backfill(tracker, [article_id], since=day(3))
    assert report.harvest.fetched == world.followed.captures - 4, (
        report.as_json()
    )  # not day 1's two, nor day 2's
    with tracker.session() as session:
        recovered = [v.fetched_at for v in histories.versions_of(session, article_id)][:-1]
    assert recovered == [day(3), day(4), day(5) + timedelta(hours=2), day(6)]


def test_a_capture_that_failed_is_a_gap_that_the_next_run_fills(world: World, sqlite_url: str) -> None:
    stub = ArchiveStub(world.pywb.port)
    stub.broken = {"20261123080000id_"}  # step 3's capture
    tracker = Tracker(make_config(sqlite_url, archives=[stub.archive("ia")]))
    try:
        (article_id,) = track(tracker, [world.followed.url])
        first = run_backfill(tracker, [article_id])
        with tracker.session() as session:
            gapped = [v.fetched_at for v in histories.versions_of(session, article_id)]
            across = histories.revision_to(session, article_id, 3)
            assert across is not None and across.changed == [
                "body",
                "updated_at",
            ]  # step 2 to 4: added, never lost
            assert "deletion" not in across.kinds
        stub.broken.clear()
        second = run_backfill(tracker, [article_id])
    finally:
        stub.stop()
    assert first.harvest.failures == Counter({"capture: HTTP 504": 1}), first.as_json()
    assert gapped[:3] == [day(1), day(2), day(4)] and first.versions_added == 5
    assert (second.harvest.fetched, second.harvest.kept_before, second.versions_added) == (
        1, world.followed.captures - 1, 1,
    )  # fmt: skip
    with tracker.session() as session:
        versions = histories.versions_of(session, article_id)
        assert [v.fetched_at for v in versions][:4] == [day(1), day(2), day(3), day(4)]
        assert generations.current(session, article_id) == 3  # each run kept the history it replaced


def test_an_archive_answering_slowly_delays_no_other(world: World, sqlite_url: str) -> None:
    fast, slow = ArchiveStub(world.pywb.port), ArchiveStub(world.pywb.port)
    slow.release.clear()
    expected = 1 + world.followed.captures  # its CDX rows, then each capture
    done_first: list[bool] = []

    def watch() -> None:
        with fast.served:
            finished = fast.served.wait_for(lambda: len(fast.asked()) >= expected, timeout=60)
        done_first.append(finished and not slow.asked())
        slow.release.set()

    watcher = threading.Thread(target=watch)
    watcher.start()
    config = make_config(
        sqlite_url, archives=[fast.archive("fast"), slow.archive("slow")], fetch={"timeout": "90s"}
    )
    tracker = Tracker(config)
    try:
        (article_id,) = track(tracker, [world.followed.url])
        report = run_backfill(tracker, [article_id])
    finally:
        watcher.join()
        fast.stop()
        slow.stop()
    assert done_first == [True], "the fast archive waited for the slow one"
    assert report.harvest.fetched == 2 * world.followed.captures, report.as_json()
    with tracker.session() as session:
        names = Counter(
            (v.extra.get("archive") or {}).get("name") for v in histories.versions_of(session, article_id)
        )
    assert sum(names.values()) == 7 and names[None] == 1, names  # each capture once, from either archive


def test_backfilling_a_source_recovers_the_edits_the_archive_holds(world: World, sqlite_url: str) -> None:
    tracker = Tracker(make_config(sqlite_url, archives=[world.archive()]))
    urls = list(world.keys)
    track(tracker, urls, source="late")
    started = time.monotonic()
    ids = articles_in(tracker.sessions, source="late", article_id=None)
    report = run_backfill(tracker, ids)
    took = time.monotonic() - started
    expected, recovered, wrong = edits_held(world), set(), []
    with tracker.session() as session:
        for article in session.scalars(select(Article).where(Article.id.in_(ids))):
            key = world.keys[article.url]
            found, bad = edits_recovered(world, key, histories.versions_of(session, article.id))
            recovered |= found
            wrong += bad
    hits = expected & recovered
    precision = len(hits) / len(recovered) if recovered else 0.0
    recall = len(hits) / len(expected) if expected else 1.0
    said = (
        f"precision {precision:.3f} recall {recall:.3f} over {len(expected)} edits the archive holds "
        f"({len(recovered)} recovered, {len(hits)} right; missed {sorted(expected - recovered)[:5]}, "
        f"extra {sorted(recovered - expected)[:5]}, wrong content {wrong[:3]}) in {took:.1f}s; "
        f"{report.as_json()['captures']}"
    )
    print(said)
    assert len(expected) >= 40, said
    assert precision >= 0.99 and recall >= 0.99 and not wrong, said


def edits_held(world: World) -> set[tuple[str, int, int]]:
    """The edits the archive holds: between the runs of identical states its page
    captures show (then tracker's first version, step 5), each run named by its first
    step; the last named 5 when it is what tracker saw first."""
    edits: set[tuple[str, int, int]] = set()
    for key, captured in world.archived.items():
        states = world.newsroom.states
        runs: list[tuple[int, object]] = []
        for step, _at in [*captured, (5, None)]:
            state = states[(key, step)]  # every field an editor changes: byline and times too
            if runs and runs[-1][1] == state:
                runs[-1] = (5, state) if step == 5 else runs[-1]
            else:
                runs.append((step, state))
        edits |= {(key, a[0], b[0]) for a, b in itertools.pairwise(runs)}
    return edits


def edits_recovered(
    world: World, key: str, versions: list[Version]
) -> tuple[set[tuple[str, int, int]], list[Any]]:
    """The edits among the versions up to tracker's first (each version named by the step
    its capture was taken at), and the versions whose content is not that step's."""
    steps, wrong = [], []
    for version in versions:
        origin = version.extra.get("archive")
        step = 5 if origin is None else (version.fetched_at - DAY0).days
        if fields(version) != state_fields(world.newsroom.states[(key, step)]):
            wrong.append((key, version.number, step))
        steps.append(step)
        if origin is None:
            break
    return {(key, a, b) for a, b in itertools.pairwise(steps)}, wrong
