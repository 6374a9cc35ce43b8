"""Commands that say what is watched: sources, pause, resume, remove (and purge)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import click
from sqlalchemy.orm import Session

from tracker.cli.common import App, echo_json, json_option, main, pass_app, shown, utc_now
from tracker.read.sources import polls
from tracker.store import watching
from tracker.store.models import Article

Act = Callable[[Session, watching.Target, datetime], bool]


@main.command()
@json_option
@pass_app
def sources(app: App, as_json: bool) -> None:
    """Every source, its state and its endpoints (feeds, sitemaps, lists): last poll,
    last error, failing since when and how many polls in a row; its stories and its
    revisions in the last week. Sources with a failing endpoint come first.

    \b
    Example:
      tracker sources --json
    """
    from tracker.read.sources import sources_overview

    with app.transaction() as session:
        rows = sources_overview(session, utc_now())
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        failing = f", {row['failing_endpoints']} FAILING" if row["failing_endpoints"] else ""
        click.echo(
            shown(
                f"{row['name']}  ({row['state']}{failing})  {row['stories']} stories, "
                f"{row['revisions_last_week']} revisions in the last week"
            )
        )
        for endpoint in row["endpoints"]:
            click.echo("  " + endpoint_line(endpoint))
    if not rows:
        click.echo("no source yet: add one to the config's `sources`, then `tracker init`", err=True)


def endpoint_line(endpoint: dict[str, Any]) -> str:
    """One endpoint: its URL, last poll, and while it fails the error, since when, how often."""
    polled = (endpoint["last_polled_at"] or "never")[:19]
    line = f"{endpoint['kind']:<7} {endpoint['url']}  last poll {polled}"
    if endpoint["failing"]:
        since, count = endpoint["failing_since"][:19], endpoint["failures_in_a_row"]
        line += f"  FAILING since {since}, {polls(count)} in a row: {endpoint['last_error']}"
    elif endpoint["last_error"]:
        line += f"  note: {endpoint['last_error']}"
    return shown(line)


@main.command()
@click.argument("targets", nargs=-1, required=True)
@pass_app
def pause(app: App, targets: tuple[str, ...]) -> None:
    """Pause sources (by name) or articles (by id or URL): a paused source is not polled
    and none of its stories is checked; a paused story is not checked. History stays.

    \b
    Examples:
      tracker pause dw
      tracker pause 7 https://example.org/world/story-123
    """
    _each(app, targets, watching.pause, "paused", "already paused")


@main.command()
@click.argument("targets", nargs=-1, required=True)
@pass_app
def resume(app: App, targets: tuple[str, ...]) -> None:
    """Resume paused sources or articles; a removed article is taken back (due now).

    \b
    Example:
      tracker resume dw 7
    """
    _each(app, targets, watching.resume, "resumed", "not paused")


@main.command()
@click.argument("articles", nargs=-1, required=True)
@click.option("--purge", is_flag=True, help="Delete the articles and all their history instead.")
@click.option("--yes", is_flag=True, help="With --purge: do not ask for confirmation.")
@pass_app
def remove(app: App, articles: tuple[str, ...], purge: bool, yes: bool) -> None:
    """Stop checking articles (by id or URL), their history kept (`tracker resume` takes
    one back). With --purge the articles and everything of them (versions, revisions,
    checks, URLs, events) are deleted, all in one transaction, after a count of what
    goes and a confirmation.

    \b
    Examples:
      tracker remove 7 12
      tracker remove https://example.org/world/story-123 --purge --yes
    """
    now = utc_now()
    with app.transaction() as session:
        rows = [_article_of(session, reference) for reference in articles]
        if not purge:
            for article in rows:
                done = watching.remove(session, article, now)
                click.echo(f"article {article.id}: {'removed' if done else 'already removed'} (history kept)")
            return
        ids = sorted({article.id for article in rows})
        counts = watching.purge_counts(session, ids)
        said = ", ".join(f"{count} {name}" for name, count in counts.items())
        click.echo(f"purging deletes {said}", err=True)
        if not yes and not click.confirm("delete them for good?", err=True):
            raise click.ClickException("nothing deleted")
        watching.purge(session, ids)
    click.echo(f"purged {said}")


def _article_of(session: Session, reference: str) -> Article:
    target = watching.resolve(session, reference)
    if target.article is None:
        raise click.ClickException(
            f"{reference!r} is a source: `tracker pause {reference}` stops watching a source"
        )
    return target.article


def _each(app: App, targets: tuple[str, ...], act: Act, done: str, not_done: str) -> None:
    """`act` on every target (a source's name, an article's id or URL) in one transaction:
    one unknown target changes nothing."""
    now = utc_now()
    with app.transaction() as session:
        for reference in targets:
            target = watching.resolve(session, reference)
            click.echo(f"{target.label}: {done if act(session, target, now) else not_done}")
