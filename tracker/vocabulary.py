"""The words of tracker's data, defined once: what a version holds, what a revision
is of, and what its statistics count (constants only, cheap to import)."""

FIELDS = ("headline", "byline", "body", "published_at", "updated_at")
KINDS = (
    "headline",
    "byline",
    "timestamp-only",
    "typo",
    "rewording",
    "addition",
    "deletion",
    "correction",
    "moved",
    "silent",
    "headline-test",
    "archive",
)
STAT_NAMES = (
    "chars_added",
    "chars_removed",
    "words_added",
    "words_removed",
    "paragraphs_added",
    "paragraphs_removed",
    "paragraphs_changed",
    "paragraphs_moved",
)
