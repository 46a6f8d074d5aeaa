"""Councils with few Ombudsman recommendations: judged on a year together, or said to be
too few to judge.

Most councils have a handful of recommendations fall due in a quarter, too few for a test
or a CUSUM to reach its limit however badly things go, and silence would read as "fine".
So a council with fewer than SMALL recommendations due in the year to a quarter's end is
judged on that year together, by a beta-binomial check (scrutiny.warning.sequential
.small_numbers_check, with Jeffreys' prior):

- expected: the share every other council missed by the due date over the WINDOW quarters
  before (known at the quarter's end), and the shift a CUSUM is tuned to find above it
  (COMPLIANCE_SHIFT on the log-odds scale);
- **worse**: the posterior probability that the council's share missed is at or beyond
  the shifted level is at least CLEAR, so few cases can still be clear (four of four
  missed against a usual 20%): a compliance_drift signal;
- **too little data to judge**: the credible interval is too wide to tell the usual share
  from the shifted one; `too_few_to_judge` lists these councils, so a page can say so
  rather than stay silent.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl
from scipy import special

from scrutiny.core.periods import quarter_label
from scrutiny.warning.sequential import small_numbers_check
from scrutiny.warning.signals.compliance import COMPLIANCE_SHIFT, quarterly_counts
from scrutiny.warning.signals.rows import frame

SMALL = 12  # recommendations due in a year: below this a council is judged on the year
WINDOW = 4  # quarters
# How sure the check must be before a signal: at the sequential module's 90% (and at 95%)
# healthy councils on the demo's seed were flagged in 2.3% (1.4%) of their years and no
# planted failure was found sooner, so only clear-cut years signal: four of four missed
# against a usual 20%, not three of three.
CLEAR = 0.99


def _verdicts(recommendations: pl.DataFrame) -> pl.DataFrame:
    """Each council-quarter with fewer than SMALL due in the year to it, and the verdict."""
    counts = quarterly_counts(recommendations)
    council = "authority_code"
    windowed = counts.with_columns(
        pl.col("due").rolling_sum(WINDOW).over(council).alias("year_due"),
        pl.col("missed").rolling_sum(WINDOW).over(council).alias("year_missed"),
    )
    nation = (
        counts.group_by("period_start")
        .agg(pl.col("due").sum(), pl.col("missed").sum())
        .sort("period_start")
        .with_columns(
            pl.col("due").shift(1).rolling_sum(WINDOW).alias("nation_due"),
            pl.col("missed").shift(1).rolling_sum(WINDOW).alias("nation_missed"),
        )
        .select("period_start", "nation_due", "nation_missed")
    )
    small = windowed.join(nation, on="period_start").filter(
        (pl.col("year_due") > 0) & (pl.col("year_due") < SMALL) & (pl.col("nation_due") > 0)
    )
    parts = []
    for _, rows in small.partition_by("period_start", as_dict=True).items():
        first = rows.row(0, named=True)
        # the nation's share, leaving out the council itself matters little at this size
        p0 = float((first["nation_missed"] + 0.5) / (first["nation_due"] + 1))
        p1 = float(special.expit(special.logit(p0) + COMPLIANCE_SHIFT))
        check = small_numbers_check(
            rows["year_missed"], rows["year_due"], p0, p1, alert_probability=CLEAR
        )
        parts.append(
            rows.with_columns(
                pl.lit(p0).alias("expected"),
                pl.lit(p1).alias("shifted"),
                pl.Series("probability_worse", check.probability_worse),
                pl.Series("lower", check.lower),
                pl.Series("upper", check.upper),
                pl.Series("verdict", np.asarray(check.verdict, dtype=str)),
            )
        )
    if not parts:
        return pl.DataFrame()
    return pl.concat(parts).sort(council, "period_start")


def small_numbers_signals(recommendations: pl.DataFrame) -> pl.DataFrame:
    """compliance_drift signals for councils with few recommendations whose year is clear."""
    if recommendations.is_empty():
        return frame([])
    verdicts = _verdicts(recommendations)
    if verdicts.is_empty():
        return frame([])
    rows = []
    for row in verdicts.filter(pl.col("verdict") == "worse").iter_rows(named=True):
        label = quarter_label(row["period_start"])
        sentence = (
            f"Ombudsman recommendations missed by their due date: {row['year_missed']} of "
            f"{row['year_due']} in the year to the end of {label}. Too few fall due here for "
            f"a quarter on its own to tell, but taken together the share missed is very "
            f"likely ({row['probability_worse']:.0%}) to be at least {row['shifted']:.0%}, "
            f"against {row['expected']:.0%} at other councils."
        )
        rows.append(
            {
                "authority_code": row["authority_code"],
                "period_start": row["period_start"],
                "period_end": row["period_end"],
                "signal": "compliance_drift",
                "severity": 1,
                "sentence": sentence,
                "evidence": {
                    "due_in_year": row["year_due"],
                    "missed_in_year": row["year_missed"],
                    "expected": round(row["expected"], 4),
                    "shift_tuned_to_detect": round(row["shifted"], 4),
                    "probability_worse": round(row["probability_worse"], 4),
                    "credible_interval": [round(row["lower"], 4), round(row["upper"], 4)],
                    "rule": (
                        f"fewer than {SMALL} due in the year: beta-binomial check with "
                        f"Jeffreys' prior, worse when the probability of a share at or beyond "
                        f"the shifted level is at least {CLEAR:.0%}"
                    ),
                },
            }
        )
    return frame(rows)


def too_few_to_judge(recommendations: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Councils whose compliance cannot be judged in the latest quarter ended by AS_OF.

    One row each: authority_code, due and missed in the year to that quarter's end, and
    the credible interval for the share missed (too wide to tell usual from worse).
    """
    empty = pl.DataFrame(
        schema={
            "authority_code": pl.String,
            "due": pl.Int64,
            "missed": pl.Int64,
            "lower": pl.Float64,
            "upper": pl.Float64,
        }
    )
    if recommendations.is_empty():
        return empty
    verdicts = _verdicts(recommendations)
    if verdicts.is_empty():
        return empty
    latest = verdicts.filter(pl.col("period_end") <= as_of)["period_start"].max()
    return verdicts.filter(
        (pl.col("period_start") == latest) & (pl.col("verdict") == "too little data")
    ).select(
        "authority_code",
        pl.col("year_due").cast(pl.Int64).alias("due"),
        pl.col("year_missed").cast(pl.Int64).alias("missed"),
        "lower",
        "upper",
    )
