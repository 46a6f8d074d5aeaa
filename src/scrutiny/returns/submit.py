"""Submitting a return: read the file, validate it, and store it only if it has no errors.

This is the whole import path, files -> validation -> store, in one call that the command
line and the web upload share.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from scrutiny.returns.ingest import read_file
from scrutiny.returns.submissions import SavedSubmission, save_submission
from scrutiny.returns.validation import Report, validate
from scrutiny.settings import Settings
from scrutiny.standard.rules import ROW


@dataclass
class SubmittedReturn:
    """What happened to a file: its validation report and, if it was valid, what was stored."""

    report: Report
    saved: list[SavedSubmission] = field(default_factory=list)

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
    mapping: dict[str, str] | None = None,
    period_start: date | None = None,
    period_end: date | None = None,
    today: date | None = None,
    on_validated: Callable[[Report], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> SubmittedReturn:
    """Validate PATH and, when it has no errors, store all of it in one transaction.

    A file with any error stores nothing. Raises FileUnreadable when the file cannot be
    read, and SubmissionError when valid rows clash with what is already stored.
    """
    raw = read_file(path, settings, table_name=table_name, mapping=mapping)
    report = validate(raw, today)
    if on_validated:
        on_validated(report)
    if not report.valid:
        return SubmittedReturn(report)
    saved = save_submission(
        engine,
        table_name=report.table.name,
        frame=report.typed.drop(ROW),
        file_name=raw.file_name,
        file_hash=raw.file_hash,
        submitted_by=submitted_by,
        period_start=period_start,
        period_end=period_end,
        warning_count=report.warnings,
        progress=progress,
    )
    return SubmittedReturn(report, saved)
