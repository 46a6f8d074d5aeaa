"""Submissions: storing a validated file's rows, one submission per authority and period.

A file may hold rows for several authorities (the Ombudsman's national files do). Each
authority's rows become one submission for a period: by default the whole financial years
(1 April to 31 March) that its dates span. Every submission from one file is stored in one
transaction, so either the whole file is stored or none of it is.

Sending the same file again for the same authority, table and period changes nothing.
Sending a different one for exactly the same period replaces the earlier submission, but
only when the sender says so (replace=True): its rows are deleted, its `submissions` row
is kept with status 'superseded', and the audit log says who did what. Otherwise the file
is refused with ReplaceNotConfirmed, naming what it would replace, and nothing changes.
A return for another period (the next quarter) never touches this one's rows.
Rows whose key is already stored by another current submission (say, the same complaint
under a different period) are refused, naming that submission.
"""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal

import polars as pl
from sqlalchemy import (
    Engine,
    UniqueConstraint,
    bindparam,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Connection

from scrutiny.core.errors import Invalid
from scrutiny.core.periods import period_bounds
from scrutiny.returns.aggregates import aggregate_complaints
from scrutiny.returns.replacing import PlannedSubmission as PlannedSubmission
from scrutiny.returns.replacing import ReplaceNotConfirmed as ReplaceNotConfirmed
from scrutiny.returns.replacing import replace_message
from scrutiny.returns.return_period import DATE_FIELDS
from scrutiny.returns.stored import Submission as Submission
from scrutiny.returns.stored import list_submissions as list_submissions
from scrutiny.returns.stored import row_submission
from scrutiny.standard import load_standard, polars_schema
from scrutiny.standard.model import Table as StandardTable
from scrutiny.store.audit import record_audit_entries
from scrutiny.store.bulk import Progress, insert_frame
from scrutiny.store.clashes import find_clashes
from scrutiny.store.db import DATA_TABLES, complaint_counts, submissions, transaction

Outcome = Literal["loaded", "replaced", "unchanged"]
AUDIT_ENTITY = "submission"  # what the audit log calls a submission


class SubmissionError(Invalid, ValueError):
    """The rows cannot be stored as they are; nothing was stored."""


class SubmissionClash(SubmissionError):
    """Rows repeat keys already stored by other current submissions; nothing was stored."""

    def __init__(self, message: str, earlier_submission_ids: list[int]) -> None:
        super().__init__(message)
        self.earlier_submission_ids = earlier_submission_ids


@dataclass(frozen=True)
class SavedSubmission:
    """What happened to one authority's rows from a file."""

    authority_code: str
    submission_id: int
    rows: int  # rows stored now: 0 when unchanged
    outcome: Outcome
    period_start: date
    period_end: date
    replaced_submission_id: int | None = None


@dataclass(frozen=True)
class _Group:
    """One authority's rows in the file, and the current submission they would replace."""

    authority_code: str
    rows: int
    period_start: date
    period_end: date
    earlier: Submission | None


def save_submission(
    engine: Engine,
    *,
    table_name: str,
    frame: pl.DataFrame,
    file_name: str,
    file_hash: str,
    submitted_by: str,
    period_start: date | None = None,
    period_end: date | None = None,
    warning_count: int | Mapping[str, int] = 0,
    progress: Progress | None = None,
    replace: bool = True,
    data_source: str = "council_return",
) -> list[SavedSubmission]:
    """Store a validated, typed frame of one table: one submission per authority, atomically.

    WARNING_COUNT is the file's count, recorded on each of its submissions, or a count per
    authority code. PROGRESS, if given, is called with the rows stored so far. With
    REPLACE false, a file that would replace a stored submission raises
    ReplaceNotConfirmed (checked inside the write transaction, so a return stored a moment
    earlier by someone else is never replaced unseen). DATA_SOURCE is one of the
    standard's data_source codes: "synthetic" marks demo data as such everywhere.
    """
    sources = load_standard().code_lists["data_source"].values()
    if data_source not in sources:
        raise ValueError(f"data_source must be one of {', '.join(sources)}")
    spec = load_standard().table(table_name)
    frame = _conformed(frame, spec)
    if frame.is_empty():
        return []
    periods = _periods(frame, table_name, period_start, period_end)
    # Complaints are counted up per period (scrutiny.returns.aggregates, about 0.7 s a
    # million rows) in a second thread while the rows are written: polars counts without
    # the GIL, so the counts are ready by the time the rows are stored.
    pool = ThreadPoolExecutor(max_workers=1)
    counting = (
        pool.submit(aggregate_complaints, frame, datetime.now(UTC).date())
        if table_name == "complaints"
        else None
    )
    with pool, transaction(engine) as connection:
        _lock_authorities(connection, periods["authority_code"].to_list())
        current = _current_submissions(connection, table_name)
        groups = [
            _Group(authority, rows, start, end, current.get((authority, start, end)))
            for authority, rows, start, end in periods.iter_rows()
        ]
        changed = [g for g in groups if g.earlier is None or g.earlier.file_hash != file_hash]
        if not replace and any(g.earlier is not None for g in changed):
            plan = [_planned(g, file_hash) for g in groups]
            raise ReplaceNotConfirmed(replace_message(plan, spec.title), plan, spec.title)
        results = [
            SavedSubmission(g.authority_code, g.earlier.id, 0, "unchanged", *_period(g))
            for g in groups
            if g.earlier is not None and g not in changed
        ]
        if not changed:
            return results
        _withdraw(connection, table_name, [g.earlier.id for g in changed if g.earlier])
        common = {
            "table_name": table_name,
            "file_name": file_name,
            "file_hash": file_hash,
            "submitted_by": submitted_by,
            "submitted_at": datetime.now(UTC),  # after the locks: later imports, later times
            "data_source": data_source,
        }
        ids = _open_submissions(connection, changed, common, warning_count)
        loading = frame.filter(pl.col("authority_code").is_in(list(ids))).select(
            pl.col("authority_code")
            .replace_strict(ids, return_dtype=pl.Int64)
            .alias("submission_id"),
            pl.all(),
        )
        _insert_rows(connection, table_name, spec, loading, progress)
        if counting is not None:
            counts = counting.result()
            owners = pl.DataFrame(
                {"authority_code": list(ids), "submission_id": list(ids.values())},
                schema={"authority_code": pl.String, "submission_id": pl.Int64},
            )
            insert_frame(connection, complaint_counts, counts.join(owners, on="authority_code"))
        results += _record_history(connection, changed, ids, common)
    return sorted(results, key=lambda saved: saved.authority_code)


def plan_submission(
    engine: Engine,
    *,
    table_name: str,
    frame: pl.DataFrame,
    file_hash: str,
    period_start: date | None = None,
    period_end: date | None = None,
) -> list[PlannedSubmission]:
    """What save_submission would do with FRAME, without storing anything."""
    periods = _periods(frame, table_name, period_start, period_end)
    with engine.connect() as connection:
        current = _current_submissions(connection, table_name)
    return [
        _planned(_Group(code, rows, start, end, current.get((code, start, end))), file_hash)
        for code, rows, start, end in periods.iter_rows()
    ]


def _planned(group: _Group, file_hash: str) -> PlannedSubmission:
    earlier = group.earlier
    return PlannedSubmission(
        group.authority_code,
        group.rows,
        group.period_start,
        group.period_end,
        earlier,
        unchanged=earlier is not None and earlier.file_hash == file_hash,
    )


def _period(group: _Group) -> tuple[date, date]:
    return group.period_start, group.period_end


def _open_submissions(
    connection: Connection,
    groups: list[_Group],
    common: dict[str, Any],
    warning_count: int | Mapping[str, int],
) -> dict[str, int]:
    """Add a current submissions row for each group; returns their ids by authority code."""
    rows = [
        {
            **common,
            "authority_code": group.authority_code,
            "period_start": group.period_start,
            "period_end": group.period_end,
            "row_count": group.rows,
            "warning_count": (
                warning_count.get(group.authority_code, 0)
                if isinstance(warning_count, Mapping)
                else warning_count
            ),
            "status": "current",
        }
        for group in groups
    ]
    statement = insert(submissions).returning(
        submissions.c.authority_code, submissions.c.id, sort_by_parameter_order=True
    )
    return {code: int(new_id) for code, new_id in connection.execute(statement, rows)}


def _record_history(
    connection: Connection, groups: list[_Group], ids: dict[str, int], common: dict[str, Any]
) -> list[SavedSubmission]:
    """Point replaced submissions at their successors and write the audit entries."""
    audit = {"actor": common["submitted_by"], "entity": AUDIT_ENTITY, "at": common["submitted_at"]}
    entries: list[dict[str, Any]] = []
    successors: list[dict[str, int]] = []
    saved = []
    for group in groups:
        new_id, earlier = ids[group.authority_code], group.earlier
        detail: dict[str, Any] = {
            "authority_code": group.authority_code,
            "table_name": common["table_name"],
            "period_start": group.period_start.isoformat(),
            "period_end": group.period_end.isoformat(),
            "file_name": common["file_name"],
            "file_hash": common["file_hash"],
            "rows": group.rows,
        }
        if earlier is not None:
            successors.append({"old": earlier.id, "new": new_id})
            entries.append(
                {
                    **audit,
                    "action": "superseded",
                    "entity_id": earlier.id,
                    "detail": {"superseded_by": new_id, "rows_deleted": earlier.row_count},
                }
            )
            detail["replaces"] = earlier.id
        outcome: Outcome = "loaded" if earlier is None else "replaced"
        entries.append({**audit, "action": outcome, "entity_id": new_id, "detail": detail})
        saved.append(
            SavedSubmission(
                group.authority_code,
                new_id,
                group.rows,
                outcome,
                *_period(group),
                replaced_submission_id=earlier.id if earlier else None,
            )
        )
    if successors:
        connection.execute(
            update(submissions)
            .where(submissions.c.id == bindparam("old"))
            .values(superseded_by=bindparam("new")),
            successors,
        )
    record_audit_entries(connection, entries)
    return saved


def _conformed(frame: pl.DataFrame, spec: StandardTable) -> pl.DataFrame:
    """FRAME's standard columns in declared order, after checking names, types and keys."""
    schema = polars_schema(spec)
    missing = [name for name in schema if name not in frame.columns]
    if missing:
        raise ValueError(f"the {spec.name} frame lacks columns {missing}")
    frame = frame.select(
        pl.col(name).cast(dtype) if frame.schema[name] == pl.Null else pl.col(name)
        for name, dtype in schema.items()
    )
    wrong = [
        f"{name} is {frame.schema[name]}, not {dtype}"
        for name, dtype in schema.items()
        if frame.schema[name] != dtype
    ]
    if wrong:
        raise ValueError(f"the {spec.name} frame has wrong types: {'; '.join(wrong)}")
    required = [f.name for f in spec.fields if f.required]
    nulls = frame.select(pl.col(required).null_count()).row(0, named=True)
    blank = [name for name, count in nulls.items() if count]
    if blank:
        raise SubmissionError(f"required columns have blank values: {', '.join(blank)}")
    return frame


def _refuse_repeats(keys: pl.DataFrame) -> None:
    """Refuse a file whose rows repeat a key (validation should have said so already)."""
    repeated = keys.filter(keys.is_duplicated())
    if repeated.height:
        raise SubmissionError(
            f"{repeated.height} rows repeat a key ({', '.join(keys.columns)}) within the "
            f"file, e.g. {_describe(repeated.row(0, named=True))}; nothing was stored"
        )


def _periods(
    frame: pl.DataFrame, table_name: str, start: date | None, end: date | None
) -> pl.DataFrame:
    """authority_code, rows, period_start, period_end for each authority in FRAME."""
    first, last = DATE_FIELDS[table_name]
    if start is not None and end is not None and start > end:
        raise SubmissionError(f"the period starts ({start}) after it ends ({end})")
    outside = pl.lit(False)
    if start is not None:
        outside = outside | (pl.col(first) < start)
    if end is not None:
        outside = outside | (pl.col(last) > end)
    stray = frame.filter(outside)
    if stray.height:
        row = stray.row(0, named=True)
        dates = row[first] if first == last else f"{row[first]} to {row[last]}"
        raise SubmissionError(
            f"{stray.height} rows fall outside the period {start or '…'} to {end or '…'}, "
            f"e.g. {row['authority_code']} {first if first == last else 'period'} {dates}; "
            "nothing was stored"
        )
    starts, _ = period_bounds(pl.col(first).min(), "financial_year")
    _, ends = period_bounds(pl.col(last).max(), "financial_year")
    return (
        frame.group_by("authority_code")
        .agg(
            pl.len().alias("rows"),
            (pl.lit(start) if start else starts).alias("period_start"),
            (pl.lit(end) if end else ends).alias("period_end"),
        )
        .sort("authority_code")
    )


def _lock_authorities(connection: Connection, authorities: list[str]) -> None:
    """Make imports for the same authorities queue up (SQLite's BEGIN IMMEDIATE already does)."""
    if connection.dialect.name != "postgresql":
        return
    # Sorted, so two imports of overlapping authorities cannot deadlock; psycopg sends the
    # statements in one pipeline, a round trip for all (300 councils: 0.1 to 0.5 s before).
    keys = [(f"scrutiny.returns.submissions:{authority}",) for authority in sorted(authorities)]
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor:
        cursor.executemany("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", keys)


def _current_submissions(
    connection: Connection, table_name: str
) -> dict[tuple[str, date, date], Submission]:
    query = select(submissions).where(
        submissions.c.table_name == table_name, submissions.c.status == "current"
    )
    found = [row_submission(row._mapping) for row in connection.execute(query)]
    return {(s.authority_code, s.period_start, s.period_end): s for s in found}


def _withdraw(connection: Connection, table_name: str, submission_ids: list[int]) -> None:
    """Delete the rows of submissions being replaced and mark them superseded."""
    if not submission_ids:
        return
    data = DATA_TABLES[table_name]
    connection.execute(delete(data).where(data.c.submission_id.in_(submission_ids)))
    if table_name == "complaints":
        connection.execute(
            delete(complaint_counts).where(complaint_counts.c.submission_id.in_(submission_ids))
        )
    connection.execute(
        update(submissions).where(submissions.c.id.in_(submission_ids)).values(status="superseded")
    )


def _insert_rows(
    connection: Connection,
    table_name: str,
    spec: StandardTable,
    frame: pl.DataFrame,
    progress: Progress | None,
) -> None:
    """Insert FRAME, refusing rows whose key another current submission already stored."""
    data = DATA_TABLES[table_name]
    key = list(spec.primary_key)
    # Rows in key order fill the unique index from left to right instead of at random:
    # a million complaint rows load about 40% faster into SQLite this way.
    frame = frame.sort(key, nulls_last=True)
    constrained = any(
        isinstance(constraint, UniqueConstraint)
        and {column.name for column in constraint.columns} == set(key)
        for constraint in data.constraints
    )
    if not constrained:
        # No unique constraint can hold a key with optional parts: check first.
        _refuse_repeats(frame.select(key))
        _refuse_clashes(connection, table_name, frame.select(key))
        insert_frame(connection, data, frame, progress=progress)
        return
    # The unique constraint guards the key, so look for the culprit only when it objects
    # (checking a million keys up front costs 0.2 to 0.9 s).
    integrity_errors = (connection.dialect.loaded_dbapi.IntegrityError,)
    try:
        with connection.begin_nested():
            insert_frame(connection, data, frame, progress=progress)
    except integrity_errors:
        _refuse_repeats(frame.select(key))
        _refuse_clashes(connection, table_name, frame.select(key))
        raise


def _refuse_clashes(connection: Connection, table_name: str, keys: pl.DataFrame) -> None:
    clashes = find_clashes(connection, DATA_TABLES[table_name], keys)
    if not clashes:
        return
    ids = [clash.submission_id for clash in clashes]
    rows = connection.execute(select(submissions).where(submissions.c.id.in_(ids)))
    earlier = {s.id: s for s in (row_submission(row._mapping) for row in rows)}
    parts = [
        f"{clash.rows} rows clash with submission {clash.submission_id} "
        f"({_about(earlier[clash.submission_id])}), e.g. {_describe(clash.example)}"
        for clash in clashes
    ]
    raise SubmissionClash(
        f"{'; '.join(parts)}. The same {', '.join(keys.columns)} is already stored by a "
        "current submission: replace that submission with a file for its own period, or "
        "take these rows out of this file. Nothing was stored.",
        ids,
    )


def _about(s: Submission) -> str:
    return (
        f"{s.authority_code} {s.table_name} {s.period_start} to {s.period_end}, "
        f"file {s.file_name!r} sent by {s.submitted_by} on {s.submitted_at:%Y-%m-%d %H:%M} UTC"
    )


def _describe(key: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} {value}" for name, value in key.items())
