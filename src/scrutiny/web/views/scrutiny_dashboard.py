"""The scrutiny dashboard for a council's Member Responsible for Complaints (read only).

How the council is doing against councils like it in the latest complete financial year,
its open Ombudsman recommendations and the latest quarter's early-warning signals, and
the questions the Ombudsman's guides suggest asking (chosen by scrutiny.councillor.questions).
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from scrutiny.core.periods import last_complete_quarter, period_label, quarter_label
from scrutiny.councillor.better_than_data import better_than_data
from scrutiny.councillor.questions import (
    STANDING_QUESTIONS,
    council_figures,
    councillor_questions,
)
from scrutiny.measures.benchmarking import council_benchmark
from scrutiny.recommendations import due_within, overdue, repeat_patterns
from scrutiny.recommendations.follow_up_lists import council_follow_up
from scrutiny.reference.peers import PeerError, peer_method
from scrutiny.store.accounts import User
from scrutiny.warning import kept
from scrutiny.web import cache as keys
from scrutiny.web.pages import render
from scrutiny.web.requests import (
    DUE_WITHIN,
    PEER_CHOICES,
    council_or_404,
    covered_periods,
    data_cache,
    data_note,
    select_items,
)
from scrutiny.web.security import AskFirst, authority_reader, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)


@router.get("/council/{code}/scrutiny")
def scrutiny_dashboard(
    request: Request, code: str, peers: str = "type", user: User = Depends(authority_reader)
) -> Response:
    council = council_or_404(code)
    if peers not in PEER_CHOICES:
        raise HTTPException(400, f"Choose councils to compare with: {', '.join(PEER_CHOICES)}")
    engine, cache = request.app.state.engine, data_cache(request)
    context = {
        "title": f"Scrutiny of complaint handling: {council['name']}",
        "council": council,
        "code": code,
        "peers": peers,
        "peer_choices": select_items(PEER_CHOICES, peers),
        "standing": STANDING_QUESTIONS,
        # Committee follow-up is about today's agendas, whatever the returns cover.
        "follow_up": council_follow_up(request.app.state.engine, code),
    }
    # The latest year and quarter that this council's returns and most councils' cover.
    version = cache.version()
    found = covered_periods(request, version)
    year = found.latest_complete("financial_year", code)
    if year is None:
        return render(request, "council/scrutiny.html", {**context, "figures": None})
    period = period_label(year[0], "financial_year")
    quarter_start, quarter_end = found.latest_complete("quarter", code) or (
        last_complete_quarter(year[1] + timedelta(days=1))
    )
    quarter = quarter_label(quarter_start)
    context["data_note"] = data_note(request, version, period, code)
    try:
        benchmark = cache.get(
            keys.Benchmark(code, period, peers),
            lambda: council_benchmark(engine, code, period, peers=peer_method(peers)),
        )
    except PeerError as error:
        raise HTTPException(404) from error
    # One council's signals take under a second (its own charts, its peer group's
    # funnels); cached per quarter and data version, under the JSON API's key too.
    signals = cache.get(
        keys.Signals(quarter_end, code), lambda: kept.signals(engine, quarter_end, code)
    )
    latest = signals.filter(
        (pl.col("authority_code") == code) & (pl.col("period_start") == quarter_start)
    )
    today = date.today()
    late = overdue(engine, today=today, authority_code=code)
    figures = council_figures(
        code,
        period,
        benchmark=benchmark,
        overdue=late,
        repeats=repeat_patterns(engine, authority_code=code),
        signals=latest,
        quarter=quarter,
    )
    return render(
        request,
        "council/scrutiny.html",
        {
            **context,
            "figures": figures,
            "questions": councillor_questions(figures),
            "period": period,
            "quarter": quarter,
            "today": today,
            "due_soon": due_within(engine, DUE_WITHIN, today=today, authority_code=code).height,
            "due_within": DUE_WITHIN,
            "better_than_data": better_than_data(engine, code, period),
        },
    )
