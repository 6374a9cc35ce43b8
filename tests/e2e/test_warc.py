"""End to end: a daemon's captures exported as WARC (`tracker export --format warc`),
checked by warcio and replayed by a real pywb on loopback, byte for byte and to the second."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import select
from warcio.archiveiterator import ArchiveIterator

from tests.support.harness import Tracker, make_config
from tests.support.pywb import COLLECTION, Pywb
from tests.support.site import NewsSite, Response, Story
from tracker.cli import main
from tracker.read.warc import metadata_fields, payload_digest
from tracker.store import bodies, captures
from tracker.store.models import Article, Capture, Version

pytestmark = pytest.mark.slow


@dataclass
class Exported:
    """A day of history on the simulated site, and its export."""

    warc: Path
    config: Path
    url: str
    site: NewsSite
    plain: Story  # a story whose chrome changes on every request: each fetch its own bytes
    fixed: Story  # a story served gzip'd, the same bytes to every request of an edition


def served_gzipped(site: NewsSite, story: Story) -> None:
    """Serve `story` gzip'd, one page per edition (so a confirming fetch gets the same bytes)."""
    pages: dict[int, bytes] = {}

    def page(_request: Any) -> Response:
        body = pages.setdefault(len(story.paragraphs), site.render(story).encode("utf-8"))
        return Response(body=gzip.compress(body, mtime=0), headers={"Content-Encoding": "gzip"})

    site.route(story.path, page)


def spread(tracker: Tracker) -> None:
    """Move each capture a minute before the next, in the order they were taken. A real
    daemon's fetches are seconds to hours apart; this test's fall within one second,
    where a wayback machine (to the second) cannot tell them apart."""
    with tracker.session() as session:
        kept = list(session.scalars(select(Capture).order_by(Capture.id.desc())))
        for back, capture in enumerate(kept):
            capture.at -= timedelta(minutes=back)
        session.commit()


def export(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), "export", "--format", "warc", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Exported]:
    """Two daemon cycles with an edit between them on SQLite, exported once."""
    folder = tmp_path_factory.mktemp("warc")
    site = NewsSite().start()
    plain, fixed = site.add_story("jsonld"), site.add_story("meta")
    served_gzipped(site, fixed)
    url = f"sqlite:///{folder / 'tracker.db'}"
    sections = {"sources": [{"name": "sim", "urls": [site.url(plain.path), site.url(fixed.path)]}]}
    tracker = Tracker(make_config(url, **sections))
    assert tracker.cycle() == {"new_version": 2}
    plain.paragraphs.append("A correction was appended by the desk.")
    fixed.paragraphs.append("The minister later denied the report.")
    assert tracker.cycle() == {"new_version": 2}
    spread(tracker)
    tracker.close()
    config = folder / "config.yaml"
    config.write_text(yaml.safe_dump({"database": {"url": url}, **sections}))
    warc = folder / "tracker.warc.gz"
    export(config, "-o", str(warc))
    yield Exported(warc, config, url, site, plain, fixed)
    site.stop()


@pytest.fixture(scope="module")
def pywb(exported: Exported, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pywb]:
    """One pywb server for the module, its collection holding the export."""
    archive = Pywb(tmp_path_factory.mktemp("pywb"))
    archive.add(exported.warc)
    yield archive.start()
    archive.stop()


def records(path: Path) -> list[dict[str, Any]]:
    """Every record of a WARC file read back by warcio: type, WARC headers, HTTP head, payload."""
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            head = record.http_headers
            out.append(
                {
                    "type": record.rec_type,
                    "warc": dict(record.rec_headers.headers),
                    "line": f"{head.protocol} {head.statusline}" if head else None,
                    "http": dict(head.headers) if head else {},
                    "payload": record.raw_stream.read(),
                }
            )
    return out


def stored(exported: Exported) -> list[Capture]:
    """Every capture, detached from its session, each body packed alone in memory (a
    delta's base and a dictionary are read through the session, gone by then)."""
    tracker = Tracker(make_config(exported.url))
    try:
        with tracker.session() as session:
            kept = list(session.scalars(select(Capture).order_by(Capture.id)))
            contents = [captures.body(capture) for capture in kept]
            session.expunge_all()
    finally:
        tracker.close()
    for capture, content in zip(kept, contents, strict=True):
        if content is not None:
            capture.codec, capture.body = bodies.pack(content)
    return kept


def timestamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S")


def test_warcio_check_passes_on_the_export(exported: Exported) -> None:
    warcio = Path(sys.executable).parent / "warcio"
    done = subprocess.run([str(warcio), "check", "-v", str(exported.warc)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "digest pass" in done.stdout and "digest failed" not in done.stdout


def test_every_capture_reads_back_as_a_response_and_its_request(exported: Exported) -> None:
    read = records(exported.warc)
    kept = stored(exported)
    assert read[0]["type"] == "warcinfo"
    responses = {r["warc"]["WARC-Record-ID"]: r for r in read if r["type"] == "response"}
    revisits = [r for r in read if r["type"] == "revisit"]
    assert len(responses) + len(revisits) == len(kept), "every capture is written once"
    for capture in kept:
        body = captures.body(capture)
        assert body is not None
        matches = [
            r
            for r in responses.values()
            if r["payload"] == body and r["warc"]["WARC-Target-URI"] == capture.url
        ]
        if capture.role == "confirm" and not matches:
            continue  # written as a revisit (below)
        assert matches, f"capture {capture.id} ({capture.role}) has its bytes in a response record"
        record = matches[0]
        assert record["warc"]["WARC-IP-Address"] == capture.peer == "127.0.0.1"
        assert record["warc"]["WARC-Payload-Digest"] == payload_digest(body)
        assert record["http"]["Content-Length"] == str(len(body))
    requests = [r for r in read if r["type"] == "request"]
    assert {r["warc"]["WARC-Concurrent-To"] for r in requests} == set(responses) | {
        r["warc"]["WARC-Record-ID"] for r in revisits
    }, "each request record is concurrent to its capture's response (or revisit)"
    for request in requests:
        assert request["payload"] == b"" and request["line"].startswith("GET /news/story-")
        assert request["line"].endswith(" HTTP/1.1") and "User-Agent" in request["http"]


def test_a_decoded_body_drops_the_encoding_it_no_longer_has(exported: Exported) -> None:
    read = records(exported.warc)
    url = exported.site.url(exported.fixed.path)
    gzipped = [r for r in read if r["type"] == "response" and r["warc"]["WARC-Target-URI"] == url]
    assert gzipped
    for record in gzipped:
        assert record["warc"]["Tracker-Decoded"] == "gzip"
        assert "Content-Encoding" not in record["http"]
        assert record["http"]["X-Archive-Orig-Content-Encoding"] == "gzip"
        assert record["payload"].startswith(b"<!DOCTYPE html>") or b"<html" in record["payload"][:200]


def test_an_identical_confirmation_is_a_revisit_of_the_version_capture(exported: Exported) -> None:
    read = records(exported.warc)
    by_id = {r["warc"]["WARC-Record-ID"]: r for r in read}
    url = exported.site.url(exported.fixed.path)
    revisits = [r for r in read if r["type"] == "revisit"]
    assert revisits and all(r["warc"]["WARC-Target-URI"] == url for r in revisits)
    for revisit in revisits:
        original = by_id[revisit["warc"]["WARC-Refers-To"]]
        assert original["type"] == "response"
        assert revisit["warc"]["WARC-Profile"].endswith("/warc/1.1/revisit/identical-payload-digest")
        assert revisit["warc"]["WARC-Payload-Digest"] == original["warc"]["WARC-Payload-Digest"]
        assert revisit["warc"]["WARC-Refers-To-Date"] == original["warc"]["WARC-Date"]
        assert revisit["payload"] == b""
    plain = exported.site.url(exported.plain.path)
    confirms = [c for c in stored(exported) if c.role == "confirm" and c.url == plain]
    assert confirms, "the plain story's confirmations differ in bytes: responses of their own"


def test_each_version_has_a_metadata_record_linked_to_its_response(exported: Exported) -> None:
    read = records(exported.warc)
    by_id = {r["warc"]["WARC-Record-ID"]: r for r in read}
    metadata = [r for r in read if r["type"] == "metadata"]
    tracker = Tracker(make_config(exported.url))
    with tracker.session() as session:
        versions = list(session.scalars(select(Version).order_by(Version.article_id, Version.number)))
        urls = {a.id: a.url for a in session.scalars(select(Article))}
        assert len(metadata) == len(versions) == 4
        for record, version in zip(metadata, versions, strict=True):
            content = metadata_fields(record["payload"])
            assert record["warc"]["Content-Type"] == "application/warc-fields"
            assert content["article"] == {"id": version.article_id, "url": urls[version.article_id]}
            assert content["version"]["number"] == version.number
            assert content["version"]["content_hash"] == version.content_hash
            assert content["version"]["body"] == version.body
            assert content["version"]["headline"] == version.headline
            assert content["extractor"] == version.extractor
            response = by_id[record["warc"]["WARC-Refers-To"]]
            assert response["type"] == "response"
            assert record["warc"]["WARC-Target-URI"] == response["warc"]["WARC-Target-URI"]
            assert content["capture"]["role"] == "version" and content["capture"]["synthesized"] is None
            capture = captures.of_version(session, version.article_id, version.number)
            assert capture is not None and response["payload"] == captures.body(capture)
    tracker.close()


def test_pywb_replays_each_version_capture_byte_for_byte(exported: Exported, pywb: Pywb) -> None:
    versions = [c for c in stored(exported) if c.role == "version"]
    assert len(versions) == 4
    for capture in versions:
        replayed = pywb.get(f"/{COLLECTION}/{timestamp(capture.at)}id_/{capture.url}")
        assert replayed.status_code == 200, replayed.text[:300]
        assert replayed.content == captures.body(capture)


def test_pywb_cdx_lists_each_capture_at_its_time(exported: Exported, pywb: Pywb) -> None:
    kept = stored(exported)
    for url in {capture.url for capture in kept}:
        answer = pywb.get(f"/{COLLECTION}/cdx?url={url}&output=json")
        assert answer.status_code == 200, answer.text[:300]
        lines = [json.loads(line) for line in answer.text.splitlines() if line.strip()]
        ours = sorted((timestamp(c.at), c.role) for c in kept if c.url == url)
        assert sorted(line["timestamp"] for line in lines) == [stamp for stamp, _ in ours]
        assert {line["status"] for line in lines if line["mime"] != "warc/revisit"} == {"200"}


def test_pywb_replays_a_revisit_with_the_original_bytes(exported: Exported, pywb: Pywb) -> None:
    url = exported.site.url(exported.fixed.path)
    confirms = [c for c in stored(exported) if c.role == "confirm" and c.url == url]
    assert confirms
    for capture in confirms:
        replayed = pywb.get(f"/{COLLECTION}/{timestamp(capture.at)}id_/{capture.url}")
        assert replayed.status_code == 200
        assert replayed.content == captures.body(capture)


def test_the_export_chooses_by_article_source_and_time(exported: Exported, tmp_path: Path) -> None:
    kept = stored(exported)
    one = tmp_path / "one.warc.gz"
    export(exported.config, "--article", exported.site.url(exported.plain.path), "-o", str(one))
    urls = {r["warc"]["WARC-Target-URI"] for r in records(one) if r["type"] != "warcinfo"}
    assert urls == {exported.site.url(exported.plain.path)}
    last = max(c.at for c in kept if c.version_number == 1)
    later = tmp_path / "later.warc.gz"
    export(exported.config, "--since", last.isoformat(), "-o", str(later))
    read = records(later)
    assert len([r for r in read if r["type"] in ("response", "revisit")]) == len(
        [c for c in kept if c.at >= last]
    )
    none = CliRunner().invoke(
        main, ["--config", str(exported.config), "export", "--format", "warc", "--source", "nope"]
    )
    assert none.exit_code == 1 and "no source named 'nope'" in none.output
    mixed = CliRunner().invoke(main, ["--config", str(exported.config), "export", "--source", "sim"])
    assert mixed.exit_code == 2 and "--format warc" in mixed.output


def test_the_export_streams_to_standard_output(exported: Exported, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(exported.config), "export", "--format", "warc"])
    assert result.exit_code == 0
    piped = tmp_path / "piped.warc.gz"
    piped.write_bytes(result.stdout_bytes)
    assert [r["type"] for r in records(piped)] == [r["type"] for r in records(exported.warc)]
