"""A council officer's returns: upload one, see exactly what to fix, and the history.

A file is validated and stored by scrutiny.returns.submit.submit_return, the same call the
command line makes: a file with any error stores nothing, and a corrected file for the
same period replaces the earlier submission. The page goes through
submit_council_return, as the API does: an officer sends only their council's rows, and
only the council's own tables (Ombudsman decisions and recommendations come from the
Ombudsman, never from the council).
"""

from __future__ import annotations

import math
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from scrutiny.returns.ingest import FileUnreadable
from scrutiny.returns.submissions import SubmissionClash, SubmissionError, list_submissions
from scrutiny.returns.submit import ReturnRefused, SubmittedReturn, submit_council_return
from scrutiny.standard import COUNCIL_TABLES, load_standard
from scrutiny.store.accounts import User
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404
from scrutiny.web.security import authority_writer, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)])

SUMMARY_LIMIT = 10  # problems listed in the error summary; the table has them all
PAGE_SIZE = 50
# Problem reports wait here so the officer can page through them and download them as
# CSV; nothing from the file is stored in the database when it has errors.
REPORTS = Path(tempfile.gettempdir()) / "scrutiny-problem-reports"
REPORT_HOURS = 2
REPORT_ID = re.compile(r"^[A-Za-z0-9_-]{16}$")
SESSION_REPORTS = "problem_reports"
ISSUE_COLUMNS = ["row", "column", "value", "severity", "message", "fix"]


def _tables() -> list[dict[str, str]]:
    standard = load_standard()
    return [{"value": "", "text": "Work it out from the column headings"}] + [
        {"value": name, "text": standard.table(name).title} for name in COUNCIL_TABLES
    ]


def _page(request: Request, code: str, status_code: int = 200, **context: Any) -> Response:
    engine = request.app.state.engine
    council = council_or_404(code)
    return render(
        request,
        "council/returns.html",
        {
            "title": f"Send a complaints return: {council['name']}",
            "council": council,
            "code": code,
            "tables": _tables(),
            "history": list_submissions(engine, code),
            "max_mb": request.app.state.settings.max_file_bytes / 1e6,
            **context,
        },
        status_code=status_code,
    )


@router.get("/council/{code}/returns")
def returns_page(request: Request, code: str, user: User = Depends(authority_writer)) -> Response:
    return _page(request, code)


@router.post("/council/{code}/returns")
def upload_return(
    request: Request,
    code: str,
    file: UploadFile | None = File(None),
    table: str = Form(""),
    user: User = Depends(authority_writer),
) -> Response:
    council_or_404(code)
    settings = request.app.state.settings
    if table and table not in COUNCIL_TABLES:
        raise HTTPException(400, "Choose a table from the list")
    if file is None or not file.filename:
        return _problem(request, code, "Select a file to upload")
    try:
        result = submit_council_return(
            file.file,
            file.filename,
            code,
            settings,
            request.app.state.engine,
            submitted_by=user.email,
            table_name=table or None,
        )
    except ReturnRefused as error:
        return _problem(request, code, str(error))
    except FileUnreadable as error:
        return _problem(request, code, f"The file cannot be read: {error}")
    except SubmissionClash as error:
        return _problem(request, code, f"The file clashes with what is stored: {error}")
    except SubmissionError as error:
        return _problem(request, code, f"The file cannot be stored: {error}")
    if not result.stored:
        return _invalid(request, code, result)
    warnings = _ordered(result.report.issues).head(PAGE_SIZE)
    return _page(
        request,
        code,
        result=result,
        table_title=result.report.table.title,
        warnings=warnings.with_row_index("n", offset=1).to_dicts(),
    )


def _problem(request: Request, code: str, message: str) -> Response:
    """The page again with one problem about the file as a whole."""
    return _page(request, code, status_code=400, file_error=message, error_count=1)


def _invalid(request: Request, code: str, result: SubmittedReturn) -> Response:
    report = result.report
    issues = _ordered(report.issues)
    report_id = _keep(request, code, issues)
    errors = issues.filter(pl.col("severity") == "error").head(SUMMARY_LIMIT)
    return _page(
        request,
        code,
        status_code=400,
        report=report,
        report_id=report_id,
        summary=errors.with_row_index("n", offset=1).to_dicts(),
        issues=issues.head(PAGE_SIZE).with_row_index("n", offset=1).to_dicts(),
        issue_count=issues.height,
        error_count=report.errors,
        file_error=f"The file has {report.errors:,} error{'s' if report.errors != 1 else ''}: "
        f"correct {'them' if report.errors != 1 else 'it'} and upload the whole file again",
    )


def _ordered(issues: pl.DataFrame) -> pl.DataFrame:
    """Errors before warnings, each by row, so the summary's links land on the first page."""
    return issues.sort(
        pl.col("severity") != "error", pl.col("row"), nulls_last=False, maintain_order=True
    ).select(ISSUE_COLUMNS)


def _keep(request: Request, code: str, issues: pl.DataFrame) -> str:
    """Keep ISSUES for this session to page through and download; its id."""
    REPORTS.mkdir(mode=0o700, exist_ok=True)
    cutoff = time.time() - REPORT_HOURS * 3600
    for old in REPORTS.glob("*.csv"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    report_id = secrets.token_urlsafe(12)
    issues.write_csv(REPORTS / f"{report_id}.csv")
    kept = dict(request.session.get(SESSION_REPORTS, {}))
    kept[report_id] = code
    request.session[SESSION_REPORTS] = dict(list(kept.items())[-5:])
    return report_id


def _kept(request: Request, code: str, report_id: str) -> Path:
    """The file of a report this session made for CODE (404 for anything else)."""
    kept = request.session.get(SESSION_REPORTS, {})
    path = REPORTS / f"{report_id}.csv"
    if not REPORT_ID.match(report_id) or kept.get(report_id) != code or not path.exists():
        raise HTTPException(404)
    return path


@router.get("/council/{code}/returns/problems/{report_id}")
def problems_page(
    request: Request,
    code: str,
    report_id: str,
    page: int = 1,
    user: User = Depends(authority_writer),
) -> Response:
    council = council_or_404(code)
    issues = pl.read_csv(_kept(request, code, report_id), infer_schema=False)
    pages = max(1, math.ceil(issues.height / PAGE_SIZE))
    if not 1 <= page <= pages:
        raise HTTPException(404)
    shown = issues.with_row_index("n", offset=1).slice((page - 1) * PAGE_SIZE, PAGE_SIZE)
    base = f"/council/{code}/returns/problems/{report_id}"
    return render(
        request,
        "council/problems.html",
        {
            "title": f"Problems in the file for {council['name']}, page {page} of {pages}",
            "council": council,
            "code": code,
            "report_id": report_id,
            "issues": shown.to_dicts(),
            "issue_count": issues.height,
            "page": page,
            "pages": pages,
            "previous": f"{base}?page={page - 1}" if page > 1 else None,
            "next": f"{base}?page={page + 1}" if page < pages else None,
            "first": (page - 1) * PAGE_SIZE + 1,
        },
    )


@router.get("/council/{code}/returns/problems/{report_id}/csv")
def problems_csv(
    request: Request, code: str, report_id: str, user: User = Depends(authority_writer)
) -> Response:
    issues = pl.read_csv(_kept(request, code, report_id), infer_schema=False)
    # A cell starting with = + - or @ would run as a formula in a spreadsheet: quote it.
    quoted = issues.with_columns(
        pl.when(pl.col(name).str.contains(r"^[=+\-@]"))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name in ("value", "message", "fix")
    )
    return Response(
        quoted.write_csv(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="problems-{code}.csv"'},
    )
