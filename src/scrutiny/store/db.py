"""The database: table definitions, engines and the one transaction helper.

The four data tables mirror the data standard (one column per field, in declared order),
plus an `id` and the `submission_id` each row arrived with. Only current data is kept in
them: when a submission is replaced its rows are deleted in the same transaction, and the
`submissions` row (status 'superseded') and `audit_log` entries remain as the history.
That is what lets the natural keys below be real unique constraints.

Schema changes go through a numbered Alembic migration in `scrutiny/store/migrations/versions/`;
a test checks the migrated schema still equals this module's metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.naming import conv

from scrutiny.core.errors import Unavailable
from scrutiny.settings import Settings
from scrutiny.store import (
    drafts_tables,  # noqa: F401  (registers the draft recommendations)
    evidence_files_tables,  # noqa: F401  (registers its table)
    follow_up_tables,  # noqa: F401  (registers scrutiny follow-up's tables)
    kept_tables,  # noqa: F401  (registers the kept figures)
    people,  # noqa: F401  (registers the people's tables)
)
from scrutiny.store.metadata import (
    metadata as metadata,
)  # every table registered: import it from here

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _file_columns() -> list[Column[Any]]:
    """What every stored file records: its period, name, SHA-256 and rows."""
    return [
        Column("period_start", Date, nullable=False),
        Column("period_end", Date, nullable=False),
        Column("file_name", Text, nullable=False),
        Column("file_hash", String(64), nullable=False),  # sha256, hex
        Column("row_count", Integer, nullable=False),
    ]


def _status_columns(table_name: str) -> list[Column[Any]]:
    """Current or superseded, and by which later row of TABLE_NAME."""
    return [
        Column("status", Text, nullable=False),
        Column("superseded_by", Integer, ForeignKey(f"{table_name}.id"), nullable=True),
    ]


submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("authority_code", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    *_file_columns(),
    Column("warning_count", Integer, nullable=False),
    *_status_columns("submissions"),
    # Where the rows came from (the standard's data_source codes): a council's own return,
    # or synthetic demo data, which every page and answer built from it must say.
    Column("data_source", Text, nullable=False, server_default="council_return"),
    Column("submitted_by", Text, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),  # UTC
    CheckConstraint("status IN ('current', 'superseded')", name="status"),
    Index("ix_submissions_authority_code", "authority_code"),
    # At most one current submission per authority, table and period.
    Index(
        "ix_submissions_current",
        "authority_code",
        "table_name",
        "period_start",
        "period_end",
        unique=True,
        sqlite_where=text("status = 'current'"),
        postgresql_where=text("status = 'current'"),
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),  # UTC
    Column("actor", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("entity", Text, nullable=False),
    Column("entity_id", Integer, nullable=True),
    Column("detail", JSON, nullable=True),
    Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),
)


def _data_table(name: str, *fields_and_constraints: Any, authority_index: bool = True) -> Table:
    """A data table: an id, the submission its row came with, the standard's fields, indexes."""
    indexes = [Index(f"ix_{name}_submission_id", "submission_id")]
    if authority_index:
        indexes.append(Index(f"ix_{name}_authority_code", "authority_code"))
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        # No foreign key on purpose: see migration 0001 (a per-row check, 43% of a bulk load).
        Column("submission_id", Integer, nullable=False),
        *fields_and_constraints,
        *indexes,
    )


complaints = _data_table(
    "complaints",
    Column("authority_code", Text, nullable=False),
    Column("complaint_ref", Text, nullable=False),
    Column("stage", BigInteger, nullable=False),
    Column("process", Text),
    Column("received_date", Date, nullable=False),
    Column("acknowledged_date", Date),
    Column("extension_working_days", BigInteger),
    Column("extension_reason", Text),
    Column("responded_date", Date),
    Column("acceptance", Text, nullable=False),
    Column("refusal_reason", Text),
    Column("outcome", Text),
    Column("service_area", Text, nullable=False),
    Column("service_subarea", Text),
    Column("channel", Text),
    Column("remedies", Text),  # codes joined by ";"
    Column("financial_remedy_gbp", Double),
    Column("service_improvement", Boolean),
    Column("service_improvement_text", Text),
    Column("reasonable_adjustments", Boolean),
    UniqueConstraint("authority_code", "complaint_ref", "stage"),
    # The unique index starts with authority_code and serves lookups by authority; a second
    # index would cost about 0.5 s per million rows loaded for nothing.
    authority_index=False,
)

# The standard's key here includes the optional service_area, and NULLs never clash in a
# unique constraint, so clashes are checked by scrutiny.returns.submissions instead.
aggregate_returns = _data_table(
    "aggregate_returns",
    Column("authority_code", Text, nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("stage", BigInteger, nullable=False),
    Column("service_area", Text),
    Column("received", BigInteger, nullable=False),
    Column("refused", BigInteger),
    Column("acknowledged_on_time", BigInteger),
    Column("responded", BigInteger, nullable=False),
    Column("responded_within_timescale", BigInteger),
    Column("responded_within_extended_timescale", BigInteger),
    Column("extended", BigInteger),
    Column("upheld", BigInteger),
    Column("partly_upheld", BigInteger),
    Column("not_upheld", BigInteger),
    Column("withdrawn", BigInteger),
    Column("service_improvements", BigInteger),
    Column("working_days_to_respond_total", BigInteger),
    Column("working_days_to_respond_median", Double),
)

# Key (ombudsman, decision_ref, finding_element) has an optional part: checked in code.
ombudsman_decisions = _data_table(
    "ombudsman_decisions",
    Column("ombudsman", Text, nullable=False),
    Column("decision_ref", Text, nullable=False),
    Column("finding_element", Text),
    Column("authority_code", Text, nullable=False),
    Column("decision_date", Date, nullable=False),
    Column("category", Text, nullable=False),
    Column("subcategory", Text),
    Column("outcome", Text, nullable=False),
    Column("fault_found", Boolean),
    Column("complaint_handling_fault", Boolean),
    Column("satisfactory_remedy_by_authority", Boolean),
    Column("public_interest_report", Boolean),
    Column("housing_ombudsman_finding", Text),
)

recommendations = _data_table(
    "recommendations",
    Column("decision_ref", Text, nullable=False),
    Column("recommendation_number", BigInteger, nullable=False),
    Column("authority_code", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("beneficiary", Text, nullable=False),
    Column("amount_gbp", Double),
    Column("agreed_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("completed_date", Date),
    Column("compliance_status", Text, nullable=False),
    Column("evidence_note", Text),
    UniqueConstraint("decision_ref", "recommendation_number"),
)

# Figures from a national source rather than a council's return (the Regulator of Social
# Housing's Tenant Satisfaction Measures): one import per source, table and year, the
# earlier one kept as superseded when a corrected file replaces it.
source_imports = Table(
    "source_imports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    *_file_columns(),
    *_status_columns("source_imports"),
    Column("imported_by", Text, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),  # UTC
    CheckConstraint("status IN ('current', 'superseded')", name="status"),
    # At most one current import per source, table and year.
    Index(
        "ix_source_imports_current",
        "source",
        "table_name",
        "period_start",
        unique=True,
        sqlite_where=text("status = 'current'"),
        postgresql_where=text("status = 'current'"),
    ),
)

housing_landlord_measures = Table(
    "housing_landlord_measures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("import_id", Integer, ForeignKey("source_imports.id"), nullable=False),
    Column("landlord_code", Text, nullable=False),
    Column("landlord_name", Text, nullable=False),
    Column("landlord_type", Text, nullable=False),
    Column("authority_code", Text),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("tenure_basis", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("homes_owned", BigInteger),
    Column("social_homes_owned", BigInteger),
    Column("stage1_complaints", BigInteger),
    Column("stage1_within_timescale", BigInteger),
    Column("stage1_timescale_denominator", BigInteger),
    Column("stage2_complaints", BigInteger),
    Column("stage2_within_timescale", BigInteger),
    Column("stage2_timescale_denominator", BigInteger),
    Column("complaint_handling_satisfaction_pct", Double),
    UniqueConstraint(
        "import_id", "landlord_code", "tenure_basis", name=conv("uq_housing_landlord_measures_row")
    ),
    Index("ix_housing_landlord_measures_import_id", "import_id"),
    Index("ix_housing_landlord_measures_authority_code", "authority_code"),
)

# Case-level complaints counted up at import (scrutiny.returns.aggregates): the aggregate_returns
# fields per authority, grain (month, quarter, financial_year), period and stage, kept with
# the submission they came from and deleted with it. Indicators read these, not the cases.
complaint_counts = Table(
    "complaint_counts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, nullable=False),
    Column("grain", Text, nullable=False),
    *[
        Column(column.name, column.type, nullable=column.nullable)
        for column in aggregate_returns.columns
        if column.name not in ("id", "submission_id")
    ],
    Index("ix_complaint_counts_submission_id", "submission_id"),
    Index("ix_complaint_counts_grain_period", "grain", "period_start"),
)

# The recommendation lifecycle (scrutiny.recommendations), kept beside the imported rows and
# keyed by their natural key, not their id: a corrected resubmission of the recommendations
# file deletes and re-inserts those rows, and evidence and outcomes must survive it.
recommendation_evidence = Table(
    "recommendation_evidence",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_ref", Text, nullable=False),
    Column("recommendation_number", BigInteger, nullable=False),
    Column("note", Text, nullable=False),
    Column("evidence_date", Date, nullable=False),  # the date the evidence claims
    Column("file_reference", Text),
    Column("submitted_by", Text, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("check_result", Text),
    Column("check_reason", Text),
    Column("checked_by", Text),
    Column("checked_on", Date),
    Column("checked_at", DateTime(timezone=True)),  # UTC
    # The day the council sent it (migration 0010). Sent after the due date for an action
    # it dates before it, it is backdated: on time only if the Ombudsman confirms the
    # claimed date with a reason (claimed_date_confirmed, set at the check).
    Column("sent_on", Date, nullable=False),
    Column("claimed_date_confirmed", Boolean),
    CheckConstraint("check_result IN ('accepted', 'rejected')", name="check_result"),
    Index(
        "ix_recommendation_evidence_decision_ref_recommendation_number",
        "decision_ref",
        "recommendation_number",
    ),
)

# At most one final outcome per recommendation: the unique key refuses a second one even
# from two checks racing each other.
recommendation_outcomes = Table(
    "recommendation_outcomes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_ref", Text, nullable=False),
    Column("recommendation_number", BigInteger, nullable=False),
    Column("outcome", Text, nullable=False),
    Column("completed_date", Date),
    Column("reason", Text),
    Column("evidence_id", Integer, ForeignKey("recommendation_evidence.id")),
    Column("decided_by", Text, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),  # UTC
    CheckConstraint(
        "outcome IN ('complied', 'complied_late', 'not_complied', 'withdrawn')", name="outcome"
    ),
    UniqueConstraint("decision_ref", "recommendation_number"),
)

# Self-assessment against the Complaint Handling Code (scrutiny.councillor.self_assessment): the
# current answer per authority, financial year ('2024-25') and checklist item. Earlier
# answers are in the audit log, written in the same transaction as each change.
self_assessment_items = Table(
    "self_assessment_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("authority_code", Text, nullable=False),
    Column("financial_year", Text, nullable=False),
    Column("item", Text, nullable=False),
    Column("status", Text, nullable=False),
    Column("evidence", Text),
    Column("action", Text),
    Column("action_owner", Text),
    Column("action_due", Date),
    Column("updated_by", Text, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),  # UTC
    CheckConstraint("status IN ('meets', 'partly_meets', 'does_not_meet')", name="status"),
    UniqueConstraint("authority_code", "financial_year", "item"),
)

# Councils' saved mappings (scrutiny.returns.saved_mappings): how each council's case-system
# export reads as the standard, kept by name ("default") in numbered versions. A save adds
# a version and never changes one; the newest version of a name is the current one.
council_mappings = Table(
    "council_mappings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("authority_code", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("yaml", Text, nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC
    UniqueConstraint("authority_code", "name", "version"),
)

# One store table for each table of the standard. Rows of the first four come with a
# submission (submission_id); social landlords' measures come with a source import
# (import_id), as a national source sends them, not a council.
DATA_TABLES: dict[str, Table] = {
    table.name: table
    for table in (
        complaints,
        aggregate_returns,
        ombudsman_decisions,
        recommendations,
        housing_landlord_measures,
    )
}


def as_utc(moment: datetime) -> datetime:
    """MOMENT as an aware UTC datetime (SQLite hands back naive ones, stored as UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def make_engine(settings_or_url: Settings | str) -> Engine:
    """An engine for a SQLite file or PostgreSQL URL, with SQLite set up for safe concurrent use."""
    url = (
        settings_or_url.database_url
        if isinstance(settings_or_url, Settings)
        else str(settings_or_url)
    )
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        _prepare_sqlite(engine)
    return engine


def _prepare_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours to say.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock at BEGIN, so two imports queue instead of interleaving
        # or failing half-way with "database is locked"; readers stay deferred under WAL.
        immediate = connection.get_execution_options().get("scrutiny_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


# How each database says its disk (or, for SQLite, its size limit) is full: SQLite's
# result code SQLITE_FULL and PostgreSQL's SQLSTATE disk_full.
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"


class StoreFull(Unavailable):
    """The database ran out of room during a write, which was rolled back whole."""


def _is_full(error: Exception) -> bool:
    """True for a database's "disk full", raised through SQLAlchemy or straight from the
    driver (the bulk loaders write through the driver's own connection)."""
    # SQLite may answer a full disk by rolling back the whole transaction itself, and then
    # the savepoint the bulk load ran in is gone: the error seen is the failed ROLLBACK TO
    # SAVEPOINT, with the full disk as its context.
    seen: BaseException | None = error
    while seen is not None:
        cause = seen.orig if isinstance(seen, DBAPIError) else seen
        if (
            getattr(cause, "sqlite_errorcode", None) == SQLITE_FULL
            or getattr(cause, "sqlstate", None) == POSTGRES_DISK_FULL
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection in one write transaction: committed if the block succeeds, else rolled
    back. A full disk is a StoreFull, saying nothing was changed."""
    try:
        with engine.connect() as connection:
            connection.execution_options(scrutiny_write=True)
            with connection.begin():
                yield connection
    except Exception as error:
        if not _is_full(error):
            raise
        raise StoreFull(
            "the database has run out of disk space, so nothing was stored and what was "
            "stored before is unchanged: free some space (or ask whoever runs the "
            "database to) and send the file again"
        ) from error
