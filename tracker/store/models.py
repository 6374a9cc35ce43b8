"""Tables (SQLAlchemy 2 typed ORM). The Alembic migration is the truth; a test
checks that `upgrade head` matches these models.

History rows (versions, revisions) are appended, never updated.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no offset) too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: tracker stores aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class SourceKind(StrEnum):
    FEED = "feed"
    SITEMAP = "sitemap"
    LIST = "list"


class ArticleStatus(StrEnum):
    ACTIVE = "active"
    GONE = "gone"
    RETIRED = "retired"
    REMOVED = "removed"  # the operator stopped checking it (`tracker remove`); its history stays


class Outcome(StrEnum):
    """What one check found."""

    NEW_VERSION = "new_version"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"
    SOFT_ERROR = "soft_error"
    ERROR = "error"
    GONE = "gone"


GOOD_OUTCOMES = frozenset((Outcome.NEW_VERSION, Outcome.UNCHANGED, Outcome.NOT_MODIFIED))
"""Checks that got the article or learned it had not changed; the others are failures."""


class Source(Base):
    """A named source from config.yaml; `manual` holds articles added by hand.

    The config is the truth: `configured` says the config names the source now; one it
    named once and no longer does keeps its history and gets `unconfigured_at` (its
    endpoints are no longer polled, its stories no longer checked). A source made by
    hand (`tracker add --source`) is not configured and was never unconfigured.
    `paused_at`: the operator paused it (`tracker pause`)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    configured: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    unconfigured_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]

    endpoints: Mapped[list[SourceEndpoint]] = relationship(back_populates="source")


class SourceEndpoint(Base):
    """One feed, sitemap or URL list that a source is discovered from."""

    __tablename__ = "source_endpoints"
    __table_args__ = (UniqueConstraint("source_id", "url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[datetime | None]
    next_poll_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # polls failed in a row, since when, and when that was last said in a warning
    # (once a day, not once a poll)
    failing_since: Mapped[datetime | None]
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    warned_at: Mapped[datetime | None]

    source: Mapped[Source] = relationship(back_populates="endpoints")


class Article(Base):
    """One story. `url` is its canonical URL; every URL that reaches it is in article_urls."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_status_next_check_at", "status", "next_check_at"),
        Index("ix_articles_host_next_check_at", "host", "next_check_at"),
        # the watch list's orders, their ties broken by id (0019: a page after a cursor)
        Index("ix_articles_last_changed_at_id", "last_changed_at", "id"),
        Index("ix_articles_last_checked_at_id", "last_checked_at", "id"),
        Index("ix_articles_next_check_at_id", "next_check_at", "id"),
        Index("ix_articles_first_seen_at_id", "first_seen_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    host: Mapped[str] = mapped_column(String(255))  # tracker.core.urls.host_of(url): politeness is per host
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    first_seen_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=ArticleStatus.ACTIVE)
    listed_published_at: Mapped[datetime | None]
    next_check_at: Mapped[datetime | None]
    last_checked_at: Mapped[datetime | None]
    last_changed_at: Mapped[datetime | None]
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    # the quick look (tracker.extraction.glance): where the body lives, the page's fingerprint,
    # and how many checks in a row trusted it without extracting the page
    look_places: Mapped[str | None] = mapped_column(Text)
    look_fingerprint: Mapped[str | None] = mapped_column(String(64))
    quick_checks: Mapped[int] = mapped_column(Integer, default=0)
    paused_at: Mapped[datetime | None]  # the operator paused it (`tracker pause`): never claimed

    source: Mapped[Source | None] = relationship()
    urls: Mapped[list[ArticleUrl]] = relationship(back_populates="article", order_by="ArticleUrl.id")


class HostTurn(Base):
    """When a host may next be asked, shared by every daemon on this database
    (tracker.fetch.politeness: several daemons together keep the host's delay)."""

    __tablename__ = "host_turns"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_start: Mapped[datetime]


class ArticleUrl(Base):
    """A URL that reaches an article: as discovered, a redirect target, a declared canonical."""

    __tablename__ = "article_urls"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    first_seen_at: Mapped[datetime]

    article: Mapped[Article] = relationship(back_populates="urls")


class Check(Base):
    """One attempt to fetch an article, and its outcome."""

    __tablename__ = "checks"
    __table_args__ = (Index("ix_checks_article_id_started_at", "article_id", "started_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(index=True)
    duration_ms: Mapped[int]
    outcome: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None]
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    bytes: Mapped[int | None]
    final_url: Mapped[str | None] = mapped_column(Text)
    version_number: Mapped[int | None]


class Version(Base):
    """An immutable snapshot of an article's editorial content."""

    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("article_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    number: Mapped[int]
    fetched_at: Mapped[datetime]
    headline: Mapped[str | None] = mapped_column(Text)
    byline: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    # the page's own offsets from UTC beside the instants, minutes east (None: not declared)
    published_offset: Mapped[int | None]
    updated_offset: Mapped[int | None]
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    # what extracted its fields (`tracker.extraction.stamp`): tracker's and trafilatura's
    # versions, a hash of the extraction code and of the site rules in force; None before 0012
    extractor: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class Capture(Base):
    """A fetch kept as an archive keeps it (a WARC request and response): the request
    as sent, the response's status line and headers as received, the IP address it came
    from, and its body. `role`: `version`, the fetch a version was made from;
    `confirm`, a fetch that agreed with it moments later; `import`, read from a WARC
    file; `archive`, a memento `tracker backfill` fetched (its URL the memento's). Legacy
    rows (`codec` `zlib-html`, before 0012) hold the HTML as UTF-8, and no exchange.

    The body is stored compressed (`tracker.store.bodies`: `codec` says how, with the
    host's `dictionary_id` or the `base_id` capture it is a delta against); `body` is
    None once the retention setting dropped it or moved it to a WARC file (`warc`:
    `path#offset`). `digest`: SHA-256 of the body bytes, hex; `size`: their length."""

    __tablename__ = "captures"
    __table_args__ = (
        Index("ix_captures_article_id_at", "article_id", "at"),
        Index("ix_captures_at", "at"),
        Index("ix_captures_base_id", "base_id"),  # the storage job's (0014): a key's deltas,
        Index("ix_captures_codec", "codec"),  # keys waiting for a dictionary, bodies kept by age
        Index("ix_captures_kept_at", "at", sqlite_where=text("body IS NOT NULL")),  # PostgreSQL's: 0014
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    version_number: Mapped[int | None]
    role: Mapped[str] = mapped_column(String(8))
    at: Mapped[datetime]
    url: Mapped[str] = mapped_column(Text)
    redirects: Mapped[list[Any]] = mapped_column(default=list)  # the URLs before `url`, first asked first
    request_headers: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    http_version: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[int]
    reason: Mapped[str | None] = mapped_column(String(100))
    response_headers: Mapped[list[Any] | None] = mapped_column(JSON(none_as_null=True))
    peer: Mapped[str | None] = mapped_column(String(64))
    decoded: Mapped[str | None] = mapped_column(String(64))  # content encodings undone, comma-separated
    digest: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None]
    codec: Mapped[str] = mapped_column(String(16))
    dictionary_id: Mapped[int | None] = mapped_column(ForeignKey("capture_dictionaries.id"))
    base_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    warc: Mapped[str | None] = mapped_column(Text)


class CaptureDictionary(Base):
    """A zstd dictionary trained on a host's first captures (`tracker.store.bodies`):
    kept for as long as a capture uses it; a host may have several, newest last."""

    __tablename__ = "capture_dictionaries"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    trained_at: Mapped[datetime]
    samples: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Revision(Base):
    """The change from one version of an article to the next."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("article_id", "to_number"),
        Index("ix_revisions_detected_at", "detected_at"),
        # revisions per day (the sources page) read from the index alone, not the wide rows
        Index("ix_revisions_detected_at_trivial_article_id", "detected_at", "trivial", "article_id"),
        ForeignKeyConstraint(
            ["article_id", "from_number"],
            ["versions.article_id", "versions.number"],
            name="fk_revisions_from_version",
            ondelete="CASCADE",
        ),
        ForeignKeyConstraint(
            ["article_id", "to_number"],
            ["versions.article_id", "versions.number"],
            name="fk_revisions_to_version",
            ondelete="CASCADE",
        ),
        # ids never reused (SQLite's AUTOINCREMENT; PostgreSQL's sequences never go back): a
        # destination's cursor (`Webhook.last_revision_id`) must never pass a revision unsent
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE", name="fk_revisions_article_id_articles")
    )
    from_number: Mapped[int]
    to_number: Mapped[int]
    detected_at: Mapped[datetime]
    changed: Mapped[list[Any]]
    field_changes: Mapped[list[Any]]
    body_diff: Mapped[list[Any]]
    stats: Mapped[dict[str, Any]]
    trivial: Mapped[bool] = mapped_column(Boolean, default=False)
    kinds: Mapped[list[Any]] = mapped_column(default=list)
    significance: Mapped[float] = mapped_column(Float, default=0.0)
    # a headline test that ended: its variants and winner (`tracker.core.headline_tests`)
    headline_test: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))


class HeadlineSighting(Base):
    """A headline a story served (`kind`: `headline`, the story's own; `social`, its
    og:title/twitter:title when it differs), aggregated: when first and last seen and
    how many fetches served it. Every extracting fetch counts, confirming ones too, and
    a feed entry's title; these are what a headline test is recognised from."""

    __tablename__ = "headline_sightings"
    __table_args__ = (UniqueConstraint("article_id", "kind", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    count: Mapped[int] = mapped_column(Integer)


class HeadlineTest(Base):
    """A headline test recognised on a story: the headline before it, its variants (the
    texts, by kind), and, once one variant was served alone long enough, when it ended
    and which won. `streak_*`: the variant served alone by the last checks, since when, and how many
    fetches had served it before."""

    __tablename__ = "headline_tests"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    before: Mapped[str | None] = mapped_column(Text)
    variants: Mapped[list[Any]]
    winner: Mapped[str | None] = mapped_column(Text)
    streak_text: Mapped[str | None] = mapped_column(Text)
    streak_checks: Mapped[int] = mapped_column(Integer, default=0)
    streak_since: Mapped[datetime | None]
    streak_base: Mapped[int] = mapped_column(Integer, default=0)


class ArticleKey(Base):
    """What identifies an article beyond its URLs: the canonical URL it declares, the
    publisher's own id. A new URL whose page carries a known key is the same story."""

    __tablename__ = "article_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    first_seen_at: Mapped[datetime]


class Event(Base):
    """Something that happened to an article besides a new version: gone, restored,
    retired, merged (a second URL found to be the same story)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_article_id_at", "article_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class VolatileText(Base):
    """A paragraph shape (numbers folded) seen to change between two fetches of a page
    of this host moments apart: chrome, dropped from the host's pages before comparing."""

    __tablename__ = "volatile_texts"
    __table_args__ = (UniqueConstraint("host", "shape_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    shape_hash: Mapped[str] = mapped_column(String(64))
    shape: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime]


class TemplateSighting(Base):
    """What a host's stories showed of its template (`tracker.core.furniture`), kept so
    that every process learns the same lines from the same counts. `kind`: `story`, a
    story's first version was seen (its line empty: the host's count of first
    versions); `place`, a short line at a place of a first version's body (an index
    from the start, or negative from the end); `gained` or `lost`, a revision's only
    change was that line (`revision_id`), as when a site redesigns."""

    __tablename__ = "template_sightings"
    __table_args__ = (UniqueConstraint("host", "kind", "line", "place", "article_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(8))
    line: Mapped[str] = mapped_column(String(255))
    place: Mapped[int] = mapped_column(Integer)
    article_id: Mapped[int] = mapped_column(Integer)
    revision_id: Mapped[int | None] = mapped_column(Integer)
    first_seen_at: Mapped[datetime]


class Webhook(Base):
    """Where one notification destination is (a webhook or an Apprise URL: the table is
    named for the first kind; `notify.Destination` is the word in code): the last
    revision it was sent, its retry state and its lease."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    last_revision_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]


class Delivery(Base):
    """One POST a webhook answered with success: a revision, or a digest of many."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_webhook_id_source_at", "webhook_id", "source", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    source: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime]
    revisions: Mapped[int] = mapped_column(Integer)
    digest: Mapped[bool] = mapped_column(Boolean, default=False)


# Kept by the migrations: the search index (SQLite: FTS5; PostgreSQL: `article_search`, GIN).
_FTS5 = (
    "versions_fts",
    "versions_fts_data",
    "versions_fts_idx",
    "versions_fts_docsize",
    "versions_fts_config",
)
SEARCH_INDEX_OBJECTS = frozenset(
    (*_FTS5, "article_search", "ix_article_search_document", "ix_article_search_newest")
)
