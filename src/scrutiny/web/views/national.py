"""The national picture: headline indicators, their spread and funnel plots (public).

Figures over every council are computed once per data version and kept in the app's
DataCache; the helpers here are shared with the council pages.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.core.periods import Grain, parse_period, period_label
from scrutiny.measures.funnel_plot import funnel_plot
from scrutiny.measures.headlines import distribution, national_headlines, periods_with_data
from scrutiny.measures.indicators import compute_indicators
from scrutiny.publish.charts import figure
from scrutiny.reference.authorities import search_authorities
from scrutiny.reference.peers import NAMED_METHODS, PEER_METHODS, NamedPeerMethod
from scrutiny.standard.indicators import Indicator, indicator, load_indicators
from scrutiny.web.charts import ChartView, cached_chart, distribution_view, funnel_view
from scrutiny.web.pages import render
from scrutiny.web.security import csrf_protect, session_user

router = APIRouter(dependencies=[Depends(csrf_protect)])

# The peer groups a visitor can choose: every method that needs no list of codes.
Peers = NamedPeerMethod
PEER_CHOICES: dict[str, str] = {method: PEER_METHODS[method] for method in NAMED_METHODS}
DEFAULT_INDICATOR = "stage1_on_time"


def cached_page(request: Request, build: Callable[[], HTMLResponse], version: int) -> Response:
    """A public page, rendered once per data version, address and kind of visitor.

    Everything on these pages is public and the same for every visitor except the
    navigation, which depends only on the visitor's role and authority. The day is in
    the key because whether a recommendation is overdue changes at midnight.
    """
    user = session_user(request)
    visitor = (user.role, user.authority_code) if user else None
    key = ("page", request.url.path, str(request.url.query), visitor, date.today())
    body: bytes = request.app.state.cache.get(key, lambda: bytes(build().body), version)
    return HTMLResponse(body)


def indicator_rows(request: Request, grain: Grain, version: int) -> pl.DataFrame:
    """Every indicator for every council and period of GRAIN, computed once per version."""
    engine = request.app.state.engine
    rows: pl.DataFrame = request.app.state.cache.get(
        ("indicators", grain), lambda: compute_indicators(engine, grain), version
    )
    return rows


def year_options(request: Request, version: int) -> list[str]:
    """Financial years with complaints received, newest first, as people write them."""
    rows = indicator_rows(request, "financial_year", version)
    return [period_label(start, "financial_year") for start in periods_with_data(rows)]


def period_items(request: Request, version: int, label: str) -> list[dict[str, object]]:
    """The period select's items: financial years with data, and LABEL if not one of them."""
    periods = year_options(request, version)
    return select_items({p: p for p in ([] if label in periods else [label]) + periods}, label)


def chosen_period(
    request: Request, period: str | None, version: int
) -> tuple[str, Grain, date, date]:
    """The period asked for (label, grain, start, end), else the latest financial year
    with data."""
    if not period:
        options = year_options(request, version)
        period = options[0] if options else period_label(date.today(), "financial_year")
    try:
        grain, start, end = parse_period(period)
    except ValueError as error:
        raise HTTPException(400, str(error)) from None
    if grain == "month":
        raise HTTPException(400, "Choose a financial year (2024-25) or a quarter (2024-25 Q1).")
    return period_label(start, grain), grain, start, end


def chosen_indicator(code: str | None) -> Indicator:
    try:
        return indicator(code or DEFAULT_INDICATOR)
    except KeyError:
        raise HTTPException(400, f"There is no indicator called {code!r}.") from None


def council_names() -> dict[str, str]:
    """Every current council's name by code, in name order."""
    councils = search_authorities().sort("name")
    return dict(councils.select("gss_code", "name").iter_rows())


def select_items(options: dict[str, str], selected: str | None) -> list[dict[str, object]]:
    """A GOV.UK select's items from {value: text}, with SELECTED chosen."""
    return [{"value": v, "text": t, "selected": v == selected} for v, t in options.items()]


def funnel_chart_view(
    request: Request,
    version: int,
    grain: Grain,
    start: date,
    label: str,
    item: Indicator,
    highlight: str | None,
    peers: Peers,
) -> ChartView | None:
    """The funnel plot of ITEM, cached per data version (None when it cannot be drawn)."""

    def build() -> ChartView | None:
        rows = indicator_rows(request, grain, version)
        plot = funnel_plot(rows, item.code, start, highlight=highlight, peers=peers)
        return None if plot is None else funnel_view(plot, id="funnel-chart", period=label)

    key = ("funnel", item.code, grain, start, highlight, peers if highlight else None)
    return cached_chart(request, key, build, version)


@router.get("/")
def overview(
    request: Request,
    period: str | None = None,
    indicator: str | None = None,
    peers: Peers = "type",
    code: str | None = None,
) -> Response:
    cache = request.app.state.cache
    version = cache.version()
    label, grain, start, _ = chosen_period(request, period, version)
    item = chosen_indicator(indicator)
    councils = council_names()
    highlight = code or None
    if highlight and highlight not in councils:
        raise HTTPException(400, f"{highlight} is not a current council: choose one from the list.")

    def build() -> HTMLResponse:
        rows = indicator_rows(request, grain, version)
        headlines = cache.get(
            ("headlines", grain, start), lambda: national_headlines(rows, start), version
        )

        def build_distribution() -> ChartView | None:
            values = distribution(rows, item.code, start)
            return distribution_view(
                values, item, id="distribution-chart", period=label, highlight=highlight
            )

        spread = cached_chart(
            request,
            ("distribution", item.code, grain, start, highlight),
            build_distribution,
            version,
        )
        funnel = funnel_chart_view(request, version, grain, start, label, item, highlight, peers)
        return render(
            request,
            "public/national.html",
            {
                "title": "Complaint handling in English councils",
                "period": label,
                "item": item,
                "headlines": headlines.to_dicts(),
                "figure": figure,
                "has_data": bool(headlines.get_column("councils").sum()),
                "spread": spread,
                "funnel": funnel,
                "peers": peers,
                "code": highlight,
                "chosen_name": councils.get(highlight or ""),
                "choices": {
                    "period": period_items(request, version, label),
                    "indicator": select_items(
                        {i.code: i.name for i in load_indicators()}, item.code
                    ),
                    "code": select_items({"": "All councils", **councils}, highlight or ""),
                    "peers": select_items(PEER_CHOICES, peers),
                },
            },
        )

    return cached_page(request, build, version)
