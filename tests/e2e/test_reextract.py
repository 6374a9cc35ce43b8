"""End to end: a history made under a bad site rule, repaired by `tracker reextract`.

The site is built as The Guardian's 2019 article pages are (`tests/support/publishers/
guardian2019.py`): the body in `div.content__article-body[itemprop=articleBody]`, and
inside it, between paragraphs, a rich link (`aside.element-rich-link`: "Related: " and
another story's headline) that the desk's tools point at whatever is newest, so it
changes between checks (not between a check's two fetches: each check's confirmation
agrees with it). The first rule (`keep` the body container) lets the rich link into the
body, so every new rich link made a false version; the second rule drops it. A story
without rich links is tracked beside it: its history must come out untouched.
"""

from __future__ import annotations

import asyncio
import html
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.support.harness import Tracker
from tests.support.site import NewsSite, Request, Response
from tracker.cli import main
from tracker.notify import Notifier
from tracker.pipeline.rederive import Report, Scope, articles_in, read, reextract, write
from tracker.read.search import search
from tracker.store import captures, generations, histories, repository
from tracker.store.models import Article, Capture, Check, Event, Revision, Version

HOST = "127.0.0.1"
BAD = {HOST: {"keep": ["div.content__article-body"]}}
FIXED = {HOST: {"keep": ["div.content__article-body"], "drop": ["aside.element-rich-link"]}}
RELATED = [
    "Storm Ciarán: ferries cancelled as gales batter the Channel coast",
    "Teachers vote to strike over pay in three regions",
    "Harbour authority approves second phase of the marina plan",
    "Court hears appeal over the river crossing contract",
    "Museum returns looted bronzes to the city of Benin",
    "Rail union suspends weekend walkouts after new offer",
    "Drought orders extended to four more counties",
]


class Desk:
    """Two stories as the newsroom has them, and the edition of the rich links."""

    def __init__(self) -> None:
        self.edition = 0
        self.stories = {
            "/world/2026/dec/05/harbour-vote": {
                "headline": "Harbour plan approved after a long night of debate",
                "paragraphs": [
                    "The council approved the harbour plan on Friday after a debate that ran past midnight.",
                    "Work on the new quay will start in the spring and last two years, officials said.",
                    "Residents of the old town had asked for a public inquiry into the plan's cost.",
                    "The mayor said the plan would bring 400 jobs to the coast within a decade.",
                ],
                "rich_link": True,
            },
            "/world/2026/dec/05/river-bridge": {
                "headline": "River bridge to close for repairs over the winter",
                "paragraphs": [
                    "The old river bridge will close to traffic from January while its piers are repaired.",
                    "Buses will be diverted over the railway crossing, adding twenty minutes to the trip.",
                    "Engineers found cracks in two of the piers during an inspection in October.",
                ],
                "rich_link": False,
            },
        }

    def render(self, path: str, hits: int) -> str:
        story = self.stories[path]
        paragraphs = [f"<p>{html.escape(text)}</p>" for text in story["paragraphs"]]
        if story["rich_link"]:
            title = RELATED[self.edition % len(RELATED)]
            paragraphs.insert(
                2,
                '<aside class="element element-rich-link" data-component="rich-link">'
                f'<p><span>Related: </span><a href="/uk-news/{self.edition}">{html.escape(title)}</a></p>'
                "</aside>",
            )
        readers = 150 + 37 * hits  # a live count that moves on every request
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": story["headline"],
            "datePublished": "2026-12-05T06:00:00+00:00",
            "author": [{"@type": "Person", "name": "Jane Doe"}],
        }
        return PAGE.format(
            headline=html.escape(story["headline"]),
            ld=json.dumps(ld),
            body="".join(paragraphs) + f'<p class="live">{readers} readers online now</p>',
            teaser=html.escape(RELATED[(self.edition + hits) % len(RELATED)]),
        )

    def states(self, path: str) -> tuple[str, tuple[str, ...]]:
        story = self.stories[path]
        return story["headline"], tuple(story["paragraphs"])


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{headline} | World news | The Guardian</title>
<meta property="og:title" content="{headline}"><script type="application/ld+json">{ld}</script></head>
<body><header class="new-header"><nav><ul class="pillars"><li><a href="/world">World</a></li>
<li><a href="/uk-news">UK</a></li></ul></nav></header>
<article id="article" class="content content--article" itemscope itemtype="http://schema.org/NewsArticle">
<h1 class="content__headline" itemprop="headline">{headline}</h1>
<p class="byline"><span itemprop="author"><a rel="author" href="/profile/jane-doe">Jane Doe</a></span></p>
<p class="content__dateline"><time datetime="2026-12-05T06:00:00+0000">Sat 5 Dec 2026 06.00 GMT</time></p>
<div class="content__article-body from-content-api js-article__body" itemprop="articleBody">{body}</div>
<div class="submeta"><ul><li><a href="/world/europe">Europe</a></li></ul></div></article>
<aside class="most-viewed"><h2>Most viewed</h2><ol><li><a href="/x">{teaser}</a></li></ol></aside>
<footer class="l-footer">© 2026 Guardian News &amp; Media Limited</footer></body></html>"""

# What the desk does between checks: (cycle, path, edit); the rich link moves every cycle.
EDITS: list[tuple[int, str, Callable[[dict[str, Any]], None]]] = [
    (2, "/world/2026/dec/05/harbour-vote", lambda s: s["paragraphs"].append("The vote was 31 to 12.")),
    (
        3,
        "/world/2026/dec/05/river-bridge",
        lambda s: s["paragraphs"].__setitem__(1, "Buses will be diverted."),
    ),
    (4, "/world/2026/dec/05/harbour-vote", lambda s: s.__setitem__("headline", "Harbour plan approved")),
]
CYCLES = 6


def _track(site: NewsSite, make_tracker, db_url: str) -> tuple[Tracker, Desk, dict[str, list[Any]]]:  # type: ignore[no-untyped-def]
    """The daemon's cycles under the bad rule, the desk editing between them; the states
    each story went through (its real history)."""
    desk = Desk()
    for path in desk.stories:
        site.route(path, lambda request, path=path: _serve(site, desk, path, request))
    sources = [{"name": "sim", "urls": [site.url(path) for path in desk.stories]}]
    tracker = make_tracker(db_url, sources=sources, sites=BAD)
    real: dict[str, list[Any]] = {path: [desk.states(path)] for path in desk.stories}
    for cycle in range(1, CYCLES + 1):
        for when, path, edit in EDITS:
            if when == cycle:
                edit(desk.stories[path])
                real[path].append(desk.states(path))
        tracker.cycle()
        desk.edition += 1
    return tracker, desk, real


def _serve(site: NewsSite, desk: Desk, path: str, _request: Request) -> Response:
    return Response(body=desk.render(path, site.hits.get(path, 0)).encode())


def _history(tracker: Tracker, url: str) -> tuple[list[Version], list[Revision]]:
    with tracker.session() as session:
        article = repository.find_article(session, url)
        assert article is not None
        return histories.versions_of(session, article.id), histories.revisions_of(session, article.id)


def _snapshot(tracker: Tracker) -> dict[str, Any]:
    """Every row a re-extraction may write, to show that a dry run wrote none."""
    with tracker.session() as session:
        return {
            "versions": [(v.id, v.number, v.content_hash) for v in _all(session, Version)],
            "revisions": [(r.id, r.from_number, r.to_number, r.changed) for r in _all(session, Revision)],
            "events": [e.id for e in _all(session, Event)],
            "captures": [(c.id, c.version_number) for c in _all(session, Capture)],
            "checks": [(c.id, c.version_number) for c in _all(session, Check)],
            "kept": session.scalar(select(func.count()).select_from(generations.SupersededVersion)),
        }


def _all(session: Any, model: Any) -> list[Any]:
    return list(session.scalars(select(model).order_by(model.id)))


def _run(tracker: Tracker, *, dry_run: bool) -> Report:
    ids = articles_in(tracker.sessions, Scope(source="sim"))
    return reextract(tracker.config, tracker.sessions, ids, now=_now, dry_run=dry_run)


def _without_rich_link(body: str) -> str:
    return "\n\n".join(p for p in body.split("\n\n") if not p.startswith("Related: "))


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_reextraction_collapses_the_false_versions_of_a_bad_rule_and_keeps_every_real_edit(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    bad, desk, real = _track(site, make_tracker, db_url)
    harbour, bridge = (site.url(path) for path in desk.stories)
    versions, revisions = _history(bad, harbour)
    assert len(versions) > len(real["/world/2026/dec/05/harbour-vote"]), "the bad rule made false versions"
    assert any(p.startswith("Related: ") for p in versions[0].body.split("\n\n")), "the rich link leaked"
    before = {path: _history(bad, site.url(path)) for path in desk.stories}
    with bad.session() as session:
        assert search(session, '"Teachers vote to strike"'), "the search index holds the leaked rich link"
    bad.close()

    fixed = make_tracker(db_url, sources=[{"name": "sim", "urls": [harbour, bridge]}], sites=FIXED)
    rows = _snapshot(fixed)
    dry = _run(fixed, dry_run=True)
    assert _snapshot(fixed) == rows, "a dry run writes nothing"
    assert dry.changed_articles == 1 and dry.versions_collapsed == len(versions) - len(
        real["/world/2026/dec/05/harbour-vote"]
    )
    assert dry.examples and dry.examples[0].url == harbour and dry.examples[0].old.startswith("Related: ")

    done = _run(fixed, dry_run=False)
    assert (done.changed_articles, done.versions_changed, done.versions_collapsed) == (
        dry.changed_articles, dry.versions_changed, dry.versions_collapsed,
    )  # fmt: skip
    assert (done.revisions_recomputed, done.revisions_dropped) == (
        dry.revisions_recomputed,
        dry.revisions_dropped,
    )

    for path in desk.stories:  # every real edit, and nothing else
        versions, revisions = _history(fixed, site.url(path))
        assert [(v.headline, tuple(v.body.split("\n\n"))) for v in versions] == real[path]
        assert [v.number for v in versions] == list(range(1, len(versions) + 1))
        assert [(r.from_number, r.to_number) for r in revisions] == [
            (n, n + 1) for n in range(1, len(versions))
        ]

    old_versions, old_revisions = before["/world/2026/dec/05/harbour-vote"]
    new_versions, new_revisions = _history(fixed, harbour)
    assert {r.id for r in new_revisions} <= {r.id for r in old_revisions}, (
        "no revision id is new: none is re-notified"
    )
    for version in new_versions[1:]:  # each real edit keeps the id it was detected under
        shown = (version.headline, version.body)
        first = next(v for v in old_versions if (v.headline, _without_rich_link(v.body)) == shown)
        was = next(r.id for r in old_revisions if r.to_number == first.number)
        assert next(r.id for r in new_revisions if r.to_number == version.number) == was
    # a story that read the same under both rules keeps its history as it was: ids, rows
    old_bridge = before["/world/2026/dec/05/river-bridge"]
    new_bridge = _history(fixed, bridge)
    assert [(v.id, v.content_hash) for v in new_bridge[0]] == [(v.id, v.content_hash) for v in old_bridge[0]]
    assert [(r.id, r.changed, r.stats) for r in new_bridge[1]] == [
        (r.id, r.changed, r.stats) for r in old_bridge[1]
    ]

    with fixed.session() as session:
        article = repository.find_article(session, harbour)
        assert article is not None
        events = [e for e in repository.events_of(session, article.id) if e.kind == "reextracted"]
        assert len(events) == 1
        detail = events[0].detail
        assert detail["generation"] == 2 and detail["superseded"] == 1
        assert detail["versions"] == {
            "before": len(old_versions), "after": len(new_versions),
            "changed": len(new_versions), "collapsed": len(old_versions) - len(new_versions),
        }  # fmt: skip
        assert {s["rules"] for s in detail["extractor"]["old"]} != {
            s["rules"] for s in detail["extractor"]["new"]
        }
        kept = generations.kept_versions(session, article.id, 1)
        assert [(k.version_id, k.content_hash) for k in kept] == [
            (v.id, v.content_hash) for v in old_versions
        ]
        assert generations.current(session, article.id) == 2
        numbers = {c.version_number for c in captures.of_article(session, article.id)}
        assert numbers <= set(range(1, len(new_versions) + 1)), "captures follow their versions' numbers"
        checked = session.scalars(select(Check.version_number).where(Check.article_id == article.id))
        assert {n for n in checked if n is not None} <= set(range(1, len(new_versions) + 1))
        bridge_article = session.scalar(select(Article).where(Article.url == bridge))
        assert bridge_article is not None and not [
            e for e in repository.events_of(session, bridge_article.id) if e.kind == "reextracted"
        ]

    with fixed.session() as session:
        assert not search(session, '"Teachers vote to strike"'), "the search index follows the live versions"
        assert search(session, '"public inquiry"')
    again = _run(fixed, dry_run=False)  # what today's extractor read is current; the rest reads the same
    assert again.changed_articles == 0 and again.current == len(new_versions)


def test_the_commands_report_a_dry_run_write_the_same_and_show_the_generation_replaced(
    site: NewsSite, make_tracker, db_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    bad, desk, real = _track(site, make_tracker, db_url)
    bad.close()
    harbour = site.url("/world/2026/dec/05/harbour-vote")
    config = tmp_path / "config.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "database": {"url": db_url},
                "sources": [{"name": "sim", "urls": [site.url(path) for path in desk.stories]}],
                "fetch": {"allow_private_addresses": True},
                "sites": FIXED,
            }
        )
    )
    runner = CliRunner()

    def tracker(*args: str) -> Any:
        return runner.invoke(main, ["--config", str(config), *args], catch_exceptions=False)

    dry = tracker("reextract", "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    counts = json.loads(dry.output)
    assert counts["dry_run"] and counts["articles"] == {"looked_at": 2, "changed": 1}
    assert counts["versions"]["collapsed"] == CYCLES - len(real["/world/2026/dec/05/harbour-vote"])
    assert counts["examples"][0]["field"] == "body" and counts["examples"][0]["old"].startswith("Related: ")
    assert tracker("generations", harbour, "--json").output.count('"generation"') == 1, "dry: nothing kept"

    done = tracker("reextract", "--source", "sim")
    assert done.exit_code == 0, done.output
    assert done.output.splitlines()[0] == "2 articles looked at, 1 changed"
    assert f"{counts['versions']['collapsed']} collapsed into the one before" in done.output
    assert "v1 body: 'Related: " in done.output

    listed = tracker("generations", harbour)
    assert listed.output.splitlines()[0].startswith("generation 1  replaced 20")
    assert listed.output.splitlines()[0].endswith(f"{CYCLES} versions, {CYCLES - 1} revisions")
    assert listed.output.splitlines()[1] == "generation 2  live  3 versions, 2 revisions"
    shown = tracker("generations", harbour, "--generation", "1")
    assert len([line for line in shown.output.splitlines() if line.startswith("v")]) == CYCLES
    missing = tracker("generations", harbour, "--generation", "2")
    assert missing.exit_code == 1 and "2 is the live history" in missing.output
    history = tracker("history", harbour, "--json")
    assert [e["kind"] for e in json.loads(history.output)["events"]].count("reextracted") == 1


def test_versions_whose_capture_is_gone_are_kept_as_they_are_and_reported(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    bad, _desk, _real = _track(site, make_tracker, db_url)
    harbour = site.url("/world/2026/dec/05/harbour-vote")
    with bad.sessions.begin() as session:
        article = repository.find_article(session, harbour)
        assert article is not None
        dropped = captures.of_version(session, article.id, 2)
        assert dropped is not None
        dropped.body = None  # as the retention setting leaves it
        for capture in captures.of_article(session, article.id):
            if capture.version_number == 4:
                session.delete(capture)
    old, _ = _history(bad, harbour)
    bad.close()
    fixed = make_tracker(db_url, sources=[{"name": "sim", "urls": [harbour]}], sites=FIXED)
    assert articles_in(fixed.sessions, Scope(since=_now())) == [], "no version fetched since now"

    report = _run(fixed, dry_run=False)
    assert report.unreadable == {"body dropped": 1, "no capture": 1}
    versions, _ = _history(fixed, harbour)
    hashes = [v.content_hash for v in versions]
    assert old[1].content_hash in hashes and old[3].content_hash in hashes, "kept as they were"
    assert all(
        "Related: " not in v.body
        for v in versions
        if v.content_hash not in (old[1].content_hash, old[3].content_hash)
    )


def test_a_check_that_changes_the_history_meanwhile_makes_the_article_read_again(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    bad, desk, _real = _track(site, make_tracker, db_url)
    harbour = site.url("/world/2026/dec/05/harbour-vote")
    bad.close()
    fixed = make_tracker(db_url, sources=[{"name": "sim", "urls": [harbour]}], sites=FIXED)
    with fixed.session() as session:
        article = repository.find_article(session, harbour)
        assert article is not None
        article_id = article.id
    _url, reread = read(fixed.config, fixed.sessions, article_id)
    desk.stories["/world/2026/dec/05/harbour-vote"]["paragraphs"].append("A late correction.")
    assert fixed.cycle().get("new_version") == 1  # the daemon records a version meanwhile
    with fixed.sessions.begin() as session:
        assert write(fixed.config, session, article_id, reread, _now()) is None, (
            "nothing written on a stale read"
        )
    report = _run(fixed, dry_run=False)
    assert report.changed_articles == 1 and not report.busy
    versions, _ = _history(fixed, harbour)
    assert versions[-1].body.endswith("A late correction.")


class Hook:
    """A webhook endpoint on loopback that keeps the revision ids it is sent."""

    def __init__(self) -> None:
        self.revisions: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                hook.revisions.extend(
                    item["revision_id"]
                    for item in payload.get("revisions", [payload])
                    if "revision_id" in item
                )
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def _notify(tracker: Tracker) -> int:
    async def go() -> int:
        notifier = Notifier(tracker.config, tracker.sessions, _now, owner="test")
        try:
            return await notifier.tick()
        finally:
            await notifier.aclose()

    return asyncio.run(go())


def test_a_rederived_history_is_never_notified_again_and_later_edits_are(
    site: NewsSite, make_tracker, db_url: str
) -> None:  # type: ignore[no-untyped-def]
    hook = Hook()
    try:
        desk = Desk()
        path = "/world/2026/dec/05/harbour-vote"
        site.route(path, lambda request: _serve(site, desk, path, request))
        sections: dict[str, Any] = {
            "sources": [{"name": "sim", "urls": [site.url(path)]}],
            "notify": {"webhooks": [{"url": hook.url, "max_per_hour": 1000}]},
        }
        bad = make_tracker(db_url, sites=BAD, **sections)
        bad.cycle()
        assert _notify(bad) == 0  # a new destination starts from now
        for _ in range(3):
            desk.edition += 1
            bad.cycle()
        _notify(bad)
        sent = list(hook.revisions)
        assert len(sent) == 3, "the false versions' revisions were sent"
        bad.close()

        fixed = make_tracker(db_url, sites=FIXED, **sections)
        assert _run(fixed, dry_run=False).versions_collapsed == 3
        assert _notify(fixed) == 0 and hook.revisions == sent, "nothing re-derived is sent as new"
        desk.stories[path]["paragraphs"].append("The vote was 31 to 12.")
        assert fixed.cycle() == {"new_version": 1}
        _notify(fixed)
        assert len(hook.revisions) == 4 and hook.revisions[-1] > max(sent), "a later edit is"
    finally:
        hook.server.shutdown()
        hook.server.server_close()
