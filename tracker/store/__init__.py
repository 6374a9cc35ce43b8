"""The database edge: tables (`models`), engines and migrations (`db`); queries by
concern: sources, articles, checks, keys and events (`repository`), versions,
revisions and joined histories (`histories`), earlier derivations of a history
(`generations`), claims and leases (`leases`), notification destinations' state
(`deliveries`), the witness queue (`witness_rows`, `witnesses`), checks folded into daily
counts (`check_days`); host turns shared
by several daemons (`ledger`).

Rule: store functions take a Session and never commit: the caller owns the
transaction. Imports `tracker.core` and the leaves, never the check side, the
read side or the entry points.
"""

from tracker.store import check_days as _check_days  # noqa: F401  (its table joins the metadata)
from tracker.store import counts as _counts  # noqa: F401  (its table joins the metadata)
from tracker.store import generations as _generations  # noqa: F401  (its tables join the metadata)
from tracker.store import witness_rows as _witness_rows  # noqa: F401  (its table joins the metadata)
