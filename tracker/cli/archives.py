"""Commands over what tracker keeps of its fetches and what web archives keep:
reextract, generations, import (WARC files into histories)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session, sessionmaker

from tracker.cli.common import (
    App,
    Progress,
    echo_json,
    json_option,
    main,
    parse_since,
    pass_app,
    run_async,
    setup_logging,
    shown,
    utc_now,
)
from tracker.cli.reading import known_source
from tracker.config import Config
from tracker.store import repository


@main.command()
@click.option("--source", help="Only the articles of this source.")
@click.option("--since", help="Only articles with a version fetched since then: 30d, 12h, or an ISO date.")
@click.option("--article", "reference", metavar="URL|ID", help="Only this article.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@json_option
@pass_app
def reextract(
    app: App, source: str | None, since: str | None, reference: str | None, dry_run: bool, as_json: bool
) -> None:
    """Extract the stored captures again with today's extractor and site rules, and
    derive each history again where the fields change.

    Versions that become the same as the one before collapse; revisions are computed
    again (keeping their ids where nothing changed); the history replaced is kept as
    an earlier generation, and a `reextracted` event records the change. Versions whose
    capture is gone are kept as they are.

    \b
    Examples:
      tracker reextract --dry-run
      tracker reextract --source dw --since 30d
    """
    from tracker.pipeline.rederive import Scope, articles_in
    from tracker.pipeline.rederive import reextract as run

    scope = Scope(source=source, since=parse_since(since), article_id=_article_id(app, reference))
    with app.transaction() as session:
        known_source(session, source)
    ids = articles_in(app.sessions, scope)
    with Progress("re-extracting", len(ids) or None) as progress:
        report = run(app.config, app.sessions, ids, now=utc_now, dry_run=dry_run, advance=progress.advance)
    if as_json:
        echo_json({"dry_run": dry_run, **report.as_json()})
        return
    for line in _lines(report.as_json(), dry_run):
        click.echo(line)


def _article_id(app: App, reference: str | None) -> int | None:
    if reference is None:
        return None
    with app.transaction() as session:
        return repository.resolve_article(session, reference).id


def _lines(report: dict[str, Any], dry_run: bool) -> list[str]:
    """The report as text: counts, what could not be read again, examples."""
    would = "would change" if dry_run else "changed"
    articles, versions, revisions = report["articles"], report["versions"], report["revisions"]
    lines = [
        f"{articles['looked_at']} articles looked at, {articles['changed']} {would}",
        f"versions: {versions['looked_at']} looked at, {versions['changed']} read differently, "
        f"{versions['collapsed']} collapsed into the one before, {versions['current']} already current",
        f"revisions: {revisions['recomputed']} computed again, {revisions['dropped']} dropped",
    ]
    for why, count in sorted(versions["not_rederivable"].items()):
        lines.append(f"kept as they are ({why}): {count} versions")
    for example in report["examples"]:
        lines.append(
            f"  article {example['article']} v{example['version']} {example['field']}: "
            f"{shown(example['old'])!r} -> {shown(example['new'])!r}"
        )
    if report["busy"]:
        lines.append(f"left as they are (checks kept changing them): articles {report['busy']}")
    return lines


@main.command()
@click.argument("article")
@click.option(
    "--generation", "number", type=click.IntRange(min=1), help="Show this earlier generation as it was."
)
@json_option
@pass_app
def generations(app: App, article: str, number: int | None, as_json: bool) -> None:
    """An article's generations: the live history and the earlier ones that
    `tracker reextract` replaced (kept, hidden from every other command).

    \b
    Examples:
      tracker generations 7
      tracker generations 7 --generation 1
    """
    from tracker.read import generations as read

    with app.transaction() as session:
        row = repository.resolve_article(session, article)
        data = read.generation(session, row, number) if number else read.generations_of(session, row)
    if as_json:
        echo_json(data)
    elif number:
        _print_generation(data)
    else:
        for g in data["generations"]:
            when = f"replaced {g['superseded_at']}" if g["superseded_at"] else "live"
            click.echo(
                f"generation {g['generation']}  {when}  {g['versions']} versions, {g['revisions']} revisions"
            )


def _print_generation(data: dict[str, Any]) -> None:
    click.echo(
        f"{data['id']}  {shown(data['url'])}  "
        f"generation {data['generation']}, replaced {data['superseded_at']}"
    )
    changed = {r["to"]: r["changed"] for r in data["revisions"]}
    for version in data["versions"]:
        rules = (version["extractor"] or {}).get("rules") or "-"
        what = (
            f"changed: {', '.join(changed[version['number']])}"
            if version["number"] in changed
            else "first version"
        )
        click.echo(
            f"v{version['number']}  {version['fetched_at']}  {shown(version['headline'] or '')}  "
            f"{what}  (rules {rules})"
        )


@main.command(name="import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--source",
    default="import",
    show_default=True,
    help="Source to file the articles the files bring under (made when it does not exist).",
)
@click.option(
    "--track",
    is_flag=True,
    help="Check the articles the files hold from now on (by default the daemon leaves "
    "the articles an import makes paused: `tracker resume ID` takes one on).",
)
@json_option
@pass_app
def import_(app: App, files: tuple[Path, ...], source: str, track: bool, as_json: bool) -> None:
    """Turn WARC or ARC files (a Browsertrix or Webrecorder crawl, a Heritrix job,
    tracker's own export; .warc.gz gzipped per record, or .warc) into histories: each
    article page, in capture order, through the steps of a check at the time it was
    captured. Pages that are not an article's are skipped and counted by reason;
    importing a file twice adds nothing.

    \b
    Examples:
      tracker import crawl.warc.gz
      tracker import --source archive --track part-*.warc.gz
    """
    setup_logging(app)
    done = run_async(_import(app.config, app.sessions, list(files), source, track))
    summary = {
        "files": len(files),
        "captures": done.captures,
        "revisits": done.revisits,
        "versions": done.versions,
        "unchanged": done.unchanged,
        "skipped": sum(done.skipped.values()),
        "skipped_by_reason": dict(done.skipped.most_common()),
        "articles": len(done.articles),
        "aliases": done.aliases,
    }
    if as_json:
        echo_json(summary)
        return
    _print_summary(summary)


async def _import(
    config: Config, sessions: sessionmaker[Session], files: list[Path], source: str, track: bool
) -> Any:
    """The import, its pages extracted in a process per core (two checks ahead each)."""
    from tracker.daemon import extraction_processes
    from tracker.pipeline import ExtractionPool
    from tracker.pipeline.imports import Options, import_warcs

    processes = extraction_processes()
    pool = ExtractionPool.spawning(processes) if processes > 1 else None
    try:
        options = Options(source, track)
        return await import_warcs(config, sessions, files, options, _stage, pool=pool, ahead=2 * processes)
    finally:
        if pool is not None:
            pool.close()


@contextmanager
def _stage(label: str, total: int | None) -> Iterator[Callable[[int], None]]:
    with Progress(label, total or None) as progress:
        yield progress.advance


def _print_summary(summary: dict[str, Any]) -> None:
    files = "file" if summary["files"] == 1 else "files"
    click.echo(
        f"{summary['captures']} captures read from {summary['files']} {files}: "
        f"{summary['versions']} imported as new versions, {summary['unchanged']} unchanged, "
        f"{summary['skipped']} skipped; {summary['articles']} articles"
        + (f", {summary['aliases']} URLs that redirected to them" if summary["aliases"] else "")
    )
    for reason, count in summary["skipped_by_reason"].items():
        click.echo(f"  skipped {count}: {reason}")
