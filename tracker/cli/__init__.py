"""The command line (the contract is docs/reference/commands.md).

Each command parses, calls and renders. A user error (bad config, unknown
article, unreachable database) prints one line and exits 1, never a traceback.
"""

from tracker.cli import (  # noqa: F401  (they add their commands to `main`)
    archives,
    backfilling,
    exporting,
    managing,
    reading,
    serving,
    writing,
)
from tracker.cli.common import main

__all__ = ["main"]
