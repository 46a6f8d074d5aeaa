"""Compliance falling: a council missing more Ombudsman recommendations than it used to.

recommendations_missed fires on any recommendation missed in a quarter, which most
councils have in most years. This signal asks instead whether the share missed has risen
against the council's own record: the recommendations due in the RECENT_QUARTERS quarters
to a quarter's end against those due in the BASELINE_QUARTERS quarters before them.

Recommendations are few, so the test is Fisher's exact test, one-sided: the chance of at
least this many of the recent ones being missed if recent and earlier recommendations
were equally likely to be missed. compliance_falling fires when that chance is below
P_ALERT (severity 1) or P_ALARM (severity 2), at least MIN_MISSED recent ones were missed
and the share missed is at least MIN_RISE higher than before. Each recommendation is
judged by its own dates (scrutiny.warning.signals.ombudsman.read_recommendations), and a quarter
counts only recommendations due by its end: no look-ahead.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from scipy import stats

from scrutiny.core.periods import period_bounds, quarter_label
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs
from scrutiny.warning.signals.rows import empty, frame

RECENT_QUARTERS = 2  # six months: a failure shows as late recommendations pile up
BASELINE_QUARTERS = 4  # the council's own previous year
P_ALERT, P_ALARM = 0.01, 0.001
MIN_MISSED = 3
MIN_RISE = 0.25  # 25 percentage points
# The rise in the share missed that the sequential compliance checks look for, on the
# log-odds scale (from 20% missed to 40%): scrutiny.warning.signals.cusums (the CUSUM) and
# scrutiny.warning.signals.small_numbers (councils with few due) both tune to it.
COMPLIANCE_SHIFT = 1.0


def compliance_signals(recommendations: pl.DataFrame) -> pl.DataFrame:
    """compliance_falling: councils missing a clearly larger share of recommendations."""
    if recommendations.is_empty():
        return empty()
    windows = _windows(quarterly_counts(recommendations))
    candidates = windows.filter(
        (pl.col("recent_missed") >= MIN_MISSED)
        & (pl.col("baseline_due") > 0)
        & (pl.col("recent_share") - pl.col("baseline_share") >= MIN_RISE)
    )
    if candidates.is_empty():
        return empty()
    chance = stats.hypergeom.sf(
        candidates["recent_missed"].to_numpy() - 1,
        (candidates["recent_due"] + candidates["baseline_due"]).to_numpy(),
        (candidates["recent_missed"] + candidates["baseline_missed"]).to_numpy(),
        candidates["recent_due"].to_numpy(),
    )
    fired = candidates.with_columns(pl.Series("p_value", chance)).filter(
        pl.col("p_value") < P_ALERT
    )
    return frame([_signal(row) for row in fired.iter_rows(named=True)])


def quarterly_counts(recommendations: pl.DataFrame) -> pl.DataFrame:
    """Recommendations due and missed per council and quarter, 0 for quarters with none."""
    counts = recommendations.group_by("authority_code", "period_start").agg(
        pl.len().cast(pl.Int64).alias("due"), pl.col("missed").sum().cast(pl.Int64).alias("missed")
    )
    first, last = counts["period_start"].min(), counts["period_start"].max()
    assert isinstance(first, date) and isinstance(last, date)
    starts = pl.date_range(first, last, "3mo", eager=True)
    grid = (
        counts.select("authority_code")
        .unique()
        .join(pl.DataFrame({"period_start": starts}), how="cross")
        .with_columns(period_bounds(pl.col("period_start"), "quarter")[1].alias("period_end"))
    )
    return (
        grid.join(counts, on=["authority_code", "period_start"], how="left")
        .with_columns(pl.col("due", "missed").fill_null(0))
        .sort("authority_code", "period_start")
    )


def _windows(counts: pl.DataFrame) -> pl.DataFrame:
    """Each council-quarter's recent window and the baseline year before it."""
    council = "authority_code"
    recent = {
        f"recent_{name}": pl.col(name).rolling_sum(RECENT_QUARTERS).over(council)
        for name in ("due", "missed")
    }
    baseline = {
        f"baseline_{name}": pl.col(name)
        .shift(RECENT_QUARTERS)
        .rolling_sum(BASELINE_QUARTERS)
        .over(council)
        for name in ("due", "missed")
    }
    return counts.with_columns(**recent, **baseline).with_columns(
        (pl.col("recent_missed") / pl.col("recent_due")).alias("recent_share"),
        (pl.col("baseline_missed") / pl.col("baseline_due")).alias("baseline_share"),
    )


def _signal(row: dict[str, Any]) -> dict[str, Any]:
    label = quarter_label(row["period_start"])
    sentence = (
        f"{row['recent_missed']} of {row['recent_due']} Ombudsman recommendations due in the "
        f"six months to the end of {label} were not complied with by the due date "
        f"({row['recent_share']:.0%}), against {row['baseline_missed']} of "
        f"{row['baseline_due']} ({row['baseline_share']:.0%}) in the year before: a rise "
        "too large to be chance."
    )
    return {
        "authority_code": row["authority_code"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "signal": "compliance_falling",
        "severity": 2 if row["p_value"] < P_ALARM else 1,
        "sentence": sentence,
        "evidence": {
            "recent_due": row["recent_due"],
            "recent_missed": row["recent_missed"],
            "baseline_due": row["baseline_due"],
            "baseline_missed": row["baseline_missed"],
            "p_value": float(f"{row['p_value']:.2g}"),
            "rule": (
                f"missed by the due date, the last {RECENT_QUARTERS} quarters against the "
                f"{BASELINE_QUARTERS} before: Fisher's exact test p < {P_ALERT:g}, at least "
                f"{MIN_MISSED} missed and a share {MIN_RISE * 100:g} percentage points higher"
            ),
        },
    }


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return compliance_signals(inputs.recommendations)


COMPLIANCE = Detector(
    f"Ombudsman recommendations missed in the last {RECENT_QUARTERS} quarters against the "
    f"{BASELINE_QUARTERS} before, by Fisher's exact test",
    _detect,
)
