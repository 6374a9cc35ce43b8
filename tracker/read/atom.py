"""Atom feeds of revisions (feedgen): one entry per revision, the diff in its content.

An entry's id is derived from the article's URL and the version number it leads
to, so it is the same on every request, on every server, after a restore from an
export. The content is HTML (escaped inside the XML, as Atom wants): the field
changes and the body as track changes, the article text escaped within it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import quote

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]
from markupsafe import Markup
from sqlalchemy.orm import Session

from tracker.read.report import environment, inline
from tracker.read.revisions import RevisionFilter, RevisionWithVersions, report_items_newest
from tracker.read.shapes import entry_id

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# characters XML 1.0 cannot carry at all, even escaped
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def atom(session: Session, where: RevisionFilter, *, title: str, base: str, self_url: str) -> bytes:
    """The revisions `where` selects, newest first, as an Atom document."""
    items = report_items_newest(session, where)
    generator = FeedGenerator()
    generator.id(entry_id(self_url, 0))
    generator.title(xml_text(title))
    generator.author({"name": "tracker"})
    generator.link(href=self_url, rel="self")
    generator.link(href=base + "/", rel="alternate")
    generator.generator("tracker")
    generator.updated(max((item.revision.detected_at for item in items), default=EPOCH))
    for item in items:
        _entry(generator, item, base)
    document: bytes = generator.atom_str(pretty=True)
    return document


def _entry(generator: FeedGenerator, item: RevisionWithVersions, base: str) -> None:
    revision = item.revision
    headline = item.new.headline or item.old.headline or item.url
    entry = generator.add_entry(order="append")
    entry.id(entry_id(item.url, revision.to_number))
    entry.title(xml_text(f"{headline} ({', '.join(revision.changed) or 'no field'} changed)"))
    entry.link(href=f"{base}/articles/{revision.article_id}/revisions/{revision.to_number}", rel="alternate")
    entry.link(href=item.url, rel="related")
    entry.updated(revision.detected_at)
    entry.published(revision.detected_at)
    if item.source:
        entry.category(term=quote(item.source, safe=""), label=xml_text(item.source))
    for kind in revision.kinds:
        entry.category(term=kind)
    entry.summary(
        f"Version {revision.from_number} to {revision.to_number}: {', '.join(revision.kinds) or 'change'}; "
        f"significance {revision.significance:.2f}."
    )
    content = (
        environment()
        .get_template("entry.html.j2")
        .render(
            item=item,
            revision=revision,
            fields=list(revision.field_changes),
            inline=inline(revision.body_diff),
            link=Markup.escape(f"{base}/articles/{revision.article_id}/revisions/{revision.to_number}"),
        )
    )
    entry.content(xml_text(content), type="html")
