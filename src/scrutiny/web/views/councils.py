"""Councils: search, a page per council, and councils side by side (public)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.core.formatting import day
from scrutiny.core.periods import Grain, parse_period
from scrutiny.measures.council_figures import (
    council_benchmark_from,
    decision_summary,
    decisions_by_service_area,
    ombudsman_decisions,
    service_improvements,
    spc_series,
)
from scrutiny.measures.headlines import national_headlines
from scrutiny.measures.landlords import (
    LANDLORD_PEERS,
    LandlordFigures,
    LandlordPeers,
    figures_from_rows,
    landlord_indicators,
)
from scrutiny.measures.sources import council_sources, indicator_sources, sources_in_words
from scrutiny.measures.trends import council_trends, trend_years
from scrutiny.publish.charts import figure
from scrutiny.publish.council_download import (
    CouncilPageFigures,
    compare_download,
    council_download,
)
from scrutiny.recommendations import measures, read_register
from scrutiny.reference.authorities import get_council, successors
from scrutiny.reference.council_search import find_councils
from scrutiny.standard.indicators import Indicator, load_indicators
from scrutiny.web import cache as keys
from scrutiny.web.chart_views import spc_view, trends_view
from scrutiny.web.downloads import csv_download
from scrutiny.web.pages import render
from scrutiny.web.requests import (
    PEER_CHOICES,
    Peers,
    cached_chart,
    cached_page,
    chosen_indicator,
    chosen_period,
    council_names,
    data_cache,
    data_note,
    data_sources,
    funnel_chart_view,
    indicator_rows,
    landlord_funnel_view,
    landlord_rows_of,
    period_items,
    select_items,
)
from scrutiny.web.security import AskFirst, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)

RECENT_DECISIONS = 20
RECENT_RECOMMENDATIONS = 10
MOST_COMPARED = 4
OPEN_STATES = ("agreed", "due", "evidence_submitted")
DEFAULT_HOUSING_MEASURE = "tsm_stage1_within_timescale"


@router.get("/councils")
def search(request: Request, q: str = "") -> Response:
    found = find_councils(q)
    return render(
        request,
        "public/search.html",
        {
            "title": "Find a council",
            "q": q,
            "councils": found.filter("current").to_dicts(),
            "former": found.filter(~pl.col("current")).to_dicts(),
        },
    )


# The period (label, grain, start, end), indicator, peers, and housing measure and peers.
Chosen = tuple[tuple[str, Grain, date, date], Indicator, Peers, tuple[Indicator, LandlordPeers]]


@dataclass(frozen=True)
class CouncilChoices:
    """What a visitor chose on a council's page (its query string), for the page and its
    CSV alike."""

    period: str | None = None
    indicator: str | None = None
    peers: Peers = "type"
    housing_peers: LandlordPeers = "council"
    housing_measure: str | None = None


# Declared before the page: "/councils/{code}" would otherwise take "E06000047.csv" as a code.
@router.get("/councils/{code}.csv")
def council_csv(
    request: Request, code: str, choices: Annotated[CouncilChoices, Depends()]
) -> Response:
    """Every figure on the council's page, as the page's choices give them, as a CSV."""
    authority = _authority(code)
    if not authority["current"]:
        raise HTTPException(404, f"{authority['name']} no longer exists: it has no figures.")
    version = data_cache(request).version()
    page = _council_figures(request, authority, version, _chosen(request, authority, choices))
    return csv_download(council_download(page), f"{authority['gss_code']}-{page.period}.csv")


@router.get("/councils/{code}")
def council(request: Request, code: str, choices: Annotated[CouncilChoices, Depends()]) -> Response:
    authority = _authority(code)
    if not authority["current"]:
        return render(request, "public/former_council.html", _former(authority))
    version = data_cache(request).version()
    chosen = _chosen(request, authority, choices)
    return cached_page(request, lambda: _council_page(request, authority, version, chosen), version)


def _chosen(request: Request, authority: dict[str, object], choices: CouncilChoices) -> Chosen:
    """The period, indicator, peers and housing measure and peers CHOICES ask for (a 400
    for one that cannot be read, NoFigures for a period with none)."""
    version = data_cache(request).version()
    period = chosen_period(request, choices.period, version, code=str(authority["gss_code"]))
    housing = (_housing_measure(choices.housing_measure), choices.housing_peers)
    return period, chosen_indicator(choices.indicator), choices.peers, housing


def _housing_measure(code: str | None) -> Indicator:
    """The landlord measure chosen for the housing funnel plot (a 400 for one unknown)."""
    measures = {item.code: item for item in landlord_indicators()}
    if code is None:
        return measures[DEFAULT_HOUSING_MEASURE]
    if code not in measures:
        raise HTTPException(
            400, f"Not a housing measure: {code}. Choose one of {', '.join(measures)}."
        )
    return measures[code]


def _housing_section(
    request: Request,
    version: int,
    code: str,
    housing: tuple[Indicator, LandlordPeers],
    landlord: LandlordFigures,
) -> dict[str, object]:
    """The council's real LANDLORD figures against its chosen peers, and the funnel plot
    of one measure in the latest year the council has a figure for it."""
    item, peers = housing
    chosen = next((m for m in landlord.measures if m.indicator.code == item.code), None)
    latest = (
        next((y for y in reversed(chosen.years) if y.value is not None), None) if chosen else None
    )
    funnel = None
    if latest is not None:
        start = parse_period(latest.year)[1]
        funnel = landlord_funnel_view(request, version, item, start, code, peers)
    return {
        "landlord": landlord,
        "housing_item": item,
        "housing_year": latest.year if latest else None,
        "housing_funnel": funnel,
        "housing_peers": peers,
    }


def _authority(code: str) -> dict[str, object]:
    return get_council(code.strip().upper(), former=True)


def _former(authority: dict[str, object]) -> dict[str, object]:
    return {
        "title": str(authority["name"]),
        "authority": authority,
        "successors": successors(authority),
    }


def _council_figures(
    request: Request, authority: dict[str, object], version: int, chosen: Chosen
) -> CouncilPageFigures:
    """The figures on council AUTHORITY's page, for the page and its CSV alike."""
    (label, grain, start, end), item, peers, housing = chosen
    engine = request.app.state.engine
    cache = data_cache(request)
    code = str(authority["gss_code"])
    today = date.today()
    decisions = ombudsman_decisions(engine, code)
    compliance = cache.get(
        keys.ComplianceMeasures(today, code),
        lambda: measures(engine, today=today, authority_code=code),
        version,
    )
    sources = cache.get(keys.CouncilSources(code), lambda: council_sources(engine, code), version)
    landlord = figures_from_rows(landlord_rows_of(request, version), code, housing[1])
    return CouncilPageFigures(
        period=label,
        trends=council_trends(indicator_rows(request, "financial_year", version), code, start),
        indicator_sources=indicator_sources(sources),
        benchmark=council_benchmark_from(
            indicator_rows(request, grain, version), code, start, peers
        ),
        spc=spc_series(indicator_rows(request, "quarter", version), code, item.code),
        spc_indicator=item.code,
        decisions=decisions,
        decision_span=_span(decisions, "decision_date"),
        decision_counts=decision_summary(decisions),
        decision_areas=decisions_by_service_area(decisions),
        compliance=next(iter(compliance.filter(pl.col("authority_code") == code).to_dicts()), None),
        improvements=service_improvements(engine, start, end, code),
        landlord=landlord,
        sources=sources,
    )


def _council_page(
    request: Request, authority: dict[str, object], version: int, chosen: Chosen
) -> HTMLResponse:
    (label, grain, start, _), item, peers, housing = chosen
    engine = request.app.state.engine
    cache = data_cache(request)
    code = str(authority["gss_code"])
    name = str(authority["name"])
    page = _council_figures(request, authority, version, chosen)
    funnel = funnel_chart_view(request, version, grain, start, label, item, code, peers)
    spc = cached_chart(
        request,
        keys.SpcChart(code, item.code),
        lambda: spc_view(page.spc, item, id="spc-chart", council=name),
        version,
    )
    years = trend_years(start)
    trends = cached_chart(
        request,
        keys.TrendChart(code, years[-1]),
        lambda: trends_view(
            page.trends, years, page.indicator_sources, id="trends-chart", council=name
        ),
        version,
    )
    decisions = page.decisions
    today = date.today()
    register = cache.get(
        keys.Register(today, code),
        lambda: read_register(engine, today, authority_code=code),
        version,
    )
    mine = register.sort("due_date", descending=True)
    query = {"period": label, "indicator": item.code, "peers": peers}
    query |= {"housing_peers": housing[1], "housing_measure": housing[0].code}
    return render(
        request,
        "public/council.html",
        {
            "title": name,
            **_housing_section(request, version, code, housing, page.landlord),
            "authority": authority,
            "period": label,
            "data_note": data_note(request, version, label, code),
            "csv_query": query,
            # Decisions and recommendations are every year's, not only the period's: say so.
            "decision_span": page.decision_span,
            "recommendation_span": _span(mine, "agreed_date"),
            "item": item,
            "peers": peers,
            "peer_name": page.benchmark.get_column("peer_group")[0]
            if page.benchmark.height
            else "",
            "benchmark": page.benchmark.to_dicts(),
            "names": {i.code: i for i in load_indicators()},
            "figure": figure,
            "funnel": funnel,
            "spc": spc,
            "trends": trends,
            "trend_years": years,
            "sources": page.sources.to_dicts(),
            "decision_counts": page.decision_counts.to_dicts(),
            "decision_areas": page.decision_areas.to_dicts(),
            "decisions": decisions.head(RECENT_DECISIONS).to_dicts(),
            "decision_total": decisions.height,
            "compliance": page.compliance,
            "open_recommendations": mine.filter(pl.col("state").is_in(OPEN_STATES)).to_dicts(),
            "recent_recommendations": mine.filter(~pl.col("state").is_in(OPEN_STATES))
            .head(RECENT_RECOMMENDATIONS)
            .to_dicts(),
            "improvements": page.improvements.to_dicts(),
            "choices": {
                "period": period_items(request, version, label),
                "indicator": select_items({i.code: i.name for i in load_indicators()}, item.code),
                "peers": select_items(PEER_CHOICES, peers),
                "housing_measure": select_items(
                    {i.code: i.name for i in landlord_indicators()}, housing[0].code
                ),
                "housing_peers": select_items(
                    {k: v[0].upper() + v[1:] for k, v in LANDLORD_PEERS.items()}, housing[1]
                ),
            },
        },
    )


@router.get("/compare.csv")
def compare_csv(
    request: Request, codes: list[str] = Query(default=[]), period: str | None = None
) -> Response:
    """The compare page's figures as a CSV."""
    version = data_cache(request).version()
    label, grain, start, _ = chosen_period(request, period, version)
    chosen = _compared(codes)
    columns, england = _compare_figures(request, version, chosen, (label, grain, start))
    sources = sources_in_words(data_sources(request))
    frame = compare_download(columns, england, label, sources)
    return csv_download(frame, f"compare-{'-'.join(chosen) or 'none'}-{label}.csv")


@router.get("/compare")
def compare(
    request: Request,
    codes: list[str] = Query(default=[]),
    period: str | None = None,
) -> Response:
    version = data_cache(request).version()
    label, grain, start, _ = chosen_period(request, period, version)
    chosen = _compared(codes)
    return cached_page(
        request, lambda: _compare_page(request, version, chosen, (label, grain, start)), version
    )


def _compared(codes: list[str]) -> list[str]:
    """The councils asked for, once each (a 400 for an unknown one or too many)."""
    councils = council_names()
    chosen = list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))
    unknown = [c for c in chosen if c not in councils]
    if unknown:
        raise HTTPException(400, f"Not a current council: {', '.join(unknown)}.")
    if len(chosen) > MOST_COMPARED:
        raise HTTPException(400, f"Compare at most {MOST_COMPARED} councils at once.")
    return chosen


def _compare_figures(
    request: Request, version: int, chosen: list[str], period: tuple[str, Grain, date]
) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Each chosen council's benchmark by indicator, and England's headline figures."""
    _, grain, start = period
    councils = council_names()
    rows = indicator_rows(request, grain, version)
    headlines = data_cache(request).get(
        keys.Headlines(grain, start), lambda: national_headlines(rows, start), version
    )
    columns = []
    for code in chosen:
        placed = council_benchmark_from(rows, code, start, "type")
        by_indicator = {r["indicator"]: r for r in placed.iter_rows(named=True)}
        columns.append({"code": code, "name": councils[code], "figures": by_indicator})
    return columns, {r["indicator"]: r for r in headlines.iter_rows(named=True)}


def _compare_page(
    request: Request, version: int, chosen: list[str], period: tuple[str, Grain, date]
) -> HTMLResponse:
    label = period[0]
    columns, england = _compare_figures(request, version, chosen, period)
    slots = [*chosen, *[""] * (MOST_COMPARED - len(chosen))][: max(MOST_COMPARED, len(chosen))]
    return render(
        request,
        "public/compare.html",
        {
            "title": "Compare councils",
            "period": label,
            "data_note": data_note(request, version, label),
            "columns": columns,
            "csv_href": "/compare.csv?" + urlencode({"codes": chosen, "period": label}, doseq=True),
            "indicators": load_indicators(),
            "england": england,
            "figure": figure,
            "slots": [
                select_items({"": "Choose a council", **council_names()}, slot) for slot in slots
            ],
            "periods": period_items(request, version, label),
        },
    )


def _span(rows: pl.DataFrame, column: str) -> str:
    """'from 2 April 2020 to 28 March 2025': the dates ROWS run over, or '' for none."""
    if rows.is_empty() or column not in rows.columns:
        return ""
    days = rows.get_column(column).drop_nulls()
    if days.is_empty():
        return ""
    return f"from {day(days.min())} to {day(days.max())}"
