"""Stored submissions: the rows of the submissions table, read back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine, select
from sqlalchemy.engine import RowMapping

from scrutiny.store.db import as_utc, submissions


@dataclass(frozen=True)
class Submission:
    """One row of the submissions table."""

    id: int
    authority_code: str
    table_name: str
    period_start: date
    period_end: date
    file_name: str
    file_hash: str
    row_count: int
    warning_count: int
    status: str
    superseded_by: int | None
    submitted_by: str
    submitted_at: datetime
    data_source: str = "council_return"


def row_submission(row: RowMapping) -> Submission:
    """A row of the submissions table as a Submission."""
    return Submission(**{**row, "submitted_at": as_utc(row["submitted_at"])})


def list_submissions(
    engine: Engine, authority_code: str | None = None, table_name: str | None = None
) -> list[Submission]:
    """Submissions, newest first, optionally for one authority and one table."""
    query = select(submissions).order_by(submissions.c.submitted_at.desc(), submissions.c.id.desc())
    if authority_code is not None:
        query = query.where(submissions.c.authority_code == authority_code)
    if table_name is not None:
        query = query.where(submissions.c.table_name == table_name)
    with engine.connect() as connection:
        return [row_submission(row._mapping) for row in connection.execute(query)]


def current_data_sources(engine: Engine) -> set[str]:
    """The data_source of every current submission (to say when any is synthetic)."""
    query = select(submissions.c.data_source).where(submissions.c.status == "current").distinct()
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())
