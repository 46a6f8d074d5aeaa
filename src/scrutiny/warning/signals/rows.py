"""The shape of signal rows, and the words and numbers their sentences use."""

from __future__ import annotations

import json
from typing import Any

import polars as pl

SIGNAL_SCHEMA = {
    "authority_code": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "signal": pl.String,
    "severity": pl.Int64,
    "sentence": pl.String,
    "evidence": pl.String,  # a JSON object: the figures, the peer group, the rule that fired
}


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
