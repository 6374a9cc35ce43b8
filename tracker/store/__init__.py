"""The database edge: tables (`models`), engines and migrations (`db`), queries
(`repository`), host turns shared by several daemons (`ledger`).

Rule: repository functions take a Session and never commit: the caller owns the
transaction. Imports `tracker.core` and the leaves, never the check side, the
read side or the entry points.
"""
