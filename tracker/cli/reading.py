"""Commands that read the history: articles, history, diff, changes, report, export."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.orm import Session

# Commands that fetch or render import what they need when they run: `history` and
from tracker.cli.common import (
    App,
    F,
    echo_json,
    json_option,
    main,
    parse_since,
    pass_app,
    utc_now,
)
from tracker.read import history
from tracker.store import repository
from tracker.vocabulary import FIELDS, KINDS


@main.command()
@click.option("--changed-since", help="Only articles changed since (24h, 7d, or an ISO date).")
@click.option("--source", help="Only articles of this source.")
@json_option
@pass_app
def articles(app: App, changed_since: str | None, source: str | None, as_json: bool) -> None:
    """List tracked articles.

    \b
    Example:
      tracker articles --changed-since 24h
    """
    with app.transaction() as session:
        rows = [
            history.article_summary(session, a)
            for a in history.list_articles(session, changed_since=parse_since(changed_since), source=source)
        ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']}\t{row['status']}\t{row['versions']} versions\t{row['source'] or '-'}\t{row['url']}"
        )


@main.command(name="history")
@click.argument("article")
@json_option
@pass_app
def history_command(app: App, article: str, as_json: bool) -> None:
    """Versions and revisions of one article (by URL or id).

    \b
    Example:
      tracker history 7
    """
    with app.transaction() as session:
        data = history.history(session, repository.resolve_article(session, article))
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['id']}  {data['url']}  ({data['status']}, source {data['source'] or '-'})")
    for alias in data["aliases"]:
        if alias != data["url"]:
            click.echo(f"  alias {alias}")
    for event in data["events"]:
        detail = " ".join(f"{k}={v}" for k, v in event["detail"].items())
        click.echo(f"  {event['at']}  {event['kind']}  {detail}".rstrip())
    revisions = {r["to"]: r for r in data["revisions"]}
    for version in data["versions"]:
        revision = revisions.get(version["number"])
        changed = f"  changed: {', '.join(revision['changed'])}" if revision else "  first version"
        if revision and revision["kinds"]:
            changed += f"  [{', '.join(revision['kinds'])}]"
        click.echo(f"v{version['number']}  {version['fetched_at']}  {version['headline'] or ''}{changed}")


@main.command(name="diff")
@click.argument("article")
@click.option("--from", "from_number", type=int, help="Older version number (default: one before --to).")
@click.option("--to", "to_number", type=int, help="Newer version number (default: the latest).")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "html", "json"]),
    default="text",
    show_default=True,
)
@pass_app
def diff_command(
    app: App, article: str, from_number: int | None, to_number: int | None, output_format: str
) -> None:
    """What changed between two versions of an article.

    \b
    Example:
      tracker diff https://example.org/world/story-123 --from 1 --to 3
    """
    from rich.console import Console

    from tracker.read.report import render_diff_page as diff_html
    from tracker.read.text import diff_json, diff_text

    with app.transaction() as session:
        row = repository.resolve_article(session, article)
        old, new, changes = history.diff_between(session, row, from_number, to_number)
        title = new.headline or row.url
    if output_format == "json":
        echo_json(diff_json(old, new, changes))
    elif output_format == "html":
        click.echo(diff_html(old, new, changes, title))
    else:
        Console(highlight=False, soft_wrap=True).print(diff_text(old, new, changes))


def filter_options(function: F) -> F:
    """The options that choose revisions, shared by changes, report and export."""
    options = [
        click.option("--since", help="Detected since: a duration (90m, 24h, 7d) or an ISO date."),
        click.option("--until", help="Detected before: a duration ago or an ISO date."),
        click.option("--source", help="Only this source."),
        click.option(
            "--field", type=click.Choice(list(FIELDS)), help="Only revisions that changed this field."
        ),
        click.option("--kind", type=click.Choice(list(KINDS)), help="Only revisions of this kind."),
        click.option(
            "--min-significance",
            type=click.FloatRange(0, 1),
            default=0.0,
            show_default=True,
            help="Only revisions at least this significant (0 to 1).",
        ),
        click.option(
            "--include-trivial", is_flag=True, help="Also white-space and punctuation-only revisions."
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def change_filter(
    options: dict[str, Any], *, default_since: str | None = None, limit: int | None = None
) -> Any:
    from tracker.read.revisions import RevisionFilter

    return RevisionFilter(
        since=parse_since(options.get("since") or default_since),
        until=parse_since(options.get("until")),
        source=options.get("source"),
        field=options.get("field"),
        kind=options.get("kind"),
        min_significance=options.get("min_significance") or 0.0,
        include_trivial=bool(options.get("include_trivial")),
        limit=limit,
    )


@main.command()
@filter_options
@click.option("--limit", type=click.IntRange(1), default=200, show_default=True, help="At most this many.")
@json_option
@pass_app
def changes(app: App, /, limit: int, as_json: bool, **options: Any) -> None:
    """Recent revisions everywhere, newest first (trivial ones hidden unless asked).

    \b
    Examples:
      tracker changes --since 24h
      tracker changes --since 7d --field headline --source dw
      tracker changes --kind silent --min-significance 0.2 --json
    """
    from tracker.read.revisions import recent_changes

    with app.transaction() as session:
        rows = recent_changes(session, change_filter(options, default_since="24h", limit=limit))
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        kinds = ", ".join(row["kinds"]) or "-"
        click.echo(
            f"{row['detected_at'][:16]}  {row['significance']:.2f}  {row['source'] or '-':<10} "
            f"{row['article_id']:>6} v{row['from']}->v{row['to']}  [{kinds}]  {row['headline'] or row['url']}"
        )
    if not rows:
        click.echo("no revisions", err=True)


@main.command()
@filter_options
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="The file to write (HTML, or Markdown with --format markdown).",
)
@click.option(
    "--format", "output_format", type=click.Choice(["html", "markdown"]), default="html", show_default=True
)
@click.option("--title", default="tracker: changes", show_default=True)
@click.option("--limit", type=click.IntRange(1), help="Only the N most significant revisions.")
@pass_app
def report(
    app: App, /, output: Path, output_format: str, title: str, limit: int | None, **options: Any
) -> None:
    """Write a diff report: a summary table, then every revision, inline and side by side.

    \b
    Example:
      tracker report --since 24h --output today.html
      tracker report --since 7d --source dw --format markdown --output week.md
    """
    from tracker.read.report import render_report
    from tracker.read.revisions import report_items

    where = change_filter(options, default_since="24h", limit=limit)
    with app.transaction() as session:
        items = report_items(session, where)
        text = render_report(
            items,
            title=title,
            generated_at=utc_now(),
            scope=describe_scope(options),
            output_format=output_format,
        )
    _write_whole(output, text)
    plural = "" if len(items) == 1 else "s"
    click.echo(f"{len(items)} revision{plural} written to {output}", err=True)


def describe_scope(options: dict[str, Any]) -> str:
    parts = [f"since {options.get('since') or '24h'}"]
    for key in ("until", "source", "field", "kind"):
        if options.get(key):
            parts.append(f"{key} {options[key]}")
    if options.get("min_significance"):
        parts.append(f"significance ≥ {options['min_significance']}")
    return ", ".join(parts)


def _write_whole(path: Path, text: str) -> None:
    """Write `text` to `path` whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


@main.command()
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["jsonl", "csv", "sentences"]),
    default="jsonl",
    show_default=True,
    help="jsonl: articles; csv: revisions; sentences: changed sentence pairs.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write to FILE (whole or not at all) instead of standard output.",
)
@click.option("--since", help="jsonl: articles changed since; csv, sentences: revisions detected since.")
@pass_app
def export(app: App, output_format: str, output: Path | None, since: str | None) -> None:
    """Export history: articles as JSON Lines, revisions as CSV, or changed sentences.

    \b
    Examples:
      tracker export --format jsonl --output tracker.jsonl
      tracker export --format csv --since 7d --output revisions.csv
      tracker export --format sentences --output sentences.jsonl
    """
    target = output.with_name(output.name + ".partial") if output else None
    stream = target.open("w", encoding="utf-8", newline="") if target else sys.stdout
    try:
        with app.transaction() as session:
            count = _export(session, output_format, stream, parse_since(since))
    finally:
        if target:
            stream.close()
    if output and target:
        target.replace(output)
        click.echo(
            f"exported {count} {'articles' if output_format == 'jsonl' else 'rows'} to {output}", err=True
        )


def _export(session: Session, output_format: str, stream: Any, since: datetime | None) -> int:
    from tracker.read.exports import sentence_pairs, write_csv
    from tracker.read.revisions import RevisionFilter, iter_report_items

    if output_format == "jsonl":
        rows: Any = history.export(session, since=since)
    else:
        items = iter_report_items(session, RevisionFilter(since=since, include_trivial=True))
        if output_format == "csv":
            return write_csv(items, stream)
        rows = (pair for item in items for pair in sentence_pairs(item))
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
