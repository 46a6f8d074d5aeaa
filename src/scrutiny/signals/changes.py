"""Sudden changes: a council's quarter against its own previous four quarters.

Funnels compare a council with its peers and XmR charts need many quarters; a council
that has always been an outlier, or drifts slowly, trips both at times. What matters most
for early warning is a council getting worse than it was. For each watched indicator, the
quarter's numerator and denominator are compared with the pooled four quarters before it
(the baseline), allowing for chance:

- proportions: z = (p - p0) / sqrt(p0 (1 - p0) / n), the baseline taken as known;
- complaint volumes (per 10,000 residents, a count over a fixed population):
  z = (O - E) / sqrt(E), with E the baseline rate times the population.

A change fires when it is on the worse side, beyond Z_ALERT (severity 1) or Z_ALARM
(severity 2), and large enough to matter (MIN_PROPORTION_CHANGE points, or a fall of
MIN_VOLUME_FALL in volumes), so that a big council's trivial but "significant" wobble does
not count. Each quarter uses only itself and the quarters before it: no look-ahead.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from scrutiny.indicators import indicator
from scrutiny.signals.quarters import empty, frame, number, quarter_label

# Which way is worse for each watched indicator, and the signal a change raises.
WATCHED: dict[str, tuple[str, str]] = {
    "stage1_on_time": ("down", "sudden_change"),
    "stage1_acknowledged_on_time": ("down", "sudden_change"),
    "stage2_on_time": ("down", "sudden_change"),
    "escalation_rate": ("up", "sudden_change"),
    "refused": ("up", "sudden_change"),
    "stage1_upheld": ("up", "sudden_change"),
    "late_remedies": ("up", "sudden_change"),
    "stage1_per_10k": ("down", "volume_falling"),
}
BASELINE_QUARTERS = 4
Z_ALERT, Z_ALARM = 4.0, 6.0
MIN_PROPORTION_CHANGE = 0.10  # ten percentage points
MIN_VOLUME_FALL = 0.25  # a quarter fewer complaints than usual


def change_signals(values: pl.DataFrame) -> pl.DataFrame:
    """Adverse sudden changes in the WATCHED indicators, for every council and quarter."""
    watched = values.filter(pl.col("indicator").is_in(list(WATCHED))).sort(
        "authority_code", "indicator", "period_start"
    )
    if watched.is_empty():
        return empty()
    group = ["authority_code", "indicator"]
    past = {
        name: pl.col(name).shift(1).rolling_sum(BASELINE_QUARTERS).over(group)
        for name in ("numerator", "denominator")
    }
    worse = pl.col("indicator").replace_strict({k: v[0] for k, v in WATCHED.items()})
    is_volume = pl.col("indicator") == "stage1_per_10k"
    p0 = past["numerator"] / past["denominator"]
    p = pl.col("numerator") / pl.col("denominator")
    expected = p0 * pl.col("denominator")
    z = (
        pl.when(is_volume)
        .then((pl.col("numerator") - expected) / expected.sqrt())
        .otherwise((p - p0) / (p0 * (1 - p0) / pl.col("denominator")).sqrt())
    )
    adverse = pl.when(worse == "down").then(-z).otherwise(z)
    big_enough = (
        pl.when(is_volume)
        .then(pl.col("numerator") <= (1 - MIN_VOLUME_FALL) * expected)
        .otherwise((p - p0).abs() >= MIN_PROPORTION_CHANGE)
    )
    scored = watched.with_columns(
        p0.alias("baseline"), adverse.alias("z"), big_enough.alias("big_enough")
    ).filter(
        (pl.col("denominator") > 0)
        & (pl.col("baseline") > 0)
        & (is_volume | (pl.col("baseline") < 1))
    )
    fired = scored.filter(pl.col("z").is_finite() & (pl.col("z") >= Z_ALERT) & pl.col("big_enough"))
    return _rows(fired)


def _rows(fired: pl.DataFrame) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for row in fired.iter_rows(named=True):  # only the quarters that fired: a few hundred
        item = indicator(row["indicator"])
        _, signal = WATCHED[item.code]
        baseline = row["baseline"] * item.multiplier
        sentence = (
            f"{item.name}: {number(row['value'], item.unit)} in "
            f"{quarter_label(row['period_start'])}, against "
            f"{number(baseline, item.unit)} over the previous {BASELINE_QUARTERS} quarters: "
            f"a change on the worse side too large to be chance."
        )
        rows.append(
            {
                "authority_code": row["authority_code"],
                "period_start": row["period_start"],
                "period_end": row["period_end"],
                "signal": signal,
                "severity": 2 if row["z"] >= Z_ALARM else 1,
                "sentence": sentence,
                "evidence": {
                    "indicator": item.code,
                    "value": row["value"],
                    "numerator": row["numerator"],
                    "denominator": row["denominator"],
                    "baseline": baseline,
                    "z": round(row["z"], 2),
                    "rule": (
                        f"against the pooled previous {BASELINE_QUARTERS} quarters:"
                        f" z >= {Z_ALERT:g} on the worse side"
                    ),
                },
            }
        )
    return frame(rows)
