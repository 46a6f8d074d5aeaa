"""Case-level complaints counted up into aggregate returns, by month, quarter or year.

The counts are exactly the aggregate_returns table's fields, defined the same way, so a
council that sends case rows and one that sends totals are measured alike:

- received, refused and acknowledged on time count complaints by the date they were
  received (stage 2: the date escalation was asked for);
- responses, timeliness, outcomes, service improvements and working days count them by
  the date they were answered (the approach of the Tenant Satisfaction Measure CH02);
- withdrawn counts complaints withdrawn, by the date of the response if there was one,
  otherwise the date received.

The Code clock supplies acknowledgement and timeliness (scrutiny.returns.code_clock).
"""

from __future__ import annotations

from datetime import date

import polars as pl

from scrutiny.core.periods import GRAINS, Grain, period_bounds
from scrutiny.returns.code_clock import code_clock

COUNTS = (
    "received",
    "refused",
    "acknowledged_on_time",
    "responded",
    "responded_within_timescale",
    "responded_within_extended_timescale",
    "extended",
    "upheld",
    "partly_upheld",
    "not_upheld",
    "withdrawn",
    "service_improvements",
    "working_days_to_respond_total",
)
KEYS = ("authority_code", "grain", "period_start", "period_end", "stage")


def _count(frame: pl.DataFrame, day: str, grain: Grain, counts: list[pl.Expr]) -> pl.DataFrame:
    start, _ = period_bounds(pl.col(day), grain)
    _, end = period_bounds(pl.col("period_start"), grain)
    return (
        frame.lazy()
        .filter(pl.col(day).is_not_null())
        .group_by("authority_code", start.alias("period_start"), "stage")
        .agg(counts)
        .with_columns(end.alias("period_end"))
        .collect()
    )


def aggregate_complaints(
    frame: pl.DataFrame, as_of: date, grains: tuple[Grain, ...] = GRAINS
) -> pl.DataFrame:
    """FRAME's complaint rows counted per authority, period and stage, as aggregate returns.

    FRAME needs the standard's complaint columns (typed); AS_OF is when open complaints are
    judged. The result has the aggregate_returns fields plus `grain`, for each of GRAINS;
    service_area is blank (all services).
    """
    needed = [
        "authority_code",
        "stage",
        "received_date",
        "acknowledged_date",
        "responded_date",
        "extension_working_days",
        "acceptance",
        "outcome",
        "service_improvement",
    ]
    clocked = code_clock(frame.select(needed), as_of)
    monthly = _aggregate(clocked, "month")
    answered = clocked.select(
        "authority_code", "stage", "responded_date", "working_days_to_respond"
    ).filter(pl.col("responded_date").is_not_null())
    # Counts add up from months; medians do not, so they come from the rows each time.
    found = [
        monthly if grain == "month" else _roll_up(monthly, answered, grain) for grain in grains
    ]
    return pl.concat(found)


def _roll_up(monthly: pl.DataFrame, answered: pl.DataFrame, grain: Grain) -> pl.DataFrame:
    start, end = period_bounds(pl.col("period_start"), grain)
    counts = (
        monthly.group_by("authority_code", start.alias("period_start"), "stage")
        .agg(*[pl.col(name).sum() for name in COUNTS])
        .with_columns(end.alias("period_end"))
    )
    medians = _count(
        answered,
        "responded_date",
        grain,
        [pl.col("working_days_to_respond").median().alias("working_days_to_respond_median")],
    )
    keys = ["authority_code", "period_start", "period_end", "stage"]
    return _as_returns(counts.join(medians, on=keys, how="left"), grain)


def _as_returns(counted: pl.DataFrame, grain: Grain) -> pl.DataFrame:
    """Counts in the aggregate return's columns, with the grain they were counted by."""
    return counted.select(
        pl.col("authority_code"),
        pl.lit(grain).alias("grain"),
        pl.col("period_start"),
        pl.col("period_end"),
        pl.col("stage"),
        pl.lit(None, pl.String).alias("service_area"),
        *[pl.col(name).fill_null(0).cast(pl.Int64) for name in COUNTS],
        pl.col("working_days_to_respond_median").cast(pl.Float64),
    ).sort(KEYS)


def _aggregate(clocked: pl.DataFrame, grain: Grain) -> pl.DataFrame:
    accepted = pl.col("acceptance") == "accepted"
    outcome = pl.col("outcome")
    by_receipt = _count(
        clocked,
        "received_date",
        grain,
        [
            pl.len().alias("received"),
            (pl.col("acceptance") == "refused").sum().alias("refused"),
            pl.col("acknowledged_on_time").fill_null(False).sum().alias("acknowledged_on_time"),
        ],
    )
    answered = clocked.filter(pl.col("responded_date").is_not_null())
    by_response = _count(
        answered,
        "responded_date",
        grain,
        [
            pl.len().alias("responded"),
            pl.col("responded_within_timescale").sum().alias("responded_within_timescale"),
            pl.col("responded_on_time").sum().alias("responded_within_extended_timescale"),
            (pl.col("extension_working_days").fill_null(0) > 0).sum().alias("extended"),
            (accepted & (outcome == "upheld")).sum().alias("upheld"),
            (accepted & (outcome == "partly_upheld")).sum().alias("partly_upheld"),
            (accepted & (outcome == "not_upheld")).sum().alias("not_upheld"),
            (
                accepted
                & outcome.is_in(["upheld", "partly_upheld"])
                & pl.col("service_improvement").fill_null(False)
            )
            .sum()
            .alias("service_improvements"),
            pl.col("working_days_to_respond").sum().alias("working_days_to_respond_total"),
            pl.col("working_days_to_respond").median().alias("working_days_to_respond_median"),
        ],
    )
    withdrawn = _count(
        clocked.filter(outcome == "withdrawn").with_columns(
            pl.coalesce("responded_date", "received_date").alias("__withdrawn_on")
        ),
        "__withdrawn_on",
        grain,
        [pl.len().alias("withdrawn")],
    )
    keys = ["authority_code", "period_start", "period_end", "stage"]
    joined = by_receipt.join(by_response, on=keys, how="full", coalesce=True).join(
        withdrawn, on=keys, how="full", coalesce=True
    )
    return _as_returns(joined, grain)
