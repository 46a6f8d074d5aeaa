"""Signals from the Ombudsmen: complaint-handling faults, public-interest reports, and
recommendations not complied with by their due date.

Decisions count in the quarter of their decision date. A recommendation counts in the
quarter of its due date, judged as it stood at that quarter's end: complied on time if it
was completed on or before its due date, otherwise missed (complied late, not complied,
or still outstanding when the quarter ended). Withdrawn recommendations are left out.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.core.periods import period_bounds, quarter_label
from scrutiny.recommendations import read_register
from scrutiny.store.db import DATA_TABLES
from scrutiny.store.read import read_frame
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs
from scrutiny.warning.signals.rows import frame

# As scrutiny.recommendations.repeat_patterns: the same kind of recommendation failed this
# many times is a repeated pattern. Counted over the year to each quarter's end.
REPEAT_THRESHOLD = 2
REPEAT_WINDOW = timedelta(days=365)


def read_decisions(engine: Engine, as_of: date, authority_code: str | None = None) -> pl.DataFrame:
    """Current Ombudsman decisions (LGSCO and Housing Ombudsman) dated on or before AS_OF
    (about AUTHORITY_CODE only, when given)."""
    table = DATA_TABLES["ombudsman_decisions"]
    query = select(
        table.c.authority_code,
        table.c.ombudsman,
        table.c.decision_ref,
        table.c.decision_date,
        table.c.complaint_handling_fault,
        table.c.public_interest_report,
    ).where(table.c.decision_date <= as_of)
    if authority_code is not None:
        query = query.where(table.c.authority_code == authority_code)
    rows = read_frame(engine, query)
    if rows.is_empty():
        return rows
    start, end = period_bounds(pl.col("decision_date"), "quarter")
    return rows.with_columns(start.alias("period_start"), end.alias("period_end"))


def decision_signals(decisions: pl.DataFrame) -> pl.DataFrame:
    """complaint_handling_fault and public_interest_report signals, one per council-quarter."""
    if decisions.is_empty():
        return frame([])
    found: list[dict[str, Any]] = []
    for column, signal in (
        ("complaint_handling_fault", "complaint_handling_fault"),
        ("public_interest_report", "public_interest_report"),
    ):
        counted = (
            decisions.filter(pl.col(column).fill_null(False))
            .group_by("authority_code", "period_start", "period_end")
            .agg(pl.col("decision_ref").unique().sort(), pl.col("ombudsman").unique().sort())
        )
        for row in counted.iter_rows(named=True):
            found.append(_decision_signal(row, signal))
    return frame(found)


def _decision_signal(row: dict[str, Any], signal: str) -> dict[str, Any]:
    refs = row["decision_ref"]
    label = quarter_label(row["period_start"])
    many = len(refs) > 1
    if signal == "public_interest_report":
        sentence = (
            f"The Ombudsman published {len(refs) if many else 'a'} public-interest "
            f"report{'s' if many else ''} about the council in {label} ({', '.join(refs)})."
        )
        severity = 2
    else:
        sentence = (
            f"The Ombudsman found fault in how the council handled the complaint in "
            f"{len(refs)} decision{'s' if many else ''} in {label} ({', '.join(refs[:5])}"
            f"{' and more' if len(refs) > 5 else ''})."
        )
        severity = 2 if many else 1
    return {
        "authority_code": row["authority_code"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "signal": signal,
        "severity": severity,
        "sentence": sentence,
        "evidence": {
            "decisions": refs,
            "ombudsman": row["ombudsman"],
            "rule": f"Ombudsman decisions with {signal.replace('_', ' ')}, by decision date",
        },
    }


def read_recommendations(
    engine: Engine, as_of: date, authority_code: str | None = None
) -> pl.DataFrame:
    """Recommendations agreed and due on or before AS_OF, each marked on time or missed
    (AUTHORITY_CODE's only, when given).

    Only dates decide: completed on or before the due date is on time; anything else due
    by AS_OF was missed by its due date, whatever happened to it afterwards.
    """
    register = read_register(engine, as_of, authority_code=authority_code)
    if register.is_empty():
        return register
    completed = pl.col("completed_date")
    on_time = (completed.is_not_null() & (completed <= pl.col("due_date"))) | (
        completed.is_null() & (pl.col("status") == "complied")
    )
    start, end = period_bounds(pl.col("due_date"), "quarter")
    return register.filter(
        (pl.col("agreed_date") <= as_of)
        & (pl.col("due_date") <= as_of)
        & (pl.col("status") != "withdrawn")
    ).select(
        "authority_code",
        "decision_ref",
        "recommendation_number",
        "kind",
        "due_date",
        start.alias("period_start"),
        end.alias("period_end"),
        (~on_time).alias("missed"),
    )


def recommendation_signals(recommendations: pl.DataFrame) -> pl.DataFrame:
    """recommendations_missed: recommendations due in a quarter and not complied with by then.

    Severity 1; 2 when the council missed the same kind of recommendation REPEAT_THRESHOLD
    times or more in the year to the quarter's end.
    """
    if recommendations.is_empty():
        return frame([])
    missed = recommendations.filter("missed")
    quarters = recommendations.group_by("authority_code", "period_start", "period_end").agg(
        pl.len().alias("due"), pl.col("missed").sum().alias("missed")
    )
    # Repeats of a kind over the year to each quarter's end: a join on council and kind,
    # then a date window (recommendations are few: tens of thousands in the demo).
    windowed = (
        quarters.filter(pl.col("missed") > 0)
        .join(missed.select("authority_code", "kind", "due_date"), on="authority_code")
        .filter(
            (pl.col("due_date") <= pl.col("period_end"))
            & (pl.col("due_date") > pl.col("period_end") - REPEAT_WINDOW)
        )
        .group_by("authority_code", "period_start", "kind")
        .agg(pl.len().alias("times"))
        .filter(pl.col("times") >= REPEAT_THRESHOLD)
        .group_by("authority_code", "period_start")
        # Most repeated first, then by kind: the sentence never depends on how rows grouped.
        .agg(
            pl.struct("kind", "times")
            .sort_by("times", "kind", descending=[True, False])
            .alias("repeated")
        )
    )
    refs = missed.group_by("authority_code", "period_start").agg(
        (pl.col("decision_ref") + " #" + pl.col("recommendation_number").cast(pl.String))
        .sort()
        .alias("recommendations")
    )
    rows = (
        quarters.filter(pl.col("missed") > 0)
        .join(refs, on=["authority_code", "period_start"])
        .join(windowed, on=["authority_code", "period_start"], how="left")
    )
    return frame([_recommendation_signal(row) for row in rows.iter_rows(named=True)])


def _recommendation_signal(row: dict[str, Any]) -> dict[str, Any]:
    repeated = row["repeated"] or []
    label = quarter_label(row["period_start"])
    sentence = (
        f"{row['missed']} of {row['due']} Ombudsman recommendations due in {label} "
        f"{'was' if row['missed'] == 1 else 'were'} not complied with by the due date."
    )
    if repeated:
        kinds = ", ".join(f"{r['kind'].replace('_', ' ')} ({r['times']} times)" for r in repeated)
        sentence += f" A repeated pattern over the year: {kinds}."
    return {
        "authority_code": row["authority_code"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "signal": "recommendations_missed",
        "severity": 2 if repeated else 1,
        "sentence": sentence,
        "evidence": {
            "due": row["due"],
            "missed": row["missed"],
            "recommendations": row["recommendations"],
            "repeated": repeated,
            "rule": "not complied with by the due date, as known at the quarter's end; "
            f"repeated when the same kind is missed {REPEAT_THRESHOLD}+ times in a year",
        },
    }


def _decisions(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return decision_signals(inputs.decisions)


def _recommendations(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return recommendation_signals(inputs.recommendations)


DECISIONS = Detector(
    "Ombudsman decisions (LGSCO and Housing Ombudsman), by decision date", _decisions
)
RECOMMENDATIONS = Detector(
    "Ombudsman recommendations by due date, judged by their dates as known at the quarter's end",
    _recommendations,
)
