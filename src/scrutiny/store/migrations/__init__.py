"""Numbered Alembic migrations, run from Python: `upgrade(database_url)` brings a database to head.

No alembic.ini is needed: the script location is this package. To write the next migration,
copy the newest file in `versions/` to the next number (`0002_<what>.py`), set `revision`
and `down_revision`, and spell the change out with `op.*` calls. A migration is a frozen
snapshot; never import `scrutiny.store.db` tables into one. The schema test fails until
`scrutiny.store.db` and the migrations agree.

May import settings and scrutiny.store's engine (for `upgrade`, and `env.py` for the schema
test); the migrations in `versions/` import only alembic and sqlalchemy.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config

from scrutiny.settings import Settings
from scrutiny.store.db import make_engine


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for DATABASE_URL with this package as the script location."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("scrutiny.store") / "migrations"))
    # ConfigParser treats % specially; the URL itself is handed over in attributes.
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str | Settings, revision: str = "head") -> None:
    """Bring the database at DATABASE_URL up to REVISION (default: the newest migration)."""
    url = database_url.database_url if isinstance(database_url, Settings) else database_url
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def current_revision(database_url: str) -> str | None:
    """The migration the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
