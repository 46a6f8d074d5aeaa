"""Governance signals: a council whose complaints return for a quarter was not in on time.

A quarter's return is any complaints or aggregate return (current or since replaced)
whose period covers the whole quarter and that was submitted after the quarter ended.
It is due RETURN_DUE_DAYS after the quarter's end. Only submitted_at can tell when a
return arrived, so this is the one signal that reads it: submissions made after AS_OF are
ignored. Returns are expected from the day the store received its first return:
quarters due before then are history loaded in bulk, which cannot have been late.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.core.periods import quarter_bounds, quarter_label
from scrutiny.reference.authorities import current_codes
from scrutiny.standard import COUNCIL_TABLES
from scrutiny.store.db import as_utc, submissions
from scrutiny.store.read import read_frame
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs
from scrutiny.warning.signals.rows import frame

# An assumption, not a statutory deadline: a quarterly return is due a month after the
# quarter ends, as the LGSCO's and Housing Ombudsman's annual returns allow weeks, not days.
RETURN_DUE_DAYS = 30


def read_submissions(engine: Engine, as_of: date) -> pl.DataFrame:
    """Every submission of complaint data (current or replaced) made on or before AS_OF."""
    rows = read_frame(
        engine,
        select(
            submissions.c.authority_code,
            submissions.c.table_name,
            submissions.c.period_start,
            submissions.c.period_end,
            submissions.c.submitted_at,
        ),
    )
    if rows.is_empty():
        return rows
    submitted = [as_utc(moment).date() for moment in rows["submitted_at"]]
    return rows.with_columns(pl.Series("submitted_on", submitted, dtype=pl.Date)).filter(
        pl.col("submitted_on") <= as_of
    )


def return_signals(submitted: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """return_overdue: each council and quarter, due since the store began, with no return."""
    # Only councils' complaint returns count, for when returns began too: recommendations
    # agreed at the draft stage are stored as submissions of their own, on their day.
    returns = (
        submitted.filter(pl.col("table_name").is_in(COUNCIL_TABLES))
        if len(submitted)
        else submitted
    )
    if returns.is_empty():
        return frame([])
    began = returns["submitted_on"].min()
    assert isinstance(began, date)
    quarters = _quarters_due(began, as_of)
    if not quarters:
        return frame([])
    expected = pl.DataFrame(
        {"authority_code": current_codes().to_list()}, schema={"authority_code": pl.String}
    ).join(pl.DataFrame(quarters, schema=["q_start", "q_end"], orient="row"), how="cross")
    due = pl.col("q_end") + pl.duration(days=RETURN_DUE_DAYS)
    arrivals = (
        expected.join(returns, on="authority_code")
        .filter(
            (pl.col("period_start") <= pl.col("q_start"))
            & (pl.col("period_end") >= pl.col("q_end"))
            & (pl.col("submitted_on") > pl.col("q_end"))
        )
        .group_by("authority_code", "q_start")
        .agg(pl.col("submitted_on").min().alias("arrived"))
    )
    late = (
        expected.join(arrivals, on=["authority_code", "q_start"], how="left")
        .with_columns(due.alias("due"))
        .filter(pl.col("arrived").is_null() | (pl.col("arrived") > pl.col("due")))
    )
    return frame([_signal(row) for row in late.iter_rows(named=True)])


def _quarters_due(began: date, as_of: date) -> list[tuple[date, date]]:
    """Quarters whose return fell due from BEGAN to AS_OF."""
    found = []
    start, end = quarter_bounds(began - timedelta(days=RETURN_DUE_DAYS))
    while end + timedelta(days=RETURN_DUE_DAYS) <= as_of:
        if end + timedelta(days=RETURN_DUE_DAYS) >= began:
            found.append((start, end))
        start, end = quarter_bounds(end + timedelta(days=1))
    return found


def _signal(row: dict[str, Any]) -> dict[str, Any]:
    label = quarter_label(row["q_start"])
    arrived = row["arrived"]
    sentence = f"The complaints return for {label} was due by {row['due']:%-d %B %Y} and " + (
        f"arrived late, on {arrived:%-d %B %Y}." if arrived else "has not arrived."
    )
    return {
        "authority_code": row["authority_code"],
        "period_start": row["q_start"],
        "period_end": row["q_end"],
        "signal": "return_overdue",
        "severity": 1 if arrived else 2,
        "sentence": sentence,
        "evidence": {
            "due": row["due"].isoformat(),
            "arrived": arrived.isoformat() if arrived else None,
            "rule": f"a complaints return covering the quarter, due {RETURN_DUE_DAYS} days "
            "after it ends, by the date it was submitted",
        },
    }


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return return_signals(read_submissions(inputs.engine, inputs.as_of), inputs.as_of)


RETURNS = Detector(
    f"Complaints returns by the date they were submitted, due {RETURN_DUE_DAYS} days after "
    "each quarter",
    _detect,
)
