"""The Ombudsman analyst's pages: the watchlist, checks on evidence, national data quality."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from scrutiny.core.periods import last_complete_quarter, quarter_label
from scrutiny.measures.landlords import (
    SOURCE_NAME,
    landlord_indicators,
    latest_council_positions,
)
from scrutiny.publish.charts import figure
from scrutiny.recommendations import (
    RecommendationError,
    check_evidence,
    list_evidence,
    read_register,
)
from scrutiny.reference.authorities import official_names
from scrutiny.store.accounts import User
from scrutiny.warning.data_quality import (
    RECENT_QUARTERS,
    default_as_of,
    late_returns,
    missing_returns,
    return_coverage,
    submission_warnings,
    warning_totals,
)
from scrutiny.warning.signals.late_returns import RETURN_DUE_DAYS
from scrutiny.warning.signals.ombudsman import read_recommendations
from scrutiny.warning.signals.small_numbers import SMALL, too_few_to_judge
from scrutiny.warning.watchlist import WATCH_THRESHOLD, default_weights, watchlist
from scrutiny.web import cache as keys
from scrutiny.web.pages import render
from scrutiny.web.requests import (
    checked_as_of,
    covered_periods,
    data_cache,
    data_up_to,
    landlord_rows_of,
    note_write,
)
from scrutiny.web.security import AskFirst, csrf_protect, role_in

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)
analyst = role_in("ombudsman", "admin")
NOTICE = "ombudsman_notice"  # a one-off message in the session, shown after a redirect


def _as_of(request: Request, as_of: date | None) -> date:
    """AS_OF, or the day after the stored data ends (cached: it changes only with the data);
    a 404 for a day in the future or before any return."""
    engine = request.app.state.engine
    cache = data_cache(request)
    if as_of is not None:
        return checked_as_of(request, as_of, cache.version())
    return cache.get(keys.DefaultAsOf(), lambda: default_as_of(engine))


@router.get("/ombudsman/watchlist")
def watchlist_page(
    request: Request,
    as_of: date | None = None,
    top: int = Query(20, ge=1, le=200),
    user: User = Depends(analyst),
) -> Response:
    engine = request.app.state.engine
    cache = data_cache(request)
    if as_of is None:
        # The end of the latest quarter most councils' returns cover: one council's early
        # return for the next quarter does not move it (scrutiny.measures.coverage).
        latest = covered_periods(request, cache.version()).latest_complete("quarter")
        day = latest[1] if latest else _as_of(request, None)
    else:
        day = _as_of(request, as_of)
    # Signals over every council take seconds: computed once per data version and date.
    listed = data_cache(request).get(keys.Watchlist(day, top), lambda: watchlist(engine, day, top))
    housing = _housing_figures(latest_council_positions(landlord_rows_of(request), day))
    too_few = cache.get(
        keys.TooFewToJudge(day), lambda: too_few_to_judge(read_recommendations(engine, day), day)
    )
    names = official_names()
    councils = [
        _council(row) | {"housing": housing.get(row["authority_code"], [])}
        for row in listed.iter_rows(named=True)
    ]
    start, _ = last_complete_quarter(day)
    return render(
        request,
        "ombudsman/watchlist.html",
        {
            "title": "Watchlist",
            "as_of": day,
            "data_note": data_up_to(request, cache.version(), day),
            "top": top,
            "quarter": quarter_label(start),
            "on_watch": sorted((c for c in councils if c["on_watch"]), key=_by_name),
            "others": sorted((c for c in councils if not c["on_watch"]), key=_by_name),
            "weights": [(name.replace("_", " "), w) for name, w in default_weights().items()],
            "threshold": WATCH_THRESHOLD,
            "small": SMALL,
            "housing_source": SOURCE_NAME,
            "too_few": sorted(
                (
                    row | {"name": names.get(row["authority_code"], row["authority_code"])}
                    for row in too_few.iter_rows(named=True)
                ),
                key=_by_name,
            ),
        },
    )


def _housing_figures(positions: pl.DataFrame) -> dict[str, list[dict[str, str]]]:
    """Each council's real housing figures, as the watchlist shows them beside its signals."""
    names = {item.code: item for item in landlord_indicators()}
    found: dict[str, list[dict[str, str]]] = {}
    for row in positions.iter_rows(named=True):
        item = names[row["indicator"]]
        found.setdefault(row["authority_code"], []).append(
            {
                "name": item.name,
                "year": row["year"],
                "value": figure(row["value"], item.unit),
                "position": row["position"],
            }
        )
    return found


def _by_name(council: dict[str, Any]) -> str:
    return str(council["name"])


def _council(row: dict[str, Any]) -> dict[str, Any]:
    reasons = [
        {**signal, "label": signal["signal"].replace("_", " ").capitalize()}
        | {"evidence": _evidence_rows(signal["evidence"])}
        for signal in json.loads(row["signals"])
    ]
    return {**row, "reasons": reasons}


def _evidence_rows(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """Evidence as summary-list rows a person can read: rounded figures, lists joined."""

    def shown(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:,.0f}" if value.is_integer() else f"{value:,.2f}"
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "none"
        if isinstance(value, dict):
            return json.dumps(value, sort_keys=True)
        return "–" if value is None else str(value)

    return [
        {"key": {"text": key.replace("_", " ").capitalize()}, "value": {"text": shown(value)}}
        for key, value in evidence.items()
    ]


@router.get("/ombudsman/evidence")
def evidence_page(request: Request, user: User = Depends(analyst)) -> Response:
    return _evidence_page(request, notice=request.session.pop(NOTICE, None))


def _evidence_page(
    request: Request, notice: str | None = None, error: dict[str, str] | None = None
) -> Response:
    engine = request.app.state.engine
    today = date.today()
    # 0.4 s on the full demo; checking evidence writes the audit log, so this refreshes.
    register = data_cache(request).get(keys.Register(today), lambda: read_register(engine, today))
    waiting = register.filter(pl.col("state") == "evidence_submitted").sort(
        "authority_code", "decision_ref", "recommendation_number"
    )
    names = official_names()
    items = []
    for row in waiting.iter_rows(named=True):
        ref, number = row["decision_ref"], row["recommendation_number"]
        pending = [e for e in list_evidence(engine, ref, number) if e["check_result"] is None]
        items.append(
            {
                **row,
                "name": names.get(row["authority_code"], row["authority_code"]),
                "evidence": pending[0] if pending else None,
            }
        )
    return render(
        request,
        "ombudsman/evidence.html",
        {
            "title": "Evidence awaiting a check",
            "items": items,
            "notice": notice,
            "error": error,
            "error_count": 1 if error else 0,
        },
        status_code=400 if error else 200,
    )


@router.post("/ombudsman/evidence/{decision_ref}/{number}")
def evidence_check(
    request: Request,
    decision_ref: str,
    number: int,
    evidence_id: int = Form(...),
    decision: str = Form(""),
    reason: str = Form(""),
    user: User = Depends(analyst),
) -> Response:
    engine = request.app.state.engine
    field = f"reason-{evidence_id}" if decision == "reject" else f"accept-{evidence_id}"
    waiting = [
        e["id"] for e in list_evidence(engine, decision_ref, number) if e["check_result"] is None
    ]
    try:
        if decision not in ("accept", "reject"):
            raise RecommendationError("Choose whether to accept or reject the evidence")
        if evidence_id not in waiting:
            # The page was out of date: someone else checked it, or other evidence replaced it.
            field = "main-content"
            raise RecommendationError(
                f"Evidence {evidence_id} for {decision_ref} recommendation {number} is not "
                "awaiting a check any more: read the evidence below again"
            )
        outcome = check_evidence(
            engine, evidence_id, accepted=decision == "accept", reason=reason, by=user.email
        )
    except RecommendationError as problem:
        message = str(problem)
        return _evidence_page(
            request, error={"text": message[:1].upper() + message[1:], "href": f"#{field}"}
        )
    request.session[NOTICE] = f"Evidence for {decision_ref} recommendation {number}: " + (
        "rejected; the recommendation is open again for the council to send more."
        if outcome == "rejected"
        else f"accepted, recorded as {outcome.replace('_', ' ')}."
    )
    note_write(request)
    return RedirectResponse("/ombudsman/evidence", status_code=303)


@router.get("/ombudsman/data-quality")
def data_quality_page(
    request: Request, as_of: date | None = None, user: User = Depends(analyst)
) -> Response:
    engine = request.app.state.engine
    day = _as_of(request, as_of)
    coverage = return_coverage(engine, day)
    missing = missing_returns(coverage)
    councils = coverage.get_column("authority_code").n_unique()
    quarters = [
        {"label": label, "missing": frame.to_dicts(), "submitted": councils - frame.height}
        for label, frame in missing.items()
    ]
    return render(
        request,
        "ombudsman/data_quality.html",
        {
            "title": "Data quality",
            "as_of": day,
            "data_note": data_up_to(request, data_cache(request).version(), day),
            "councils": councils,
            "quarters": quarters,
            "recent": RECENT_QUARTERS,
            "late": late_returns(engine).to_dicts(),
            "due_days": RETURN_DUE_DAYS,
            "warned": submission_warnings(engine).head(100).to_dicts(),
            "totals": warning_totals(engine),
        },
    )


@router.get("/ombudsman/data-quality.csv")
def data_quality_csv(
    request: Request, as_of: date | None = None, user: User = Depends(analyst)
) -> Response:
    day = _as_of(request, as_of)
    coverage = return_coverage(request.app.state.engine, day)
    return Response(
        coverage.write_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="returns-{day.isoformat()}.csv"'},
    )
