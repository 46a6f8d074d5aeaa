"""The API for one council, with its API token: early-warning signals and returns.

A token is scoped to one authority (scrutiny.store.accounts), so a token can only ever read
that council's signals and submissions, and only send returns whose every row is that
council's.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from scrutiny.core.errors import ScrutinyError
from scrutiny.core.periods import quarter_label
from scrutiny.councillor.better_than_data import read_with_flags
from scrutiny.councillor.self_assessment import default_year
from scrutiny.returns.return_period import ReturnPeriodError
from scrutiny.returns.saved_mappings import SavedMapping, mapping_for_upload
from scrutiny.returns.submissions import (
    PlannedSubmission,
    ReplaceNotConfirmed,
    SubmissionError,
    list_submissions,
)
from scrutiny.returns.submit import (
    ReturnRefused,
    SubmittedReturn,
    safe_file_name,
    submit_council_return,
)
from scrutiny.returns.unreadable import FileUnreadable, unreadable_issue
from scrutiny.returns.validation import Report
from scrutiny.standard import CouncilTable
from scrutiny.store.accounts import TokenUser
from scrutiny.warning import kept
from scrutiny.web import cache as keys
from scrutiny.web.api_common import (
    Page,
    Paging,
    check_date,
    page_of,
    refuse,
)
from scrutiny.web.api_models import (
    Planned,
    ReturnResult,
    SelfAssessment,
    Signals,
    SubmissionRecord,
)
from scrutiny.web.requests import covered_periods, data_cache, keep_figures
from scrutiny.web.security import AskFirst, api_user

router = APIRouter(route_class=AskFirst)

TOKEN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No working API token"},
    403: {"description": "The token is for another authority"},
}


def _own_authority(token: TokenUser, code: str) -> None:
    if code.strip().upper() != token.authority_code:
        raise refuse(403, f"This API token is for {token.authority_code}, not {code}")


@router.get(
    "/signals/{code}", response_model=Signals, responses=TOKEN_ERRORS, tags=["council (token)"]
)
def signals(
    request: Request,
    code: str,
    as_of: date | None = Query(
        None, description="Judge as it was known on this day (default: the latest quarter's end)"
    ),
    token: TokenUser = Depends(api_user),
) -> dict[str, Any]:
    """Early-warning signals for the token's council: not public, so a token is needed."""
    _own_authority(token, code)
    check_date(as_of, "as_of")
    version = data_cache(request).version()
    if as_of is None:
        # The end of the latest quarter this council's returns and most councils' cover.
        latest = covered_periods(request, version).latest_complete("quarter", token.authority_code)
        as_of = latest[1] if latest else date.today()
    engine = request.app.state.engine
    own = data_cache(request).get(
        keys.Signals(as_of, code), lambda: kept.signals(engine, as_of, code)
    )
    found = [
        {
            **row,
            "period": quarter_label(row["period_start"]),
            "evidence": json.loads(row["evidence"]) if row["evidence"] else {},
        }
        for row in own.iter_rows(named=True)
    ]
    return {"authority_code": token.authority_code, "as_of": as_of, "signals": found}


@router.get(
    "/submissions",
    response_model=Page[SubmissionRecord],
    responses=TOKEN_ERRORS,
    tags=["council (token)"],
)
def submissions(
    request: Request, paging: Paging = Depends(), token: TokenUser = Depends(api_user)
) -> dict[str, Any]:
    """The token's council's returns, newest first, current and superseded."""
    history = list_submissions(request.app.state.engine, token.authority_code)
    frame = pl.DataFrame([asdict(s) for s in history]) if history else pl.DataFrame()
    return page_of(request, frame, paging)


@router.get(
    "/self-assessment/{code}",
    response_model=SelfAssessment,
    responses=TOKEN_ERRORS,
    tags=["council (token)"],
)
def self_assessment(
    request: Request,
    code: str,
    year: str | None = Query(
        None, description="The financial year, as 2024-25 (default: the latest complete one)"
    ),
    token: TokenUser = Depends(api_user),
) -> dict[str, Any]:
    """The token's council's self-assessment against the Code, each item flagged where its
    answer is better than the council's own data shows."""
    _own_authority(token, code)
    engine = request.app.state.engine
    chosen = year or default_year(engine, token.authority_code, date.today())
    items = read_with_flags(engine, token.authority_code, chosen)
    return {"authority_code": token.authority_code, "financial_year": chosen, "items": items}


def _result(
    report: Report | None,
    file_name: str,
    extra: list[dict[str, Any]] | None = None,
    saved: list[dict[str, Any]] | None = None,
    detail: str | None = None,
    result: SubmittedReturn | None = None,
    mapping: SavedMapping | None = None,
) -> dict[str, Any]:
    """The JSON answer to an upload: the validation report's issues and what was stored."""
    plan = _plan(result.plan, report.table.title) if result and report else []
    issues = [*(extra or []), *(report.to_records() if report else [])]
    return ReturnResult.model_validate(
        {
            "file_name": file_name,
            "table": report.table.name if report else None,
            "rows": report.rows if report else 0,
            "valid": report is not None and report.valid and not extra,
            "stored": bool(saved),
            "errors": sum(issue["severity"] == "error" for issue in issues),
            "warnings": sum(issue["severity"] == "warning" for issue in issues),
            "issues": issues,
            "notes": report.notes if report else [],
            "submissions": saved or [],
            "detail": detail,
            "period": result.period.label if result and result.period else None,
            "plan": plan,
            "mapping": {"name": mapping.name, "version": mapping.version} if mapping else None,
        }
    ).model_dump(mode="json")


@router.post(
    "/submissions",
    response_model=ReturnResult,
    status_code=201,
    responses={
        200: {
            "description": "Checked only (dry_run), or the same file was already stored: "
            "nothing changed"
        },
        **TOKEN_ERRORS,
        400: {
            "description": "The period cannot be read, or there is no saved mapping of that name"
        },
        403: {"description": "Rows for another authority, or a table councils do not send"},
        409: {
            "description": "The file would replace a stored return and replace=true was not "
            "given, or rows clash with another current submission; nothing stored"
        },
        413: {"description": "The file is larger than the service accepts"},
        422: {"description": "The file has errors (listed with row, column and fix)"},
    },
    tags=["council (token)"],
)
def submit(
    request: Request,
    file: UploadFile = File(description="A return: CSV or XLSX, one table of the standard"),
    table: CouncilTable | None = Form(
        None, description="Which table the file holds (default: worked out from its columns)"
    ),
    period: str | None = Form(
        None,
        description="The period the file is for: 2025-26, 2025-26 Q1 or 2025-06 (default: the "
        "smallest month, quarter or financial year holding every date in the file). A row "
        "dated outside it is an error.",
    ),
    replace: bool = Form(
        False, description="Replace the stored return for the same period, if there is one"
    ),
    dry_run: bool = Form(
        False, description="Check the file and say what would be stored and replaced; store nothing"
    ),
    mapping: str | None = Form(
        None,
        description="Read the file with the council's saved mapping of this name (its current "
        "version). Default: the council's 'default' mapping when it has saved one, else none. "
        "The answer's mapping says which was used.",
    ),
    token: TokenUser = Depends(api_user),
) -> Response:
    """Send a return for the token's council: validated, and stored only if it has no errors.

    A return for another period never touches this one's. A file for a period that already
    has a stored return is refused (409, nothing changed) unless replace=true. A council's
    own case-system export is read with its saved mapping (see mapping)."""
    name = safe_file_name(file.filename)
    try:
        saved = mapping_for_upload(request.app.state.engine, token.authority_code, mapping)
    except ScrutinyError as error:  # no such mapping, or a name that cannot be one
        raise refuse(400, str(error)) from None
    try:
        result = submit_council_return(
            file.file,
            file.filename,
            token.authority_code,
            request.app.state.settings,
            request.app.state.engine,
            submitted_by=f"{token.user.email} (API token {token.token_id})",
            table_name=table,
            mapping=saved.mapping if saved else None,
            period=period,
            replace=replace,
            dry_run=dry_run,
        )
    except ReturnRefused as refused:
        if refused.rule == "file_size" or refused.report is None:
            raise refuse(413, str(refused)) from None
        body = _result(refused.report, name, refused.issues, detail=str(refused), mapping=saved)
        return JSONResponse(body, status_code=403)
    except FileUnreadable as error:
        return _unreadable(name, str(error), saved)
    except ReplaceNotConfirmed as error:
        return JSONResponse(_refused_replace(name, error), status_code=409)
    except ReturnPeriodError as error:
        raise refuse(400, str(error)) from None
    except SubmissionError as error:
        raise refuse(409, str(error)) from None
    if not result.stored:
        body = _result(result.report, name, result=result, mapping=saved)
        return JSONResponse(body, status_code=422)
    stored = [asdict(s) for s in result.saved]
    changed = any(s["outcome"] != "unchanged" for s in stored)
    if changed:
        keep_figures(request)
    return JSONResponse(
        _result(result.report, name, saved=stored, result=result, mapping=saved),
        status_code=201 if changed else 200,
    )


def _plan(plan: list[PlannedSubmission], table_title: str) -> list[dict[str, Any]]:
    return [
        Planned(
            authority_code=p.authority_code,
            period=p.label,
            period_start=p.period_start,
            period_end=p.period_end,
            rows=p.rows,
            replaces_submission_id=p.replaces.id if p.replacing and p.replaces else None,
            replaces=p.describe(table_title) if p.replacing else None,
            unchanged=p.unchanged,
        ).model_dump(mode="json")
        for p in plan
    ]


def _refused_replace(file_name: str, error: ReplaceNotConfirmed) -> dict[str, Any]:
    """The 409 answer to a file that would replace a stored return without replace=true."""
    return {
        "detail": str(error),
        "file_name": file_name,
        "stored": False,
        "plan": _plan(error.plan, error.table_title),
    }


def _unreadable(file_name: str, problem: str, mapping: SavedMapping | None = None) -> Response:
    issue = unreadable_issue(problem)
    return JSONResponse(_result(None, file_name, [issue], mapping=mapping), status_code=422)
