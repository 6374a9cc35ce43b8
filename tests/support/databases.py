"""Real databases for tests and benchmarks."""

from __future__ import annotations

import sqlalchemy as sa


def emptied(url: str) -> str:
    """The PostgreSQL database at `url` with its schema dropped and made anew."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP SCHEMA public CASCADE"))
        connection.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url
