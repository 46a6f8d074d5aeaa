"""Sudden changes: a council's quarter against its own previous four quarters.

Funnels compare a council with its peers and XmR charts need many quarters; a council
that has always been an outlier, or drifts slowly, trips both at times. What matters most
for early warning is a council getting worse than it was. For each indicator a signal
watches through CHANGES (scrutiny.warning.signals.registry says which), the quarter's
numerator and denominator are compared with the pooled four quarters before it (the
baseline; three will do where the council's record is that short), allowing for chance:

- proportions: z = (p - p0) / sqrt(q (1 - q) (1/n + 1/n0)), q the two pooled together:
  the usual test of two proportions, which allows for chance in the baseline as well;
- complaint volumes (per 10,000 residents, a count over a fixed population):
  z = (O - E) / sqrt(E), with E the baseline rate times the population.

A change fires when it is on the worse side, beyond the indicator's bar (Z_ALERT for
severity 1; Z_ALARM for severity 2), and large enough to matter (MIN_PROPORTION_CHANGE
points, or a fall of MIN_VOLUME_FALL in volumes), so that a big council's trivial but
"significant" wobble does not count. The stage 1 uphold rate has a lower bar (Z_GRADUAL,
MIN_GRADUAL_CHANGE): when it rises it climbs over months rather than jumping in a quarter,
so at six months it has moved less far. Each quarter uses only itself and the quarters
before it: no look-ahead. (Recommendations are not watched here: their final status is
only known later; scrutiny.warning.signals.compliance compares them as known at each quarter's
end.)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from scrutiny.core.periods import quarter_label
from scrutiny.standard.indicators import indicator
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs, Worse, watched
from scrutiny.warning.signals.rows import empty, frame, number

BASELINE_QUARTERS = 4
MIN_BASELINE_QUARTERS = 3  # a council's first year: its earliest quarters are baseline enough
# z from the test of two proportions, which is smaller than with the baseline taken as
# known: 3.5 is about the 4 used before; set on the synthetic demo data.
Z_ALERT, Z_ALARM = 3.5, 6.0
MIN_PROPORTION_CHANGE = 0.10  # ten percentage points
MIN_VOLUME_FALL = 0.25  # a quarter fewer complaints than usual
# Set on the synthetic demo data (docs/early-warning.md): a gradual rise is seen by six
# months at this bar, and healthy councils rarely pass it.
Z_GRADUAL, MIN_GRADUAL_CHANGE = 2.75, 0.08
VOLUME = "stage1_per_10k"  # a count over a fixed population, not a proportion
GRADUAL = ("stage1_upheld",)  # indicators judged at the lower bar


def bar(code: str) -> tuple[float, float]:
    """The bar for severity 1 on indicator CODE: z, and the smallest change that matters."""
    if code in GRADUAL:
        return Z_GRADUAL, MIN_GRADUAL_CHANGE
    return Z_ALERT, MIN_VOLUME_FALL if code == VOLUME else MIN_PROPORTION_CHANGE


def change_signals(values: pl.DataFrame, watching: Mapping[str, tuple[Worse, str]]) -> pl.DataFrame:
    """Adverse sudden changes in the WATCHING indicators, for every council and quarter.

    WATCHING maps an indicator to the way that is worse and the signal a change raises.
    """
    rules = {code: (worse, signal, *bar(code)) for code, (worse, signal) in watching.items()}
    watched_rows = values.filter(pl.col("indicator").is_in(list(rules))).sort(
        "authority_code", "indicator", "period_start"
    )
    if watched_rows.is_empty():
        return empty()
    scored = _scored(watched_rows, rules)
    z_bar = pl.col("indicator").replace_strict({k: v[2] for k, v in rules.items()})
    fired = scored.filter(pl.col("z").is_finite() & (pl.col("z") >= z_bar) & pl.col("big_enough"))
    return _rows(fired, rules)


def _scored(
    watched: pl.DataFrame, rules: Mapping[str, tuple[str, str, float, float]]
) -> pl.DataFrame:
    """Each council-quarter's baseline, z on the worse side and whether the change matters."""
    group = ["authority_code", "indicator"]
    past = {
        name: pl.col(name)
        .shift(1)
        .rolling_sum(BASELINE_QUARTERS, min_samples=MIN_BASELINE_QUARTERS)
        .over(group)
        for name in ("numerator", "denominator")
    }
    quarters = (
        pl.col("denominator")
        .shift(1)
        .is_not_null()
        .cast(pl.Int64)
        .rolling_sum(BASELINE_QUARTERS, min_samples=1)
        .over(group)
    )
    worse = pl.col("indicator").replace_strict({k: v[0] for k, v in rules.items()})
    smallest = pl.col("indicator").replace_strict({k: v[3] for k, v in rules.items()})
    is_volume = pl.col("indicator") == VOLUME
    p0 = past["numerator"] / past["denominator"]
    p = pl.col("numerator") / pl.col("denominator")
    expected = p0 * pl.col("denominator")
    pooled = (pl.col("numerator") + past["numerator"]) / (
        pl.col("denominator") + past["denominator"]
    )
    spread = pooled * (1 - pooled) * (1 / pl.col("denominator") + 1 / past["denominator"])
    z = (
        pl.when(is_volume)
        .then((pl.col("numerator") - expected) / expected.sqrt())
        .otherwise((p - p0) / spread.sqrt())
    )
    adverse = pl.when(worse == "down").then(-z).otherwise(z)
    big_enough = (
        pl.when(is_volume)
        .then(pl.col("numerator") <= (1 - smallest) * expected)
        .otherwise((p - p0).abs() >= smallest)
    )
    return watched.with_columns(
        p0.alias("baseline"),
        quarters.alias("baseline_quarters"),
        adverse.alias("z"),
        big_enough.alias("big_enough"),
    ).filter(
        (pl.col("denominator") > 0)
        & (pl.col("baseline") > 0)
        & (is_volume | (pl.col("baseline") < 1))
    )


def _rows(fired: pl.DataFrame, rules: Mapping[str, tuple[str, str, float, float]]) -> pl.DataFrame:
    rows: list[dict[str, Any]] = []
    for row in fired.iter_rows(named=True):  # only the quarters that fired: a few hundred
        item = indicator(row["indicator"])
        _, signal, z_bar, smallest = rules[item.code]
        baseline = row["baseline"] * item.multiplier
        quarters = row["baseline_quarters"]
        sentence = (
            f"{item.name}: {number(row['value'], item.unit)} in "
            f"{quarter_label(row['period_start'])}, against "
            f"{number(baseline, item.unit)} over the previous {quarters} quarters: "
            f"a change on the worse side too large to be chance."
        )
        size = (
            f"at least {smallest:.0%} fewer"
            if item.code == VOLUME
            else f"a change of at least {smallest * 100:g} points"
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
                    "baseline_quarters": quarters,
                    "z": round(row["z"], 2),
                    "rule": (
                        f"against the pooled previous {quarters} quarters:"
                        f" z >= {z_bar:g} on the worse side and {size}"
                    ),
                },
            }
        )
    return frame(rows)


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return change_signals(inputs.values, watched(entries))


CHANGES = Detector(
    f"A quarter against the council's own pooled previous {BASELINE_QUARTERS} quarters, "
    "allowing for chance",
    _detect,
    reads_watches=True,
)
