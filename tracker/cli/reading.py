"""Commands that read the history: articles, history, checks, diff, changes, report
(`export` is in `tracker.cli.exporting`)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click
from sqlalchemy.orm import Session

from tracker.cli.common import (
    App,
    F,
    echo_json,
    json_option,
    main,
    parse_since,
    pass_app,
    shown,
    utc_now,
)
from tracker.read import history
from tracker.store import repository
from tracker.vocabulary import FIELDS, KINDS


@main.command()
@click.option("--changed-since", help="Only articles changed since (24h, 7d, or an ISO date).")
@click.option("--source", help="Only articles of this source.")
@click.option(
    "--failing",
    is_flag=True,
    help="Only articles whose last check failed, with headline, last check and error.",
)
@json_option
@pass_app
def articles(app: App, changed_since: str | None, source: str | None, failing: bool, as_json: bool) -> None:
    """List tracked articles.

    \b
    Examples:
      tracker articles --changed-since 24h
      tracker articles --failing --source dw
    """
    if failing:
        _failing_articles(app, source, as_json)
        return
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


FAILING_MAX = 100_000


def _failing_articles(app: App, source: str | None, as_json: bool) -> None:
    """The articles whose last check failed (the watch list's "failing only")."""
    from tracker.read.watch import WatchFilter, watch_list

    with app.transaction() as session:
        known_source(session, source)
        where = WatchFilter(source=source, failing=True, sort="last_checked")
        rows = watch_list(session, where, limit=FAILING_MAX).rows
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        check: Mapping[str, Any] = row["last_check"] or {}
        error = f"{check.get('error_kind') or ''}: {check.get('message') or ''}".strip(": ")
        click.echo(
            shown(
                f"{row['id']}\t{(row['last_checked_at'] or 'never')[:16]}\t{check.get('outcome', '-')}"
                f"\t{row['failures_in_a_row']} in a row\t{row['headline'] or row['url']}\t{error}"
            )
        )
    click.echo(f"{len(rows)} failing articles" if rows else "no article is failing", err=True)


HISTORY_CHECKS = 5


@main.command(name="history")
@click.argument("article")
@json_option
@pass_app
def history_command(app: App, article: str, as_json: bool) -> None:
    """Versions, revisions and the last checks of one article (by URL or id).

    \b
    Example:
      tracker history 7
    """
    from tracker.read.watch import checks_of

    with app.transaction() as session:
        row = repository.resolve_article(session, article)
        data = history.history(session, row)
        data["checks"], data["checks_total"] = checks_of(session, row.id, limit=HISTORY_CHECKS)
    if as_json:
        echo_json(data)
        return
    _print_history(data)


def _print_history(data: dict[str, Any]) -> None:
    click.echo(
        f"{data['id']}  {shown(data['url'])}  ({data['status']}, source {shown(data['source'] or '-')})"
    )
    for alias in data["aliases"]:
        if alias != data["url"]:
            click.echo(f"  alias {shown(alias)}")
    for event in data["events"]:
        detail = " ".join(f"{k}={v}" for k, v in event["detail"].items())
        click.echo(shown(f"  {event['at']}  {event['kind']}  {detail}".rstrip()))
    for test in data["headline_tests"]:
        _print_headline_test(test)
    revisions = {r["to"]: r for r in data["revisions"]}
    for version in data["versions"]:
        revision = revisions.get(version["number"])
        changed = f"  changed: {', '.join(revision['changed'])}" if revision else "  first version"
        if revision and revision["kinds"]:
            changed += f"  [{', '.join(revision['kinds'])}]"
        origin = version.get("archive")
        if origin:
            changed += f"  (from archive {origin['name']}: {shown(origin['memento_url'])})"
        click.echo(
            f"v{version['number']}  {version['fetched_at']}  {shown(version['headline'] or '')}{changed}"
        )
        for witness in version.get("witnesses", []):
            click.echo(
                shown(
                    f"    witnessed by {witness['archive']} at {witness['memento_at']}: "
                    f"{witness['memento_url']}"
                )
            )
    if not data["versions"]:
        click.echo("no version stored yet" + (": see the checks below" if data["checks"] else ""))
    if data["checks"]:
        more = data["checks_total"] - len(data["checks"])
        click.echo(
            f"last checks (next: {data['next_check_at'] or 'none'})"
            + (f", {more} older: tracker checks {data['id']}" if more else "")
            + ":"
        )
        for check in data["checks"]:
            click.echo("  " + check_line(check))


def _print_headline_test(test: Mapping[str, Any]) -> None:
    """A headline test: when, the headline before it, its variants and shares, the winner."""
    what = "headline test" if test["kind"] == "headline" else f"{test['kind']} headline test"
    until = f"ended {test['ended_at']}, winner: {test['winner']}" if test["ended_at"] else "running"
    click.echo(shown(f"{what} from {test['started_at']}, {until}"))
    if test["before"]:
        click.echo(shown(f"  before it: {test['before']}"))
    for variant in test["variants"]:
        click.echo(
            shown(
                f"  {variant['share']:>6.1%}  {variant['text']}"
                f"  (seen {variant['first_seen']} to {variant['last_seen']})"
            )
        )


def check_line(check: Mapping[str, Any]) -> str:
    status = check["http_status"] or "-"
    line = f"{check['started_at']}  {check['outcome']:<12}  HTTP {status}  {check['duration_ms']} ms"
    if check["version"]:
        line += f"  v{check['version']}"
    if check["error_kind"] or check["message"]:
        line += f"  {check['error_kind'] or ''}: {check['message'] or ''}"
    return shown(line)


@main.command()
@click.argument("article")
@click.option("--limit", type=click.IntRange(min=1), help="Only the most recent N checks.")
@json_option
@pass_app
def checks(app: App, article: str, limit: int | None, as_json: bool) -> None:
    """Every check of one article (by URL or id), the most recent first: when it was
    fetched, what came back, and why a story is not updating.

    \b
    Example:
      tracker checks 7 --limit 20
    """
    from tracker.read.watch import check_days_of, checks_of

    with app.transaction() as session:
        row = repository.resolve_article(session, article)
        rows, total = checks_of(session, row.id, limit=limit)
        days = check_days_of(session, row.id) if limit is None else []
        next_check = row.next_check_at
    if as_json:
        echo_json(rows)
        return
    for check in rows:
        click.echo(check_line(check))
    for day in days:  # older than database.checks_kept: counted, not listed
        click.echo(f"{day['day']}  {day['outcome']:<14} x{day['checks']} (counted by day)")
    folded = sum(day["checks"] for day in days)
    shown = len(rows) + folded
    shown_count = f"{len(rows)} of {total} checks shown (--limit)" if shown < total else f"{total} checks"
    click.echo(f"{shown_count}; next check: {next_check.isoformat() if next_check else 'none'}", err=True)


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
    from tracker.read.revisions import count_revisions, recent_changes

    where = change_filter(options, default_since="24h", limit=limit)
    with app.transaction() as session:
        known_source(session, options.get("source"))
        rows = recent_changes(session, where)
        total = count_revisions(session, where) if len(rows) == limit else len(rows)
    if as_json:
        echo_json(rows)
    else:
        for row in rows:
            kinds = ", ".join(row["kinds"]) or "-"
            headline = row["headline"] or row["url"]
            if row["previous_headline"] is not None:
                headline = f"{row['previous_headline']} -> {headline}"
            click.echo(
                shown(
                    f"{row['detected_at'][:16]}  {row['significance']:.2f}  {row['source'] or '-':<10} "
                    f"{row['article_id']:>6} v{row['from']}->v{row['to']}  [{kinds}]  {headline}"
                )
            )
    if total > len(rows):
        click.echo(f"{len(rows)} of {total} revisions shown (--limit)", err=True)
    elif not rows and not as_json:
        click.echo("no revisions match", err=True)


def known_source(session: Session, name: str | None) -> None:
    """A `--source` that names no source is a mistake, not an empty answer."""
    from tracker.read.revisions import has_source, source_names

    if name and not has_source(session, name):
        known = ", ".join(source_names(session)) or "none yet"
        raise click.ClickException(f"--source: no source named {name!r} (known: {known})")


REPORT_MAX = 2_000  # revisions: a larger HTML report is more than a browser opens well


@main.command()
@filter_options
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
    required=True,
    help="The file to write (HTML, or Markdown with --format markdown); - for standard output.",
)
@click.option(
    "--format", "output_format", type=click.Choice(["html", "markdown"]), default="html", show_default=True
)
@click.option("--title", default="tracker: changes", show_default=True)
@click.option("--limit", type=click.IntRange(1), help="Only the N most significant revisions.")
@click.option(
    "--force", is_flag=True, help=f"Write a report of more than {REPORT_MAX:,} revisions all the same."
)
@pass_app
def report(
    app: App, /, output: Path, output_format: str, title: str, limit: int | None, force: bool, **options: Any
) -> None:
    """Write a diff report: a summary table, then every revision, inline and side by side.
    The revisions are counted first: more than 2,000 need --limit (the most significant)
    or --force.

    \b
    Example:
      tracker report --since 24h --output today.html
      tracker report --since 7d --source dw --format markdown --output week.md
      tracker report --since 30d --limit 500 --output month.html
    """
    from tracker.read.report import render_report
    from tracker.read.revisions import count_revisions, report_items

    where = change_filter(options, default_since="24h", limit=limit)
    with app.transaction() as session:
        known_source(session, options.get("source"))
        total = count_revisions(session, where)
        if limit is None and total > REPORT_MAX and not force:
            raise click.ClickException(_too_large(total))
        items = report_items(session, where)
        text = render_report(
            items,
            title=title,
            generated_at=utc_now(),
            scope=describe_scope(options),
            output_format=output_format,
        )
    plural = "" if len(items) == 1 else "s"
    of = f" of {total:,}" if len(items) < total else ""
    if str(output) == "-":
        click.echo(text, nl=False)
        click.echo(f"{len(items)}{of} revision{plural} written", err=True)
        return
    with whole_file(output) as stream:
        stream.write(text)
    click.echo(f"{len(items)}{of} revision{plural} written to {output}", err=True)


def _too_large(total: int) -> str:
    return (
        f"{total:,} revisions match: a report of more than {REPORT_MAX:,} is too large to open; "
        "narrow the filters, keep the most significant with --limit N, or write it all with --force"
    )


def describe_scope(options: dict[str, Any]) -> str:
    parts = [f"since {options.get('since') or '24h'}"]
    for key in ("until", "source", "field", "kind"):
        if options.get(key):
            parts.append(f"{key} {options[key]}")
    if options.get("min_significance"):
        parts.append(f"significance ≥ {options['min_significance']}")
    return ", ".join(parts)


@contextmanager
def whole_file(path: Path) -> Iterator[IO[str]]:
    """A file written whole or not at all: into `<path>.partial`, moved over `path` once
    the writing is done without an error."""
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as stream:
        yield stream
    partial.replace(path)
