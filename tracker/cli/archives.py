"""Commands that bring in what web archives keep: import (WARC files into histories)."""

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
    pass_app,
    run_async,
    setup_logging,
)
from tracker.config import Config


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
