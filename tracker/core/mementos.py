"""What a web archive says it holds of a URL (pure): its Memento TimeMap and its CDX
rows read as `Memento`s, and a memento's URL in its original form.

Two protocols, as archives speak them:

- a TimeMap (RFC 7089) in link format (RFC 6690): `<URI>; rel="memento";
  datetime="Sat, 05 Dec 2026 10:00:00 GMT"` links separated by commas. A URI may hold
  commas and semicolons, a quoted value commas too, so the text is read token by token
  (`links`), never split on commas. Only links whose `rel` holds `memento` are mementos
  (`first memento`, `last memento` included); `original`, `timegate`, `timemap` are not.
- the CDX API: the Wayback Machine's `output=json` is a JSON array of rows, the first
  naming the fields (`urlkey`, `timestamp`, `original`, `mimetype`, `statuscode`,
  `digest`, `length`); pywb's is one JSON object a line. Both are read.

A memento's URL in the Wayback layout is `<prefix>/<14-digit timestamp><modifier>/<URL>`;
its original form (the bytes as archived, no banner, no rewritten links) takes the
modifier `id_`.
"""

from __future__ import annotations

import email.utils
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

_STAMP = re.compile(r"/(\d{14})([a-z]{2}_)?/")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


class MementoFormatError(ValueError):
    """An archive's answer is not the format it should be (a TimeMap, CDX rows)."""


@dataclass(frozen=True, slots=True)
class Memento:
    """One capture an archive lists: where it is read (`url`), the URL it is of, when it
    was captured, and what the CDX says of it (None from a TimeMap)."""

    url: str
    original: str
    at: datetime
    status: int | None = None
    digest: str | None = None
    mimetype: str | None = None

    @property
    def revisit(self) -> bool:
        """A CDX revisit record: the payload is that of an earlier capture."""
        return self.mimetype == "warc/revisit"


def links(text: str) -> list[tuple[str, dict[str, str]]]:
    """The links of a link-format document (RFC 6690): each URI and its parameters
    (names lower case, quoted values unquoted). Raises `MementoFormatError` on text that
    is not link format."""
    found: list[tuple[str, dict[str, str]]] = []
    at = _skip(text, 0)
    while at < len(text):
        if text[at] != "<":
            raise MementoFormatError(f"expected '<' at character {at}")
        end = text.find(">", at)
        if end < 0:
            raise MementoFormatError(f"a URI opened at character {at} never closes")
        uri, params = text[at + 1 : end], dict[str, str]()
        at = _skip(text, end + 1)
        while at < len(text) and text[at] == ";":
            name, value, at = _param(text, _skip(text, at + 1))
            params.setdefault(name, value)
        found.append((uri.strip(), params))
        if at < len(text):
            if text[at] != ",":
                raise MementoFormatError(f"expected ',' or ';' at character {at}")
            at = _skip(text, at + 1)
    return found


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t\r\n":
        at += 1
    return at


def _param(text: str, at: int) -> tuple[str, str, int]:
    """One `name=value` (the value a token or a quoted string; absent: empty)."""
    match = _TOKEN.match(text, at)
    if match is None:
        raise MementoFormatError(f"expected a parameter name at character {at}")
    name, at = match.group().lower().rstrip("*"), _skip(text, match.end())
    if at >= len(text) or text[at] != "=":
        return name, "", at
    at = _skip(text, at + 1)
    if at < len(text) and text[at] == '"':
        value: list[str] = []
        at += 1
        while at < len(text) and text[at] != '"':
            if text[at] == "\\" and at + 1 < len(text):
                at += 1
            value.append(text[at])
            at += 1
        if at >= len(text):
            raise MementoFormatError("a quoted value never closes")
        return name, "".join(value), _skip(text, at + 1)
    match = re.compile(r"[^;,\s]+").match(text, at)
    if match is None:
        raise MementoFormatError(f"expected a value at character {at}")
    return name, match.group(), _skip(text, match.end())


def timemap(text: str, original: str) -> list[Memento]:
    """The mementos of a link-format TimeMap of `original`, oldest first."""
    found = []
    for uri, params in links(text):
        if "memento" not in params.get("rel", "").split():
            continue
        moment = http_date(params.get("datetime", ""))
        if moment is None:
            raise MementoFormatError(f"memento {uri} has no datetime")
        found.append(Memento(uri, original, moment))
    return sorted(found, key=lambda m: m.at)


def cdx_rows(text: str, replay: str) -> list[Memento]:
    """The mementos of a CDX answer (the Wayback Machine's JSON array with a header
    row, or pywb's JSON lines), oldest first; `replay`: the template of a memento's URL
    (`{timestamp}`, `{url}`)."""
    rows = _cdx_records(text)
    found = []
    for row in rows:
        stamp, original = row.get("timestamp"), row.get("original") or row.get("url")
        if not stamp or not original or timestamp_moment(stamp) is None:
            raise MementoFormatError(f"a CDX row without a timestamp and URL: {row}")
        status = row.get("statuscode") or row.get("status") or ""
        found.append(
            Memento(
                replay.replace("{timestamp}", stamp).replace("{url}", original),
                original,
                timestamp_moment(stamp) or datetime.min.replace(tzinfo=UTC),
                int(status) if status.isdigit() else None,
                row.get("digest") or None,
                row.get("mimetype") or row.get("mime") or None,
            )
        )
    return sorted(found, key=lambda m: m.at)


def _cdx_records(text: str) -> list[dict[str, str]]:
    stripped = text.strip()
    if not stripped:
        return []
    if stripped.startswith("["):
        try:
            table = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise MementoFormatError(f"CDX rows are not JSON: {error}") from None
        if not table:
            return []
        header = [str(name) for name in table[0]]
        return [{name: str(value) for name, value in zip(header, row, strict=False)} for row in table[1:]]
    records = []
    for line in stripped.splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise MementoFormatError(f"a CDX line is not JSON: {error}") from None
        if not isinstance(record, dict):
            raise MementoFormatError("a CDX line is not a JSON object")
        records.append({str(k): str(v) for k, v in record.items()})
    return records


def original_form(url: str) -> str:
    """The memento's URL asking for its original form (`id_`); a URL not in the Wayback
    layout as it is."""
    return _STAMP.sub(lambda m: f"/{m.group(1)}id_/", url, count=1)


def timestamp_of(url: str) -> str | None:
    """The 14-digit timestamp of a memento's URL in the Wayback layout."""
    match = _STAMP.search(url)
    return match.group(1) if match else None


def original_of(url: str) -> str | None:
    """The URL a memento (Wayback layout) is a capture of."""
    match = _STAMP.search(url)
    return url[match.end() :] if match else None


def timestamp_moment(stamp: str) -> datetime | None:
    """`20261205100000` as an aware UTC time."""
    try:
        return datetime.strptime(stamp[:14], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None


def http_date(value: str) -> datetime | None:
    """An HTTP date (`Memento-Datetime`, a TimeMap's `datetime`) as an aware UTC time."""
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def memento_time(url: str, headers: dict[str, str]) -> datetime | None:
    """When a fetched memento was captured: its `Memento-Datetime` (RFC 7089), else the
    timestamp of its URL; `headers` by lower-case name."""
    stated = http_date(headers.get("memento-datetime", ""))
    if stated is not None:
        return stated
    stamp = timestamp_of(url)
    return timestamp_moment(stamp) if stamp else None
