"""One council's trend: every indicator in each of its last five financial years.

Read from an indicator frame of the financial-year grain that holds every year at once
(scrutiny.measures.indicators.compute_indicators, which the web keeps per data version), so
a council's trend costs one filter, never a query per year. Each figure keeps its
numerator and denominator, so that a reader sees the counts beside every percentage.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from scrutiny.core.periods import financial_year_bounds, financial_year_label, financial_year_of
from scrutiny.measures.funnel_plot import denominator_words
from scrutiny.standard.indicators import Indicator, load_indicators

TREND_YEARS = 5
TREND_SCHEMA = {
    "indicator": pl.String,
    "name": pl.String,
    "unit": pl.String,
    "period_start": pl.Date,
    "period": pl.String,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
}


def trend_years(until: date, years: int = TREND_YEARS) -> list[str]:
    """The YEARS financial years ending with the one holding UNTIL, oldest first."""
    last = financial_year_of(until)
    return [financial_year_label(year) for year in range(last - years + 1, last + 1)]


def council_trends(
    rows: pl.DataFrame, code: str, until: date, years: int = TREND_YEARS
) -> pl.DataFrame:
    """Council CODE's figure for each indicator in each of the YEARS financial years ending
    with the one holding UNTIL, from ROWS (every council's financial-year indicators).

    One row per indicator and year with a figure (a year with nothing to divide by is left
    out), indicators in the order they are declared and years oldest first; an indicator
    with no figure in any of the years has no rows.
    """
    last = financial_year_of(until)
    first = financial_year_bounds(last - years + 1)[0]
    order = {item.code: index for index, item in enumerate(load_indicators())}
    names = {item.code: item.name for item in load_indicators()}
    units = {item.code: item.unit for item in load_indicators()}
    found = rows.filter(
        (pl.col("authority_code") == code)
        & pl.col("period_start").is_between(first, financial_year_bounds(last)[0])
        & pl.col("value").is_not_null()
        & pl.col("indicator").is_in(list(order))
    )
    if found.is_empty():
        return pl.DataFrame(schema=TREND_SCHEMA)
    return (
        found.with_columns(
            pl.col("indicator").replace_strict(names, return_dtype=pl.String).alias("name"),
            pl.col("indicator").replace_strict(units, return_dtype=pl.String).alias("unit"),
            pl.col("period_start")
            .map_elements(lambda d: financial_year_label(financial_year_of(d)), pl.String)
            .alias("period"),
            pl.col("indicator").replace_strict(order, return_dtype=pl.Int64).alias("order"),
        )
        .sort("order", "period_start")
        .select(list(TREND_SCHEMA))
        .cast(TREND_SCHEMA)  # type: ignore[arg-type]
    )


def counts_words(item: Indicator, numerator: float | None, denominator: float | None) -> str:
    """The counts behind one figure of ITEM, in words: '123 of 160' for a proportion,
    '12 of 48,000 residents' for a rate, 'of 160 responses' for a median or mean."""
    if numerator is None or denominator is None:
        return ""
    if item.kind == "proportion":
        return f"{numerator:,.0f} of {denominator:,.0f}"
    if item.kind == "rate":
        return f"{numerator:,.0f} of {denominator:,.0f} {_plural(denominator_words(item))}"
    return f"of {denominator:,.0f} responses"


def _plural(words: str) -> str:
    """'Residents (Census 2021)' as 'residents', 'Homes owned (RSH)' as 'homes owned'."""
    return words.split(" (")[0].lower()
