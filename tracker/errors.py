"""The exceptions tracker raises, drawn once.

What reaches a user, as one line (the CLI prints it, the web answers with it, the
daemon logs it and carries on), is a `TrackerError`:

    TrackerError                 anything tracker reports to a user
    ├── ConfigError              config.yaml missing, unreadable or invalid
    ├── DatabaseError            the database is unreachable, locked or not migrated
    ├── NotFoundError            no article matches a URL or id
    ├── WorkersUnavailable       the extraction workers cannot start (no memory or
    │                            processes left): no check can run; the daemon tries
    │                            again at the next tick
    └── FetchError               a URL that cannot even be tried (bad scheme, no host)

Internal control flow is caught inside tracker and never reaches a user; each is
defined beside the code that raises it:

    Exception
    ├── fetch.politeness.Postponed   a request cannot get its turn at its host before
    │                                its batch ends: nothing was sent; the pipeline
    │                                counts the check `postponed`, still due (no failure)
    ├── fetch.decoding.TooLarge      a body decoded past `fetch.max_bytes`: the fetch
    │                                returns a `too_large` failure
    ├── fetch.decoding.Undecodable   an encoding not asked for, or a stream that cannot
    │                                be read: the fetch returns a `network` or
    │                                `truncated` failure
    └── notify.DeliveryFailed        a destination did not take a payload: retried with
                                     back-off, skipped and logged after
                                     `notify.max_attempts`

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
