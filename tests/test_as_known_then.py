"""Each quarter judged as it was known at its end (issue 15): the early-warning signals
of a quarter, worked out as of that quarter's end one quarter at a time, equal the same
quarter's signals in one computation at the end of the data."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from scrutiny.core.periods import quarter_bounds
from scrutiny.measures.indicators import compute_indicators
from scrutiny.store.db import make_engine
from scrutiny.warning.signals import compute_signals
from scrutiny.warning.watchlist import scores

END = date(2025, 3, 31)  # the demo's last complete quarter
QUARTERS = 8


def test_signals_as_of_each_quarter_end_equal_the_end_of_data_computation(sqlite_demo):
    engine = make_engine(sqlite_demo.database_url)
    quarters = compute_indicators(engine, "quarter")
    at_end = compute_signals(engine, END, indicators=quarters)
    start, _ = quarter_bounds(END)
    checked = 0
    for _ in range(QUARTERS):
        _, end = quarter_bounds(start)
        one_by_one = compute_signals(engine, end, indicators=quarters)
        mine = one_by_one.filter(pl.col("period_start") == start)
        same = at_end.filter(pl.col("period_start") == start)
        assert_frame_equal(mine, same)
        # And so the watchlist's scores for that quarter.
        assert_frame_equal(
            scores(mine).sort("authority_code", "period_start"),
            scores(same).sort("authority_code", "period_start"),
        )
        checked += mine.height
        start, _ = quarter_bounds(date.fromordinal(start.toordinal() - 1))
    engine.dispose()
    assert checked > 0
