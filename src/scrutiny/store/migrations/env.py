"""Alembic's entry point: run the migrations on the connection scrutiny.store.migrations gives."""

from __future__ import annotations

from alembic import context

from scrutiny.settings import Settings
from scrutiny.store.db import make_engine, metadata

config = context.config


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,  # SQLite can only alter tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()


def _database_url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return url or Settings.from_env().database_url


if context.is_offline_mode():
    context.configure(url=_database_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif "connection" in config.attributes:
    _run(config.attributes["connection"])
else:
    engine = make_engine(_database_url())
    with engine.begin() as connection:
        _run(connection)
    engine.dispose()
