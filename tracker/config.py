"""config.yaml: loaded once by an entry point, validated, then passed down immutable.

Unknown keys are an error that names the key. Durations are written `30s`,
`15m`, `6h`, `7d` (or a number of seconds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import yaml
from cssselect import GenericTranslator, SelectorError
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from tracker.errors import ConfigError

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, None: 1}


def parse_duration(value: object) -> timedelta:
    """`90m`, `24h`, `7d`, `30s`, `500ms` or a number of seconds, as a timedelta."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("a duration such as 30s, 15m, 6h or 7d")
    if isinstance(value, int | float):
        try:
            return timedelta(seconds=value)
        except (OverflowError, ValueError):
            raise ValueError(f"{_short(value)} seconds is not a duration tracker can keep") from None
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"{value!r} is not a duration such as 30s, 15m, 6h or 7d")
    try:
        return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])
    except OverflowError:
        raise ValueError(f"{_short(value)} is longer than any duration tracker can keep") from None


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def parse_moment(value: str, now: datetime) -> datetime:
    """A duration back from `now` (`24h`, `7d`) or an ISO 8601 date or time (naive: UTC).
    A bare number is neither: `24` would be 24 seconds where 24 hours was meant."""
    value = value.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", value):
        raise ValueError(f"{value!r} needs a unit: {value}h, {value}d or {value}m")
    try:
        return now - parse_duration(value)
    except (ValueError, OverflowError):
        pass
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is neither a duration (24h, 7d) nor an ISO date") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(_Section):
    """`raw_html`: how long captures keep their bodies: `keep` (forever), a duration (`90d`: older
    bodies are dropped; text, versions and revisions stay), or `warc:<dir>` (bodies older than
    `raw_html_after` are moved into WARC files there). `store_raw_html: false` keeps no captures at all."""

    url: str = "sqlite:///tracker.db"
    store_raw_html: bool = True
    raw_html: str = "keep"
    raw_html_after: Duration = timedelta(days=30)
    checks_kept: str = "30d"  # or `forever`: older checks are folded into daily counts (store.check_days)

    @field_validator("raw_html")
    @classmethod
    def _retention(cls, value: str) -> str:
        value = str(value).strip()
        if value == "keep" or (value.startswith("warc:") and value[5:].strip()):
            return value
        try:
            parse_duration(value)
        except ValueError:
            raise ValueError(f"{value!r}: keep, a duration such as 90d, or warc:<directory>") from None
        return value

    @field_validator("checks_kept")
    @classmethod
    def _checks_kept(cls, value: str) -> str:  # `tracker status` compares the last 8 days of checks
        if (value := str(value).strip()) != "forever" and parse_duration(value) < timedelta(days=8):
            raise ValueError(f"{value!r}: forever, or a duration of at least 8d")
        return value

    @property
    def drop_after(self) -> timedelta | None:
        """The age after which a capture's body leaves the database, or None (kept)."""
        if self.raw_html == "keep":
            return None
        return self.raw_html_after if self.warc_directory else parse_duration(self.raw_html)

    @property
    def warc_directory(self) -> Path | None:
        """Where bodies past `raw_html_after` are moved (`warc:<dir>`), or None."""
        return Path(self.raw_html[5:].strip()).expanduser() if self.raw_html.startswith("warc:") else None


class SourceConfig(_Section):
    name: str = Field(min_length=1)
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    lists: tuple[str, ...] = ()
    urls: tuple[str, ...] = ()
    poll_interval: Duration = timedelta(minutes=15)
    max_entries: int = Field(default=5_000, ge=1, le=1_000_000)
    witness: str | None = None  # a `witness.destinations` name: each new version is captured there

    @field_validator("feeds", "sitemaps", "urls")
    @classmethod
    def _web_urls(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    @field_validator("poll_interval")
    @classmethod
    def _not_too_often(cls, interval: timedelta) -> timedelta:
        if interval < timedelta(seconds=60):
            raise ValueError("at least 60s: the daemon looks at its sources once a minute")
        return interval

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
            raise ValueError("a source name uses letters, digits, '-', '_' and '.' only")
        return name


class ScheduleStep(_Section):
    """Articles younger than `age` are checked every `every`."""

    age: Duration
    every: Duration


def _default_steps() -> tuple[ScheduleStep, ...]:
    return (
        ScheduleStep(age=timedelta(hours=3), every=timedelta(minutes=10)),
        ScheduleStep(age=timedelta(days=1), every=timedelta(hours=1)),
        ScheduleStep(age=timedelta(days=7), every=timedelta(hours=6)),
        ScheduleStep(age=timedelta(days=30), every=timedelta(days=1)),
    )


class ScheduleConfig(_Section):
    tick: Duration = timedelta(seconds=30)
    steps: tuple[ScheduleStep, ...] = Field(default_factory=_default_steps)
    retire_after: Duration = timedelta(days=30)
    error_backoff_max: Duration = timedelta(days=1)
    batch_size: int = Field(default=200, ge=1)
    batch_time: Duration = timedelta(minutes=2)
    full_extraction_every: int = Field(default=6, ge=1)

    @field_validator("steps")
    @classmethod
    def _ordered(cls, steps: tuple[ScheduleStep, ...]) -> tuple[ScheduleStep, ...]:
        if not steps:
            raise ValueError("at least one step is needed")
        if list(steps) != sorted(steps, key=lambda step: step.age):
            raise ValueError("steps must be listed by increasing age")
        return steps


class FetchConfig(_Section):
    user_agent: str = "tracker/0.1 (article change tracker; +https://github.com/tracker-news/tracker)"
    timeout: Duration = timedelta(seconds=20)
    max_bytes: int = Field(default=5_000_000, ge=1024)
    max_redirects: int = Field(default=10, ge=0, le=30)
    concurrency: int = Field(default=16, ge=1)
    per_host_concurrency: int = Field(default=2, ge=1)
    per_host_delay: Duration = timedelta(seconds=1)
    obey_robots: bool = True
    max_retry_after: Duration = timedelta(hours=1)
    allow_private_addresses: bool = False


class SiteConfig(_Section):
    """Overrides for the rare site that general extraction gets wrong."""

    drop: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()

    @field_validator("drop", "keep")
    @classmethod
    def _selectors(cls, selectors: tuple[str, ...]) -> tuple[str, ...]:
        for index, selector in enumerate(selectors):
            try:
                GenericTranslator().css_to_xpath(selector)
            except SelectorError as error:
                raise ValueError(f"item {index}: {selector!r} is not a CSS selector ({error})") from None
        return selectors


class LoggingConfig(_Section):
    level: str = "info"

    @field_validator("level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        if level.lower() not in {"debug", "info", "warning", "error"}:
            raise ValueError("one of debug, info, warning, error")
        return level.lower()


class WebConfig(_Section):
    """`tracker serve`: where it listens, and the token that allows writing over HTTP."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token: str | None = Field(default=None, min_length=16)
    page_size: int = Field(default=50, ge=1, le=500)
    base_url: str | None = None
    max_body_bytes: int = Field(default=65_536, ge=1024, le=10_000_000)


class ChangeFilterConfig(_Section):
    """Which revisions a notification is about: the filters of `tracker changes`."""

    source: str | None = None
    field: str | None = None
    kind: str | None = None
    min_significance: float = Field(default=0.0, ge=0, le=1)
    include_trivial: bool = False


class WebhookConfig(_Section):
    url: str = Field(min_length=1)
    secret: str | None = None
    filter: ChangeFilterConfig = ChangeFilterConfig()
    max_per_hour: int = Field(default=30, ge=1)

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://")):
            raise ValueError("a webhook URL starts with http:// or https://")
        return url


class AppriseConfig(_Section):
    url: str = Field(min_length=1)
    filter: ChangeFilterConfig = ChangeFilterConfig()
    max_per_hour: int = Field(default=30, ge=1)


class NotifyConfig(_Section):
    webhooks: tuple[WebhookConfig, ...] = ()
    apprise: tuple[AppriseConfig, ...] = ()
    interval: Duration = timedelta(seconds=30)
    max_attempts: int = Field(default=8, ge=1)
    timeout: Duration = timedelta(seconds=10)


IA_TIMEMAP = "https://web.archive.org/web/timemap/link/{url}"
IA_CDX = "https://web.archive.org/cdx/search/cdx?url={url}&output=json"


class ArchiveConfig(_Section):
    """A web archive `tracker backfill` reads a story's earlier captures from: its
    Memento TimeMap (link format) and, beside it, a CDX endpoint (JSON rows), each a URL
    template with `{url}` where the story's URL goes. Other programs write this list:
    its shape (`name`, `timemap`, `cdx`) is kept; `replay` and `delay` are optional."""

    name: str = Field(min_length=1)
    timemap: str
    cdx: str | None = None
    replay: str | None = None  # `{timestamp}` and `{url}`: where a memento is read, `id_`
    delay: Duration | None = None  # least time between two requests to the archive

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
            raise ValueError("an archive name uses letters, digits, '-', '_' and '.' only")
        return name

    @field_validator("timemap", "cdx")
    @classmethod
    def _template(cls, template: str | None) -> str | None:
        if template is None:
            return None
        parts = urlsplit(template.replace("{url}", "x"))
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{template!r} is not an http(s) URL template")
        if template.count("{url}") != 1:
            raise ValueError(f"{template!r} must hold {{url}} once, where the story's URL goes")
        return template

    @field_validator("replay")
    @classmethod
    def _replay(cls, template: str | None) -> str | None:
        if template is not None and not ("{url}" in template and "{timestamp}" in template):
            raise ValueError(f"{template!r} must hold {{timestamp}} and {{url}}")
        return template

    def replay_template(self) -> str | None:
        """Where a memento is read in its original form (`id_`): `replay`, else the
        TimeMap's address with `timemap/link/` made `{timestamp}id_/` (the Wayback
        Machine, pywb, Arquivo.pt and the UK Web Archive all lay their URLs out so)."""
        if self.replay is not None:
            return self.replay
        if "/timemap/link/{url}" in self.timemap:
            return self.timemap.replace("/timemap/link/{url}", "/{timestamp}id_/{url}")
        return None


def _default_archives() -> tuple[ArchiveConfig, ...]:
    """The Internet Archive, when config.yaml names no archive: its CDX and TimeMap share a
    limit of 24 requests a minute (one every 2.5 s)."""
    return (ArchiveConfig(name="ia", timemap=IA_TIMEMAP, cdx=IA_CDX, delay=timedelta(seconds=2.5)),)


class WitnessDestinationConfig(_Section):
    """An archive asked to capture each new version of the sources that name it: `spn`,
    the Internet Archive's Save Page Now (keys from the environment variables named by
    `access_key_env` and `secret_env`, never written here); `pywb-record`, a pywb
    collection in record mode (`url`: the collection's address, e.g.
    http://archive.example:8080/witness)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    kind: Literal["spn", "pywb-record"]
    url: str = "https://web.archive.org"
    access_key_env: str | None = None
    secret_env: str | None = None
    min_interval: Duration = timedelta(seconds=10)  # between two captures asked of this archive

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url.rstrip("/")


class WitnessConfig(_Section):
    """The daemon's witness job: how often it runs, how long one request may take, how
    many failed attempts a version gets, and how long a Save Page Now job may stay pending."""

    destinations: tuple[WitnessDestinationConfig, ...] = ()
    interval: Duration = timedelta(seconds=30)
    timeout: Duration = timedelta(seconds=60)
    max_attempts: int = Field(default=6, ge=1)
    poll_every: Duration = timedelta(seconds=10)
    max_pending: Duration = timedelta(minutes=30)


class Config(_Section):
    database: DatabaseConfig = DatabaseConfig()
    sources: tuple[SourceConfig, ...] = ()
    schedule: ScheduleConfig = ScheduleConfig()
    fetch: FetchConfig = FetchConfig()
    sites: dict[str, SiteConfig] = Field(default_factory=dict)
    logging: LoggingConfig = LoggingConfig()
    web: WebConfig = WebConfig()
    notify: NotifyConfig = NotifyConfig()
    archives: tuple[ArchiveConfig, ...] = Field(default_factory=_default_archives)
    witness: WitnessConfig = WitnessConfig()

    @model_validator(mode="after")
    def _known_witnesses(self) -> Config:
        names = [d.name for d in self.witness.destinations]
        if len(names) != len(set(names)):
            raise ValueError("witness.destinations: names must be unique")
        for source in self.sources:
            if source.witness is not None and source.witness not in names:
                raise ValueError(
                    f"sources: {source.name}: witness {source.witness!r} is not in witness.destinations"
                )
        return self

    @field_validator("sites")
    @classmethod
    def _hosts(cls, sites: dict[str, SiteConfig]) -> dict[str, SiteConfig]:
        for host in sites:
            if not re.fullmatch(r"[a-z0-9.-]+", host) or "." not in host:
                raise ValueError(f"{host!r} is not a host name such as example.org (lower case, no scheme)")
        return {host.removeprefix("www."): rules for host, rules in sites.items()}

    def site_rules(self, host: str) -> SiteConfig | None:
        """The overrides for `host` (or a parent domain of it), if any."""
        host = host.lower().removeprefix("www.")
        while host:
            if host in self.sites:
                return self.sites[host]
            host = host.partition(".")[2] if "." in host else ""
        return None

    @field_validator("archives")
    @classmethod
    def _unique_archives(cls, archives: tuple[ArchiveConfig, ...]) -> tuple[ArchiveConfig, ...]:
        names = [archive.name for archive in archives]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"archive names must be unique: {', '.join(duplicates)}")
        return archives

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: tuple[SourceConfig, ...]) -> tuple[SourceConfig, ...]:
        names = [source.name for source in sources]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"source names must be unique: {', '.join(duplicates)}")
        return sources


def load_config(path: Path, *, database_url: str | None = None) -> Config:
    """Read and validate `path`; `database_url` (from the environment) wins over the file."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {_one_line(str(error))}") from None
    except (ValueError, OverflowError) as error:  # a number YAML cannot hold (5,000 digits)
        raise ConfigError(f"{path}: a value cannot be read: {_one_line(str(error))}") from None
    return config_from_mapping(raw or {}, origin=str(path), base_dir=path.parent, database_url=database_url)


def config_from_mapping(
    raw: object,
    *,
    origin: str = "config",
    base_dir: Path | None = None,
    database_url: str | None = None,
) -> Config:
    """Validate an already parsed config; relative SQLite paths resolve against `base_dir`."""
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{origin}: the top level must be a mapping of sections")
    data: dict[str, Any] = dict(raw)
    if database_url:
        data["database"] = {**dict(data.get("database") or {}), "url": database_url}
    try:
        config = Config.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{origin}: {describe_validation_error(error)}") from None
    if base_dir is not None:
        url = resolve_sqlite_path(config.database.url, base_dir)
        config = config.model_copy(update={"database": config.database.model_copy(update={"url": url})})
    return config


def resolve_sqlite_path(url: str, base_dir: Path) -> str:
    """`sqlite:///tracker.db` next to the config file, not wherever the daemon was started."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == prefix or url.startswith(prefix + "/"):
        return url
    path_part = url[len(prefix) :]
    if path_part.startswith(":memory:"):
        return url
    return prefix + str((base_dir / path_part).resolve())


def describe_validation_error(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown key")
        else:
            problems.append(f"{where}: {item['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def _one_line(text: str) -> str:
    return " ".join(text.split())
