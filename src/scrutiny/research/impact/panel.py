"""The panel: one outcome per authority and period, for one service area.

Complaint outcomes come from case-level complaints in the store, by financial quarter:
stage 1 complaints received per 10,000 residents (by date received), the share of stage 1
complaints upheld or partly upheld and the share answered within the Code's timescale
(both by date answered). The outside outcome for special educational needs is the DfE's
share of EHC plans issued within 20 weeks, by calendar year, shipped as reference data.

Periods are whole numbers so event time is a subtraction: the quarter index of
scrutiny.core.periods (4 x year + (month - 1) // 3 of the quarter's first day; financial
quarters begin in April, July, October and January, as calendar quarters do), and for
years the calendar year itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Literal

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.core.errors import Invalid
from scrutiny.core.periods import quarter_index
from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.code_clock import code_clock
from scrutiny.standard import load_standard, polars_schema
from scrutiny.store.db import DATA_TABLES
from scrutiny.store.read import read_frame

StudyGrain = Literal["quarter", "year"]  # financial quarters, or calendar years
PANEL_SCHEMA = {
    "authority_code": pl.String,
    "period": pl.Int64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
}
EHC_FILE_NAME = "ehc_timeliness.csv"
COMPLAINT_COLUMNS = (
    "authority_code",
    "stage",
    "received_date",
    "acknowledged_date",
    "responded_date",
    "extension_working_days",
    "acceptance",
    "outcome",
)


@dataclass(frozen=True)
class ServiceArea:
    """A service area as the study names it, and the standard's codes behind it."""

    name: str
    label: str
    area: str  # the standard's service_area code
    subarea: str | None = None  # the standard's service_subarea code, if narrower


SERVICE_AREAS = {
    "send": ServiceArea(
        "send",
        "special educational needs",
        "education_and_childrens_services",
        "special_educational_needs",
    ),
    "adult_care": ServiceArea("adult_care", "adult social care", "adult_care_services"),
    "childrens": ServiceArea(
        "childrens", "education and children's services", "education_and_childrens_services"
    ),
    "housing": ServiceArea("housing", "housing", "housing"),
    "benefits_and_tax": ServiceArea("benefits_and_tax", "benefits and tax", "benefits_and_tax"),
    "planning": ServiceArea("planning", "planning and development", "planning_and_development"),
    "highways": ServiceArea("highways", "highways and transport", "highways_and_transport"),
    "environment": ServiceArea(
        "environment", "environment and public protection", "environment_and_public_protection"
    ),
    "corporate": ServiceArea(
        "corporate", "corporate and other services", "corporate_and_other_services"
    ),
}


@dataclass(frozen=True)
class Outcome:
    """An outcome: what it measures, its unit, its grain and which way is better."""

    name: str
    label: str
    unit: str
    grain: StudyGrain
    better: str  # higher, lower or neither


OUTCOMES = {
    "complaints": Outcome(
        "complaints", "Stage 1 complaints per 10,000 residents", "per 10,000 residents",
        "quarter", "neither",
    ),
    "upheld": Outcome(
        "upheld", "Stage 1 complaints upheld or partly upheld", "percent", "quarter", "neither"
    ),
    "on_time": Outcome(
        "on_time", "Stage 1 responses within the Code's timescale", "percent", "quarter",
        "higher",
    ),
    "ehc_20_weeks": Outcome(
        "ehc_20_weeks", "EHC plans issued within 20 weeks", "percent", "year", "higher"
    ),
}  # fmt: skip


class ImpactError(Invalid, ValueError):
    """A study that cannot be run as asked (unknown service area or outcome, no data)."""


def service_area(name: str) -> ServiceArea:
    """The service area called NAME, with a helpful error for a wrong one."""
    if name not in SERVICE_AREAS:
        raise ImpactError(f"service area must be one of {', '.join(SERVICE_AREAS)}, not {name!r}")
    return SERVICE_AREAS[name]


def outcome(name: str) -> Outcome:
    """The outcome called NAME, with a helpful error for a wrong one."""
    if name not in OUTCOMES:
        raise ImpactError(f"outcome must be one of {', '.join(OUTCOMES)}, not {name!r}")
    return OUTCOMES[name]


def read_service_complaints(engine: Engine, area: ServiceArea) -> pl.DataFrame:
    """The stored complaints about AREA, with the columns the Code clock needs."""
    table = DATA_TABLES["complaints"]
    typed = polars_schema(load_standard().table("complaints"))
    query = select(*(table.c[n] for n in COMPLAINT_COLUMNS)).where(
        table.c.service_area == area.area
    )
    if area.subarea is not None:
        query = query.where(table.c.service_subarea == area.subarea)
    # Typed by the standard, so a blank column (or no rows at all) has the columns' types.
    return read_frame(engine, query).cast({n: typed[n] for n in COMPLAINT_COLUMNS})


def reporting_quarters(engine: Engine) -> pl.DataFrame:
    """Each authority's quarters with any case-level complaints stored, in any service.

    A council with no complaint about a service in a quarter it sent a return for has a
    count of zero; in a quarter it sent nothing for, the count is unknown, not zero.
    """
    from scrutiny.store.db import complaint_counts

    rows = read_frame(
        engine,
        select(complaint_counts.c.authority_code, complaint_counts.c.period_start)
        .where(complaint_counts.c.grain == "quarter")
        .distinct(),
    )
    if rows.is_empty():
        return pl.DataFrame(schema={"authority_code": pl.String, "period": pl.Int64})
    return rows.select(
        pl.col("authority_code").cast(pl.String),
        quarter_index(pl.col("period_start").cast(pl.Date)).alias("period"),
    ).unique()


def complaint_panel(complaints: pl.DataFrame, reporting: pl.DataFrame, name: str) -> pl.DataFrame:
    """The complaint outcome NAME per authority and quarter, from COMPLAINTS (one area's).

    complaints: stage 1 received per 10,000 residents (Census 2021), zero in a reporting
    quarter with none; upheld: upheld or partly upheld over all decided (accepted and
    upheld, partly upheld or not upheld); on_time: answered within the Code's timescale,
    extensions included, over all answered. Value is blank when the denominator is 0.
    """
    stage1 = complaints.filter(pl.col("stage") == 1)
    if name == "complaints":
        counted = stage1.group_by(
            "authority_code", quarter_index(pl.col("received_date")).alias("period")
        ).agg(pl.len().cast(pl.Float64).alias("numerator"))
        population = load_authorities().select(
            pl.col("gss_code").alias("authority_code"),
            pl.col("population_2021").cast(pl.Float64).alias("denominator"),
        )
        rows = (
            reporting.join(counted, on=["authority_code", "period"], how="full", coalesce=True)
            .with_columns(pl.col("numerator").fill_null(0.0))
            .join(population, on="authority_code")
            .with_columns((pl.col("numerator") / pl.col("denominator") * 10_000).alias("value"))
        )
        return _typed(rows)
    answered = stage1.filter(pl.col("responded_date").is_not_null())
    period = quarter_index(pl.col("responded_date")).alias("period")
    if name == "upheld":
        decided = answered.filter(
            (pl.col("acceptance") == "accepted")
            & pl.col("outcome").is_in(["upheld", "partly_upheld", "not_upheld"])
        )
        rows = decided.group_by("authority_code", period).agg(
            pl.col("outcome").is_in(["upheld", "partly_upheld"]).sum().alias("numerator"),
            pl.len().alias("denominator"),
        )
    elif name == "on_time":
        if answered.is_empty():
            return pl.DataFrame(schema=PANEL_SCHEMA)
        as_of = answered.get_column("responded_date").max()
        assert isinstance(as_of, date)
        clocked = code_clock(answered, as_of)
        rows = clocked.group_by("authority_code", period).agg(
            pl.col("responded_on_time").fill_null(False).sum().alias("numerator"),
            pl.len().alias("denominator"),
        )
    else:
        raise ImpactError(f"{name!r} is not a complaint outcome")
    return _typed(
        rows.with_columns((100 * pl.col("numerator") / pl.col("denominator")).alias("value"))
    )


def ehc_panel() -> pl.DataFrame:
    """The share of EHC plans issued within 20 weeks, per council and calendar year (percent)."""
    path = resources.files("scrutiny.reference") / "data" / EHC_FILE_NAME
    rows = pl.read_csv(
        path.read_bytes(),
        schema={
            "gss_code": pl.String,
            "calendar_year": pl.Int64,
            "plans_issued": pl.Int64,
            "plans_within_20_weeks": pl.Int64,
            "share_within_20_weeks": pl.Float64,
        },
    )
    return _typed(
        rows.select(
            pl.col("gss_code").alias("authority_code"),
            pl.col("calendar_year").alias("period"),
            pl.col("plans_within_20_weeks").alias("numerator"),
            pl.col("plans_issued").alias("denominator"),
            pl.col("share_within_20_weeks").alias("value"),
        )
    )


def outcome_panel(engine: Engine, area: ServiceArea, measure: Outcome) -> pl.DataFrame:
    """The panel of MEASURE for AREA: authority_code, period, numerator, denominator, value."""
    if measure.name == "ehc_20_weeks":
        if area.name != "send":
            raise ImpactError("the EHC plan outcome is only for special educational needs (send)")
        return ehc_panel()
    complaints = read_service_complaints(engine, area)
    reporting = reporting_quarters(engine) if measure.name == "complaints" else None
    if reporting is None:
        reporting = pl.DataFrame(schema={"authority_code": pl.String, "period": pl.Int64})
    return complaint_panel(complaints, reporting, measure.name)


def _typed(rows: pl.DataFrame) -> pl.DataFrame:
    """ROWS in the panel's columns and types, blank values where the denominator is 0."""
    return (
        rows.select(pl.col(n).cast(t) for n, t in PANEL_SCHEMA.items())
        .with_columns(
            pl.when(pl.col("denominator") > 0).then(pl.col("value")).otherwise(None).alias("value")
        )
        .sort("authority_code", "period")
    )
