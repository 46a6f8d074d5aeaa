"""Submitting a return: read the file, validate it, and store it only if it has no errors.

This is the whole import path, files -> validation -> store, in one call that the command
line and the web upload share. A council sending its own return (on the web or through the
API) goes through submit_council_return, which adds the policy for files from a council:
a size limit, a clean file name, only the tables councils send and only the council's own
rows.
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.errors import Refused
from scrutiny.core.formatting import file_size
from scrutiny.returns.ingest import read_file
from scrutiny.returns.mapping import Mapping
from scrutiny.returns.return_period import ReturnPeriod, declared_period, fit_period
from scrutiny.returns.submissions import (
    PlannedSubmission,
    SavedSubmission,
    plan_submission,
    save_submission,
)
from scrutiny.returns.validation import Report, validate
from scrutiny.settings import Settings
from scrutiny.standard import COUNCIL_TABLES
from scrutiny.standard.rules import ROW

logger = logging.getLogger(__name__)

UPLOAD_CHUNK = 1024 * 1024
SHOWN = 5  # other councils and rows named in the refusal; the issues list every row


@dataclass
class SubmittedReturn:
    """What happened to a file: its validation report and, if it was valid, what was stored."""

    report: Report
    saved: list[SavedSubmission] = field(default_factory=list)
    period: ReturnPeriod | None = None  # None when the file was not valid
    plan: list[PlannedSubmission] = field(default_factory=list)  # worked out before storing

    @property
    def stored(self) -> bool:
        """True when the file passed validation and went to the store."""
        return self.report.valid


def submit_return(
    path: Path,
    settings: Settings,
    engine: Engine,
    *,
    submitted_by: str,
    table_name: str | None = None,
    mapping: Mapping | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    period: str | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    replace: bool = False,
    dry_run: bool = False,
    today: date | None = None,
    on_validated: Callable[[Report], None] | None = None,
    progress: Callable[[int], None] | None = None,
    data_source: str = "council_return",
) -> SubmittedReturn:
    """Validate PATH and, when it has no errors, store all of it in one transaction.

    The return is for PERIOD ('2025-26 Q1'; or PERIOD_START to PERIOD_END), else for the
    smallest month, quarter or financial year holding its dates; a row dated outside it is
    an error (scrutiny.returns.return_period). A file with any error stores nothing.
    REPLACE says to replace a stored return for the same period: without it such a file
    raises ReplaceNotConfirmed and nothing changes. DRY_RUN validates and works out what
    would be stored and replaced (the result's plan) without storing. SHEET and
    HEADER_ROW say where the return is in the file (see scrutiny.returns.ingest.read_file).

    Raises FileUnreadable when the file cannot be read, ValueError (Invalid) for a period
    that is not one, and SubmissionError when valid rows clash with what is stored.
    """
    started = time.perf_counter()
    declared = declared_period(period, period_start, period_end)
    raw = read_file(
        path, settings, table_name=table_name, mapping=mapping, sheet=sheet, header_row=header_row
    )
    report = validate(raw, today)
    report, fitted = fit_period(report, declared) if report.valid else (report, None)
    if on_validated:
        on_validated(report)
    if not report.valid:
        # Counts only: the issues quote the file's values, which may be personal.
        logger.info(
            "return not stored: %d errors",
            report.errors,
            extra={
                "table": report.table.name,
                "rows": report.rows,
                "errors": report.errors,
                "warnings": report.warnings,
                "duration_ms": _ms_since(started),
            },
        )
        return SubmittedReturn(report)
    if fitted is None:  # no dated rows: nothing to store
        return SubmittedReturn(report)
    frame = report.typed.drop(ROW)
    plan = plan_submission(
        engine,
        table_name=report.table.name,
        frame=frame,
        file_hash=raw.file_hash,
        period_start=fitted.start,
        period_end=fitted.end,
    )
    if dry_run:
        return SubmittedReturn(report, period=fitted, plan=plan)
    saved = save_submission(
        engine,
        table_name=report.table.name,
        frame=frame,
        file_name=raw.file_name,
        file_hash=raw.file_hash,
        submitted_by=submitted_by,
        period_start=fitted.start,
        period_end=fitted.end,
        warning_count=report.warnings,
        progress=progress,
        replace=replace,
        data_source=data_source,
    )
    for one in saved:
        logger.info(
            "submission %d %s: %s %s, %d rows",
            one.submission_id,
            one.outcome,
            one.authority_code,
            report.table.name,
            one.rows,
            extra={
                "authority": one.authority_code,
                "table": report.table.name,
                "rows": one.rows,
                "submission_id": one.submission_id,
                "outcome": one.outcome,
                "duration_ms": _ms_since(started),
            },
        )
    return SubmittedReturn(report, saved, period=fitted, plan=plan)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


class ReturnRefused(Refused):
    """A file its sender may not send, whatever its quality; nothing was stored.

    The message says why in one sentence; ISSUES has one entry per offending row (or one
    for the whole file) in the validation report's shape, RULE is their rule (file_size,
    council_table or token_authority), and REPORT is the validation report when the file
    got that far.
    """

    def __init__(
        self, message: str, issues: list[dict[str, Any]], report: Report | None = None
    ) -> None:
        super().__init__(message)
        self.issues = issues
        self.rule: str = issues[0]["rule"]
        self.report = report


def safe_file_name(name: str | None) -> str:
    """The uploaded file's own name, kept for the history, without any path or odd bytes."""
    base = Path((name or "").replace("\\", "/")).name
    cleaned = re.sub(r"[^A-Za-z0-9._ ()-]", "_", base).strip(" .")[:100]
    return cleaned or "return.csv"


def other_councils_rows(report: Report, code: str) -> pl.DataFrame:
    """REPORT's rows that name a council other than CODE."""
    return report.typed.filter(
        pl.col("authority_code").is_not_null() & (pl.col("authority_code") != code)
    )


def _file_issue(rule: str, message: str, fix: str, value: str | None = None) -> dict[str, Any]:
    return {
        "row": None,
        "column": None,
        "value": value,
        "severity": "error",
        "rule": rule,
        "message": message,
        "fix": fix,
    }


def check_council_file(
    report: Report, code: str, council_tables: Collection[str] = COUNCIL_TABLES
) -> None:
    """Refuse a table councils do not send, or any row for a council other than CODE."""
    if report.table.name not in council_tables:
        message = (
            f"This file is {report.table.title.lower()}, which comes from the Ombudsman. "
            "Councils send complaints or aggregate returns."
        )
        fix = f"Send a {' or '.join(council_tables)} file."
        # Rule names are the API's published ones.
        issue = _file_issue("council_table", message, fix, report.table.name)
        raise ReturnRefused(message, [issue], report)
    found = other_councils_rows(report, code)
    if found.height:
        others = ", ".join(sorted(set(found["authority_code"].to_list()))[:SHOWN])
        rows = ", ".join(str(r) for r in found[ROW].head(SHOWN).to_list())
        message = (
            f"This file has {found.height:,} rows for other councils ({others}; "
            f"rows {rows}{' …' if found.height > SHOWN else ''}). You can only send "
            f"returns for {code}: take those rows out and upload it again."
        )
        issues = [
            {
                "row": row[ROW],
                "column": "authority_code",
                "value": row["authority_code"],
                "severity": "error",
                "rule": "token_authority",
                "message": f"This row is for {row['authority_code']}, but the return is for"
                f" {code}.",
                "fix": f"Send only {code}'s rows.",
            }
            for row in found.iter_rows(named=True)
        ]
        raise ReturnRefused(message, issues, report)


def _copy_within(upload: IO[bytes], path: Path, limit: int) -> None:
    """Copy UPLOAD to PATH, refusing it as soon as it is larger than LIMIT bytes."""
    written = 0
    with path.open("wb") as out:
        while chunk := upload.read(UPLOAD_CHUNK):
            written += len(chunk)
            if written > limit:
                raise _too_large(limit)
            out.write(chunk)


def _too_large(limit: int) -> ReturnRefused:
    message = f"The file must be smaller than {file_size(limit)}: split it, for example by year"
    fix = "Split the file, for example by year, and send each part."
    return ReturnRefused(message, [_file_issue("file_size", message, fix)])


def keep_upload(upload: IO[bytes], directory: Path, file_name: str | None, limit: int) -> Path:
    """Copy UPLOAD into DIRECTORY under its cleaned FILE_NAME; refused beyond LIMIT bytes."""
    path = directory / safe_file_name(file_name)
    _copy_within(upload, path, limit)
    return path


def submit_council_return(
    upload: IO[bytes] | Path,
    file_name: str | None,
    authority_code: str,
    settings: Settings,
    engine: Engine,
    *,
    submitted_by: str,
    council_tables: Collection[str] = COUNCIL_TABLES,
    table_name: str | None = None,
    mapping: Mapping | None = None,
    period: str | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> SubmittedReturn:
    """Submit a council's own return from an upload, with the policy for council files.

    UPLOAD is the uploaded stream, or a file keep_upload kept (checked once, stored after
    its sender confirmed). The file is refused (ReturnRefused, nothing stored) when it is
    larger than the max_file_bytes setting, is not one of COUNCIL_TABLES (the tables
    councils send) or has any row for a council other than AUTHORITY_CODE. Otherwise as
    submit_return, with MAPPING, PERIOD, REPLACE and DRY_RUN.
    """
    options: dict[str, Any] = {
        "submitted_by": submitted_by,
        "table_name": table_name,
        "mapping": mapping,
        "period": period,
        "replace": replace,
        "dry_run": dry_run,
        "on_validated": lambda report: check_council_file(report, authority_code, council_tables),
    }
    if isinstance(upload, Path):
        if upload.stat().st_size > settings.max_file_bytes:
            raise _too_large(settings.max_file_bytes)
        return submit_return(upload, settings, engine, **options)
    with tempfile.TemporaryDirectory(prefix="scrutiny-upload-") as directory:
        path = keep_upload(upload, Path(directory), file_name, settings.max_file_bytes)
        return submit_return(path, settings, engine, **options)
