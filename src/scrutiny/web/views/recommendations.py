"""A council's Ombudsman recommendations: what is due and overdue, and evidence of compliance.

Anyone who may read the council's data sees the lists; its complaints officers (and
admins) record evidence, which scrutiny.recommendations.record_evidence checks against
the lifecycle and writes to the audit log. Due and overdue are judged on today's date:
they are obligations now, not figures for a period.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from scrutiny.recommendations import (
    RecommendationError,
    due_within,
    list_evidence,
    overdue,
    read_register,
    record_evidence,
)
from scrutiny.recommendations.evidence_file_types import (
    EvidenceFileRefused,
    accept_attribute,
    allowed_description,
    identify,
)
from scrutiny.recommendations.evidence_files import attach_file, files_by_evidence, read_upload
from scrutiny.recommendations.lifecycle import NOTE_LIMIT
from scrutiny.store.accounts import User
from scrutiny.web.pages import render
from scrutiny.web.requests import (
    DUE_WITHIN,
    council_or_404,
    evidence_path,
    note_write,
    recommendation_or_404,
)
from scrutiny.web.security import AskFirst, authority_reader, authority_writer, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)

REFERENCE_LIMIT = 200
FLASH = "recommendations_flash"


def _rows(frame: pl.DataFrame, code: str) -> list[dict[str, Any]]:
    return [
        {**row, "href": evidence_path(code, row["decision_ref"], row["recommendation_number"])}
        for row in frame.to_dicts()
    ]


@router.get("/council/{code}/recommendations")
def recommendations_page(
    request: Request, code: str, user: User = Depends(authority_reader)
) -> Response:
    council = council_or_404(code)
    engine, today = request.app.state.engine, date.today()
    register = read_register(engine, today, authority_code=code)
    soon = due_within(engine, DUE_WITHIN, today=today, authority_code=code)
    # Open and not yet due within the window: evidence can be sent early.
    later = (
        register.filter(pl.col("state") == "agreed")
        .join(soon, on=["decision_ref", "recommendation_number"], how="anti")
        .sort("due_date")
    )
    return render(
        request,
        "council/recommendations.html",
        {
            "title": f"Ombudsman recommendations for {council['name']}",
            "council": council,
            "code": code,
            "today": today,
            "due_within": DUE_WITHIN,
            "overdue": _rows(overdue(engine, today=today, authority_code=code), code),
            "soon": _rows(soon, code),
            "later": _rows(later, code),
            "closed": register.filter(pl.col("status") != "pending").height,
            "may_record": user.may_change(code),
            "flash": request.session.pop(FLASH, None),
        },
    )


_recommendation = recommendation_or_404


def _evidence_page(
    request: Request,
    code: str,
    recommendation: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    council = council_or_404(code)
    ref, number = recommendation["decision_ref"], recommendation["recommendation_number"]
    errors = errors or {}
    links = {
        "note": "#note",
        "evidence_date": "#evidence-date-day",
        "file_reference": "#file",
        "evidence_file": "#evidence-file",
    }
    engine, settings = request.app.state.engine, request.app.state.settings
    evidence = list_evidence(engine, ref, number)
    return render(
        request,
        "council/evidence.html",
        {
            "title": f"Record evidence for recommendation {number} of decision {ref}",
            "council": council,
            "code": code,
            "recommendation": recommendation,
            "evidence": evidence,
            "files": files_by_evidence(engine, [e["id"] for e in evidence]),
            "allowed": allowed_description(),
            "accept": accept_attribute(),
            "max_bytes": settings.evidence_file_bytes,
            "action": evidence_path(code, ref, number),
            "open": recommendation["state"] in ("agreed", "due"),
            "errors": errors,
            "error_list": [{"text": text, "href": links[key]} for key, text in errors.items()],
            "error_count": len(errors),
            "form": form or {},
            "note_limit": NOTE_LIMIT,
        },
        status_code=400 if errors else 200,
    )


@router.get("/council/{code}/recommendations/{decision_ref}/{number}/evidence")
def evidence_form(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    user: User = Depends(authority_writer),
) -> Response:
    return _evidence_page(request, code, _recommendation(request, code, decision_ref, number))


def _evidence_date(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """The date from the three boxes, or the GOV.UK error message for them."""
    if not (day.strip() or month.strip() or year.strip()):
        return None, "Enter the date of the evidence"
    try:
        found = date(int(year), int(month), int(day))
    except ValueError:
        return None, "The date of the evidence must be a real date, like 27 3 2025"
    if found > date.today():
        return None, "The date of the evidence must be today or in the past"
    return found, None


@router.post("/council/{code}/recommendations/{decision_ref}/{number}/evidence")
def evidence_submit(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    note: str = Form(""),
    day: str = Form("", alias="evidence-date-day"),
    month: str = Form("", alias="evidence-date-month"),
    year: str = Form("", alias="evidence-date-year"),
    file_reference: str = Form(""),
    file: UploadFile | None = File(None),
    user: User = Depends(authority_writer),
) -> Response:
    recommendation = _recommendation(request, code, decision_ref, number)
    settings = request.app.state.settings
    form = {"note": note, "day": day, "month": month, "year": year, "file": file_reference}
    errors: dict[str, str] = {}
    if not note.strip():
        errors["note"] = "Enter what the evidence shows"
    elif len(note) > NOTE_LIMIT:
        errors["note"] = f"The note must be {NOTE_LIMIT:,} characters or fewer"
    evidence_date, date_error = _evidence_date(day, month, year)
    if date_error:
        errors["evidence_date"] = date_error
    if len(file_reference) > REFERENCE_LIMIT:
        errors["file_reference"] = f"The reference must be {REFERENCE_LIMIT} characters or fewer"
    data = None
    if file is not None and file.filename:
        try:  # checked before the evidence is recorded, so a refused file stores nothing
            data = read_upload(file.file, settings.evidence_file_bytes, file.filename)
            identify(file.filename, data, limit=settings.evidence_file_bytes)
        except EvidenceFileRefused as refused:
            errors["evidence_file"] = str(refused)
    if not errors and evidence_date is not None:
        try:
            evidence_id = record_evidence(
                request.app.state.engine,
                decision_ref,
                number,
                note=note,
                evidence_date=evidence_date,
                file_reference=file_reference.strip() or None,
                by=user.email,
            )
        except RecommendationError as error:
            key = "evidence_date" if "evidence date" in str(error) else "note"
            errors[key] = str(error)[:1].upper() + str(error)[1:]
        else:
            if data is not None and file is not None:
                attach_file(
                    request.app.state.engine,
                    settings.evidence_path,
                    evidence_id,
                    name=file.filename,
                    data=data,
                    by=user.email,
                    limit=settings.evidence_file_bytes,
                    authority_code=code,
                )
    if errors:
        return _evidence_page(request, code, recommendation, errors=errors, form=form)
    request.session[FLASH] = (
        f"Evidence recorded for recommendation {number} of decision {decision_ref}. "
        "It now waits for the Ombudsman's check."
    )
    note_write(request)
    return RedirectResponse(f"/council/{code}/recommendations", status_code=303)
