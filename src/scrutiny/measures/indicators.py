"""The national indicator set, computed per authority and period from the store.

Indicators are declared once, as data, in indicators.yaml. Each is a numerator over a
denominator, both kept in the result, so that funnel plots, SPC and readers can see the
counts behind every percentage. Complaint indicators come from case-level returns
(counted up at import, see scrutiny.returns.aggregates) and from aggregate returns alike; the
Ombudsman's come from decisions (LGSCO) and recommendations.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.core.periods import GRAINS, Grain, period_bounds
from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.aggregates import COUNTS
from scrutiny.returns.housing_ombudsman import FINDINGS
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.standard.indicators import load_indicators
from scrutiny.store.db import DATA_TABLES, complaint_counts
from scrutiny.store.read import read_frame

PERIOD = ["authority_code", "period_start", "period_end"]
RESULT_SCHEMA = {
    "authority_code": pl.String,
    "indicator": pl.String,
    "period_start": pl.Date,
    "period_end": pl.Date,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "value": pl.Float64,
}


def complaint_counts_by_period(
    engine: Engine,
    grain: Grain,
    authority_code: str | None = None,
    authority_codes: Collection[str] | None = None,
) -> pl.DataFrame:
    """Counts per authority, period and stage, from case-level and aggregate returns.

    Counts from every submission are added together (the store keeps only current
    submissions' rows: see scrutiny.store.read). Medians are combined by
    weighting each by its responses, which is exact when one submission answers them all.
    With AUTHORITY_CODE (or AUTHORITY_CODES), only those authorities' counts are read.
    """
    returns = DATA_TABLES["aggregate_returns"]
    counted = select(complaint_counts).where(complaint_counts.c.grain == grain)
    whole = select(returns).where(returns.c.service_area.is_(None))
    if authority_code is not None:
        authority_codes = [authority_code]
    if authority_codes is not None:
        counted = counted.where(complaint_counts.c.authority_code.in_(list(authority_codes)))
        whole = whole.where(returns.c.authority_code.in_(list(authority_codes)))
    case_level = read_frame(engine, counted)
    totals = read_frame(engine, whole)
    columns = [*PERIOD, "stage", *COUNTS, "working_days_to_respond_median"]
    frames = [f.select(columns) for f in (case_level, _of_grain(totals, grain)) if f.height]
    if not frames:
        return pl.DataFrame(schema=columns)
    rows = pl.concat(frames, how="vertical_relaxed")
    return rows.group_by(*PERIOD, "stage").agg(
        *[pl.col(name).fill_null(0).sum() for name in COUNTS],
        (
            (pl.col("working_days_to_respond_median") * pl.col("responded")).sum()
            / pl.col("responded")
            .filter(pl.col("working_days_to_respond_median").is_not_null())
            .sum()
        ).alias("working_days_to_respond_median"),
    )


def _of_grain(returns: pl.DataFrame, grain: Grain) -> pl.DataFrame:
    """Aggregate returns counted in the GRAIN periods that hold them.

    A return for exactly one period of GRAIN counts as it is. Returns for shorter periods
    inside one (months or quarters within a financial year) are added up, unless the
    council also sent a return for the whole period, which then stands on its own so
    nothing is counted twice. A return spanning more than one period counts in none.
    """
    if returns.is_empty():
        return returns
    start, end = period_bounds(pl.col("period_start"), grain)
    key = ["authority_code", "grain_start", "stage"]
    inside = returns.with_columns(start.alias("grain_start"), end.alias("grain_end")).filter(
        pl.col("period_end") <= pl.col("grain_end")
    )
    exact = (pl.col("period_start") == pl.col("grain_start")) & (
        pl.col("period_end") == pl.col("grain_end")
    )
    return (
        inside.with_columns(exact.alias("exact"))
        .filter(pl.col("exact") | ~pl.col("exact").any().over(key))
        .with_columns(
            pl.col("grain_start").alias("period_start"), pl.col("grain_end").alias("period_end")
        )
        .drop("grain_start", "grain_end", "exact")
    )


def _decisions_per_period(
    engine: Engine,
    grain: Grain,
    ombudsman: str,
    columns: list[str],
    counted: list[pl.Expr],
    authority_codes: Collection[str] | None = None,
) -> pl.DataFrame:
    """OMBUDSMAN's decisions (their COLUMNS) per authority and period of their decision
    date, aggregated as COUNTED (only AUTHORITY_CODES' when given)."""
    decisions = DATA_TABLES["ombudsman_decisions"]
    query = select(
        decisions.c.authority_code,
        decisions.c.decision_date,
        *[decisions.c[name] for name in columns],
    ).where(decisions.c.ombudsman == ombudsman)
    if authority_codes is not None:
        query = query.where(decisions.c.authority_code.in_(list(authority_codes)))
    rows = read_frame(engine, query)
    if rows.is_empty():
        if authority_codes is None:
            return rows
        # Typed, so these councils' empty counts have the columns the nation's have.
        rows = rows.with_columns(pl.col("decision_date").cast(pl.Date))
    start, end = period_bounds(pl.col("decision_date"), grain)
    return rows.group_by(
        "authority_code", start.alias("period_start"), end.alias("period_end")
    ).agg(*counted)


def decision_counts(
    engine: Engine, grain: Grain, authority_codes: Collection[str] | None = None
) -> pl.DataFrame:
    """LGSCO decisions per authority and period: all, investigated, upheld and more."""
    upheld = pl.col("outcome") == "upheld"
    return _decisions_per_period(
        engine,
        grain,
        "lgsco",
        ["outcome", "satisfactory_remedy_by_authority", "complaint_handling_fault"],
        [
            pl.len().alias("all"),
            pl.col("outcome").is_in(["upheld", "not_upheld"]).sum().alias("investigated"),
            upheld.sum().alias("upheld"),
            (upheld & pl.col("satisfactory_remedy_by_authority").fill_null(False))
            .sum()
            .alias("satisfactory_remedy"),
            (upheld & pl.col("complaint_handling_fault").fill_null(False))
            .sum()
            .alias("complaint_handling_fault"),
        ],
        authority_codes,
    )


def recommendation_counts(
    engine: Engine, grain: Grain, authority_codes: Collection[str] | None = None
) -> pl.DataFrame:
    """Recommendations per authority and period (of their due date), by compliance status."""
    table = DATA_TABLES["recommendations"]
    query = select(table.c.authority_code, table.c.due_date, table.c.compliance_status)
    if authority_codes is not None:
        query = query.where(table.c.authority_code.in_(list(authority_codes)))
    rows = read_frame(engine, query)
    if rows.is_empty():
        return rows
    start, end = period_bounds(pl.col("due_date"), grain)
    status = pl.col("compliance_status")
    return rows.group_by(
        "authority_code", start.alias("period_start"), end.alias("period_end")
    ).agg(
        *[
            (status == name).sum().alias(name)
            for name in ("complied", "complied_late", "not_complied")
        ]
    )


def landlord_counts(
    engine: Engine, grain: Grain, authority_codes: Collection[str] | None = None
) -> pl.DataFrame:
    """Council landlords' Tenant Satisfaction Measures counts for their rented homes, per
    authority and financial year (the only grain RSH publishes; empty for the others)."""
    if grain != "financial_year":
        return pl.DataFrame()
    measures = read_landlord_measures(engine)
    councils = (pl.col("landlord_type") == "council") & (pl.col("tenure_basis") == "lcra")
    if authority_codes is not None and measures.height:
        councils = councils & pl.col("authority_code").is_in(list(authority_codes))
    return measures.filter(councils).drop(
        "landlord_code", "landlord_name", "landlord_type", "tenure_basis", "source"
    )


def housing_finding_counts(
    engine: Engine, grain: Grain, authority_codes: Collection[str] | None = None
) -> pl.DataFrame:
    """Housing Ombudsman findings per authority and period of their decision date: a
    column for each finding (maladministration, severe_maladministration and so on)."""
    finding = pl.col("housing_ombudsman_finding")
    return _decisions_per_period(
        engine,
        grain,
        "housing_ombudsman",
        ["housing_ombudsman_finding"],
        [(finding == code).sum().alias(code) for code in FINDINGS.values()],
        authority_codes,
    )


def _sum_counts(counts: pl.DataFrame, names: list[str], stage: int | None) -> pl.DataFrame:
    rows = counts if stage is None else counts.filter(pl.col("stage") == stage)
    return rows.group_by(PERIOD).agg(pl.sum_horizontal(names).sum().alias("x"))


def _term(
    spec: dict[str, Any],
    counts: pl.DataFrame,
    decisions: pl.DataFrame,
    recommendations: pl.DataFrame,
    landlords: pl.DataFrame,
    findings: pl.DataFrame,
) -> pl.DataFrame:
    """One side of an indicator as a frame of PERIOD keys and a column x."""
    if "count" in spec:
        names = spec["count"] if isinstance(spec["count"], list) else [spec["count"]]
        return _sum_counts(counts, names, spec.get("stage"))
    if "median" in spec:
        rows = counts.filter(pl.col("stage") == spec["stage"])
        return rows.select(*PERIOD, pl.col(spec["median"]).alias("x"))
    if "tsm" in spec:
        return landlords.select(*PERIOD, pl.col(spec["tsm"]).cast(pl.Float64).alias("x"))
    if "housing_findings" in spec:
        return findings.select(
            *PERIOD, pl.sum_horizontal(spec["housing_findings"]).cast(pl.Float64).alias("x")
        )
    if "decisions" in spec:
        return decisions.select(*PERIOD, pl.col(spec["decisions"]).cast(pl.Float64).alias("x"))
    names = spec["recommendations"]
    return recommendations.select(*PERIOD, pl.sum_horizontal(names).cast(pl.Float64).alias("x"))


def compute_indicators(
    engine: Engine,
    grain: Grain = "financial_year",
    authority_codes: Collection[str] | None = None,
) -> pl.DataFrame:
    """Every indicator for every authority and period of GRAIN, with numerator and denominator.

    With AUTHORITY_CODES, only those authorities' rows (each authority's indicators come
    from its own figures alone, so they are the same rows as in the whole nation's).
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    codes = authority_codes
    counts = complaint_counts_by_period(engine, grain, authority_codes=codes)
    decisions = decision_counts(engine, grain, codes)
    recommendations = recommendation_counts(engine, grain, codes)
    landlords = landlord_counts(engine, grain, codes)
    findings = housing_finding_counts(engine, grain, codes)
    if codes is not None and findings.is_empty() and landlords.height:
        # Findings per home are 0 where none were found, if any were found anywhere: so
        # these councils' rows need the nation's answer to "were any found?".
        anywhere = not housing_finding_counts(engine, grain).is_empty()
        findings = findings if anywhere else pl.DataFrame()
    return indicators_from_counts(
        counts, decisions, recommendations, landlords, findings, findings_found=codes is not None
    )


def indicators_from_counts(
    counts: pl.DataFrame,
    decisions: pl.DataFrame,
    recommendations: pl.DataFrame,
    landlords: pl.DataFrame | None = None,
    findings: pl.DataFrame | None = None,
    *,
    findings_found: bool = False,
) -> pl.DataFrame:
    """The indicators from counted complaints, decisions, recommendations, council
    landlords' Tenant Satisfaction Measures and Housing Ombudsman FINDINGS (long format).
    A rate of findings per home is given for every landlord-year with homes owned, none
    found being 0. With FINDINGS_FOUND, an empty FINDINGS that has columns means none were
    found for these councils though some were elsewhere."""
    landlords = pl.DataFrame() if landlords is None else landlords
    findings = pl.DataFrame() if findings is None else findings
    population = load_authorities().select(
        pl.col("gss_code").alias("authority_code"), pl.col("population_2021").cast(pl.Float64)
    )
    sources = {
        "count": counts,
        "median": counts,
        "decisions": decisions,
        "recommendations": recommendations,
        "tsm": landlords,
        "housing_findings": findings,
    }
    found = []
    for item in load_indicators():
        top_kind = next(iter(item.numerator))
        sides = [top_kind] + ([] if isinstance(item.denominator, str) else [*item.denominator][:1])
        if any(_missing(sources[kind], kind, findings_found) for kind in sides):
            continue
        terms = (counts, decisions, recommendations, landlords, findings)
        top = _term(item.numerator, *terms).rename({"x": "numerator"})
        if item.denominator == "population":
            joined = top.join(population, on="authority_code").rename(
                {"population_2021": "denominator"}
            )
        else:
            assert isinstance(item.denominator, dict)
            bottom = _term(item.denominator, *terms).rename({"x": "denominator"})
            joined = (
                bottom.join(top, on=PERIOD, how="left").with_columns(
                    pl.col("numerator").fill_null(0)  # none found is 0 per home
                )
                if top_kind == "housing_findings"
                else top.join(bottom, on=PERIOD, how="full", coalesce=True)
            )
        value = (
            pl.col("numerator")
            if item.kind == "median"
            else pl.col("numerator") / pl.col("denominator") * item.multiplier
        )
        found.append(
            joined.select(
                "authority_code",
                pl.lit(item.code).alias("indicator"),
                "period_start",
                "period_end",
                pl.col("numerator").cast(pl.Float64).fill_null(0),
                pl.col("denominator").cast(pl.Float64).fill_null(0),
                pl.when(pl.col("denominator") > 0)
                .then(value)
                .otherwise(None)
                .cast(pl.Float64)
                .alias("value"),
            )
        )
    if not found:
        return pl.DataFrame(schema=RESULT_SCHEMA)
    return pl.concat(found).sort("indicator", "authority_code", "period_start")


def _missing(source: pl.DataFrame, kind: str, findings_found: bool) -> bool:
    """Whether an indicator from SOURCE (of KIND) cannot be worked out."""
    if kind == "housing_findings" and findings_found and source.width:
        return False
    return source.is_empty()


def indicator_source(code: str, data_sources: set[str]) -> str:
    """Where indicator CODE's figures come from, as one of the standard's data_source
    codes, given the DATA_SOURCES of the current returns: the social housing regulator's
    for the TSM indicators, the Housing Ombudsman's for its findings per home; otherwise
    synthetic while any current return is, else the councils' returns (complaints) or
    the Ombudsman's (decisions and recommendations)."""
    spec = next(item for item in load_indicators() if item.code == code)
    kind = next(iter(spec.numerator))
    if kind == "tsm":
        return "rsh_tsm"
    if kind == "housing_findings":
        return "housing_ombudsman"
    if "synthetic" in data_sources:
        return "synthetic"
    return "council_return" if kind in ("count", "median") else "ombudsman_return"


def with_sources(rows: pl.DataFrame, data_sources: set[str]) -> pl.DataFrame:
    """ROWS of indicator figures (an `indicator` column) with each figure's `source`."""
    codes = rows.get_column("indicator").unique().to_list() if rows.height else []
    sources = {code: indicator_source(code, data_sources) for code in codes}
    return rows.with_columns(
        pl.col("indicator").replace_strict(sources, return_dtype=pl.String).alias("source")
        if sources
        else pl.lit(None, pl.String).alias("source")
    )
