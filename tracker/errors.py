"""The exceptions tracker raises.

    TrackerError                 anything tracker reports to a user
    ├── ConfigError              config.yaml missing, unreadable or invalid
    ├── DatabaseError            the database is unreachable, locked or not migrated
    ├── NotFoundError            no article matches a URL or id
    └── FetchError               a URL that cannot even be tried (bad scheme, no host)

Expected outcomes of a check (unchanged, not modified, soft error, error, gone)
are values, not exceptions: see `tracker.fetch.FetchFailure` and
`tracker.pipeline.CheckResult`.
"""


class TrackerError(Exception):
    """Base of every error tracker reports to a user as one line."""


class ConfigError(TrackerError):
    """The configuration cannot be used."""


class DatabaseError(TrackerError):
    """The database cannot be reached or used."""


class NotFoundError(TrackerError):
    """No article matches what the user asked for."""


class WorkersUnavailable(TrackerError):
    """The extraction workers cannot be started on this machine."""


class FetchError(TrackerError):
    """A URL that cannot be fetched at all."""
