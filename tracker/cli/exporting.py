"""`tracker export`: history as JSON Lines (articles), CSV (revisions), changed sentences,
or WARC (captures, `tracker.read.warc_export`); docs/reference/export.md is the contract."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import IO, TypeVar

import click
from sqlalchemy.orm import Session

from tracker.cli.common import App, Progress, main, parse_since, pass_app
from tracker.cli.reading import known_source, whole_file
from tracker.read import history
from tracker.store import repository

T = TypeVar("T")


@main.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "csv", "sentences", "warc"]),
    default="jsonl",
    show_default=True,
    help="jsonl: articles; csv: revisions; sentences: changed sentence pairs; warc: captures (WARC 1.1).",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE (whole or not at all) instead of standard output.",
)
@click.option(
    "--since",
    help="jsonl: articles changed since; csv, sentences: revisions detected since; "
    "warc: captures taken since.",
)
@click.option("--source", help="warc: only the captures of this source's articles.")
@click.option("--article", help="warc: only the captures of this article (id or URL).")
@pass_app
def export(
    app: App,
    output_format: str,
    output: Path | None,
    since: str | None,
    source: str | None,
    article: str | None,
) -> None:
    """Export history: articles as JSON Lines, revisions as CSV, changed sentences, or
    captures as a WARC file (replayable in pywb).

    \b
    Examples:
      tracker export --format jsonl --output tracker.jsonl
      tracker export --format csv --since 7d --output revisions.csv
      tracker export --format sentences --output sentences.jsonl
      tracker export --format warc --source dw --since 30d -o dw.warc.gz
    """
    if output_format == "warc":
        _export_warc(app, output, since, source, article)
        return
    if source or article:
        raise click.UsageError("--source and --article choose captures: they go with --format warc")
    destination: AbstractContextManager[IO[str]] = whole_file(output) if output else nullcontext(sys.stdout)
    with destination as stream, app.transaction() as session:
        count = _export(session, output_format, stream, parse_since(since))
    if output:
        click.echo(
            f"exported {count} {'articles' if output_format == 'jsonl' else 'rows'} to {output}", err=True
        )


def _export_warc(
    app: App, output: Path | None, since: str | None, source: str | None, article: str | None
) -> None:
    """The captures chosen, as one WARC file (gzip per record) at `output` or on stdout."""
    from tracker.read.warc_export import Scope, count_captures
    from tracker.read.warc_export import export as export_warc

    if output is None and sys.stdout.isatty():
        raise click.UsageError("a WARC file is binary: give --output FILE, or redirect standard output")
    with app.transaction() as session:
        known_source(session, source)
        chosen = repository.resolve_article(session, article).id if article else None
    scope = Scope(source=source, since=parse_since(since), article_id=chosen)
    destination: AbstractContextManager[IO[bytes]] = (
        whole_binary(output) if output else nullcontext(sys.stdout.buffer)
    )
    with destination as stream, app.transaction() as session:
        with Progress("exporting captures", count_captures(session, scope)) as progress:
            name = output.name if output else None
            done = export_warc(session, stream, scope, filename=name, advance=progress.advance)
        stream.flush()
    where = f" to {output}" if output else ""
    click.echo(
        f"exported {done.captures} captures ({done.responses} responses, {done.revisits} revisits) "
        f"and {done.metadata} versions{where}",
        err=True,
    )
    if done.without_body:
        click.echo(
            f"{done.without_body} captures had no body (dropped by database.raw_html, or moved "
            "to a WARC file that could not be read): their versions' metadata records say so",
            err=True,
        )
    for why in done.unreadable[:10]:
        click.echo(f"unreadable: {why}", err=True)


@contextmanager
def whole_binary(path: Path) -> Iterator[IO[bytes]]:
    """`whole_file` for bytes."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as stream:
        yield stream
    partial.replace(path)


def _export(session: Session, output_format: str, stream: IO[str], since: datetime | None) -> int:
    from tracker.read.exports import sentence_pairs, write_csv
    from tracker.read.revisions import RevisionFilter, count_revisions, iter_report_items

    if output_format == "jsonl":
        total = history.count_exported(session, since=since)
        with Progress("exporting articles", total) as progress:
            count = 0
            for row in history.export(session, since=since):
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
                count += 1
                progress.advance()
            return count
    where = RevisionFilter(since=since, include_trivial=True)
    with Progress("exporting revisions", count_revisions(session, where)) as progress:
        items = _advancing(iter_report_items(session, where), progress)
        if output_format == "csv":
            return write_csv(items, stream)
        count = 0
        for pair in (pair for item in items for pair in sentence_pairs(item)):
            stream.write(json.dumps(pair, ensure_ascii=False) + "\n")
            count += 1
        return count


def _advancing(items: Iterator[T], progress: Progress) -> Iterator[T]:
    for item in items:
        yield item
        progress.advance()
