"""Financial quarters as signals name them, and the words and numbers their sentences use."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl

from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.aggregates import period_bounds

SIGNAL_SCHEMA = {
    "authority_code": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "signal": pl.String,
    "severity": pl.Int64,
    "sentence": pl.String,
    "evidence": pl.String,  # a JSON object: the figures, the peer group, the rule that fired
}


def quarter_label(start: date) -> str:
    """'2023-24 Q2' for the financial quarter starting on START (July 2023)."""
    year = start.year - (start.month < 4)
    number = (start.month - 4) % 12 // 3 + 1
    return f"{year}-{(year + 1) % 100:02d} Q{number}"


def quarter_of(day: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """First and last day of the financial quarter holding DAY."""
    return period_bounds(day, "quarter")


def quarter_containing(day: date) -> tuple[date, date]:
    """The financial quarter holding DAY, as (first day, last day)."""
    start, end = quarter_of(pl.lit(day))
    row = pl.select(start.alias("s"), end.alias("e")).row(0)
    return row[0], row[1]


def last_complete_quarter(as_of: date) -> tuple[date, date]:
    """The latest financial quarter that ended on or before AS_OF."""
    start, end = quarter_containing(as_of)
    if end == as_of:
        return start, end
    return quarter_containing(date.fromordinal(start.toordinal() - 1))


def number(value: float | None, unit: str) -> str:
    """VALUE as a councillor reads it in UNIT: 38%, 12.4 per 10,000 residents, 9.5 working days."""
    if value is None:
        return "no figure"
    if unit == "percent":
        return f"{value:.0f}%"
    return f"{value:,.1f} {unit}"


def span(lower: float | None, upper: float | None, unit: str) -> str:
    """A range as a councillor reads it: 55%–90%, or 0.4–1.1 (the unit said once, before)."""
    if lower is None or upper is None:
        return "no range"
    if unit == "percent":
        return f"{max(lower, 0.0):.0f}%–{upper:.0f}%"
    return f"{max(lower, 0.0):,.1f}–{upper:,.1f}"


def short_names() -> dict[str, str]:
    """Each council's everyday name (Durham, not Durham County Council), by GSS code."""
    councils = load_authorities()
    return dict(zip(councils["gss_code"], councils["short_name"], strict=True))


def empty() -> pl.DataFrame:
    """No signals, in the signals' shape."""
    return pl.DataFrame(schema=SIGNAL_SCHEMA)


def frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Signal rows (dicts with the schema's keys, evidence a dict) in the signals' shape."""
    if not rows:
        return empty()
    columns = {name: [row[name] for row in rows] for name in SIGNAL_SCHEMA}
    columns["evidence"] = [json.dumps(e, default=str, sort_keys=True) for e in columns["evidence"]]
    return pl.DataFrame(columns, schema=SIGNAL_SCHEMA)
