"""Commands beside a running tracker: serve (the history over HTTP), status (its health)
and prune (the storage job once)."""

from __future__ import annotations

from typing import Any

import click

from tracker.cli.common import App, echo_json, json_option, main, pass_app, shown, utc_now

HOSTS_SHOWN = 10
TABLES_SHOWN = 8


@main.command()
@click.option("--host", help="Address to listen on (default: web.host, 127.0.0.1).")
@click.option("--port", type=int, help="Port (default: web.port, 8000).")
@pass_app
def serve(app: App, host: str | None, port: int | None) -> None:
    """Serve the history in a browser, as JSON under /api/, and as Atom feeds.

    Pages need no JavaScript; the OpenAPI schema is at /openapi.json. Adding
    articles over HTTP needs `web.token` in the config (off without it).

    \b
    Example:
      tracker serve --port 8000
    """
    import uvicorn

    from tracker.store.db import redact
    from tracker.web import create_app

    web = app.config.web
    click.echo(f"serving the database {redact(app.config.database.url)}", err=True)
    application = create_app(app.config, app.sessions)
    uvicorn.run(application, host=host or web.host, port=port or web.port, log_level=app.config.logging.level)


@main.command()
@json_option
@click.option(
    "--sizes",
    is_flag=True,
    help="SQLite: each table's size even past 256 MB (it reads every page of the file: a second or more).",
)
@pass_app
def status(app: App, as_json: bool, sizes: bool) -> None:
    """Health: articles by state, checks due now, the last hour's outcomes, per host how
    far behind its due checks are, the lines the sites' templates gained or lost in the
    last week, per source the share of checks that got the article in the last day
    (warned when it drops), notification destinations, witness destinations' queues
    (captured, waiting, given up, and the newest error), and the database's size by
    table and per version.

    \b
    Example:
      tracker status
      tracker status --sizes
    """
    from tracker.read.health import status as health
    from tracker.read.storage import database_size

    with app.transaction() as session:
        report = health(session, utc_now())
        report["storage"] = database_size(session, by_table=sizes or None)  # not in the web's
    if as_json:
        echo_json(report)
        return
    articles = ", ".join(f"{state} {count}" for state, count in report["articles"].items())
    click.echo(f"articles: {articles}; paused {report['paused_articles']}; due now {report['due_now']}")
    if report["failing_endpoints"]:
        click.echo(f"FAILING: {report['failing_endpoints']} source endpoints (below)")
    outcomes = ", ".join(f"{k} {v}" for k, v in report["checks_last_hour"].items() if v) or "none"
    click.echo(f"checks in the last hour: {outcomes}")
    _print_hosts_behind(report["hosts_behind"])
    _print_template_changes(report["template_changes"])
    _print_sources(report["sources"])
    _print_notifications(report["notifications"])
    _print_witnesses(report["witnesses"])
    _print_storage(report["storage"])


def _print_storage(storage: dict[str, Any]) -> None:
    from tracker.read.storage import DBSTAT_UP_TO

    per_version, guessed = storage["bytes_per_version"], storage.get("estimated", [])

    def rows(name: str) -> str:
        return f"{'about ' if name in guessed else ''}{storage[name]} {name}"

    click.echo(
        f"database: {_size(storage['bytes'])}, {rows('versions')}"
        + (f", {_size(per_version)} a version" if per_version is not None else "")
        + f", {rows('captures')}, {storage['dictionaries']} dictionaries"
    )
    for table, size in list(storage["tables"].items())[:TABLES_SHOWN]:
        click.echo(f"  {table:<32} {_size(size):>10}")
    if not storage["tables"] and storage["bytes"] >= DBSTAT_UP_TO:
        click.echo("  (each table's size: tracker status --sizes)")


def _size(size: float) -> str:
    if size < 1024:
        return f"{int(size)} bytes"
    for unit in ("KB", "MB"):
        size /= 1024
        if size < 1024:
            return f"{size:.1f} {unit}"
    return f"{size / 1024:.1f} GB"


@main.command()
@click.option("--batches", type=int, help="Stop after this many batches (of 100 captures each).")
@pass_app
def prune(app: App, batches: int | None) -> None:
    """Tend the storage once, as the daemon does every 10 minutes: train a zstd
    dictionary for each host with enough captures without one, fold the checks older
    than `database.checks_kept` into daily counts (1,000 per transaction), then apply the
    retention setting (`database.raw_html`): drop, or move into WARC files, the bodies
    of captures older than it, a batch of 100 per transaction.

    \b
    Example:
      tracker prune
    """
    from tracker.daemon import archive_for
    from tracker.store.retention import tend

    now = utc_now()
    done = tend(app.sessions, app.config.database, now, archive=archive_for(app.config, now), batches=batches)
    click.echo(
        f"pruned: {done.dropped} bodies dropped, {done.moved} moved to WARC, {done.repacked} repacked, "
        f"{done.folded} checks folded into daily counts"
    )


def _print_hosts_behind(behind: list[dict[str, Any]]) -> None:
    for row in behind[:HOSTS_SHOWN]:
        click.echo(f"  {row['host']:<32} {row['due']:>6} due, the oldest {_ago(row['behind_seconds'])} late")
    if len(behind) > HOSTS_SHOWN:
        click.echo(
            f"  ... and {len(behind) - HOSTS_SHOWN} more hosts with checks due (--json lists them all)"
        )


def _print_template_changes(changes: list[dict[str, Any]]) -> None:
    for row in changes:
        change = "gained" if row["added"] else "lost"
        click.echo(
            f"  template: {row['host']} {change} the line {row['line']!r} (seen on {row['stories']} stories)"
        )


def _print_sources(sources: list[dict[str, Any]]) -> None:
    """Every source (failing first): its state, share of good checks and endpoints, a
    failing endpoint with its error, since when and how many polls in a row; a warning
    goes to stderr too."""
    from tracker.cli.managing import endpoint_line

    for row in sources:
        share = "-" if row["good_share"] is None else f"{row['good_share']:.0%}"
        state = row.get("state", "watched")
        click.echo(
            shown(
                f"  {row['source']:<16} {row['checks_last_day']:>6} checks in the last day, {share} good"
                + ("" if state == "watched" else f" ({state})")
            )
        )
        for endpoint in row.get("endpoints", []):
            click.echo("    " + endpoint_line(endpoint))
        if row.get("failing_endpoints"):
            click.echo(f"  WARNING {row['source']}: {row['failing_endpoints']} endpoints failing", err=True)
        if row["warning"]:
            click.echo(f"  WARNING {row['source']}: {row['warning']}", err=True)


def _print_notifications(destinations: list[dict[str, Any]]) -> None:
    for row in destinations:
        if row["failing"]:
            click.echo(
                f"  notify {row['name']}: FAILING ({row['last_error']}), attempt {row['attempts']}, "
                f"next {row['next_attempt_at'] or 'at the next tick'}"
            )
        else:
            click.echo(f"  notify {row['name']}: last delivered {row['last_delivered_at'] or 'never'}")


def _print_witnesses(destinations: list[dict[str, Any]]) -> None:
    """Each witness destination's queue; its newest error while a witness waits on it or was given up."""
    for row in destinations:
        waiting = row["pending"] + row["submitted"]
        line = (
            f"  witness {row['name']}: {row['captured']} captured "
            f"(last {row['last_captured_at'] or 'never'}), "
            f"{waiting} waiting, {row['failed']} given up"
        )
        if row["failing"]:
            line += f"; FAILING ({row['last_error']}), attempt {row['attempts']}, "
            line += f"next {row['next_attempt_at'] or '-'}"
        click.echo(line)


def _ago(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"
