"""Councils: search, a page per council, and councils side by side (public)."""

from __future__ import annotations

from datetime import date

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.core.formatting import day
from scrutiny.core.periods import Grain, parse_period
from scrutiny.measures.council_figures import (
    council_benchmark_from,
    decision_summary,
    ombudsman_decisions,
    service_improvements,
    spc_series,
)
from scrutiny.measures.funnel_plot import position
from scrutiny.measures.headlines import national_headlines
from scrutiny.measures.landlords import (
    LANDLORD_PEERS,
    LandlordFigures,
    LandlordPeers,
    figures_from_rows,
    landlord_indicators,
)
from scrutiny.publish.charts import figure
from scrutiny.recommendations import measures, read_register
from scrutiny.reference.authorities import get_council, successors
from scrutiny.reference.council_search import find_councils
from scrutiny.standard.indicators import Indicator, load_indicators
from scrutiny.web import cache as keys
from scrutiny.web.chart_views import ChartView, spc_view
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


@router.get("/councils/{code}")
def council(
    request: Request,
    code: str,
    period: str | None = None,
    indicator: str | None = None,
    peers: Peers = "type",
    housing_peers: LandlordPeers = "council",
    housing_measure: str | None = None,
) -> Response:
    authority = _authority(code)
    if not authority["current"]:
        return render(request, "public/former_council.html", _former(authority))
    version = data_cache(request).version()
    label, grain, start, end = chosen_period(
        request, period, version, code=str(authority["gss_code"])
    )
    item = chosen_indicator(indicator)
    housing = (_housing_measure(housing_measure), housing_peers)
    return cached_page(
        request,
        lambda: _council_page(
            request, authority, version, (label, grain, start, end), item, peers, housing
        ),
        version,
    )


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
) -> dict[str, object]:
    """The council's real landlord figures against its chosen peers, and the funnel plot
    of one measure in the latest year the council has a figure for it."""
    item, peers = housing
    landlord: LandlordFigures = figures_from_rows(landlord_rows_of(request, version), code, peers)
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


def _council_page(
    request: Request,
    authority: dict[str, object],
    version: int,
    period: tuple[str, Grain, date, date],
    item: Indicator,
    peers: Peers,
    housing: tuple[Indicator, LandlordPeers],
) -> HTMLResponse:
    label, grain, start, end = period
    engine = request.app.state.engine
    cache = data_cache(request)
    code = str(authority["gss_code"])
    name = str(authority["name"])
    rows = indicator_rows(request, grain, version)
    benchmark = council_benchmark_from(rows, code, start, peers)
    funnel = funnel_chart_view(request, version, grain, start, label, item, code, peers)

    def build_spc() -> ChartView | None:
        quarters = indicator_rows(request, "quarter", version)
        series = spc_series(quarters, code, item.code)
        return spc_view(series, item, id="spc-chart", council=name)

    spc = cached_chart(request, keys.SpcChart(code, item.code), build_spc, version)
    decisions = ombudsman_decisions(engine, code)
    today = date.today()
    register = cache.get(keys.Register(today), lambda: read_register(engine, today), version)
    mine = register.filter(pl.col("authority_code") == code).sort("due_date", descending=True)
    compliance = cache.get(
        keys.ComplianceMeasures(today), lambda: measures(engine, today=today), version
    )
    improvements = service_improvements(engine, start, end, code)
    return render(
        request,
        "public/council.html",
        {
            "title": name,
            **_housing_section(request, version, code, housing),
            "authority": authority,
            "period": label,
            "data_note": data_note(request, version, label, code),
            # Decisions and recommendations are every year's, not only the period's: say so.
            "decision_span": _span(decisions, "decision_date"),
            "recommendation_span": _span(mine, "agreed_date"),
            "item": item,
            "peers": peers,
            "peer_name": benchmark.get_column("peer_group")[0] if benchmark.height else "",
            "benchmark": benchmark.to_dicts(),
            "names": {i.code: i for i in load_indicators()},
            "figure": figure,
            "position": position,
            "funnel": funnel,
            "spc": spc,
            "decision_counts": decision_summary(decisions).to_dicts(),
            "decisions": decisions.head(RECENT_DECISIONS).to_dicts(),
            "decision_total": decisions.height,
            "compliance": next(
                iter(compliance.filter(pl.col("authority_code") == code).to_dicts()), None
            ),
            "open_recommendations": mine.filter(pl.col("state").is_in(OPEN_STATES)).to_dicts(),
            "recent_recommendations": mine.filter(~pl.col("state").is_in(OPEN_STATES))
            .head(RECENT_RECOMMENDATIONS)
            .to_dicts(),
            "improvements": improvements.to_dicts(),
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


@router.get("/compare")
def compare(
    request: Request,
    codes: list[str] = Query(default=[]),
    period: str | None = None,
) -> Response:
    version = data_cache(request).version()
    label, grain, start, _ = chosen_period(request, period, version)
    councils = council_names()
    chosen = list(dict.fromkeys(c.strip().upper() for c in codes if c.strip()))
    unknown = [c for c in chosen if c not in councils]
    if unknown:
        raise HTTPException(400, f"Not a current council: {', '.join(unknown)}.")
    if len(chosen) > MOST_COMPARED:
        raise HTTPException(400, f"Compare at most {MOST_COMPARED} councils at once.")
    return cached_page(
        request, lambda: _compare_page(request, version, chosen, (label, grain, start)), version
    )


def _compare_page(
    request: Request, version: int, chosen: list[str], period: tuple[str, Grain, date]
) -> HTMLResponse:
    label, grain, start = period
    councils = council_names()
    rows = indicator_rows(request, grain, version)
    cache = data_cache(request)
    headlines = cache.get(
        keys.Headlines(grain, start), lambda: national_headlines(rows, start), version
    )
    columns = []
    for code in chosen:
        placed = council_benchmark_from(rows, code, start, "type")
        by_indicator = {r["indicator"]: r for r in placed.iter_rows(named=True)}
        columns.append({"code": code, "name": councils[code], "figures": by_indicator})
    slots = [*chosen, *[""] * (MOST_COMPARED - len(chosen))][: max(MOST_COMPARED, len(chosen))]
    return render(
        request,
        "public/compare.html",
        {
            "title": "Compare councils",
            "period": label,
            "data_note": data_note(request, version, label),
            "columns": columns,
            "indicators": load_indicators(),
            "england": {r["indicator"]: r for r in headlines.iter_rows(named=True)},
            "figure": figure,
            "position": position,
            "slots": [select_items({"": "Choose a council", **councils}, slot) for slot in slots],
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
