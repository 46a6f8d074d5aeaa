"""Synthetic complaint returns for benchmarks: realistic shape, reproducible, valid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from scrutiny.reference.authorities import current_codes
from scrutiny.reference.calendar import offset_working_days
from scrutiny.standard import load_standard


def synthetic_complaints(rows: int, seed: int = 2025) -> pl.DataFrame:
    """ROWS valid complaint rows (all 20 columns) for 2024-25 across every current council."""
    rng = np.random.default_rng(seed)
    standard = load_standard()
    councils = current_codes().to_numpy()
    areas = np.array(
        [(c.code, c.parent) for c in standard.code_lists["service_subarea"].codes], dtype=object
    )
    pick = rng.integers(0, len(areas), rows)
    received = np.datetime64("2024-04-01") + rng.integers(0, 300, rows).astype("timedelta64[D]")
    acknowledged = offset_working_days(received, rng.integers(0, 7, rows))
    responded = offset_working_days(acknowledged, rng.integers(1, 25, rows))
    open_now = rng.random(rows) < 0.05
    responded[open_now] = np.datetime64("NaT")
    outcome = rng.choice(["upheld", "partly_upheld", "not_upheld", "withdrawn"], rows)
    extension = np.where(rng.random(rows) < 0.1, rng.integers(1, 11, rows), 0)
    improvement = rng.random(rows) < 0.1
    return pl.DataFrame(
        {
            "authority_code": councils[rng.integers(0, len(councils), rows)].astype(str),
            "complaint_ref": [f"C{i:08d}" for i in range(rows)],
            "stage": np.ones(rows, dtype=np.int64),
            "process": "complaint_handling_code",
            "received_date": received,
            "acknowledged_date": acknowledged,
            "extension_working_days": extension,
            "extension_reason": np.where(
                extension > 0, "Awaiting information from a contractor", ""
            ),
            "responded_date": responded,
            "acceptance": "accepted",
            "refusal_reason": None,
            "outcome": np.where(open_now, "", outcome),
            "service_area": areas[pick, 1].astype(str),
            "service_subarea": areas[pick, 0].astype(str),
            "channel": rng.choice(["online_form", "email", "telephone", "letter"], rows),
            "remedies": np.where(outcome == "upheld", "apology;action_taken", ""),
            "financial_remedy_gbp": None,
            "service_improvement": improvement,
            "service_improvement_text": np.where(
                improvement, "Guidance for staff updated after this complaint", ""
            ),
            "reasonable_adjustments": rng.random(rows) < 0.03,
        },
        schema_overrides={"financial_remedy_gbp": pl.Float64, "refusal_reason": pl.String},
    ).with_columns(
        pl.col("^.*_date$").cast(pl.Date),
        pl.col(pl.String).replace("", None),
    )


def write_complaints_csv(path: Path, rows: int) -> Path:
    """Write ROWS synthetic complaints to PATH as a standard CSV; returns PATH."""
    synthetic_complaints(rows).write_csv(path)
    return path
