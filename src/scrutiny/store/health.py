"""Is the service ready: the database reachable and at the newest migration this scrutiny has.

`/readyz` answers from `check_readiness`, so a load balancer or orchestrator sends visitors
only to a service whose database it can use; `/healthz` (process up) needs nothing here.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from scrutiny.store.migrations import head_revision, revision_of, revisions

logger = logging.getLogger(__name__)

# A readiness probe answers in seconds or is itself the problem: a statement waiting longer
# on a lock (a migration running, say) is cut short and the service reported not ready.
POSTGRESQL_STATEMENT_TIMEOUT = "3s"

Reason = Literal["database_unreachable", "migrations_behind", "unknown_revision"]


@dataclass(frozen=True)
class Readiness:
    """Whether the service can use its database, and if not why, in words an operator acts on."""

    ready: bool
    revision: str | None  # the migration the database is at; None: no tables, or unreachable
    head: str  # the newest migration this scrutiny has
    reason: Reason | None = None
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        """The JSON answer of /readyz: `status` ok or unavailable, then the rest."""
        return {"status": "ok" if self.ready else "unavailable", **asdict(self)}


def check_readiness(engine: Engine) -> Readiness:
    """Read the database's migration through ENGINE and compare it with this scrutiny's newest."""
    head = head_revision()
    try:
        revision = _read_revision(engine)
    except SQLAlchemyError as error:
        # The reason is logged for the operator; the public answer names only the kind.
        logger.warning("readiness: the database cannot be reached: %s", str(error).splitlines()[0])
        return Readiness(
            False,
            None,
            head,
            "database_unreachable",
            "The database cannot be reached; the service's log says why.",
        )
    if revision == head:
        return Readiness(True, revision, head)
    if revision is None or revision in revisions():
        return Readiness(
            False,
            revision,
            head,
            "migrations_behind",
            f"The database is at migration {revision or 'none (no tables yet)'}; this scrutiny "
            f"needs {head}: run `scrutiny db upgrade` (or restart `scrutiny serve`).",
        )
    return Readiness(
        False,
        revision,
        head,
        "unknown_revision",
        f"The database is at migration {revision}, which this scrutiny does not have: a newer "
        "scrutiny migrated it. Run that version, or downgrade the database with it.",
    )


def _read_revision(engine: Engine) -> str | None:
    for attempt in (1, 2):
        try:
            with engine.connect() as connection:
                if connection.dialect.name == "postgresql":
                    connection.exec_driver_sql(
                        f"SET LOCAL statement_timeout = '{POSTGRESQL_STATEMENT_TIMEOUT}'"
                    )
                return revision_of(connection)
        except DBAPIError as error:
            # A pooled connection the server has since closed (it restarted) is thrown away
            # by SQLAlchemy; one fresh try tells a restart that is over from a real outage.
            if not (error.connection_invalidated and attempt == 1):
                raise
    raise AssertionError("unreachable")  # pragma: no cover
