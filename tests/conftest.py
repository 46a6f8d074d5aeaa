"""Shared fixtures and factories for the scrutiny tests."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

ROOT_EXAMPLES = "examples"


def make_complaint(**overrides: Any) -> dict[str, Any]:
    """One valid stage 1 complaint row in the standard's shape, with OVERRIDES applied."""
    row: dict[str, Any] = {
        "authority_code": "E06000047",
        "complaint_ref": "T-0001",
        "stage": 1,
        "received_date": date(2024, 1, 8),
        "acknowledged_date": date(2024, 1, 9),
        "extension_working_days": None,
        "responded_date": date(2024, 1, 19),
        "outcome": "not_upheld",
    }
    row.update(overrides)
    return row


def complaints_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """A polars frame of complaint rows with the clock's input types."""
    return pl.DataFrame(
        list(rows),
        schema={
            "authority_code": pl.String,
            "complaint_ref": pl.String,
            "stage": pl.Int64,
            "received_date": pl.Date,
            "acknowledged_date": pl.Date,
            "extension_working_days": pl.Int64,
            "responded_date": pl.Date,
            "outcome": pl.String,
        },
    )
