"""What every command shares: the `tracker` group, the App (config, engine, sessions),
options (`--json`), time parsing, JSON output, logging."""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
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

from tracker.config import Config, load_config, parse_moment
from tracker.errors import TrackerError
from tracker.store import db

# Commands that fetch or render import what they need when they run: `history` and
# `changes` start in a fraction of the time without trafilatura, httpx or rich.

F = TypeVar("F", bound=Callable[..., Any])


def utc_now() -> datetime:
    return datetime.now(UTC)


class App:
    """What a command needs, built on first use from --config."""

    def __init__(self, config_path: Path):
        self.config_path = config_path
        self.creates = False  # may this command create an embedded database (init, run)?

    @cached_property
    def config(self) -> Config:
        return load_config(self.config_path, database_url=os.environ.get("TRACKER_DATABASE_URL"))

    @cached_property
    def engine(self) -> Engine:
        return db.create_engine(self.config.database.url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        db.ensure_current(self.engine, upgrade_embedded=True, create=self.creates)
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


# C0 and C1 control characters (DEL too): a terminal obeys them. Stored text is the
# publisher's, so what a command prints of it shows them as escapes instead.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown(text: object) -> str:
    """Text for a terminal line: control characters (an ESC that would recolour or move
    the cursor, a newline that would fake another row) written as `\\x1b`, `\\n`."""
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), str(text))


class Progress:
    """How far a long command is, on stderr: a rich bar when stderr is a terminal; when
    it is piped (a cron job, a log), a plain line at each tenth done, at most one every
    five seconds (so a command done within five seconds prints none). Stdout, where the
    command's output goes, is never touched. While the bar shows, log lines are written
    through its console, above the bar, not into its line. `console`: the terminal to
    draw on (a test's recording console); by default stderr when it is a terminal."""

    def __init__(self, label: str, total: int | None, *, console: Any = None):
        self.label, self.total, self.done = label, total, 0
        self._bar: Any = None
        self._said, self._tenth = time.monotonic(), 0
        self._streams: list[tuple[logging.StreamHandler[Any], Any]] = []
        if console is not None or sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress as Bar

            self._bar = Bar(console=console or Console(stderr=True), transient=True)
            self._bar.start()
            self._task = self._bar.add_task(label, total=total)
            self._log_above()

    def _log_above(self) -> None:
        """Point the log handlers that write to the terminal at the bar's console, which
        prints each line above the bar (restored by `close`)."""
        console = self._bar.console
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                sys.__stderr__,
                console.file,
            ):
                self._streams.append((handler, handler.stream))
                handler.setStream(_ConsoleLines(console))

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done)
            return
        if not self.total:
            return
        tenth = self.done * 10 // self.total
        if tenth > self._tenth and time.monotonic() - self._said >= 5:
            self._tenth, self._said = tenth, time.monotonic()
            click.echo(f"{self.label}: {self.done} of {self.total}", err=True)

    def grow(self, total: int) -> None:
        """The work turned out larger (a feed listed more articles meanwhile)."""
        self.total = total
        if self._bar is not None:
            self._bar.update(self._task, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
        for handler, stream in self._streams:
            handler.setStream(stream)
        self._streams.clear()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class _ConsoleLines:
    """A text stream whose lines a rich console prints (above a live progress bar)."""

    def __init__(self, console: Any):
        self.console, self._pending = console, ""

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self.console.print(line, markup=False, highlight=False, soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        pass


def run_async(coroutine: Any) -> Any:
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


def setup_logging(app: App) -> None:
    logging.basicConfig(
        level=app.config.logging.level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "charset_normalizer"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
    # "skipped: maximum number of running instances" is how ticks are meant to coalesce
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
