"""`tracker backfill`: a story's earlier versions recovered from web archives."""

from __future__ import annotations

from typing import Any

import click

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
    utc_now,
)
from tracker.cli.reading import known_source
from tracker.store import repository


@main.command()
@click.argument("article", required=False, metavar="[ID|URL]")
@click.option("--source", help="Every article of this source.")
@click.option("--since", help="Only captures the archives took since then: 30d, or an ISO date.")
@click.option("--archive", "archive_name", help="Only this archive (a name from `archives:`).")
@click.option("--dry-run", is_flag=True, help="List what the archives hold; fetch no capture, write nothing.")
@json_option
@pass_app
def backfill(
    app: App,
    article: str | None,
    source: str | None,
    since: str | None,
    archive_name: str | None,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Recover a story's versions from before tracker first saw it (and between its
    checks) from web archives: the captures the archives hold of each of its URLs,
    fetched as archived, judged and extracted as checks judge and extract pages, and
    stored as versions marked with their archive.

    Archives are the `archives:` list of config.yaml (the Internet Archive by default).
    The history replaced is kept as an earlier generation (`tracker generations`).

    \b
    Examples:
      tracker backfill 7
      tracker backfill --source dw --since 2026-01-01 --archive ia
    """
    from tracker.fetch import Fetcher
    from tracker.pipeline.backfill import articles_in
    from tracker.pipeline.backfill import backfill as run
    from tracker.store.ledger import ledger_for

    if (article is None) == (source is None):
        raise click.UsageError("name one article (ID or URL) or --source")
    archives = _archives(app, archive_name)
    moment = parse_since(since)
    with app.transaction() as session:
        known_source(session, source)
    ids = articles_in(app.sessions, source=source, article_id=_article_id(app, article))
    setup_logging(app)

    async def go() -> Any:
        async with Fetcher(app.config.fetch, ledger=ledger_for(app.sessions)) as fetcher:
            with Progress("backfilling", len(ids) * (len(archives) + 1) or None) as progress:
                return await run(
                    app.config, app.sessions, fetcher, archives, ids,
                    now=utc_now, since=moment, dry_run=dry_run, advance=progress.advance,
                )  # fmt: skip

    report = run_async(go())
    if as_json:
        echo_json({"dry_run": dry_run, **report.as_json()})
        return
    for line in _backfill_lines(report.as_json(), dry_run):
        click.echo(line)


def _archives(app: App, name: str | None) -> Any:
    """The archives to ask: all configured, or the one named."""
    archives = app.config.archives
    if name is not None:
        archives = tuple(a for a in archives if a.name == name)
        if not archives:
            known = ", ".join(a.name for a in app.config.archives) or "none"
            raise click.ClickException(f"--archive: no archive named {name!r} (configured: {known})")
    if not archives:
        raise click.ClickException("no archive configured: `archives:` in config.yaml is empty")
    return archives


def _backfill_lines(report: dict[str, Any], dry_run: bool) -> list[str]:
    """The report as text: what the archives held, what became versions, what did not."""
    articles, found = report["articles"], report["captures"]
    would = "would gain" if dry_run else "gained"
    lines = [
        f"{articles['looked_at']} articles looked at, {articles['changed']} {would} versions",
        f"captures: {found['listed']} listed, {found['fetched']} fetched, "
        f"{found['kept_before']} kept before, {found['after_latest']} after the latest version, "
        f"{found['duplicates']} duplicates" + (f", {found['to_fetch']} to fetch" if dry_run else ""),
        f"versions: {report['versions']['added']} added; revisions: {report['revisions']['added']} added, "
        f"{report['revisions']['recomputed']} computed again",
    ]
    for title, key in (
        ("not pages", "not_pages"),
        ("failed (gaps)", "failed"),
        ("not versions", "not_versions"),
    ):
        for why, count in sorted(found[key].items()):
            lines.append(f"{title}: {why}: {count}")
    if report["busy"]:
        lines.append(f"left as they are (checks kept changing them): articles {report['busy']}")
    return lines


def _article_id(app: App, reference: str | None) -> int | None:
    if reference is None:
        return None
    with app.transaction() as session:
        return repository.resolve_article(session, reference).id
