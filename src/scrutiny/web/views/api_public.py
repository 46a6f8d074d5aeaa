"""The public API: councils, indicators, benchmarks, funnel data and the recommendations register.

Everything here is public data, so no token is needed. Figures over every council come
from the app's cache, which keeps them until the data changes.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, Literal

import polars as pl
from fastapi import APIRouter, Depends, Query, Request

from scrutiny.core.periods import Grain, period_label
from scrutiny.measures.benchmarking import council_benchmark, indicator_benchmark
from scrutiny.measures.indicators import with_sources
from scrutiny.publish.opendata import resolve_period
from scrutiny.recommendations import STATES, measures, read_register
from scrutiny.reference.authorities import get_council, load_authorities
from scrutiny.reference.peers import TIERS, NamedPeerMethod, PeerError, describe_methods
from scrutiny.standard.indicators import indicator, load_indicators
from scrutiny.web import cache as keys
from scrutiny.web.api_common import (
    CSV_RESPONSE,
    Page,
    Paging,
    csv_response,
    page_of,
    records,
    refuse,
)
from scrutiny.web.api_models import (
    Authority,
    CouncilBenchmark,
    Funnel,
    IndicatorDefinition,
    IndicatorValue,
    Recommendation,
)
from scrutiny.web.requests import covered_periods, data_cache, data_sources, indicator_rows
from scrutiny.web.security import AskFirst

router = APIRouter(route_class=AskFirst)

CouncilType = StrEnum("CouncilType", {t: t for t in TIERS})  # type: ignore[misc]
Region = StrEnum(  # type: ignore[misc]
    "Region", {r: r for r in sorted(load_authorities()["region"].drop_nulls().unique())}
)
IndicatorCode = StrEnum(  # type: ignore[misc]
    "IndicatorCode", {i.code: i.code for i in load_indicators()}
)
State = StrEnum("State", {s: s for s in STATES})  # type: ignore[misc]
Peers = NamedPeerMethod
PEERS_HELP = describe_methods()
Format = Literal["json", "csv"]
PERIOD_HELP = "2024-25 (financial year), 2024-25 Q1 (April to June) or 2024-06 (a month)"
# The register's public columns are the API's Recommendation model, in its order.
REGISTER_COLUMNS = list(Recommendation.model_fields)


def _period(request: Request, text: str | None, grain: Grain = "financial_year") -> str:
    """Period TEXT as people write it, or the latest period of GRAIN complete nationally
    (scrutiny.measures.coverage); 422 if none."""
    if not text:
        latest = covered_periods(request, data_cache(request).version()).latest_complete(grain)
        if latest is None:
            raise refuse(422, "there are no figures yet")
        return period_label(latest[0], grain)
    try:
        found, start = resolve_period(text)
    except ValueError as error:
        raise refuse(422, str(error)) from None
    return period_label(start, found)


@router.get("/authorities", response_model=Page[Authority], tags=["councils"])
def authorities(
    request: Request,
    type: CouncilType | None = Query(None, description="Only councils of this type"),
    region: Region | None = Query(None, description="Only councils in this English region"),
    q: str | None = Query(None, max_length=200, description="Name or GSS code contains this"),
    current: bool = Query(True, description="Only councils that exist today"),
    paging: Paging = Depends(),
) -> dict[str, Any]:
    """English principal councils, by GSS code, with their reference data."""
    found = load_authorities()
    if current:
        found = found.filter("current")
    if type is not None:
        found = found.filter(pl.col("type") == type.value)
    if region is not None:
        found = found.filter(pl.col("region") == region.value)
    if q and q.strip():
        needle = q.strip().lower()
        found = found.filter(
            pl.col("name").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("gss_code").str.to_lowercase().str.contains(needle, literal=True)
        )
    return page_of(request, found.sort("gss_code"), paging)


@router.get("/authorities/{code}", response_model=Authority, tags=["councils"])
def authority(code: str) -> dict[str, Any]:
    """One council, current or former, by GSS code."""
    return records(pl.DataFrame([get_council(code.strip().upper(), former=True)]))[0]


@router.get("/indicators", response_model=list[IndicatorDefinition], tags=["indicators"])
def indicator_definitions() -> list[dict[str, Any]]:
    """The national indicator set: how each indicator is worked out."""
    return [item.__dict__ for item in load_indicators()]


@router.get(
    "/indicators/values",
    response_model=Page[IndicatorValue],
    responses=CSV_RESPONSE,
    tags=["indicators"],
)
def indicator_values(
    request: Request,
    indicator: IndicatorCode | None = Query(None, description="Only this indicator"),
    authority: str | None = Query(None, max_length=20, description="Only this council"),
    grain: Grain | None = Query(None, description="Periods of this length (financial_year)"),
    period: str | None = Query(None, max_length=40, description=f"Only this period: {PERIOD_HELP}"),
    format: Format = Query("json", description="csv: every matching row as CSV"),
    paging: Paging = Depends(),
) -> Any:
    """Indicator values per council and period, with numerators and denominators."""
    start = None
    chosen: Grain = grain or "financial_year"
    if period:
        try:
            found, start = resolve_period(period)
        except ValueError as error:
            raise refuse(422, str(error)) from None
        if grain and grain != found:
            raise refuse(
                422, f"the period {period!r} is a {found.replace('_', ' ')}, not a {grain}"
            )
        chosen = found
    values = indicator_rows(request, chosen)
    if indicator is not None:
        values = values.filter(pl.col("indicator") == indicator.value)
    if authority:
        values = values.filter(pl.col("authority_code") == authority.strip().upper())
    if start is not None:
        values = values.filter(pl.col("period_start") == start)
    labels = {s: period_label(s, chosen) for s in values["period_start"].unique().to_list()}
    values = with_sources(values, data_sources(request)).select(
        "authority_code",
        "indicator",
        pl.lit(chosen).alias("grain"),
        pl.col("period_start").replace_strict(labels, return_dtype=pl.String).alias("period"),
        "period_start",
        "period_end",
        "numerator",
        "denominator",
        "value",
        "source",
    )
    if format == "csv":
        return csv_response(values, "indicator_values.csv")
    return page_of(request, values, paging)


@router.get("/benchmarks/{code}", response_model=CouncilBenchmark, tags=["benchmarks"])
def benchmark(
    request: Request,
    code: str,
    period: str | None = Query(None, max_length=40, description=f"{PERIOD_HELP}; default latest"),
    peers: Peers = Query(
        "type",
        description=f"The council's peer group: {PEERS_HELP}",
    ),
) -> dict[str, Any]:
    """Every indicator for one council, placed among its peers (never ranked)."""
    code = code.strip().upper()
    council = get_council(code)
    label = _period(request, period)
    engine = request.app.state.engine
    try:
        rows = data_cache(request).get(
            keys.Benchmark(code, label, peers),
            lambda: council_benchmark(engine, code, label, peers),
        )
    except PeerError as error:
        raise refuse(404, str(error)) from None
    today = date.today()
    compliance = (
        data_cache(request)
        .get(keys.ComplianceMeasures(today), lambda: measures(engine, today=today))
        .filter(pl.col("authority_code") == code)
    )
    return {
        "authority_code": code,
        "name": council["name"],
        "period": label,
        "peers": peers,
        "compliance": compliance["compliance_headline"][0] if compliance.height else None,
        "indicators": records(with_sources(rows, data_sources(request))),
    }


@router.get("/funnel/{indicator_code}", response_model=Funnel, tags=["benchmarks"])
def funnel(
    request: Request,
    indicator_code: str,
    period: str | None = Query(None, max_length=40, description=f"{PERIOD_HELP}; default latest"),
    peers: Peers = Query("type", description=f"Each council's peer group: {PEERS_HELP}"),
) -> dict[str, Any]:
    """One indicator for every council, each placed on the funnel of its own peer group."""
    try:
        item = indicator(indicator_code)
    except KeyError as error:
        raise refuse(404, str(error).strip('"')) from None
    label = _period(request, period)
    engine = request.app.state.engine
    rows = data_cache(request).get(
        keys.IndicatorBenchmark(item.code, label, peers),
        lambda: indicator_benchmark(engine, item.code, label, peers),
    )
    return {
        "indicator": item.code,
        "name": item.name,
        "unit": item.unit,
        "direction": item.direction,
        "period": label,
        "peers": peers,
        "points": records(with_sources(rows, data_sources(request))),
    }


@router.get(
    "/recommendations",
    response_model=Page[Recommendation],
    responses=CSV_RESPONSE,
    tags=["recommendations"],
)
def recommendations(
    request: Request,
    authority: str | None = Query(None, max_length=20, description="Only this council"),
    status: State | None = Query(None, description="Only recommendations in this state"),
    overdue: bool | None = Query(None, description="Only those overdue (true) or not (false)"),
    format: Format = Query("json", description="csv: every matching row as CSV"),
    paging: Paging = Depends(),
) -> Any:
    """The public register of Ombudsman recommendations and whether councils complied."""
    today = date.today()
    engine = request.app.state.engine
    register = (
        data_cache(request)
        .get(keys.Register(today), lambda: read_register(engine, today))
        .select(REGISTER_COLUMNS)
    )
    if authority:
        register = register.filter(pl.col("authority_code") == authority.strip().upper())
    if status is not None:
        register = register.filter(pl.col("state") == status.value)
    if overdue is not None:
        register = register.filter(pl.col("overdue") == overdue)
    register = register.sort("authority_code", "due_date", "decision_ref", "recommendation_number")
    if format == "csv":
        return csv_response(register, "recommendations.csv")
    return page_of(request, register, paging)
