"""The command line (the contract is in README, "Commands").

Each command parses, calls and renders. A user error (bad config, unknown
article, unreachable database) prints one line and exits 1, never a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from tracker import db, history, repository
from tracker.config import Config, load_config, parse_moment
from tracker.errors import TrackerError
from tracker.urls import normalize_url
from tracker.vocabulary import FIELDS, KINDS

# Commands that fetch or render import what they need when they run: `history` and
# `changes` start in a fraction of the time without trafilatura, httpx or rich.

F = TypeVar("F", bound=Callable[..., Any])


def utc_now() -> datetime:
    return datetime.now(UTC)


class App:
    """What a command needs, built on first use from --config."""

    def __init__(self, config_path: Path):
        self.config_path = config_path

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path, database_url=os.environ.get("TRACKER_DATABASE_URL"))

    @cached_property
    def engine(self) -> Engine:
        return db.create_engine(self.config.database.url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        db.ensure_current(self.engine, upgrade_embedded=True)
        return db.session_factory(self.engine)

    def close(self) -> None:
        if "engine" in self.__dict__:
            self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with db.transaction(self.sessions) as session:
            yield session


class TrackerGroup(click.Group):
    """Turns tracker's errors into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as error:
            raise click.ClickException(str(error)) from None
        except OperationalError as error:
            raise click.ClickException(f"database error: {db.describe_error(error)}") from None
        except SQLAlchemyError as error:
            raise click.ClickException(f"database error: {type(error).__name__}: {error}") from None


pass_app = click.make_pass_decorator(App)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(function)


def parse_since(value: str | None) -> datetime | None:
    """`90m`, `24h`, `7d` back from now, or an ISO 8601 date or time."""
    if not value:
        return None
    try:
        return parse_moment(value, utc_now())
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _run_async(coroutine: Any) -> Any:
    import asyncio

    return asyncio.run(coroutine)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=TrackerGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="TRACKER_CONFIG",
    default="config.yaml",
    show_default=True,
    help="Configuration file (also $TRACKER_CONFIG).",
)
@click.version_option(package_name="tracker")
@click.pass_context
def main(ctx: click.Context, config_path: Path) -> None:
    """Track news articles as they change: every version, every revision.

    \b
    Example:
      tracker init && tracker add https://example.org/news/story && tracker run --once
    """
    ctx.obj = App(config_path)
    ctx.call_on_close(ctx.obj.close)


def _setup_logging(app: App) -> None:
    logging.basicConfig(
        level=app.config.logging.level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # "skipped: maximum number of running instances" is how ticks are meant to coalesce
    logging.getLogger("apscheduler").setLevel(logging.ERROR)


@main.command()
@pass_app
def init(app: App) -> None:
    """Create the database, or upgrade it to the current schema."""
    revision = db.upgrade(app.engine)
    with db.transaction(db.session_factory(app.engine)) as session:
        repository.sync_sources(session, app.config.sources, utc_now())
    click.echo(f"database {db.redact(app.config.database.url)} at schema {revision}")


@main.command()
@click.option("--once", is_flag=True, help="Run one cycle, then exit.")
@click.option("--all", "every_active", is_flag=True, help="With --once: check every active article.")
@pass_app
def run(app: App, once: bool, every_active: bool) -> None:
    """Run the daemon until SIGINT/SIGTERM (or one cycle with --once).

    \b
    Example:
      tracker run --once --all
    """
    _setup_logging(app)
    sessions = app.sessions
    with db.single_writer(app.engine):
        if once:
            outcomes = _run_async(_run_once(app.config, sessions, every_active))
            click.echo(", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing was due")
            return
        _run_async(_run_daemon(app.config, sessions))


async def _run_once(config: Config, sessions: sessionmaker[Session], every_active: bool) -> Any:
    from tracker.daemon import extraction_processes, run_once, runtime_for

    async with runtime_for(config, sessions, utc_now, processes=extraction_processes()) as runtime:
        return await run_once(runtime, every_active=every_active)


async def _run_daemon(config: Config, sessions: sessionmaker[Session]) -> None:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    from tracker.daemon import extraction_processes, run_forever, runtime_for

    async with runtime_for(config, sessions, utc_now, processes=extraction_processes()) as runtime:
        await run_forever(runtime, stop)


@main.command()
@click.argument("urls", nargs=-1, required=True)
@click.option(
    "--source", default=repository.MANUAL_SOURCE, show_default=True, help="Source to file the articles under."
)
@json_option
@pass_app
def add(app: App, urls: tuple[str, ...], source: str, as_json: bool) -> None:
    """Track article URLs by hand; they are checked on the next cycle.

    \b
    Example:
      tracker add https://example.org/world/story-123
    """
    normalized = [normalize_url(url) for url in urls]
    now = utc_now()
    rows = []
    with app.transaction() as session:
        source_row = repository.source_named(session, source, now)
        for url in normalized:
            article, created = repository.add_article(session, url, source=source_row, now=now)
            rows.append({"id": article.id, "url": article.url, "added": created})
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(f"{row['id']}\t{row['url']}\t{'added' if row['added'] else 'already tracked'}")


@main.command()
@click.argument("url")
@click.option("--dry-run", is_flag=True, help="Store nothing; print what was extracted.")
@json_option
@pass_app
def check(app: App, url: str, dry_run: bool, as_json: bool) -> None:
    """Check one article now (it is tracked if it was not).

    \b
    Example:
      tracker check https://example.org/world/story-123 --dry-run
    """
    if dry_run:
        result = _run_async(_dry_run(app.config, normalize_url(url)))
        echo_json(result) if as_json else _print_dry_run(result)
        return
    url = normalize_url(url)
    with app.transaction() as session:
        article, _created = repository.add_article(session, url, source=None, now=utc_now())
        article_id = article.id
    results = _run_async(_check_now(app.config, app.sessions, article_id))
    result = results[0]
    data = {
        "id": result.article_id,
        "url": result.url,
        "outcome": result.outcome.value,
        "version": result.version_number,
        "changed": list(result.changed),
        "error_kind": result.error_kind,
        "message": result.message,
    }
    if as_json:
        echo_json(data)
    else:
        detail = result.message or (f"version {result.version_number}" if result.version_number else "")
        changed = f" (changed: {', '.join(result.changed)})" if result.changed else ""
        click.echo(f"{result.outcome.value}: {detail}{changed}")


async def _check_now(config: Config, sessions: sessionmaker[Session], article_id: int) -> Any:
    from tracker.daemon import runtime_for
    from tracker.pipeline import check_articles

    async with runtime_for(config, sessions, utc_now) as runtime:
        return await check_articles(runtime, [article_id])


async def _dry_run(config: Config, url: str) -> dict[str, Any]:
    from tracker.analysis import analyze
    from tracker.fetch import Fetcher, Page
    from tracker.pipeline import site_rules

    async with Fetcher(config.fetch) as fetcher:
        fetched = await fetcher.fetch(url)
    if not isinstance(fetched, Page):
        return {
            "url": url,
            "outcome": "error",
            "error_kind": getattr(fetched, "kind", "not_modified"),
            "message": getattr(fetched, "message", ""),
            "http_status": fetched.status,
        }
    analysis = analyze(fetched.html(), fetched.final_url, site_rules(config, fetched.final_url))
    content = analysis.extraction.content()
    return {
        "url": url,
        "final_url": fetched.final_url,
        "http_status": fetched.status,
        "outcome": "soft_error" if analysis.problem else "ok",
        "problem": analysis.problem,
        "canonical_url": analysis.extraction.canonical_url,
        "headline": content.headline,
        "byline": content.byline,
        "published_at": history.iso(content.published_at),
        "updated_at": history.iso(content.updated_at),
        "body": content.body_text,
        "content_hash": content.content_hash,
    }


def _print_dry_run(result: dict[str, Any]) -> None:
    for key in (
        "url",
        "final_url",
        "http_status",
        "outcome",
        "problem",
        "error_kind",
        "message",
        "canonical_url",
        "headline",
        "byline",
        "published_at",
        "updated_at",
    ):
        if result.get(key) is not None:
            click.echo(f"{key}: {result[key]}")
    if result.get("body"):
        click.echo("\n" + result["body"])


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

    from tracker.web import create_app

    web = app.config.web
    application = create_app(app.config, app.sessions)
    uvicorn.run(application, host=host or web.host, port=port or web.port, log_level=app.config.logging.level)


@main.command()
@json_option
@pass_app
def status(app: App, as_json: bool) -> None:
    """Health: articles by state, checks due now, the last hour's outcomes, per host how
    far behind its due checks are, and per source the share of checks that got the
    article in the last day (warned when it drops).

    \b
    Example:
      tracker status
    """
    from tracker.health import status as health

    with app.transaction() as session:
        report = health(session, utc_now())
    if as_json:
        echo_json(report)
        return
    articles = ", ".join(f"{state} {count}" for state, count in report["articles"].items())
    click.echo(f"articles: {articles}; due now {report['due_now']}")
    outcomes = ", ".join(f"{k} {v}" for k, v in report["checks_last_hour"].items() if v) or "none"
    click.echo(f"checks in the last hour: {outcomes}")
    behind = report["hosts_behind"]
    for row in behind[:HOSTS_SHOWN]:
        click.echo(f"  {row['host']:<32} {row['due']:>6} due, the oldest {_ago(row['behind_seconds'])} late")
    if len(behind) > HOSTS_SHOWN:
        click.echo(
            f"  ... and {len(behind) - HOSTS_SHOWN} more hosts with checks due (--json lists them all)"
        )
    for row in report["sources"]:
        share = "-" if row["good_share"] is None else f"{row['good_share']:.0%}"
        click.echo(f"  {row['source']:<16} {row['checks_last_day']:>6} checks in the last day, {share} good")
        if row["warning"]:
            click.echo(f"  WARNING {row['source']}: {row['warning']}", err=True)


HOSTS_SHOWN = 10


def _ago(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


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

    from tracker.render import diff_html, diff_json, diff_text

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
    from tracker.changes import ChangeFilter

    return ChangeFilter(
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
    from tracker.changes import recent_changes

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
    from tracker.changes import report_items
    from tracker.report import render_report

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
    from tracker.changes import ChangeFilter, iter_report_items
    from tracker.exports import sentence_pairs, write_csv

    if output_format == "jsonl":
        rows: Any = history.export(session, since=since)
    else:
        items = iter_report_items(session, ChangeFilter(since=since, include_trivial=True))
        if output_format == "csv":
            return write_csv(items, stream)
        rows = (pair for item in items for pair in sentence_pairs(item))
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
