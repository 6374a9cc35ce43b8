"""End to end: `tracker import` of a WARC written as Browsertrix writes one, with pages of
the simulated newsroom at several edits, into histories on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.support.site import NewsSite
from tests.support.warcs import Crawl, arc_file, moment
from tracker.cli import main
from tracker.extraction.worker import analyze
from tracker.pipeline import ExtractionPool
from tracker.pipeline.imports import Imported, Options, import_warcs
from tracker.store import captures, histories, repository
from tracker.store.models import Article, Capture, Check, Source

FRONT = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sim News</title></head>
<body><header><nav><a href="/world">World</a> <a href="/politics">Politics</a></nav></header>
<main><h1>Sim News</h1>{teasers}</main><footer><p>Sim News, all rights reserved.</p></footer></body></html>"""
CHALLENGE = """<!DOCTYPE html><html><head><title>Just a moment...</title></head>
<body><h1>Just a moment...</h1><p>Checking your browser before accessing the site.</p></body></html>"""
NOT_FOUND = """<!DOCTYPE html><html><head><title>Page not found | Sim News</title></head>
<body><h1>Page not found</h1><p>The page you asked for is not here.</p></body></html>"""


@dataclass
class Expected:
    """What the crawl holds: each article's version hashes (the extraction of the pages
    it was captured with), and the captures that are no article's page, by reason."""

    hashes: dict[str, list[str]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    moved_from: str = ""


def render(site: NewsSite, path: str) -> bytes:
    """The story's page as the site serves it at its next request (fresh chrome)."""
    story = site.stories[path]
    site.hits[path] = site.hits.get(path, 0) + 1
    return site.render(story).encode()


def content_hash(site: NewsSite, page: bytes, path: str) -> str:
    return analyze(page.decode(), site.url(path)).extraction.content().content_hash


def browsertrix_crawl(path: Path, site: NewsSite) -> Expected:
    """A day's crawl of the newsroom: two stories captured at several edits (one
    unchanged, recorded as a revisit; one moved to a new slug, its old URL a 301), the
    front and a section page, a challenge page, a 404, robots.txt, an image and the
    crawler's own page info (a `resource` record)."""
    first, second = site.add_story("jsonld"), site.add_story("meta")
    expected = Expected(hashes={first.path: [], second.path: []})
    with Crawl(path) as crawl:
        teasers = "".join(f'<p><a href="{s.path}">{s.headline}</a></p>' for s in (first, second))
        crawl.page(site.url("/"), moment(0), FRONT.format(teasers=teasers).encode())
        crawl.page(
            site.url("/robots.txt"), moment(0.01), b"User-agent: *\nAllow: /\n", content_type="text/plain"
        )
        page = render(site, first.path)
        crawl.page(site.url(first.path), moment(0.1), page)  # chunked and gzip'd
        expected.hashes[first.path].append(content_hash(site, page, first.path))
        crawl.page(
            site.url("/static/logo.png"), moment(0.11), b"\x89PNG\r\n" + bytes(300), content_type="image/png"
        )
        info = json.dumps({"url": site.url(first.path), "title": first.headline}).encode()
        crawl.resource(f"urn:pageinfo:{site.url(first.path)}", moment(0.12), info, "application/json")
        page = render(site, second.path)
        crawl.page(site.url(second.path), moment(0.5), page, encoding=None)  # chunked only
        expected.hashes[second.path].append(content_hash(site, page, second.path))
        crawl.page(site.url("/world"), moment(0.6), FRONT.format(teasers=teasers * 3).encode(), chunks=False)
        crawl.revisit(site.url(first.path), moment(1), moment(0.1))  # the same payload an hour later
        crawl.page(
            site.url("/news/withdrawn-story-a999"), moment(1.5), NOT_FOUND.encode(), status="404 Not Found"
        )
        first.paragraphs.append("Correction: an earlier version of this story misstated the council's vote.")
        page = render(site, first.path)
        crawl.page(site.url(first.path), moment(2), page, chunks=False)  # gzip'd only
        expected.hashes[first.path].append(content_hash(site, page, first.path))
        crawl.page(site.url(first.path), moment(2.5), CHALLENGE.encode())
        first.headline = "Council reverses its vote after a night of protests"
        page = render(site, first.path)
        crawl.page(site.url(first.path), moment(3), page, encoding=None, chunks=False)
        expected.hashes[first.path].append(content_hash(site, page, first.path))
        old = site.url(second.path)
        site.move(second, "council-vote-what-we-know-a1002")
        second.paragraphs[0] = "The council met again on Friday. " + second.paragraphs[0]
        crawl.redirect(old, moment(4), site.url(second.path))
        page = render(site, second.path)
        crawl.page(site.url(second.path), moment(4.01), page)
        expected.hashes[old.removeprefix(site.base)].append(content_hash(site, page, second.path))
        expected.moved_from = old
    expected.skipped = {
        "listing page": 2,
        "not HTML": 2,
        "status 404": 1,
        "redirect": 1,
        "looks like an interstitial page": 1,
        "no HTTP response": 1,
    }
    return expected


def imported(tracker, files: list[Path], options: Options | None = None, **extracting: Any) -> Imported:  # type: ignore[no-untyped-def]
    """`tracker import` of `files` into `tracker`'s database, quietly."""
    run = import_warcs(tracker.config, tracker.sessions, files, options or Options(), quietly, **extracting)
    return asyncio.run(run)


@contextmanager
def quietly(_label: str, _total: int | None) -> Iterator[Callable[[int], None]]:
    yield lambda _count: None


def test_a_browsertrix_crawl_imports_into_histories(
    tmp_path: Path, site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    expected = browsertrix_crawl(tmp_path / "crawl.warc.gz", site)
    tracker = make_tracker(db_url)
    done = imported(tracker, [tmp_path / "crawl.warc.gz"])
    assert (done.captures, done.versions, done.unchanged, len(done.articles)) == (14, 5, 1, 2)
    assert done.revisits == 1
    assert dict(done.skipped) == expected.skipped
    assert done.aliases == 0, "the old URL is the article's own: the moved page joined its history"
    with tracker.session() as session:
        first_path, second_path = list(expected.hashes)
        first = repository.find_article(session, site.url(first_path))
        second = repository.find_article(session, site.url(second_path))
        assert first is not None and second is not None
        assert repository.find_article(session, expected.moved_from) == second
        for article, path in ((first, first_path), (second, second_path)):
            versions = histories.versions_of(session, article.id)
            assert [v.content_hash for v in versions] == expected.hashes[path]
            assert versions[0].fetched_at == (moment(0.1) if article == first else moment(0.5))
        changed = [r.changed for r in histories.revisions_of(session, first.id)]
        assert changed == [["body"], ["headline"]]
        assert [r.changed for r in histories.revisions_of(session, second.id)] == [["body"]]
        kept = captures.of_article(session, first.id)
        assert [(c.role, c.version_number, c.at) for c in kept] == [
            ("import", 1, moment(0.1)),
            ("import", 1, moment(1)),  # the revisit: the page it refers to, unchanged
            ("import", 2, moment(2)),
            ("import", 3, moment(3)),
        ]
        assert captures.body(kept[1]) == captures.body(kept[0]), "a revisit keeps the payload it refers to"
        assert kept[0].peer == "203.0.113.7" and kept[0].decoded == "gzip"
        assert ("User-Agent" in dict(kept[0].request_headers or [])) and kept[0].status == 200
        body = captures.body(kept[0]) or b""
        assert body.startswith(b"<!DOCTYPE html>"), "the chunks and the gzip undone"
        outcomes = session.scalars(
            select(Check.outcome).where(Check.article_id == first.id).order_by(Check.started_at)
        )
        assert list(outcomes) == ["new_version", "unchanged", "new_version", "new_version"]
        source = session.scalar(select(Source).where(Source.name == "import"))
        assert source is not None and first.source_id == source.id
        assert first.paused_at is not None and second.paused_at is not None, "not checked unless --track"


def test_the_same_crawl_imported_twice_adds_nothing(
    tmp_path: Path, site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    browsertrix_crawl(tmp_path / "crawl.warc.gz", site)
    tracker = make_tracker(db_url)
    files = [tmp_path / "crawl.warc.gz"]
    imported(tracker, files)
    before = _counts(tracker)
    again = imported(tracker, files)
    assert (again.versions, again.unchanged) == (0, 0)
    assert again.skipped["imported already"] == 6
    assert _counts(tracker) == before


def _counts(tracker) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    from tracker.store.models import ArticleUrl, Revision, Version

    with tracker.session() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table)) or 0
            for table in (Article, ArticleUrl, Version, Revision, Capture, Check)
        )


def test_the_import_command_tracks_when_asked_and_says_what_it_did(tmp_path: Path, site: NewsSite) -> None:
    browsertrix_crawl(tmp_path / "crawl.warc.gz", site)
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 'tracker.db'}\n")
    runner = CliRunner()
    assert runner.invoke(main, ["--config", str(config), "init"]).exit_code == 0
    result = runner.invoke(
        main,
        [
            "--config",
            str(config),
            "import",
            str(tmp_path / "crawl.warc.gz"),
            "--source",
            "crawl",
            "--track",
            "--json",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["versions"] == 5 and summary["unchanged"] == 1 and summary["articles"] == 2
    assert summary["skipped_by_reason"]["listing page"] == 2
    text = runner.invoke(main, ["--config", str(config), "import", str(tmp_path / "crawl.warc.gz")])
    assert "14 captures read from 1 file: 0 imported as new versions" in text.output
    assert "skipped 6: imported already" in text.output
    listed = json.loads(runner.invoke(main, ["--config", str(config), "articles", "--json"]).stdout)
    assert len(listed) == 2 and {row["source"] for row in listed} == {"crawl"}


def test_a_large_crawl_is_imported_without_holding_it_in_memory(
    tmp_path: Path, site: NewsSite, make_tracker, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    """Many records, most of them large images a crawl takes along: the import's peak
    memory stays a fraction of the file, whose records are never all held."""
    path = tmp_path / "large.warc.gz"
    story = site.add_story("jsonld")
    with Crawl(path) as crawl:
        for number in range(240):
            image = random.Random(number).randbytes(100_000)  # as a JPEG is: gzip cannot shrink it
            crawl.page(site.url(f"/img/{number}.jpg"), moment(number / 100), image, content_type="image/jpeg")
            if number % 60 == 0:
                story.paragraphs.append(f"Update {number}: the desk added a paragraph to the story.")
                crawl.page(site.url(story.path), moment(number / 100 + 0.001), render(site, story.path))
    size = path.stat().st_size
    tracker = make_tracker(sqlite_url)
    warm = tmp_path / "warm.warc.gz"  # the modules an import loads the first time are not its data
    with Crawl(warm) as crawl:  # a version and a revision: what computing one loads too
        crawl.page(site.url(story.path), moment(-2), render(site, story.path))
        story.paragraphs[0] += " A first edit."
        crawl.page(site.url(story.path), moment(-1), render(site, story.path))
    imported(tracker, [warm])
    tracemalloc.start()
    try:
        done: Imported = imported(tracker, [path])
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done.captures == 244 and done.versions == 4 and done.skipped["not HTML"] == 240
    assert size > 24_000_000
    assert peak < size / 20, f"peak {peak} bytes importing a {size}-byte file"


def test_captures_moments_apart_are_one_check_and_its_confirmation(
    tmp_path: Path, site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """As tracker's own export writes a version's fetch and the fetch that confirmed it:
    the two agree on the story, and what differed (a rotating "Quote of the day" inside
    the body) is the host's volatile text, not part of the version. The same two
    captures an hour apart are two checks: two versions."""
    story = site.add_story("sneaky")
    path = tmp_path / "confirmed.warc.gz"
    with Crawl(path) as crawl:
        crawl.page(site.url(story.path), moment(0), render(site, story.path))
        crawl.page(site.url(story.path), moment(0.01), render(site, story.path))  # 36 s later
    tracker = make_tracker(db_url)
    done = imported(tracker, [path])
    assert (done.versions, done.unchanged) == (1, 1)
    with tracker.session() as session:
        article = repository.find_article(session, site.url(story.path))
        assert article is not None
        (version,) = histories.versions_of(session, article.id)
        assert "Quote of the day" not in version.body and story.paragraphs[0] in version.body
        assert [c.version_number for c in captures.of_article(session, article.id)] == [1, 1]
    apart = tmp_path / "apart.warc.gz"
    other = site.add_story("sneaky")
    with Crawl(apart) as crawl:
        crawl.page(site.url(other.path), moment(0), render(site, other.path))
        crawl.page(site.url(other.path), moment(1), render(site, other.path))
    done = imported(tracker, [apart])
    assert done.versions == 2, "an hour apart, nothing says the quote is chrome"


def test_an_uncompressed_warc_imports_and_one_gzipped_whole_is_refused_in_one_line(
    tmp_path: Path, site: NewsSite
) -> None:
    story = site.add_story("jsonld")
    plain = tmp_path / "plain.warc"
    with Crawl(plain) as crawl:
        crawl.page(site.url(story.path), moment(0), render(site, story.path))
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))
    config = tmp_path / "config.yaml"
    config.write_text(f"database:\n  url: sqlite:///{tmp_path / 'tracker.db'}\n")
    runner = CliRunner()
    missing = runner.invoke(main, ["--config", str(config), "import", str(plain)])
    assert missing.exit_code == 1 and "no database at" in missing.output, "only init and run make one"
    assert runner.invoke(main, ["--config", str(config), "init"]).exit_code == 0
    result = runner.invoke(main, ["--config", str(config), "import", str(plain), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["versions"] == 1
    refused = runner.invoke(main, ["--config", str(config), "import", str(whole)])
    assert refused.exit_code == 1
    assert "gzipped as one stream" in refused.output and "warcio recompress" in refused.output
    assert len(refused.output.strip().splitlines()) == 1 and "Traceback" not in refused.output


def test_an_arc_file_imports(tmp_path: Path, site: NewsSite, make_tracker, sqlite_url: str) -> None:  # type: ignore[no-untyped-def]
    story = site.add_story("jsonld")
    first = render(site, story.path)
    story.paragraphs.append("Update: the vote is postponed.")
    arc_file(
        tmp_path / "crawl.arc.gz",
        [
            (site.url(story.path), moment(0), first),
            (site.url(story.path), moment(3), render(site, story.path)),
        ],
    )
    tracker = make_tracker(sqlite_url)
    done = imported(tracker, [tmp_path / "crawl.arc.gz"])
    assert (done.captures, done.versions) == (2, 2)
    with tracker.session() as session:
        article = repository.find_article(session, site.url(story.path))
        assert article is not None
        assert [r.changed for r in histories.revisions_of(session, article.id)] == [["body"]]
        assert [c.peer for c in captures.of_article(session, article.id)] == ["203.0.113.7"] * 2


def test_pages_extracted_ahead_in_worker_processes_make_the_same_histories(
    tmp_path: Path, site: NewsSite, make_tracker, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    """The CLI extracts in a process per core, several checks ahead of the one recorded:
    recorded in capture order all the same, the same versions and revisions."""
    expected = browsertrix_crawl(tmp_path / "crawl.warc.gz", site)
    tracker = make_tracker(sqlite_url)
    pool = ExtractionPool.spawning(2)
    try:
        done = imported(tracker, [tmp_path / "crawl.warc.gz"], pool=pool, ahead=4)
    finally:
        pool.close()
    assert (done.captures, done.versions, done.unchanged, dict(done.skipped)) == (14, 5, 1, expected.skipped)
    with tracker.session() as session:
        for path, hashes in expected.hashes.items():
            article = repository.find_article(session, site.url(path))
            assert article is not None
            assert [v.content_hash for v in histories.versions_of(session, article.id)] == hashes


def test_a_check_whose_confirmation_failed_keeps_an_article_tracked_by_hand(
    tmp_path: Path, site: NewsSite, make_tracker, sqlite_url: str
) -> None:  # type: ignore[no-untyped-def]
    """A page and, moments later, a challenge page: the check is a soft error. A URL the
    import would have made is not tracked for it; one the operator added stays."""
    added, new = site.add_story("jsonld"), site.add_story("jsonld")
    path = tmp_path / "challenged.warc.gz"
    with Crawl(path) as crawl:
        for story in (added, new):
            crawl.page(site.url(story.path), moment(0), render(site, story.path))
            crawl.page(site.url(story.path), moment(0.01), CHALLENGE.encode())
    tracker = make_tracker(sqlite_url)
    with tracker.session() as session, session.begin():
        source = repository.source_named(session, "manual", moment(-1))
        repository.add_article(session, site.url(added.path), source=source, now=moment(-1))
    done = imported(tracker, [path])
    assert done.versions == 0 and done.skipped["the confirming fetch failed"] == 4
    with tracker.session() as session:
        kept = repository.find_article(session, site.url(added.path))
        assert kept is not None and histories.latest_version_number(session, kept.id) is None
        assert repository.find_article(session, site.url(new.path)) is None


def _histories(tracker) -> dict[str, tuple[list[str], list[tuple[int, int, list[str]]]]]:  # type: ignore[no-untyped-def]
    """Each article's history as the round trip must keep it: its versions' content
    hashes, and its revisions (from, to, fields changed), by the article's URL."""
    with tracker.session() as session:
        return {
            article.url: (
                [v.content_hash for v in histories.versions_of(session, article.id)],
                [
                    (r.from_number, r.to_number, r.changed)
                    for r in histories.revisions_of(session, article.id)
                ],
            )
            for article in session.scalars(select(Article))
        }


def test_tracker_s_own_export_imports_into_the_same_histories(
    tmp_path: Path, site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """A daemon's history (edits, a headline changed, chrome that leaks into the body,
    the site's template lines, a story moved to a new slug) exported as WARC, then
    imported into an empty database: the same versions (content hashes) and revisions.
    Imported into the database it came from, it adds nothing."""
    site.furniture = [(0, "Listen to this article"), (-1, "Related topics: World, Politics")]
    stories = [site.add_story(template) for template in ("jsonld", "meta", "sneaky", "wordpress", "react")]
    source_url = f"sqlite:///{tmp_path / 'daemon.db'}"
    sections = {"sources": [{"name": "sim", "urls": [site.url(story.path) for story in stories]}]}
    daemon = make_tracker(source_url, **sections)
    assert daemon.cycle() == {"new_version": 5}
    stories[0].paragraphs.append("A correction was appended by the desk.")
    stories[1].headline = "Minister resigns after a week of protests"
    stories[2].paragraphs[1] = "Rewritten by the desk: " + stories[2].paragraphs[1]
    assert daemon.cycle()["new_version"] == 3
    stories[3].paragraphs.pop()
    site.move(stories[4], "story-5-moved-a1005")
    stories[4].paragraphs.append("More on this story as it develops.")
    assert daemon.cycle() == {"new_version": 2, "unchanged": 3}
    config = tmp_path / "daemon.yaml"
    config.write_text(f"database:\n  url: {source_url}\n")
    exported = CliRunner().invoke(
        main, ["--config", str(config), "export", "--format", "warc", "-o", str(tmp_path / "daemon.warc.gz")]
    )
    assert exported.exit_code == 0, exported.output
    tracker = make_tracker(db_url)
    done = imported(tracker, [tmp_path / "daemon.warc.gz"])
    assert not done.skipped
    expected = _histories(daemon)
    assert sum(len(versions) for versions, _ in expected.values()) == done.versions == 10
    assert _histories(tracker) == expected
    again = imported(daemon, [tmp_path / "daemon.warc.gz"])
    assert (again.versions, dict(again.skipped)) == (0, {"imported already": again.captures})


def test_an_imported_history_exports_imports_again_and_reextracts(
    tmp_path: Path, site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    """The captures an import keeps are its versions' captures as a check's are: the
    WARC export writes them (each version's metadata record refers to its first, an
    identical later one is a revisit), an import of that export makes the same
    histories, and re-extraction reads them."""
    browsertrix_crawl(tmp_path / "crawl.warc.gz", site)
    first_url = f"sqlite:///{tmp_path / 'first.db'}"
    first = make_tracker(first_url)
    imported(first, [tmp_path / "crawl.warc.gz"])
    config = tmp_path / "first.yaml"
    config.write_text(f"database:\n  url: {first_url}\n")
    runner = CliRunner()
    out = tmp_path / "again.warc.gz"
    exported = runner.invoke(main, ["--config", str(config), "export", "--format", "warc", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    assert "6 captures (5 responses, 1 revisits) and 5 versions" in exported.output
    second = make_tracker(db_url)
    done = imported(second, [out])
    assert (done.versions, done.unchanged, done.revisits, dict(done.skipped)) == (5, 1, 1, {})
    assert _histories(second) == _histories(first)
    reread = runner.invoke(main, ["--config", str(config), "reextract", "--dry-run", "--json"])
    versions = json.loads(reread.stdout)["versions"]
    assert versions["current"] == 5 and not versions["not_rederivable"]
