"""Commands that set up, run and feed tracker: init, run, add, check."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import Engine
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
    utc_now,
)
from tracker.config import Config
from tracker.core.urls import normalize_url
from tracker.read.shapes import iso
from tracker.store import db, repository

EXAMPLE_CONFIG = Path(__file__).resolve().parents[1] / "example-config.yaml"


@main.command()
@click.option(
    "--example-config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write a commented first config to this file (it must not exist) and stop.",
)
@pass_app
def init(app: App, example_config: Path | None) -> None:
    """Create the database, or upgrade it to the current schema.

    \b
    Examples:
      tracker init --example-config mysite.yaml
      tracker --config mysite.yaml init
    """
    if example_config is not None:
        try:
            with example_config.open("x", encoding="utf-8") as out:
                out.write(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
        except FileExistsError:
            raise click.ClickException(f"{example_config} exists: tracker does not write over it") from None
        click.echo(
            f"wrote {example_config}: put your feed in it, then: tracker --config {example_config} init"
        )
        return
    revision = db.upgrade(app.engine)
    with db.transaction(db.session_factory(app.engine)) as session:
        dropped = repository.sync_sources(session, app.config.sources, utc_now())
    click.echo(f"database {db.redact(app.config.database.url)} at schema {revision}")
    for name in dropped:
        click.echo(
            f"source {name} is no longer in the config: no longer polled, its stories no longer checked "
            "(history kept; `tracker run --keep-checking` checks them still)"
        )


@main.command()
@click.option("--once", is_flag=True, help="Run one cycle, then exit.")
@click.option("--all", "every_active", is_flag=True, help="With --once: check every active article.")
@click.option(
    "--keep-checking",
    is_flag=True,
    help="Go on checking the stories of sources no longer in the config (their feeds are not polled).",
)
@pass_app
def run(app: App, once: bool, every_active: bool, keep_checking: bool) -> None:
    """Run the daemon until SIGINT/SIGTERM (or one cycle with --once).

    The config is the truth for sources: a source taken out of it is no longer polled,
    and its stories are no longer checked unless --keep-checking (their history stays).

    \b
    Example:
      tracker run --once --all
    """
    setup_logging(app)
    app.creates = True  # the daemon creates its embedded database on first use
    sessions = app.sessions
    with db.single_writer(app.engine):
        if once:
            outcomes = run_async(_run_once(app.config, sessions, every_active, keep_checking))
            click.echo(", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())) or "nothing was due")
            _say_failing_endpoints(sessions)
            return
        run_async(_run_daemon(app.config, app.engine, sessions, keep_checking))


async def _run_once(
    config: Config, sessions: sessionmaker[Session], every_active: bool, keep_checking: bool
) -> Any:
    from tracker.daemon import extraction_processes, run_once, runtime_for
    from tracker.pipeline import Deferred
    from tracker.read.health import article_counts

    processes = extraction_processes()
    async with runtime_for(
        config, sessions, utc_now, processes=processes, keep_checking=keep_checking
    ) as runtime:

        def to_check() -> int:
            with db.transaction(sessions) as session:
                by_status, due = article_counts(session, utc_now())
            return int(by_status.get("active", 0) if every_active else due)

        with Progress("checking", to_check() or None) as progress:

            def polled() -> None:  # what the feeds listed is due now: the total is known
                progress.grow(max(progress.done + to_check(), progress.total or 0) or 1)

            def check_done(result: Any) -> None:
                if result.outcome == Deferred.POSTPONED:
                    return  # it stays due: a later batch checks it
                if progress.done + 1 > (progress.total or 0):
                    progress.grow(progress.done + 1)
                progress.advance()

            return await run_once(runtime, every_active=every_active, on_check=check_done, on_polled=polled)


def _say_failing_endpoints(sessions: sessionmaker[Session]) -> None:
    """After a cycle, on stderr: the feeds that failed, and the fix when a site on a local
    or private address was refused (a first run against a test site)."""
    from tracker.read.sources import failing_errors

    with db.transaction(sessions) as session:
        errors = failing_errors(session)
    if not errors:
        return
    click.echo(f"{len(errors)} source endpoints failing: `tracker sources` shows why", err=True)
    if any("blocked_address" in (error or "") for error in errors):
        click.echo(
            "a site on a local or private address was refused: set fetch.allow_private_addresses: true "
            "in the config to watch one",
            err=True,
        )


async def _run_daemon(
    config: Config, engine: Engine, sessions: sessionmaker[Session], keep_checking: bool
) -> None:
    import asyncio

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    from tracker.daemon import Daemon, extraction_processes, runtime_for

    processes = extraction_processes()
    async with runtime_for(
        config, sessions, utc_now, processes=processes, keep_checking=keep_checking
    ) as runtime:
        await Daemon(runtime, engine, stop).run()


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
    """Check one article now. A URL not tracked yet is tracked (under source `manual`)
    when its check stores a version; when it fails, nothing is kept and the command
    says why and exits 1 (`tracker add` tracks a URL whatever its first check finds).

    \b
    Example:
      tracker check https://example.org/world/story-123 --dry-run
    """
    if dry_run:
        result = _dry_run(app.config, normalize_url(url))
        echo_json(result) if as_json else _print_dry_run(result)
        return
    url = normalize_url(url)
    with app.transaction() as session:
        manual = repository.source_named(session, repository.MANUAL_SOURCE, utc_now())
        article, created = repository.add_article(session, url, source=manual, now=utc_now())
        article_id = article.id
    results = run_async(_check_now(app.config, app.sessions, article_id))
    result = results[0]
    if created and result.version_number is None:
        with app.transaction() as session:
            repository.forget_article(session, article_id)
        why = f"{result.outcome.value}: {result.message or result.error_kind or 'no article text'}"
        raise click.ClickException(f"not tracked, its check failed ({why}); `tracker add` tracks it anyway")
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


def _dry_run(config: Config, url: str) -> dict[str, Any]:
    """What a check of `url` would see, as the pipeline sees it (`tracker.pipeline.preview`)."""
    from tracker.fetch import FetchFailure, NotModified
    from tracker.pipeline import preview

    seen = run_async(preview(config, url))
    if isinstance(seen, NotModified):
        return {
            "url": url,
            "outcome": "error",
            "error_kind": "not_modified",
            "message": "",
            "http_status": 304,
        }
    if isinstance(seen, FetchFailure):
        return {
            "url": url,
            "outcome": "error",
            "error_kind": seen.kind,
            "message": seen.message,
            "http_status": seen.status,
        }
    analysis = seen.analysis
    content = analysis.extraction.content()
    return {
        "url": url,
        "final_url": seen.page.final_url,
        "http_status": seen.page.status,
        "outcome": "soft_error" if analysis.problem else "ok",
        "problem": analysis.problem,
        "canonical_url": analysis.extraction.canonical_url,
        "headline": content.headline,
        "byline": content.byline,
        "published_at": iso(content.published_at),
        "updated_at": iso(content.updated_at),
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
