"""A council officer's returns: upload one, see exactly what to fix, and the history.

A file is validated and stored by scrutiny.returns.submit.submit_return, the same call the
command line makes: a file with any error stores nothing. A valid file is first checked
only: the officer sees the period it is for, its rows and anything it would replace, and
stores it with a second button (a corrected file for the same period replaces the earlier
submission only then). The page goes through
submit_council_return, as the API does: an officer sends only their council's rows, and
only the council's own tables (Ombudsman decisions and recommendations come from the
Ombudsman, never from the council). When the council has saved a mapping of its case
system's export (scrutiny.returns.saved_mappings), uploads are read with its current
'default' version, and the page says which; the version checked is the version stored.
"""

from __future__ import annotations

import math
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from scrutiny.returns.return_period import ReturnPeriodError
from scrutiny.returns.saved_mappings import (
    SavedMapping,
    current_mapping,
    find_mapping,
    mapping_for_upload,
)
from scrutiny.returns.submissions import (
    ReplaceNotConfirmed,
    SubmissionClash,
    SubmissionError,
    list_submissions,
)
from scrutiny.returns.submit import (
    ReturnRefused,
    SubmittedReturn,
    keep_upload,
    submit_council_return,
)
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.standard import COUNCIL_TABLES, load_standard
from scrutiny.store.accounts import User
from scrutiny.web.downloads import csv_download
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404, note_write
from scrutiny.web.security import AskFirst, authority_writer, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)

SUMMARY_LIMIT = 10  # problems listed in the error summary; the table has them all
PAGE_SIZE = 50
# Problem reports wait here so the officer can page through them and download them as
# CSV; nothing from the file is stored in the database when it has errors.
REPORTS = Path(tempfile.gettempdir()) / "scrutiny-problem-reports"
REPORT_HOURS = 2
REPORT_ID = re.compile(r"^[A-Za-z0-9_-]{16}$")
SESSION_REPORTS = "problem_reports"
# A checked file waits here, in a folder of its own, until its sender says to store it.
PENDING = Path(tempfile.gettempdir()) / "scrutiny-pending-returns"
SESSION_PENDING = "pending_returns"
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
            "max_bytes": request.app.state.settings.max_file_bytes,
            "saved_mapping": current_mapping(engine, code),
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
    period: str = Form(""),
    user: User = Depends(authority_writer),
) -> Response:
    """Check an uploaded return and show what storing it would do; nothing is stored yet."""
    council_or_404(code)
    settings = request.app.state.settings
    if table and table not in COUNCIL_TABLES:
        raise HTTPException(400, "Choose a table from the list")
    if file is None or not file.filename:
        return _problem(request, code, "Select a file to upload", period=period)
    pending_id = secrets.token_urlsafe(12)
    folder = _pending_folder(pending_id)
    saved = mapping_for_upload(request.app.state.engine, code)
    try:
        path = keep_upload(file.file, folder, file.filename, settings.max_file_bytes)
        result = _submit(request, code, path, user, table, period, saved, dry_run=True)
    except _Problem as problem:
        shutil.rmtree(folder, ignore_errors=True)
        return _problem(request, code, problem.message, period=period)
    except ReturnRefused as error:
        shutil.rmtree(folder, ignore_errors=True)
        return _problem(request, code, str(error), period=period)
    if not result.stored or result.period is None:
        shutil.rmtree(folder, ignore_errors=True)
        return _invalid(request, code, result, period=period)
    pending = dict(request.session.get(SESSION_PENDING, {}))
    pending[pending_id] = {
        "code": code,
        "name": path.name,
        "table": result.report.table.name,
        "period": result.period.label,
        "mapping": [saved.name, saved.version] if saved else None,
    }
    request.session[SESSION_PENDING] = dict(list(pending.items())[-3:])
    return _check_page(request, code, pending_id, result, saved)


class _Problem(Exception):
    """A problem with the file as a whole, to show on the upload page."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _submit(
    request: Request,
    code: str,
    path: Path,
    user: User,
    table: str,
    period: str,
    saved: SavedMapping | None,
    *,
    dry_run: bool,
    replace: bool = False,
) -> SubmittedReturn:
    """Check (DRY_RUN) or store the kept file PATH, read with the council's SAVED mapping;
    _Problem for what cannot be stored."""
    try:
        return submit_council_return(
            path,
            path.name,
            code,
            request.app.state.settings,
            request.app.state.engine,
            submitted_by=user.email,
            table_name=table or None,
            mapping=saved.mapping if saved else None,
            period=period or None,
            dry_run=dry_run,
            replace=replace,
        )
    except ReturnPeriodError as error:
        raise _Problem(f"The period cannot be read: {error}") from None
    except FileUnreadable as error:
        raise _Problem(f"The file cannot be read: {error}") from None
    except SubmissionClash as error:
        raise _Problem(f"The file clashes with what is stored: {error}") from None
    except SubmissionError as error:
        raise _Problem(f"The file cannot be stored: {error}") from None


def _check_page(
    request: Request,
    code: str,
    pending_id: str,
    result: SubmittedReturn,
    saved: SavedMapping | None,
    changed: bool = False,
) -> Response:
    """What storing the checked file would do, and the button that stores it."""
    council = council_or_404(code)
    title = result.report.table.title
    replacing = [p for p in result.plan if p.replacing]
    return render(
        request,
        "council/check_return.html",
        {
            "title": f"Check before storing: {council['name']}",
            "council": council,
            "code": code,
            "pending_id": pending_id,
            "report": result.report,
            "period": result.period,
            "rows": sum(p.rows for p in result.plan),
            "unchanged": all(p.unchanged for p in result.plan),
            "replacing": [p.describe(title) for p in replacing],
            "replaces": ",".join(str(p.replaces.id) for p in replacing if p.replaces),
            "changed": changed,
            "saved_mapping": saved,
            "warnings": _ordered(result.report.issues)
            .head(PAGE_SIZE)
            .with_row_index("n", offset=1)
            .to_dicts(),
        },
    )


@router.post("/council/{code}/returns/confirm")
def confirm_return(
    request: Request,
    code: str,
    pending_id: str = Form(""),
    replaces: str = Form(""),
    user: User = Depends(authority_writer),
) -> Response:
    """Store a checked return, replacing exactly what its sender was shown and confirmed."""
    council_or_404(code)
    pending = dict(request.session.get(SESSION_PENDING, {}))
    kept = pending.get(pending_id)
    folder = _pending_folder(pending_id, create=False)
    path = folder / str((kept or {}).get("name", "")) if kept else None
    if kept is None or kept["code"] != code or path is None or not path.is_file():
        return _problem(
            request, code, "The checked file has expired or was already stored: upload it again"
        )
    table, period = str(kept["table"]), str(kept["period"])
    try:
        # The file is read with the very version of the mapping it was checked with.
        saved = _checked_with(request, code, kept.get("mapping"))
        # What is stored may have changed since the check: store only if the file would
        # replace exactly what was shown, and show the check again otherwise.
        checked = _submit(request, code, path, user, table, period, saved, dry_run=True)
        now = ",".join(str(p.replaces.id) for p in checked.plan if p.replacing and p.replaces)
        if not checked.stored or now != replaces:
            return _check_page(request, code, pending_id, checked, saved, changed=True)
        result = _submit(
            request, code, path, user, table, period, saved, dry_run=False, replace=bool(replaces)
        )
    except _Problem as problem:
        return _problem(request, code, problem.message)
    except (ReturnRefused, ReplaceNotConfirmed) as error:
        return _problem(request, code, str(error))
    note_write(request)
    pending.pop(pending_id, None)
    request.session[SESSION_PENDING] = pending
    shutil.rmtree(folder, ignore_errors=True)
    warnings = _ordered(result.report.issues).head(PAGE_SIZE)
    return _page(
        request,
        code,
        result=result,
        table_title=result.report.table.title,
        warnings=warnings.with_row_index("n", offset=1).to_dicts(),
    )


def _checked_with(request: Request, code: str, which: Any) -> SavedMapping | None:
    """The saved mapping version a pending file was checked with ([name, version]), if any."""
    if not which:
        return None
    name, version = which
    return find_mapping(request.app.state.engine, code, str(name), int(version))


def _pending_folder(pending_id: str, create: bool = True) -> Path:
    """The folder of a checked file awaiting its sender's word; old ones are cleared."""
    if not REPORT_ID.match(pending_id):
        return PENDING / "-"
    if create:
        PENDING.mkdir(mode=0o700, exist_ok=True)
        cutoff = time.time() - REPORT_HOURS * 3600
        for old in PENDING.iterdir():
            if old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        (PENDING / pending_id).mkdir(mode=0o700)
    return PENDING / pending_id


def _problem(request: Request, code: str, message: str, period: str = "") -> Response:
    """The page again with one problem about the file as a whole."""
    return _page(request, code, status_code=400, file_error=message, error_count=1, period=period)


def _invalid(request: Request, code: str, result: SubmittedReturn, period: str = "") -> Response:
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
        period=period,
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
    return csv_download(issues, f"problems-{code}.csv")
