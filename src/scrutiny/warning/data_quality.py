"""National data quality: who has sent complaint returns for recent quarters, and how well.

A council has *submitted* for a financial quarter when a current complaints or aggregate
return of its covers the whole quarter (the rule scrutiny.warning.signals.late_returns uses for
arrival, without its timing: history loaded in bulk counts here). Which returns came in
late is that signal's business, so late_returns reads it rather than judging again.
Warnings are the validation warnings counted on each submission when it was stored.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine, func, select

from scrutiny.core.periods import last_complete_quarter, quarter_label
from scrutiny.reference.authorities import load_authorities
from scrutiny.standard import COUNCIL_TABLES
from scrutiny.store.db import aggregate_returns, complaints, submissions
from scrutiny.store.read import read_frame
from scrutiny.warning.signals.late_returns import read_submissions, return_signals

RECENT_QUARTERS = 4
COVERAGE_SCHEMA = {
    "quarter": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "authority_code": pl.String,
    "name": pl.String,
    "type": pl.String,
    "region": pl.String,
    "submitted": pl.Boolean,
    "submission_ids": pl.String,  # ";"-separated ids of the returns covering the quarter
    "warnings": pl.Int64,  # validation warnings on those returns
}


def data_end(engine: Engine) -> date | None:
    """The last day the stored complaint data speaks about (None when there is none)."""
    queries = [
        select(func.max(complaints.c.received_date)),
        select(func.max(complaints.c.responded_date)),
        select(func.max(aggregate_returns.c.period_end)),
    ]
    with engine.connect() as connection:
        found = [connection.execute(query).scalar() for query in queries]
    days = [day for day in found if isinstance(day, date)]
    return max(days) if days else None


def default_as_of(engine: Engine, today: date | None = None) -> date:
    """The day after the data ends: pages look at the latest data, not at an empty today."""
    end = data_end(engine)
    return end + timedelta(days=1) if end else today or date.today()


def recent_quarters(as_of: date, count: int = RECENT_QUARTERS) -> list[tuple[date, date]]:
    """The COUNT financial quarters that ended on or before AS_OF, newest first."""
    found: list[tuple[date, date]] = []
    day = as_of
    while len(found) < count:
        start, end = last_complete_quarter(day)
        found.append((start, end))
        day = start - timedelta(days=1)
    return found


def return_coverage(engine: Engine, as_of: date, count: int = RECENT_QUARTERS) -> pl.DataFrame:
    """One row per current council and recent quarter: was a complaints return submitted?"""
    councils = (
        load_authorities()
        .filter("current")
        .select(pl.col("gss_code").alias("authority_code"), "name", "type", "region")
    )
    quarters = pl.DataFrame(
        [(quarter_label(s), s, e) for s, e in recent_quarters(as_of, count)],
        schema={"quarter": pl.String, "period_start": pl.Date, "period_end": pl.Date},
        orient="row",
    )
    returns = _current_returns(engine)
    covering = (
        quarters.join(returns, how="cross")
        .filter((pl.col("from") <= pl.col("period_start")) & (pl.col("to") >= pl.col("period_end")))
        .group_by("period_start", "authority_code")
        .agg(
            pl.col("id").sort().cast(pl.String).str.join(";").alias("submission_ids"),
            pl.col("warning_count").sum().alias("warnings"),
        )
    )
    coverage = (
        quarters.join(councils, how="cross")
        .join(covering, on=["period_start", "authority_code"], how="left")
        .with_columns(
            pl.col("submission_ids").is_not_null().alias("submitted"),
            pl.col("warnings").fill_null(0).cast(pl.Int64),
        )
    )
    return coverage.sort(["period_start", "name"], descending=[True, False]).select(
        list(COVERAGE_SCHEMA)
    )


def missing_returns(coverage: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The councils with no return, by quarter label (newest quarter first)."""
    missing = coverage.filter(~pl.col("submitted"))
    labels = coverage.get_column("quarter").unique(maintain_order=True).to_list()
    return {label: missing.filter(pl.col("quarter") == label) for label in labels}


def late_returns(engine: Engine, today: date | None = None) -> pl.DataFrame:
    """Returns overdue as things stand on TODAY: the return_overdue signal, newest first."""
    today = today or date.today()
    signals = return_signals(read_submissions(engine, today), today)
    names = load_authorities().select(pl.col("gss_code").alias("authority_code"), "name")
    return (
        signals.join(names, on="authority_code", how="left")
        .with_columns(
            pl.col("period_start")
            .map_elements(quarter_label, return_dtype=pl.String)
            .alias("quarter"),
            pl.when(pl.col("severity") == 2)
            .then(pl.lit("not arrived"))
            .otherwise(pl.lit("arrived late"))
            .alias("status"),
        )
        .sort(["period_start", "name"], descending=[True, False])
        .select("quarter", "authority_code", "name", "status", "sentence")
    )


def submission_warnings(engine: Engine) -> pl.DataFrame:
    """Current submissions (of any table) with validation warnings, newest first."""
    query = (
        select(
            submissions.c.id,
            submissions.c.authority_code,
            submissions.c.table_name,
            submissions.c.period_start,
            submissions.c.period_end,
            submissions.c.file_name,
            submissions.c.row_count,
            submissions.c.warning_count,
            submissions.c.submitted_at,
        )
        .where(submissions.c.status == "current", submissions.c.warning_count > 0)
        .order_by(submissions.c.submitted_at.desc(), submissions.c.id.desc())
    )
    found = read_frame(engine, query)
    if found.is_empty():
        return pl.DataFrame(schema=[*found.columns, "name"])
    names = load_authorities().select(pl.col("gss_code").alias("authority_code"), "name")
    return found.join(names, on="authority_code", how="left", maintain_order="left")


def warning_totals(engine: Engine) -> dict[str, int]:
    """How many current submissions there are, how many carry warnings, and the warnings."""
    query = select(
        func.count(),
        func.count().filter(submissions.c.warning_count > 0),
        func.coalesce(func.sum(submissions.c.warning_count), 0),
    ).where(submissions.c.status == "current")
    with engine.connect() as connection:
        total, warned, warnings = connection.execute(query).one()
    return {"submissions": int(total), "with_warnings": int(warned), "warnings": int(warnings)}


def _current_returns(engine: Engine) -> pl.DataFrame:
    query = select(
        submissions.c.id,
        submissions.c.authority_code,
        submissions.c.period_start.label("from"),
        submissions.c.period_end.label("to"),
        submissions.c.warning_count,
    ).where(submissions.c.status == "current", submissions.c.table_name.in_(COUNCIL_TABLES))
    # Cast, so that no returns at all is an empty frame of the right types.
    return read_frame(engine, query).cast(
        {
            "id": pl.Int64,
            "authority_code": pl.String,
            "from": pl.Date,
            "to": pl.Date,
            "warning_count": pl.Int64,
        }
    )
