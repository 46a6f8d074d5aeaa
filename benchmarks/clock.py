"""How long the Code clock takes on a million complaint rows (target: under 2 seconds).

Run with `make bench`, which pins it to one core with `taskset -c 0` because the target
is for one core. Prints its figures; it is not a test.
"""

from __future__ import annotations

import os
import time
from datetime import date

import numpy as np
import polars as pl

from scrutiny.reference.calendar import busday_calendar
from scrutiny.returns.code_clock import code_clock

ROWS = 1_000_000
REPEATS = 5


def synthetic_complaints(rows: int, seed: int = 2024) -> pl.DataFrame:
    """Random but plausible complaint rows: a tenth open, a fifth extended, some unacknowledged."""
    rng = np.random.default_rng(seed)
    received = np.datetime64("2019-04-01") + rng.integers(0, 6 * 365, rows).astype("timedelta64[D]")
    acknowledged = received + rng.integers(0, 9, rows).astype("timedelta64[D]")
    acknowledged[rng.random(rows) < 0.05] = np.datetime64("NaT")
    responded = received + rng.integers(1, 60, rows).astype("timedelta64[D]")
    responded[rng.random(rows) < 0.1] = np.datetime64("NaT")
    extension = np.where(rng.random(rows) < 0.2, rng.integers(1, 25, rows), 0)
    return pl.DataFrame(
        {
            "stage": rng.choice([1, 2], rows, p=[0.85, 0.15]),
            "received_date": received,
            "acknowledged_date": acknowledged,
            "extension_working_days": extension,
            "responded_date": responded,
        }
    ).with_columns(pl.col("^.*_date$").cast(pl.Date))


def main() -> None:
    frame = synthetic_complaints(ROWS)
    started = time.perf_counter()
    busday_calendar()
    calendar_seconds = time.perf_counter() - started
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        result = code_clock(frame, date(2025, 3, 31))
        timings.append(time.perf_counter() - started)
    overdue = int(result.get_column("overdue").sum())
    cores = len(os.sched_getaffinity(0))
    print(f"Code clock, {ROWS:,} rows, {REPEATS} runs on {cores} core(s)")
    print(f"  calendar build (once): {calendar_seconds:.3f} s")
    print(f"  best {min(timings):.3f} s, median {float(np.median(timings)):.3f} s (target < 2 s)")
    print(f"  rows per second (best): {ROWS / min(timings):,.0f}")
    print(f"  overdue as of 2025-03-31: {overdue:,}")


if __name__ == "__main__":
    main()
