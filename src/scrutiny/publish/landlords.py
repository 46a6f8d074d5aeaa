"""The real housing figures as the reports tell them: a council's Tenant Satisfaction
Measures (scrutiny.measures.landlords) for its report's year and the year before, side by
side against every council landlord's; the sentence for a council that has none; each
year's source named in full with the Open Government Licence attribution; and, for the
national overview, every council landlord's figures and how many RSH published.

A report shows only years up to its own, so a report made again later says the same.
The words follow the council's web page, which shows the same figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from scrutiny.core.periods import period_label
from scrutiny.measures.landlords import (
    SMALLEST_PUBLISHED,
    SOURCE_NAME,
    LandlordFigures,
    LandlordMeasure,
    council_landlord_figures,
)
from scrutiny.publish.licences import OGL_ATTRIBUTION

YEARS_SHOWN = 2  # the report's year and the year before, side by side
# No council has this code: council_landlord_figures then gives only every council
# landlord's figures, which is the national table.
NO_COUNCIL = ""


def year_sources(years: list[str]) -> str:
    """Each year's source named in full: 'Regulator of Social Housing, Tenant Satisfaction
    Measures 2023-24; Regulator of Social Housing, Tenant Satisfaction Measures 2024-25'."""
    return "; ".join(f"{SOURCE_NAME} {year}" for year in years) or SOURCE_NAME


def none_held(year: str) -> str:
    """The sentence for a report whose year comes before any TSM figures held."""
    return (
        "scrutiny holds no Tenant Satisfaction Measures from the Regulator of Social Housing "
        f"for {year} or the years before."
    )


def years_up_to(measures: pl.DataFrame, start: date) -> pl.DataFrame:
    """MEASURES (read_landlord_measures' frame) for the YEARS_SHOWN latest years that
    begin on or before START."""
    starts = sorted(set(measures.filter(pl.col("period_start") <= start)["period_start"]))
    return measures.filter(pl.col("period_start").is_in(starts[-YEARS_SHOWN:]))


@dataclass(frozen=True)
class CouncilLandlord:
    """A council's real housing figures as a report shows them, or why it has none."""

    name: str
    year: str  # the report's year
    figures: LandlordFigures
    reports_elsewhere: bool  # RSH publishes the council's figures for some other year
    attribution: str = OGL_ATTRIBUTION

    @property
    def published(self) -> bool:
        return self.figures.published

    @property
    def sources(self) -> str:
        return year_sources(self.figures.years)

    @property
    def introduction(self) -> str:
        return (
            f"What {self.name} reported as a landlord to the Regulator of Social Housing about "
            "complaints from tenants of its rented homes, each year against every council "
            "landlord's figures (their median, and the middle half of them)."
        )

    @property
    def absent(self) -> str:
        """Why there are no figures, in one sentence."""
        if not self.figures.years:
            return none_held(self.year)
        if self.reports_elsewhere:
            return (
                f"The Regulator of Social Housing published no Tenant Satisfaction Measures "
                f"for {self.name} for {' or '.join(self.figures.years)} ({self.figures.source})."
            )
        return (
            f"{self.name} has no Tenant Satisfaction Measures from the Regulator of Social "
            f"Housing: it owns no council homes, or fewer than {SMALLEST_PUBLISHED:,}, so it "
            f"does not report them ({self.figures.source})."
        )


def council_landlord(measures: pl.DataFrame, code: str, name: str, start: date) -> CouncilLandlord:
    """Council CODE's (called NAME) real housing figures for the year starting START and
    the year before. MEASURES is read_landlord_measures' frame."""
    figures = council_landlord_figures(years_up_to(measures, start), code)
    councils = measures.filter(pl.col("landlord_type") == "council")
    return CouncilLandlord(
        name=name,
        year=period_label(start, "financial_year"),
        figures=figures,
        reports_elsewhere=code in set(councils["authority_code"].drop_nulls()),
    )


@dataclass(frozen=True)
class LandlordCount:
    """The landlords RSH published figures for in one year."""

    year: str
    councils: int  # council landlords
    matched: int  # of them, matched to a council's GSS code
    associations: int  # housing associations


@dataclass(frozen=True)
class NationalLandlords:
    """Every council landlord's figures, year by year, for the national overview."""

    year: str  # the report's year
    years: list[str]
    counts: list[LandlordCount]
    measures: list[LandlordMeasure]  # each year's median and middle half across councils
    attribution: str = OGL_ATTRIBUTION

    @property
    def sources(self) -> str:
        return year_sources(self.years)

    @property
    def introduction(self) -> str:
        return (
            f"What every council owning {SMALLEST_PUBLISHED:,} or more homes reported as a "
            "landlord to the Regulator of Social Housing about complaints from tenants of its "
            "rented homes: how many council landlords it published figures for and how many "
            "scrutiny matched to a council, then each measure's median across them and the "
            "middle half of their figures."
        )

    @property
    def absent(self) -> str:
        return none_held(self.year)


def national_landlords(measures: pl.DataFrame, start: date) -> NationalLandlords:
    """Every council landlord's real housing figures for the year starting START and the
    year before, and how many landlords RSH published each year."""
    shown = years_up_to(measures, start)
    spread = council_landlord_figures(shown, NO_COUNCIL)
    landlords = shown.unique(["period_start", "landlord_code"])
    councils = pl.col("landlord_type") == "council"
    counted = (
        landlords.group_by("period_start")
        .agg(
            councils.sum().alias("councils"),
            (councils & pl.col("authority_code").is_not_null()).sum().alias("matched"),
            (pl.col("landlord_type") == "housing_association").sum().alias("associations"),
        )
        .sort("period_start")
    )
    counts = [
        LandlordCount(
            period_label(row["period_start"], "financial_year"),
            row["councils"],
            row["matched"],
            row["associations"],
        )
        for row in counted.iter_rows(named=True)
    ]
    return NationalLandlords(
        period_label(start, "financial_year"), spread.years, counts, spread.measures
    )
