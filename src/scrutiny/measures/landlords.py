"""A council landlord's real complaint figures: the Regulator of Social Housing's Tenant
Satisfaction Measures, each year side by side, against every council landlord's.

The measures are the indicators declared from TSM counts (the `tsm_*` codes in
indicators.yaml), for the council's rented homes. Peers are all council landlords that
year: their median and the middle half of their figures (25th to 75th percentile), so a
reader sees where the council sits without a ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from scrutiny.core.periods import period_label
from scrutiny.standard.indicators import Indicator, load_indicators

SOURCE_NAME = "Regulator of Social Housing, Tenant Satisfaction Measures"
# RSH publishes the measures for every landlord owning 1,000 or more social homes.
SMALLEST_PUBLISHED = 1000


@dataclass
class LandlordYear:
    """One measure for one year: the council's figure and its peers'."""

    year: str
    value: float | None
    numerator: int | None
    denominator: int | None
    peer_median: float | None
    peer_low: float | None  # 25th percentile of council landlords
    peer_high: float | None  # 75th percentile
    peers: int


@dataclass
class LandlordMeasure:
    indicator: Indicator
    years: list[LandlordYear] = field(default_factory=list)


@dataclass
class LandlordFigures:
    """A council's TSM figures, or none (it owns fewer than 1,000 homes, or none)."""

    measures: list[LandlordMeasure]
    years: list[str]  # the years RSH published figures for, oldest first
    source: str  # "Regulator of Social Housing, Tenant Satisfaction Measures 2023-24 and 2024-25"

    @property
    def published(self) -> bool:
        return any(year.value is not None for m in self.measures for year in m.years)


def tsm_indicators() -> list[Indicator]:
    """The indicators computed from TSM counts, in declared order."""
    return [item for item in load_indicators() if "tsm" in item.numerator]


def council_landlord_figures(measures: pl.DataFrame, code: str) -> LandlordFigures:
    """Council CODE's TSM figures for each year stored, against all council landlords'.
    MEASURES is read_landlord_measures' frame."""
    rented = measures.filter(
        (pl.col("landlord_type") == "council") & (pl.col("tenure_basis") == "lcra")
    )
    starts: list[date] = sorted(rented.get_column("period_start").unique().to_list())
    years = [period_label(start, "financial_year") for start in starts]
    found = []
    for item in tsm_indicators():
        top = str(item.numerator["tsm"])
        bottom = str(item.denominator["tsm"]) if isinstance(item.denominator, dict) else ""
        values = rented.select(
            "authority_code",
            "period_start",
            pl.col(top).alias("numerator"),
            pl.col(bottom).alias("denominator"),
            pl.when(pl.col(bottom) > 0)
            .then(pl.col(top) / pl.col(bottom) * item.multiplier)
            .alias("value"),
        )
        measure = LandlordMeasure(item)
        for start, label in zip(starts, years, strict=True):
            year = values.filter(pl.col("period_start") == start)
            spread = year.get_column("value").drop_nulls()
            mine = year.filter(pl.col("authority_code") == code)
            row = mine.row(0, named=True) if mine.height else {}
            measure.years.append(
                LandlordYear(
                    year=label,
                    value=row.get("value"),
                    numerator=row.get("numerator"),
                    denominator=row.get("denominator"),
                    peer_median=spread.median() if spread.len() else None,  # type: ignore[arg-type]
                    peer_low=spread.quantile(0.25) if spread.len() else None,
                    peer_high=spread.quantile(0.75) if spread.len() else None,
                    peers=spread.len(),
                )
            )
        found.append(measure)
    source = f"{SOURCE_NAME} {' and '.join(years)}" if years else SOURCE_NAME
    return LandlordFigures(found, years, source)
