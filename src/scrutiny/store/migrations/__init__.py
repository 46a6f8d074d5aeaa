"""Numbered Alembic migrations, run from Python: `upgrade(database_url)` brings a database to head.

No alembic.ini is needed: the script location is this package. To write the next migration,
copy the newest file in `versions/` to the next number (`0002_<what>.py`), set `revision`
and `down_revision`, and spell the change out with `op.*` calls. A migration is a frozen
snapshot; never import `scrutiny.store.db` tables into one. The schema test fails until
`scrutiny.store.db` and the migrations agree.

May import settings, core's errors and scrutiny.store's engine (for `upgrade`, and `env.py`
for the schema test); the migrations in `versions/` import only alembic and sqlalchemy.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from scrutiny.core.errors import Invalid
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine

# What `scrutiny db downgrade base` goes down to: before the first migration, no tables.
BASE = "base"


class MigrationError(Invalid):
    """A migration asked for that this scrutiny does not have, or cannot go to from here."""


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
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            return revision_of(connection)
    except OperationalError as error:
        first = str(error).splitlines()[0]
        raise MigrationError(f"The database cannot be reached: {first}") from None
    finally:
        engine.dispose()


def revision_of(connection: Connection) -> str | None:
    """The migration the database on CONNECTION is at, or None when it has no tables yet."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


@cache
def revisions() -> tuple[str, ...]:
    """Every migration this scrutiny has, oldest first (one line of them: never branched)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return tuple(reversed([step.revision for step in script.walk_revisions()]))


def head_revision() -> str:
    """The newest migration this scrutiny has: what `scrutiny db upgrade` brings a database to."""
    return revisions()[-1]


def is_behind(revision: str | None) -> bool:
    """Whether a database at REVISION (None: no tables) needs `scrutiny db upgrade`."""
    return revision is None or (revision in revisions() and revision != head_revision())


def downgrade(database_url: str, revision: str) -> None:
    """Take the database at DATABASE_URL down to REVISION (a migration, or `base` for none),
    undoing every later migration in one transaction: what they added is dropped with its data."""
    known = revisions()
    if revision != BASE and revision not in known:
        raise MigrationError(
            f"There is no migration {revision!r}: this scrutiny has {', '.join(known)} (or base)"
        )
    current = current_revision(database_url)
    if current is None:
        raise MigrationError("The database has no tables yet: there is nothing to downgrade")
    if current not in known:
        raise MigrationError(
            f"The database is at migration {current}, which this scrutiny does not have: "
            "downgrade it with the newer scrutiny that migrated it"
        )
    position = -1 if revision == BASE else known.index(revision)
    if position >= known.index(current):
        raise MigrationError(
            f"The database is at migration {current}, not later than {revision}: "
            "nothing to downgrade (scrutiny db upgrade goes forwards)"
        )
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config(database_url)
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
