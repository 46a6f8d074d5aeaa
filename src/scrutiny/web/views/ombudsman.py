"""The Ombudsman analyst's pages: the watchlist, checks on evidence, national data quality."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

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
    backdating_warning,
    check_evidence,
    evidence_awaiting_check,
    list_evidence,
    read_register,
)
from scrutiny.recommendations.evidence_files import files_by_evidence
from scrutiny.reference.authorities import official_names
from scrutiny.store.accounts import User
from scrutiny.warning import kept
from scrutiny.warning.data_quality import (
    RECENT_QUARTERS,
    default_as_of,
    late_returns,
    missing_returns,
    return_coverage,
    submission_warnings,
    warning_totals,
)
from scrutiny.warning.signals import registry
from scrutiny.warning.signals.late_returns import RETURN_DUE_DAYS
from scrutiny.warning.signals.ombudsman import read_recommendations
from scrutiny.warning.signals.small_numbers import SMALL, too_few_to_judge
from scrutiny.warning.watchlist import WATCH_THRESHOLD, default_weights
from scrutiny.warning.watchlist_table import (
    DEFAULT_TOP,
    Filters,
    Line,
    by_name,
    council_types,
    csv_frame,
    find,
    lines,
    regions,
    signals,
)
from scrutiny.warning.watchlist_words import CONTEXT, CONTEXT_NOTE
from scrutiny.web import cache as keys
from scrutiny.web.downloads import csv_download
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


def _watch_day(request: Request, as_of: date | None) -> date:
    """The day the watchlist is judged: AS_OF, or the end of the latest quarter most
    councils' returns cover (one council's early return for the next quarter does not
    move it: scrutiny.measures.coverage)."""
    if as_of is not None:
        return _as_of(request, as_of)
    latest = covered_periods(request, data_cache(request).version()).latest_complete("quarter")
    return latest[1] if latest else _as_of(request, None)


def _lines(request: Request, day: date) -> list[Line]:
    """Every council on the watchlist as of DAY. Signals over every council take seconds:
    computed once per data version and date, then filtered for each request."""
    engine = request.app.state.engine
    listed = data_cache(request).get(keys.Watchlist(day), lambda: kept.watchlist(engine, day))
    return lines(listed)


def _filters(
    region: str = "",
    council_type: str = Query("", alias="type"),
    min_score: str = "",
    signal: str = "",
    top: int = Query(DEFAULT_TOP, ge=1, le=200),
) -> Filters:
    return Filters.read(region, council_type, min_score, signal, top)


@router.get("/ombudsman/watchlist")
def watchlist_page(
    request: Request,
    as_of: date | None = None,
    chosen: Filters = Depends(_filters),
    user: User = Depends(analyst),
) -> Response:
    engine = request.app.state.engine
    cache = data_cache(request)
    day = _watch_day(request, as_of)
    found = _lines(request, day)
    on_watch, others = by_name(chosen.choose(found))
    too_few = cache.get(
        keys.TooFewToJudge(day), lambda: too_few_to_judge(read_recommendations(engine, day), day)
    )
    names = official_names()
    start, _ = last_complete_quarter(day)
    query = {"as_of": day.isoformat(), **chosen.query}
    return render(
        request,
        "ombudsman/watchlist.html",
        {
            "title": "Watchlist",
            "as_of": day,
            "data_note": data_up_to(request, cache.version(), day),
            "filters": chosen,
            "listed": len(found),
            "region_items": _items({r: r for r in regions()}, chosen.region, "Any region"),
            "type_items": _items(council_types(), chosen.council_type, "Any type"),
            "signal_items": _items(signals(), chosen.signal, "Any signal"),
            "csv_href": "/ombudsman/watchlist.csv?" + urlencode(query),
            "as_of_query": urlencode({"as_of": day.isoformat()}),
            "quarter": quarter_label(start),
            "on_watch": on_watch,
            "others": others,
            "weights": [(registry.signal(code).title, w) for code, w in default_weights().items()],
            "threshold": WATCH_THRESHOLD,
            "small": SMALL,
            "too_few": sorted(
                (
                    row | {"name": names.get(row["authority_code"], row["authority_code"])}
                    for row in too_few.iter_rows(named=True)
                ),
                key=lambda row: str(row["name"]),
            ),
        },
    )


@router.get("/ombudsman/watchlist.csv")
def watchlist_csv(
    request: Request,
    as_of: date | None = None,
    chosen: Filters = Depends(_filters),
    user: User = Depends(analyst),
) -> Response:
    day = _watch_day(request, as_of)
    found = chosen.choose(_lines(request, day))
    return csv_download(csv_frame(found), f"watchlist-{day.isoformat()}.csv")


@router.get("/ombudsman/watchlist/{code}")
def watchlist_council(
    request: Request, code: str, as_of: date | None = None, user: User = Depends(analyst)
) -> Response:
    day = _watch_day(request, as_of)
    line = find(_lines(request, day), code)
    housing = _housing_figures(latest_council_positions(landlord_rows_of(request), day))
    start, _ = last_complete_quarter(day)
    return render(
        request,
        "ombudsman/watchlist_council.html",
        {
            "title": f"{line.name} on the watchlist",
            "line": line,
            "as_of": day,
            "data_note": data_up_to(request, data_cache(request).version(), day),
            "as_of_query": urlencode({"as_of": day.isoformat()}),
            "quarter": quarter_label(start),
            "threshold": WATCH_THRESHOLD,
            "context_heading": CONTEXT,
            "context_note": CONTEXT_NOTE,
            "housing": housing.get(code, []),
            "housing_source": SOURCE_NAME,
        },
    )


def _items(choices: dict[str, str], chosen: str, blank: str) -> list[dict[str, object]]:
    """CHOICES (value: words) as a GOV.UK select's items, BLANK first, CHOSEN selected."""
    items: list[dict[str, object]] = [{"value": "", "text": blank}]
    return items + [
        {"value": value, "text": text, "selected": value == chosen}
        for value, text in choices.items()
    ]


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
    pending_ids = []
    awaiting = evidence_awaiting_check(engine)
    for row in waiting.iter_rows(named=True):
        evidence = awaiting.get((row["decision_ref"], row["recommendation_number"]))
        pending_ids += [evidence["id"]] if evidence else []
        items.append(
            {
                **row,
                "name": names.get(row["authority_code"], row["authority_code"]),
                "evidence": evidence,
                "backdating": evidence
                and backdating_warning(
                    evidence["evidence_date"], evidence["sent_on"], row["due_date"]
                ),
            }
        )
    attached = files_by_evidence(engine, pending_ids)
    for item in items:
        item["files"] = attached.get(item["evidence"]["id"], []) if item["evidence"] else []
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
    confirm_claimed_date: str = Form(""),
    user: User = Depends(analyst),
) -> Response:
    engine = request.app.state.engine
    confirm = decision == "accept" and confirm_claimed_date == "yes"
    field = (
        f"reason-{evidence_id}"
        if decision == "reject"
        else f"confirm-reason-{evidence_id}"
        if confirm
        else f"accept-{evidence_id}"
    )
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
            engine,
            evidence_id,
            accepted=decision == "accept",
            reason=reason,
            by=user.email,
            confirm_claimed_date=confirm,
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
