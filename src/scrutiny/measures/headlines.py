"""National headline figures, the spread across councils, and the periods they cover.

Everything here reads a frame from scrutiny.measures.indicators.compute_indicators, so a caller that
has computed (or cached) it once can ask for any period, indicator or council without
reading the store again.

National figures pool the counts (the sum of numerators over the sum of denominators), as
the Ombudsman's annual figures do, rather than averaging councils' percentages: a council
with ten complaints does not count as much as one with ten thousand. A median indicator
cannot be pooled, so its national figure is the median across councils.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from scrutiny.reference.authorities import load_authorities
from scrutiny.standard.indicators import load_indicators

# Complaints received say a period has data; answers, decisions and recommendations
# dated after the last complaints would otherwise make a nearly empty period the latest.
RECEIVED = "stage1_per_10k"


def periods_with_data(rows: pl.DataFrame) -> list[date]:
    """Starts of the periods in which councils received complaints, newest first."""
    received = rows.filter((pl.col("indicator") == RECEIVED) & (pl.col("numerator") > 0))
    found = received if received.height else rows
    return sorted(set(found.get_column("period_start").to_list()), reverse=True)


def council_names() -> pl.DataFrame:
    """Every council's code and name (former councils too), to label figures."""
    return load_authorities().select(pl.col("gss_code").alias("authority_code"), "name")


def national_headlines(rows: pl.DataFrame, start: date) -> pl.DataFrame:
    """One row per indicator for the period starting START: the national figure, how many
    councils have a figure, and the median and quartiles across them."""
    period = rows.filter(pl.col("period_start") == start)
    found = []
    for item in load_indicators():
        mine = period.filter(pl.col("indicator") == item.code)
        values = mine.filter(pl.col("value").is_not_null()).get_column("value")
        numerator = float(mine.get_column("numerator").sum())
        denominator = float(mine.get_column("denominator").sum())
        if item.kind == "median":
            national = values.median() if values.len() else None
        else:
            national = numerator / denominator * item.multiplier if denominator > 0 else None
        found.append(
            {
                "indicator": item.code,
                "name": item.name,
                "unit": item.unit,
                "direction": item.direction,
                "councils": values.len(),
                "numerator": numerator,
                "denominator": denominator,
                "value": national,
                "lower_quartile": values.quantile(0.25, "linear") if values.len() else None,
                "median": values.median() if values.len() else None,
                "upper_quartile": values.quantile(0.75, "linear") if values.len() else None,
            }
        )
    return pl.DataFrame(found, orient="row", infer_schema_length=None)


def distribution(rows: pl.DataFrame, indicator: str, start: date) -> pl.DataFrame:
    """Each council's value of INDICATOR in the period starting START, by name, with its
    numerator and denominator (councils without a value are left out)."""
    return (
        rows.filter(
            (pl.col("indicator") == indicator)
            & (pl.col("period_start") == start)
            & pl.col("value").is_not_null()
        )
        .join(council_names(), on="authority_code", how="left")
        .select(
            pl.col("authority_code").alias("code"),
            pl.coalesce("name", "authority_code").alias("name"),
            "numerator",
            "denominator",
            "value",
        )
        .sort("name")
    )
