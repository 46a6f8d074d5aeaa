"""The national picture: headline indicators, their spread and funnel plots (public).

Figures over every council are computed once per data version and kept in the app's
DataCache (scrutiny.web.requests has the helpers the council pages share).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from scrutiny.measures.headlines import distribution, national_headlines
from scrutiny.publish.charts import figure
from scrutiny.standard.indicators import load_indicators
from scrutiny.web import cache as keys
from scrutiny.web.chart_views import ChartView, distribution_view
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
    period_items,
    select_items,
)
from scrutiny.web.security import AskFirst, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)


@router.get("/")
def overview(
    request: Request,
    period: str | None = None,
    indicator: str | None = None,
    peers: Peers = "type",
    code: str | None = None,
) -> Response:
    cache = data_cache(request)
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
            keys.Headlines(grain, start), lambda: national_headlines(rows, start), version
        )

        def build_distribution() -> ChartView | None:
            values = distribution(rows, item.code, start)
            return distribution_view(
                values, item, id="distribution-chart", period=label, highlight=highlight
            )

        spread = cached_chart(
            request,
            keys.DistributionChart(item.code, grain, start, highlight),
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
                "data_note": data_note(request, version, label),
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
