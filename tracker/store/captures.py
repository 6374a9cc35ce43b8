"""Captures: the fetches kept as an archive keeps them (`models.Capture`).

A check keeps the fetch a new version was made from (`version`) and the fetch that
confirmed it (`confirm`); `tracker import` adds captures read from WARC files
(`import`), and `tracker backfill` the mementos it fetched from web archives
(`archive`: the exchange with the archive, its URL the memento's). Bodies go through
`tracker.store.bodies`, and `keep` chooses the codec:

- an article's first capture is a *key*: compressed alone, with its host's newest
  dictionary when it has one (`zstd-dict`), else plain `zstd`;
- every later capture of the article is a delta against the article's latest key
  (`zstd-delta`, `base_id`), unless the page compressed alone comes out smaller (a
  redesign, a rewritten page): then it starts a new key. (A delta under `KEY_SHARE` of
  the key's stored size is taken without compressing the page alone to compare.)

A delta's base is always a key, never another delta: reading any capture takes at most
two decompressions, however long the article's history.

A host gets a dictionary once `SAMPLES` of its keys are kept without one
(`train_dictionaries`, a deferred step of the storage job, never a check's: training
takes tens of milliseconds a host); the keys it was trained on are packed again with it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from datetime import datetime

import zstandard
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.store import bodies
from tracker.store.models import Article, Capture, CaptureDictionary

VERSION = "version"
CONFIRM = "confirm"
IMPORT = "import"
ARCHIVE = "archive"
MADE_FROM = (VERSION, IMPORT, ARCHIVE)
"""The roles of the capture a version was made from (an article's first of the version's
number): a fetch of tracker's, a capture imported from a WARC file, or a memento fetched
from a web archive (`tracker backfill`)."""
KEY_SHARE = 0.5  # a delta under half its key's stored size is taken without comparing
SAMPLES = 8  # a host's keys kept without a dictionary before one is trained on them
DICTIONARY_SIZE = 112 * 1024
HOSTS_PER_STEP = 4  # dictionaries trained per step at most (tens of milliseconds each)

DICTIONARIES_CACHED = 64  # hosts' dictionaries a process holds (112 KB each at most)

_dictionaries: OrderedDict[tuple[str, int, bytes], bytes] = OrderedDict()  # rows never change
_HEADER = func.substr(CaptureDictionary.data, 1, 8)  # zstd's magic number and the dictionary's ID


def host_of(session: Session, capture: Capture) -> str:
    """Whose dictionary a capture's is: its article's host (the one politeness is kept
    for: name, and port when not the default)."""
    article = session.get(Article, capture.article_id)
    return article.host if article is not None else ""


def keep(session: Session, capture: Capture, content: bytes) -> Capture:
    """Store `capture` (its exchange filled in by the caller) with `content`, its body
    as received, compressed: a delta against the article's key, or a new key."""
    capture.digest = bodies.digest(content)
    capture.size = len(content)
    key = _key_of(session, capture.article_id)
    base = body(key, session) if key is not None else None
    if key is None or base is None:
        alone, dictionary_id = _alone(session, capture, content)
        return _stored(session, capture, alone, dictionary_id=dictionary_id)
    delta = bodies.pack(content, base=base)
    if len(delta[1]) > KEY_SHARE * len(key.body or b""):  # not clearly smaller than a key
        alone, dictionary_id = _alone(session, capture, content)
        if len(alone[1]) <= len(delta[1]):
            return _stored(session, capture, alone, dictionary_id=dictionary_id)
    return _stored(session, capture, delta, base_id=key.id)


def _alone(session: Session, capture: Capture, content: bytes) -> tuple[tuple[str, bytes], int | None]:
    """The body packed as a key, with its host's newest dictionary if any; and its id."""
    dictionary = current_dictionary(session, host_of(session, capture))
    if dictionary is None:
        return bodies.pack(content), None
    return bodies.pack(content, dictionary=dictionary[1]), dictionary[0]


def _stored(
    session: Session,
    capture: Capture,
    packed: tuple[str, bytes],
    *,
    base_id: int | None = None,
    dictionary_id: int | None = None,
) -> Capture:
    capture.codec, capture.body = packed
    capture.base_id, capture.dictionary_id = base_id, dictionary_id
    session.add(capture)
    return capture


def body(capture: Capture, session: Session | None = None) -> bytes | None:
    """The capture's body bytes as received (legacy rows: the HTML as UTF-8), or None
    when the retention setting dropped it. A delta's base and a dictionary are read
    through `session` (by default the capture's own)."""
    if capture.body is None:
        return None
    if capture.codec not in (bodies.DICT, bodies.DELTA):
        return bodies.unpack(capture.codec, capture.body)
    session = session or Session.object_session(capture)
    if session is None:
        raise bodies.CorruptBody(f"capture {capture.id}: its dictionary or base needs a session")
    if capture.codec == bodies.DICT:
        dictionary = _dictionary(session, capture.dictionary_id)
        return bodies.unpack(capture.codec, capture.body, dictionary=dictionary)
    base = session.get(Capture, capture.base_id) if capture.base_id is not None else None
    if base is not None and base.codec == bodies.DELTA:
        raise bodies.CorruptBody(f"capture {capture.id}: its base {base.id} is a delta itself")
    return bodies.unpack(capture.codec, capture.body, base=body(base, session) if base else None)


def current_dictionary(session: Session, host: str) -> tuple[int, bytes] | None:
    """The host's newest dictionary: its id and bytes."""
    row = session.execute(
        select(CaptureDictionary.id, _HEADER)
        .where(CaptureDictionary.host == host)
        .order_by(CaptureDictionary.id.desc())
        .limit(1)
    ).first()
    data = _loaded(session, row[0], row[1]) if row is not None else b""
    return (row[0], data) if row is not None and data else None  # empty: none could be trained


def _dictionary(session: Session, dictionary_id: int | None) -> bytes | None:
    row = session.execute(select(_HEADER).where(CaptureDictionary.id == dictionary_id)).first()
    return None if row is None or dictionary_id is None else _loaded(session, dictionary_id, row[0])


def _loaded(session: Session, dictionary_id: int, header: bytes | None) -> bytes:
    """A dictionary's bytes, read once per process while among the most recently used:
    known by database, id and header (zstd's magic number and the dictionary's ID, a
    hash of its content), as two databases, or a database made again, may reuse an id."""
    cached = (str(session.get_bind().engine.url), dictionary_id, bytes(header or b""))
    if cached in _dictionaries:
        _dictionaries.move_to_end(cached)
        return _dictionaries[cached]
    data = session.scalar(select(CaptureDictionary.data).where(CaptureDictionary.id == dictionary_id)) or b""
    _dictionaries[cached] = data
    if len(_dictionaries) > DICTIONARIES_CACHED:
        _dictionaries.popitem(last=False)
    return data


def _key_of(session: Session, article_id: int) -> Capture | None:
    """The article's latest key capture that still holds its body, locked for share
    (PostgreSQL) until the check commits: retention, which locks what it drops and skips
    locked rows, cannot drop a key between a check reading it and storing a delta
    against it (SQLite's single writer sees to that there)."""
    return session.scalar(
        select(Capture)
        # `+ 0`: read by the article's index, never by base_id's (every key has none)
        .where(Capture.article_id == article_id, (Capture.base_id + 0).is_(None), Capture.body.is_not(None))
        .order_by(Capture.id.desc())
        .limit(1)
        .with_for_update(read=True)
    )


def train_dictionaries(session: Session, now: datetime, *, samples: int = SAMPLES) -> list[str]:
    """Train a dictionary for each host (a few a step, those waiting longest first) with
    `samples` keys kept and none tried yet, from its first keys; pack every key of the
    host kept without one again with it. Returns the hosts that got one."""
    waiting = session.scalars(
        select(Article.host)
        .join(Capture, Capture.article_id == Article.id)
        .where(
            Capture.codec == bodies.ZSTD,
            Capture.base_id.is_(None),
            Capture.body.is_not(None),
            Article.host.not_in(select(CaptureDictionary.host)),
        )
        .group_by(Article.host)
        .having(func.count() >= samples)
        .order_by(func.min(Capture.id))
        .limit(HOSTS_PER_STEP)
    ).all()
    trained = []
    for host in waiting:
        keys = list(
            session.scalars(
                select(Capture)
                .join(Article, Capture.article_id == Article.id)
                .where(Article.host == host, Capture.codec == bodies.ZSTD, Capture.base_id.is_(None))
                .where(Capture.body.is_not(None))
                .order_by(Capture.id)
            )
        )
        dictionary = _train(session, host, keys[:samples], now)
        if dictionary is not None:
            trained.append(host)
            for capture in keys:
                _repack(session, capture, dictionary)
    return trained


def _train(session: Session, host: str, keys: list[Capture], now: datetime) -> tuple[int, bytes] | None:
    """A dictionary for `host` trained on its `keys`, stored; when zstd cannot train
    one (too few or too small pages), an empty one is stored instead (none is used,
    and the host is not tried again)."""
    samples = [content for key in keys if (content := body(key, session))]
    size = min(DICTIONARY_SIZE, sum(map(len, samples)) // 4)
    try:
        data = bodies.train(samples, size)
    except zstandard.ZstdError:
        data = b""
    dictionary = CaptureDictionary(host=host, trained_at=now, samples=len(samples), data=data)
    session.add(dictionary)
    session.flush()
    return (dictionary.id, data) if data else None


def _repack(session: Session, capture: Capture, dictionary: tuple[int, bytes]) -> None:
    """A key packed again with its host's dictionary (its deltas read the body, not
    the stored bytes: they stay as they are)."""
    content = body(capture, session)
    if content is None:
        return
    capture.codec, capture.body = bodies.pack(content, dictionary=dictionary[1])
    capture.dictionary_id = dictionary[0]


def of_article(session: Session, article_id: int) -> list[Capture]:
    """An article's captures, oldest first."""
    return list(
        session.scalars(
            select(Capture).where(Capture.article_id == article_id).order_by(Capture.at, Capture.id)
        )
    )


def of_version(session: Session, article_id: int, number: int) -> Capture | None:
    """The capture a version was made from (fetched or imported), if kept."""
    return session.scalar(
        select(Capture)
        .where(
            Capture.article_id == article_id,
            Capture.version_number == number,
            Capture.role.in_(MADE_FROM),
        )
        .order_by(Capture.id)
        .limit(1)
    )


def kept(session: Session, url: str, at: datetime, digest: str) -> bool:
    """Whether a capture of `url` at `at` with this body (`bodies.digest`) is kept: a
    WARC imported again, or tracker's own export imported into its own database."""
    found = session.scalar(
        select(Capture.id).where(Capture.at == at, Capture.url == url, Capture.digest == digest).limit(1)
    )
    return found is not None


def each(session: Session, *, batch: int = 200) -> Iterator[Capture]:
    """Every capture, in id order, read a batch at a time (bounded memory)."""
    after = 0
    while True:
        rows = list(
            session.scalars(select(Capture).where(Capture.id > after).order_by(Capture.id).limit(batch))
        )
        if not rows:
            return
        yield from rows
        after = rows[-1].id
        session.expunge_all()
