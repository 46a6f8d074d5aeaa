"""XmR special causes at the last point of every prefix of many series, in one pass.

An early-warning check judges each quarter as it could have been judged at its end: the
chart is drawn from a series' points up to and including that quarter, and only the last
point's special causes count. Drawing one chart per prefix (scrutiny.measures.spc.xmr_chart)
costs a few hundred microseconds each, tens of thousands of times over a nation. Here the
same answer comes from running sums: for the prefix ending at point j,

    mean = sum(x[0..j]) / (j + 1),  AMR = sum(|x[k] - x[k-1]|, k = 1..j) / j

and the four rules at point j need only the last six points, read through shifted arrays.
This covers the charts the signals draw: one segment, limits from every point, no screening,
rule length six, two-in-three not counting points beyond the limits (MDC v5.0). A test draws
every prefix with xmr_chart and compares.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from scrutiny.measures.spc_rules import (
    LIMIT_FACTOR,
    RULE_LENGTH,
    RULES,
    TOLERANCE,
    TWO_SIGMA_FACTOR,
)

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LastPoints:
    """For each point, its prefix chart's mean and AMR and the rules flagging it.

    high and low are (len(RULES), n) in RULES order, as Chart.high and Chart.low at the
    chart's last point. Points whose prefix is shorter than the minimum have no flags and
    NaN mean and AMR.
    """

    mean: FloatArray
    average_moving_range: FloatArray
    high: BoolArray
    low: BoolArray

    @property
    def upper_limit(self) -> FloatArray:
        return self.mean + LIMIT_FACTOR * self.average_moving_range

    @property
    def lower_limit(self) -> FloatArray:
        return self.mean - LIMIT_FACTOR * self.average_moving_range


def last_point_rules(values: FloatArray, series: IntArray, minimum_points: int) -> LastPoints:
    """Rules at the last point of each prefix; VALUES in time order within each SERIES.

    SERIES labels which series each value belongs to; each series' values are contiguous.
    """
    x = np.asarray(values, dtype=np.float64)
    label = np.asarray(series)
    n = x.size
    new = np.ones(n, dtype=bool)
    new[1:] = label[1:] != label[:-1]
    start = np.maximum.accumulate(np.where(new, np.arange(n), 0))
    position = np.arange(n) - start  # 0 for a series' first point

    def within(total: FloatArray) -> FloatArray:
        """Running TOTAL restarted at each series' first point (summed within the series
        only, so a series' figures never depend on the series before it)."""
        frame = pl.DataFrame({"total": total, "series": label})
        running = frame.select(pl.col("total").cum_sum().over("series"))
        return running.to_series().to_numpy()

    ranges = np.zeros(n)
    ranges[1:] = np.abs(np.diff(x))
    ranges[new] = 0.0
    counted = position >= max(minimum_points - 1, 1)
    mean = np.where(counted, within(x) / (position + 1), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        amr = np.where(counted, within(ranges) / position, np.nan)
    tolerance = TOLERANCE * (np.abs(mean) + amr)

    def back(k: int) -> FloatArray:
        """The value k points earlier in the same series (NaN before its start)."""
        earlier = np.full(n, np.nan)
        if k < n:
            earlier[k:] = x[: n - k]
        earlier[position < k] = np.nan
        return earlier

    lag = [x, *(back(k) for k in range(1, RULE_LENGTH))]
    off = [point - mean for point in lag]  # NaN where the point or the chart is missing
    side = [np.where(np.abs(d) <= tolerance, 0, np.sign(d)) for d in off]
    upper, lower = LIMIT_FACTOR * amr, TWO_SIGMA_FACTOR * amr
    above = [d - upper > tolerance for d in off]
    below = [-d - upper > tolerance for d in off]
    near_high = [(d - lower > tolerance) & ~a for d, a in zip(off, above, strict=True)]
    near_low = [(-d - lower > tolerance) & ~b for d, b in zip(off, below, strict=True)]

    shift_high = np.logical_and.reduce([s > 0 for s in side])
    shift_low = np.logical_and.reduce([s < 0 for s in side])
    rises = [lag[k] - lag[k + 1] for k in range(RULE_LENGTH - 1)]
    trend_up = np.logical_and.reduce([r > 0 for r in rises])
    trend_down = np.logical_and.reduce([r < 0 for r in rises])
    same_side = (side[0] == side[1]) & (side[1] == side[2]) & (side[0] != 0)
    near = [near_high[k] | near_low[k] for k in range(3)]
    window = same_side & (near[0].astype(np.int8) + near[1] + near[2] >= 2)

    high = np.stack([above[0], shift_high, trend_up, window & near_high[0]]) & counted
    low = np.stack([below[0], shift_low, trend_down, window & near_low[0]]) & counted
    assert len(RULES) == high.shape[0]
    return LastPoints(mean, amr, high, low)
