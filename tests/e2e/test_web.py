"""`tracker serve`'s pages and their JSON twins, in-process: cursors, search, Atom feeds, the
token for writing, and escaping everywhere (the history holds a story whose headline and
text carry `<script>` and `<img onerror>`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import feedparser
import pytest
from fastapi.testclient import TestClient
from lxml import html as lxml_html

from tests.support.histories import GONE_AFTER, HOSTILE, TOKEN, WITHDRAWN, client_for
from tests.support.site import NewsSite
from tracker.web import CSP, create_app


@pytest.fixture(scope="module")
def client(served: tuple[Path, NewsSite, list[Any]]) -> TestClient:
    return client_for(served[0])


def page(client: TestClient, url: str) -> lxml_html.HtmlElement:
    response = client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-security-policy"] == CSP
    assert "script-src" not in CSP and "default-src 'none'" in CSP  # no script may run
    tree = lxml_html.fromstring(response.text)
    assert tree.xpath("//script") == [] and tree.xpath("//img") == [] and tree.xpath("//@onerror") == []
    return tree


def word_sides(element: lxml_html.HtmlElement, prefix: str = "") -> tuple[str, str]:
    """The old and the new text of a word diff: the kept words with the `<del>` ones, and
    with the `<ins>` ones."""
    old = new = (element.text or "").removeprefix(prefix)
    for child in element:
        if child.tag != "ins":
            old += child.text_content()
        if child.tag != "del":
            new += child.text_content()
        old, new = old + (child.tail or ""), new + (child.tail or "")
    return old, new


def test_recent_changes_page_lists_revisions_with_hostile_text_as_text(client: TestClient) -> None:
    tree = page(client, "/")
    rows = tree.xpath("//table[contains(@class, 'changes')]//tr[td]")
    assert len(rows) == 3  # the trivial fix is hidden by default
    assert "Minister says " + HOSTILE in tree.text_content()
    [was] = tree.xpath("//span[@class='meta headline-was']")  # the headline's change, word by word
    api = client.get("/api/changes").json()
    changed = next(r for r in api["items"] if r["previous_headline"])
    assert word_sides(was, prefix="headline: ") == (changed["previous_headline"], changed["headline"])
    detected = [r["detected_at"] for r in api["items"]]
    assert len(detected) == 3 and detected == sorted(detected, reverse=True)
    links = tree.xpath("//a[@class='diff']/@href")
    assert links == [f"/articles/{r['article_id']}/revisions/{r['to']}" for r in api["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("field=headline", {"headline"}),
        ("kind=correction", {"correction"}),
        ("include_trivial=true", None),
    ],
)
def test_filters_are_the_same_on_the_page_and_its_json_twin(
    client: TestClient, query: str, expected: set[str] | None
) -> None:
    items = client.get(f"/api/changes?{query}").json()["items"]
    assert items
    if expected is not None:
        assert all(expected & set(item["changed"] + item["kinds"]) for item in items)
    else:
        assert any(item["trivial"] for item in items)
    tree = page(client, f"/?{query}")
    assert len(tree.xpath("//table[contains(@class, 'changes')]//tr[td]")) == len(items)


def test_cursor_pagination_walks_every_revision_once(served: tuple[Path, NewsSite, list[Any]]) -> None:
    client = client_for(served[0], page_size=1)
    everything = [
        r["revision_id"] for r in client.get("/api/changes?include_trivial=true&since=30d").json()["items"]
    ]
    seen, cursor = [], None
    while True:
        params = {"include_trivial": "true", "since": "30d"} | ({"cursor": cursor} if cursor else {})
        body = client.get("/api/changes", params=params).json()
        seen.extend(r["revision_id"] for r in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    full = client_for(served[0]).get("/api/changes?include_trivial=true").json()["items"]
    assert seen == [r["revision_id"] for r in full] and len(seen) == 4
    assert everything == seen[:1]
    tree = page(client, "/?include_trivial=true")
    assert tree.xpath("//a[@rel='next']/@href")
    assert client.get("/api/changes?cursor=not-a-cursor").status_code == 400


def test_an_article_timeline_and_its_twin(client: TestClient) -> None:
    first = client.get("/api/changes?field=headline").json()["items"][0]
    timeline = client.get(f"/api/articles/{first['article_id']}").json()
    versions = [e for e in timeline["timeline"] if e["type"] == "version"]
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[1]["revision"]["changed"] == ["headline", "body"]
    tree = page(client, f"/articles/{first['article_id']}")
    assert tree.findtext(".//h1") == "Minister says " + HOSTILE
    assert tree.xpath("//a[@class='diff']/@href") == [f"/articles/{first['article_id']}/revisions/2"]
    assert client.get("/articles/999999").status_code == 404
    assert client.get("/api/articles/999999").json() == {"detail": "no article 999999"}


def test_a_revision_inline_and_side_by_side(client: TestClient) -> None:
    first = client.get("/api/changes?field=headline").json()["items"][0]
    url = f"/articles/{first['article_id']}/revisions/2"
    inline = page(client, url)
    [words] = inline.xpath("//div[@class='headline-change']/p[@class='words']")
    assert word_sides(words)[1] == "Minister says " + HOSTILE
    assert any(HOSTILE in ins.text_content() for ins in inline.xpath("//div[@class='inline']//ins"))
    assert inline.xpath("//a[@id='side-by-side']/@href") == ["?view=side"]
    side = page(client, url + "?view=side")
    inserted = side.xpath("//table[@class='sbs']//tr[@class='insert']/td[2]")
    assert [td.text_content() for td in inserted] == [f"He wrote {HOSTILE} on the council's page."]
    twin = client.get(f"/api{url}").json()
    assert twin["new"]["headline"] == "Minister says " + HOSTILE and twin["previous"] is None
    assert client.get(url + "?view=evil").status_code == 422
    assert client.get(f"/articles/{first['article_id']}/revisions/7").status_code == 404


def test_previous_and_next_revision_links(client: TestClient) -> None:
    trivial = next(i for i in client.get("/api/changes?include_trivial=true").json()["items"] if i["trivial"])
    tree = page(client, f"/articles/{trivial['article_id']}/revisions/{trivial['to']}")
    assert tree.xpath("//a[@rel='prev']/@href") == [
        f"/articles/{trivial['article_id']}/revisions/2?view=inline"
    ]
    earlier = page(client, f"/articles/{trivial['article_id']}/revisions/2")
    assert earlier.xpath("//a[@rel='next']/@href") == [
        f"/articles/{trivial['article_id']}/revisions/3?view=inline"
    ]


def test_search_finds_words_in_bodies_and_escapes_snippets(
    client: TestClient, served: tuple[Path, NewsSite, list[Any]]
) -> None:
    results = client.get("/api/search", params={"q": "misstated date"}).json()["items"]
    assert [r["headline"] for r in results] == [served[2][1].headline]
    assert "misstated" in results[0]["snippet"]
    tree = page(client, "/search?q=council%27s+page")
    [item] = tree.xpath("//ol[@class='results']/li")
    assert {m.text.casefold() for m in item.xpath(".//mark")} >= {"council", "page"}
    assert "document.title" in item.text_content()  # the hostile text, as text
    assert client.get("/api/search", params={"q": '"); DROP TABLE versions; --'}).status_code == 200
    assert client.get("/api/search", params={"q": "zzzunknownword"}).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_sources_page_shows_capture_health(client: TestClient) -> None:
    body = client.get("/api/sources").json()
    [sim] = [s for s in body["sources"] if s["source"] == "sim"]
    assert sim["checks_last_day"] >= 9 and sim["good_share"] == 1.0
    tree = page(client, "/sources")
    assert "sim" in tree.xpath("//table//td//text()")


@pytest.mark.parametrize(
    "path", ["/feeds/changes.atom", "/feeds/sources/sim.atom", "/feeds/changes.atom?field=body"]
)
def test_atom_feeds_parse_cleanly_with_stable_ids(client: TestClient, path: str) -> None:
    first, again = client.get(path), client.get(path)
    assert first.headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(first.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.entries
    assert [e.id for e in feed.entries] == [e.id for e in feedparser.parse(again.content).entries]
    assert len({e.id for e in feed.entries}) == len(feed.entries)
    assert all(e.id.startswith("urn:uuid:") and e.link.startswith("http") for e in feed.entries)


def test_an_article_feed_carries_the_diff_escaped(client: TestClient) -> None:
    first = client.get("/api/changes?field=headline").json()["items"][0]
    response = client.get(f"/feeds/articles/{first['article_id']}.atom")
    assert b"<script>" not in response.content  # escaped inside the XML
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    [entry] = feed.entries
    content = entry.content[0].value
    assert "&lt;script&gt;" in content and "<ins>" in content  # feed readers show the markup as text
    assert client.get("/feeds/articles/424242.atom").status_code == 404
    assert client.get("/feeds/sources/nope.atom").status_code == 404


def test_writing_is_off_without_a_token(client: TestClient) -> None:
    response = client.post("/api/articles", json={"url": "https://example.org/news/a-1"})
    assert response.status_code == 403 and "web.token" in response.json()["detail"]


def test_adding_an_article_needs_the_bearer_token(served: tuple[Path, NewsSite, list[Any]]) -> None:
    client = client_for(served[0], token=TOKEN)
    url = "https://example.org/news/story-77?utm_source=x"
    assert client.post("/api/articles", json={"url": url}).status_code == 401
    wrong = {"Authorization": "Bearer " + "x" * len(TOKEN)}
    assert client.post("/api/articles", json={"url": url}, headers=wrong).status_code == 401
    good = {"Authorization": f"Bearer {TOKEN}"}
    response = client.post("/api/articles", json={"url": url}, headers=good)
    assert response.status_code == 201
    assert response.json()["url"] == "https://example.org/news/story-77" and response.json()["added"]
    assert client.post("/api/articles", json={"url": url}, headers=good).json()["added"] is False
    assert client.post("/api/articles", json={"url": "javascript:alert(1)"}, headers=good).status_code == 422


def test_openapi_schema_lists_every_json_endpoint(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {
        "/api/changes",
        "/api/articles/{article_id}",
        "/api/articles/{article_id}/revisions/{number}",
        "/api/search",
        "/api/sources",
        "/api/articles",
        "/api/articles/{article_id}/versions/{number}",
        "/api/articles/{article_id}/compare",
        "/feeds/changes.atom",
    } <= set(schema["paths"])
    assert client.get("/docs").status_code == 404  # Swagger UI would need scripts


def test_the_watch_list_and_its_twin(client: TestClient, served: tuple[Path, NewsSite, list[Any]]) -> None:
    body = client.get("/api/articles").json()
    total = body["total"]  # the three stories, the tip, and what another test may have added by hand
    assert total == len(body["items"]) >= 4 and body["next_cursor"] is None
    changed = [row["last_changed_at"] for row in body["items"] if row["last_changed_at"]]
    assert changed == sorted(changed, reverse=True) and len(changed) == 3  # latest change first
    rows = {row["url"].rsplit("/", 1)[-1]: row for row in body["items"]}
    assert rows["s0-a900"]["headline"] == "Minister says " + HOSTILE and rows["s0-a900"]["versions"] == 2
    assert rows["s2-a902"]["versions"] == 3 and rows["s2-a902"]["last_check"]["outcome"] == "new_version"
    gone = rows[WITHDRAWN.rsplit("/", 1)[-1]]
    assert gone["versions"] == 0 and gone["headline"] is None and gone["source"] == "tips"
    assert gone["last_check"]["http_status"] == 404 and gone["failures_in_a_row"] == 1
    [failing] = client.get("/api/articles?failing=true").json()["items"]
    assert failing["id"] == gone["id"]
    assert [r["source"] for r in client.get("/api/articles?source=tips").json()["items"]] == ["tips"]
    tree = page(client, "/articles")
    assert tree.xpath("//p[@id='shown']")[0].text_content() == f"1–{total} of {total} articles"
    assert tree.xpath("//table[contains(@class, 'watch')]//tr[@class='failing']//a/@href") == [
        f"/articles/{gone['id']}"
    ]
    assert "Minister says " + HOSTILE in tree.text_content()  # as text
    assert "gone (404)" in " ".join(tree.text_content().split())
    assert all(tree.xpath("//nav[@class='top']/a[@href='/articles']") for tree in (tree, page(client, "/")))
    by_next = [r["id"] for r in client.get("/api/articles?sort=next_check").json()["items"]]
    assert sorted(by_next) == sorted(row["id"] for row in body["items"])
    assert client.get("/api/articles?sort=whatever").status_code == 422
    assert client.get("/api/articles?status=bogus").status_code == 422
    assert client.get("/api/articles?status=&source=&failing=true").json()["total"] == 1  # as a form sends it
    assert client.get("/api/articles?status=gone").json()["total"] == 0
    assert client.get("/api/articles?cursor=x1").status_code == 400
    small = client_for(served[0], page_size=1)
    seen, cursors, cursor = [], [], None
    while True:
        page_body = small.get("/api/articles", params={"cursor": cursor} if cursor else {}).json()
        seen.extend(r["id"] for r in page_body["items"])
        cursor = page_body["next_cursor"]
        if cursor is None:
            break
        cursors.append(cursor)
    assert seen == [r["id"] for r in body["items"]]
    for cursor in ("1", cursors[0]):  # a number of rows to skip (as before), or where the last page ended
        shown = page(small, f"/articles?cursor={cursor}").xpath("//p[@id='shown']")[0].text_content()
        assert shown == f"2–2 of {total} articles"
    assert small.get(f"/api/articles?cursor={cursors[-1]}").json()["items"][0]["id"] == seen[-1]
    assert small.get(f"/api/articles?sort=first_seen&cursor={cursors[0]}").status_code == 400


def test_an_article_whose_only_check_failed_says_why(client: TestClient) -> None:
    [failing] = client.get("/api/articles?failing=true").json()["items"]
    data = client.get(f"/api/articles/{failing['id']}").json()
    assert data["timeline"] == [] and data["checks_total"] == 1
    [check] = data["checks"]
    assert check["http_status"] == 404 and check["error_kind"]
    assert check["duration_ms"] >= GONE_AFTER * 1000  # the time the site took to say so
    assert set(check) == {
        "started_at",
        "outcome",
        "http_status",
        "error_kind",
        "message",
        "duration_ms",
        "version",
    }
    tree = page(client, f"/articles/{failing['id']}")
    assert "No version stored yet" in tree.text_content()
    [row] = tree.xpath("//table[contains(@class, 'checks')]//tr[td]")
    assert "404" in row.text_content() and check["error_kind"] in row.text_content()
    assert "next check" in tree.xpath("//p[@id='schedule']")[0].text_content()
    assert tree.xpath("//figure[@class='strip']//svg//rect/title")[0].text.startswith("check failed")


def test_any_version_in_full_and_its_twin(
    client: TestClient, served: tuple[Path, NewsSite, list[Any]]
) -> None:
    first = client.get("/api/changes?field=headline").json()["items"][0]
    article = first["article_id"]
    twin = client.get(f"/api/articles/{article}/versions/2").json()
    assert twin["number"] == 2 and f"He wrote {HOSTILE} on the council's page." in twin["body"].split("\n\n")
    tree = page(client, f"/articles/{article}/versions/2")
    paragraphs = [p.text_content() for p in tree.xpath("//article[@class='version']/p")]
    assert paragraphs == twin["body"].split("\n\n")  # the hostile paragraph, as text
    assert tree.findtext(".//h1") == "Minister says " + HOSTILE
    assert tree.xpath("//a[@rel='prev']/@href") == [f"/articles/{article}/versions/1"]
    timeline = page(client, f"/articles/{article}")
    assert timeline.xpath("//li[@class='version']/a[strong]/@href") == [
        f"/articles/{article}/versions/1",
        f"/articles/{article}/versions/2",
    ]
    assert client.get(f"/articles/{article}/versions/9").status_code == 404
    assert client.get(f"/api/articles/{article}/versions/0").status_code == 422


def test_any_two_versions_compared_with_unchanged_paragraphs_to_open(client: TestClient) -> None:
    trivial = next(i for i in client.get("/api/changes?include_trivial=true").json()["items"] if i["trivial"])
    article = trivial["article_id"]
    both = client.get(f"/api/articles/{article}/compare?from=1&to=3").json()
    assert both["from"] == 1 and both["to"] == 3 and both["changed"] == ["body"]
    assert [op["op"] for op in both["diff"]["body"]].count("equal") >= 1
    tree = page(client, f"/articles/{article}/compare?from=1&to=3")
    opened = tree.xpath("//div[@class='inline']/details[@class='same']")
    assert opened and opened[0].xpath("./summary")[0].text_content().endswith("unchanged paragraphs)")
    assert opened[0].xpath("./p")  # the unchanged text itself, there to open
    assert tree.xpath("//a[@id='side-by-side']/@href") == ["?from=1&to=3&view=side"]
    side = page(client, f"/articles/{article}/compare?from=1&to=3&view=side")
    assert len(side.xpath("//table[@class='sbs']//tr[td]")) >= 2
    same = client.get(f"/api/articles/{article}/compare?from=2&to=2").json()
    assert same["changed"] == [] and same["diff"]["body"] == []
    assert "did not change" in page(client, f"/articles/{article}/compare?from=2&to=2").text_content()
    assert client.get(f"/api/articles/{article}/compare?from=1&to=9").status_code == 404
    assert client.get(f"/api/articles/{article}/compare?from=0&to=2").status_code == 422
    revision = page(client, f"/articles/{article}/revisions/3")
    assert revision.xpath("//div[@class='inline']/details[@class='same']/p")


def test_sources_page_draws_revisions_per_day(client: TestClient) -> None:
    tree = page(client, "/sources")
    [chart] = tree.xpath("//figure[@id='revisions-per-day']//*[local-name()='svg']")
    bars = chart.xpath(".//*[local-name()='rect']")
    assert len(bars) == 1 and bars[0].xpath("./*[local-name()='title']")[0].text.endswith(": 3 revisions")
    assert "sim" in [a.text for a in tree.xpath("//table//td/a")]


def test_search_on_each_database(site: NewsSite, make_tracker, db_url: str) -> None:  # type: ignore[no-untyped-def]
    """FTS5 on SQLite, full-text search on PostgreSQL: the same answers through the API."""
    from tracker.read.search import search

    stories = [site.add_story(t, paragraphs=3) for t in ("jsonld", "meta")]
    stories[0].paragraphs[1] = "The harbour authority's <b>ferry</b> timetable changed overnight."
    stories[1].paragraphs[0] = "Ferry crossings resumed after the storm; the harbour reopened."
    tracker = make_tracker(db_url, sources=[{"name": "sim", "feeds": [site.feed()]}])
    assert tracker.cycle() == {"new_version": 2}
    stories[0].paragraphs.append("A later paragraph about the lighthouse keeper.")
    assert tracker.cycle() == {"new_version": 1, "unchanged": 1}
    with tracker.session() as session:
        both = search(session, "ferry harbour")
        assert sorted(r["headline"] for r in both) == sorted(s.headline for s in stories)
        [later] = search(session, "lighthouse keeper")
        assert later["version"] == 2 and "\x02" in later["snippet"]
        assert (
            search(session, "ferry", limit=1, offset=1)[0]["article_id"]
            != search(session, "ferry", limit=1)[0]["article_id"]
        )
        assert search(session, "'; DROP TABLE versions; --") == []
        assert search(session, "\x00\x01") == []
    app = TestClient(create_app(tracker.config, tracker.sessions))
    assert len(app.get("/api/search", params={"q": "ferry"}).json()["items"]) == 2
