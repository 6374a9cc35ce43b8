"""Commands over what tracker keeps of its fetches and what web archives hold:
reextract, generations, backfill."""

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
    shown,
    utc_now,
)
from tracker.cli.reading import known_source
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
