"""Alembic environment: tracker passes its engine in `config.attributes["engine"]`;
a developer running `alembic` by hand gets TRACKER_DATABASE_URL or alembic.ini's URL."""

import os

import sqlalchemy as sa
from alembic import context

from tracker.store.db import create_engine
from tracker.store.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine: sa.Engine | None = config.attributes.get("engine")
    if engine is None:
        url = os.environ.get("TRACKER_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
        engine = create_engine(str(url))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
