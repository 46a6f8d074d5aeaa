"""Figures from national sources, stored all or nothing: the Regulator of Social Housing's
Tenant Satisfaction Measures (TSM) for every social landlord, a year per workbook.

The workbook's rows are checked against the standard's housing_landlord_measures table
by the same validator as any return, then stored in one transaction as one import for
the source and year. The same workbook again changes nothing; a different workbook for
a year already stored (a corrected version) replaces it only when told to, and the
replaced import is kept, marked superseded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import polars as pl
from sqlalchemy import Engine, insert, select, update

from scrutiny.core.errors import Conflict, Invalid
from scrutiny.returns.ingest import RawTable, file_hash
from scrutiny.returns.tsm import SOURCE, TsmYear, read_tsm
from scrutiny.returns.validation import Report, validate
from scrutiny.returns.xlsx import Limits
from scrutiny.settings import Settings
from scrutiny.standard import load_standard, polars_schema
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.bulk import insert_frame
from scrutiny.store.db import housing_landlord_measures, source_imports, transaction

TABLE = "housing_landlord_measures"
AUDIT_ENTITY = "source_import"  # what the audit log calls an import from a national source
Outcome = Literal["loaded", "replaced", "unchanged", "checked"]


class SourceInvalid(Invalid, ValueError):
    """The workbook's figures break the standard: nothing was stored."""

    def __init__(self, message: str, report: Report) -> None:
        super().__init__(message)
        self.report = report


class SourceReplaceNotConfirmed(Conflict):
    """A different file for a year already stored, without saying to replace it."""


@dataclass
class SourceImport:
    """What importing one workbook did."""

    year: TsmYear
    report: Report
    outcome: Outcome
    import_id: int | None
    rows: int


def import_tsm(
    path: Path,
    settings: Settings,
    engine: Engine,
    *,
    imported_by: str,
    replace: bool = False,
    dry_run: bool = False,
    today: date | None = None,
) -> SourceImport:
    """Check RSH's TSM workbook at PATH and store its year of landlord figures (or with
    DRY_RUN, only check). Raises NotTsmWorkbook, SourceInvalid or
    SourceReplaceNotConfirmed, storing nothing."""
    limits = Limits(
        settings.max_rows,
        settings.max_file_bytes,
        settings.reader_memory_bytes,
        settings.reader_seconds,
    )
    year = read_tsm(path, limits)
    table = load_standard().table(TABLE)
    names = table.field_names()
    raw = RawTable(
        table=table,
        frame=year.rows.select(names),
        file_name=path.name,
        file_hash=file_hash(path),
        encoding="XLSX",
        headers={name: name for name in names},
    )
    report = validate(raw, today)
    if not report.valid:
        raise SourceInvalid(
            f"{path.name}: {report.errors:,} figures break the standard; nothing was stored",
            report,
        )
    rows = report.typed.drop("__row")
    if dry_run:
        return SourceImport(year, report, "checked", None, rows.height)
    outcome, import_id = _store(engine, year, rows, path.name, raw.file_hash, imported_by, replace)
    return SourceImport(year, report, outcome, import_id, rows.height)


def _store(
    engine: Engine,
    year: TsmYear,
    rows: pl.DataFrame,
    file_name: str,
    digest: str,
    imported_by: str,
    replace: bool,
) -> tuple[Outcome, int]:
    imports = source_imports.c
    with transaction(engine) as connection:
        current = connection.execute(
            select(imports.id, imports.file_hash, imports.file_name)
            .where(
                imports.source == SOURCE,
                imports.table_name == TABLE,
                imports.period_start == year.period_start,
                imports.status == "current",
            )
            .with_for_update()
        ).first()
        if current is not None and current.file_hash == digest:
            return "unchanged", current.id
        if current is not None and not replace:
            raise SourceReplaceNotConfirmed(
                f"{year.label} is already stored from {current.file_name} (import "
                f"{current.id}); {file_name} is a different file. Nothing was stored: import "
                "it again with --replace to replace that year's figures"
            )
        if current is not None:
            connection.execute(
                update(source_imports).where(imports.id == current.id).values(status="superseded")
            )
        import_id = connection.execute(
            insert(source_imports)
            .values(
                source=SOURCE,
                table_name=TABLE,
                period_start=year.period_start,
                period_end=year.period_end,
                file_name=file_name,
                file_hash=digest,
                row_count=rows.height,
                status="current",
                imported_by=imported_by,
                imported_at=datetime.now(UTC),
            )
            .returning(imports.id)
        ).scalar_one()
        if current is not None:
            connection.execute(
                update(source_imports)
                .where(imports.id == current.id)
                .values(superseded_by=import_id)
            )
        insert_frame(
            connection,
            housing_landlord_measures,
            rows.select(pl.lit(import_id).alias("import_id"), pl.all()),
        )
        record_audit_entry(
            connection,
            actor=imported_by,
            action="replaced" if current is not None else "loaded",
            entity=AUDIT_ENTITY,
            entity_id=import_id,
            detail={
                "source": SOURCE,
                "year": year.label,
                "file_name": file_name,
                "rows": rows.height,
            },
        )
    return ("replaced" if current is not None else "loaded"), import_id


def read_landlord_measures(engine: Engine) -> pl.DataFrame:
    """Every landlord's figures from the current import of each year, typed as the
    standard declares them."""
    measures, imports = housing_landlord_measures.c, source_imports.c
    schema = polars_schema(load_standard().table(TABLE))
    query = (
        select(*(measures[name] for name in schema))
        .join_from(housing_landlord_measures, source_imports, measures.import_id == imports.id)
        .where(imports.status == "current")
        .order_by(measures.period_start, measures.landlord_code, measures.tenure_basis)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    return pl.DataFrame([tuple(row) for row in rows], schema=schema, orient="row")
