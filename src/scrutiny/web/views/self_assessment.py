"""A council's self-assessment against the Complaint Handling Code: read, edit, CSV.

Anyone who may read the council's data sees the checklist and downloads it as CSV; its
complaints officers (and admins) change answers one at a time or by uploading the CSV.
scrutiny.councillor.self_assessment checks every answer and writes the audit log; an upload with
any mistake stores nothing. Answers better than the council's own data are flagged on the
page, and every council's for a year are listed for the Ombudsman
(scrutiny.councillor.better_than_data).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from scrutiny.core.formatting import file_size
from scrutiny.councillor.better_than_data import (
    BetterThanData,
    better_than_data,
    every_council_better_than_data,
    flags_frame,
)
from scrutiny.councillor.self_assessment import (
    STATUSES,
    TEXT_LIMIT,
    AnswerInvalid,
    SelfAssessmentError,
    assessment_year,
    check_answer,
    checklist_item,
    data_reading,
    default_year,
    item_history,
    read_self_assessment,
    recent_years,
    save_self_assessment_item,
    status_counts,
    status_label,
)
from scrutiny.councillor.self_assessment_csv import ImportRefused, export_csv, import_csv
from scrutiny.reference.authorities import official_names
from scrutiny.store.accounts import User
from scrutiny.web.downloads import csv_download
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404, data_cache, note_write
from scrutiny.web.requests import default_year as latest_year
from scrutiny.web.security import (
    AskFirst,
    authority_reader,
    authority_writer,
    csrf_protect,
    role_in,
)

router = APIRouter(
    dependencies=[Depends(csrf_protect)], route_class=AskFirst, include_in_schema=False
)

FLASH = "self_assessment_flash"
TAGS = {
    "meets": "govuk-tag--green",
    "partly_meets": "govuk-tag--yellow",
    "does_not_meet": "govuk-tag--red",
    None: "govuk-tag--grey",
}
# Where each field's error message links to on the edit page.
ANCHORS = {
    "status": "#status",
    "evidence": "#evidence",
    "action": "#action",
    "action_owner": "#action-owner",
    "action_due": "#action-due-day",
}
ombudsman = role_in("ombudsman", "admin")


def page_path(code: str, year: str) -> str:
    return f"/council/{code}/self-assessment?year={year}"


def _year_or_404(year: str) -> str:
    try:
        assessment_year(year)
    except SelfAssessmentError as error:
        raise HTTPException(404) from error
    return year


def _page(
    request: Request, code: str, year: str, user: User, status_code: int = 200, **extra: Any
) -> Response:
    council = council_or_404(code)
    engine = request.app.state.engine
    frame = read_self_assessment(engine, code, year)
    flags = {flag.item: flag for flag in better_than_data(engine, code, year)}
    rows = [
        {
            **row,
            "label": status_label(row["status"]),
            "tag": TAGS[row["status"]],
            "flag": flags.get(row["item"]),
        }
        for row in frame.to_dicts()
    ]
    sections: dict[str, list[dict[str, Any]]] = {row["section"]: [] for row in rows}
    for row in rows:
        sections[row["section"]].append(row)
    years = recent_years(date.today())
    return render(
        request,
        "self_assessment/index.html",
        {
            "title": f"Self-assessment against the Complaint Handling Code, {year}: "
            f"{council['name']}",
            "council": council,
            "code": code,
            "year": year,
            "years": years if year in years else [*years, year],
            "sections": sections,
            "counts": status_counts(frame),
            "flags": list(flags.values()),
            "from_data": sum(row["source"] == "data" for row in rows),
            "may_change": user.may_change(code),
            "flash": request.session.pop(FLASH, None),
            **extra,
        },
        status_code=status_code,
    )


@router.get("/council/{code}/self-assessment")
def self_assessment_page(
    request: Request, code: str, year: str | None = None, user: User = Depends(authority_reader)
) -> Response:
    council_or_404(code)
    chosen = (
        _year_or_404(year) if year else default_year(request.app.state.engine, code, date.today())
    )
    return _page(request, code, chosen, user)


@router.get("/council/{code}/self-assessment/{year}.csv")
def self_assessment_csv(
    request: Request, code: str, year: str, user: User = Depends(authority_reader)
) -> Response:
    council_or_404(code)
    text = export_csv(request.app.state.engine, code, _year_or_404(year))
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="self-assessment-{code}-{year}.csv"'
        },
    )


@router.post("/council/{code}/self-assessment/{year}/import")
def self_assessment_import(
    request: Request,
    code: str,
    year: str,
    file: UploadFile | None = File(None),
    user: User = Depends(authority_writer),
) -> Response:
    council_or_404(code)
    _year_or_404(year)
    limit = request.app.state.settings.max_file_bytes

    def refused(messages: list[str]) -> Response:
        problems = [{"text": text, "href": "#import-file"} for text in messages]
        return _page(request, code, year, user, 400, problems=problems, error_count=len(problems))

    if file is None or not file.filename:
        return refused(["Select a CSV file to upload"])
    data = file.file.read(limit + 1)
    if len(data) > limit:
        return refused([f"The file must be smaller than {file_size(limit)}"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return refused(["The file must be a CSV file saved as UTF-8 text"])
    try:
        changed = import_csv(request.app.state.engine, code, year, text, actor=user.email)
    except ImportRefused as error:
        return refused(
            [
                f"Row {p.row}, column {p.column}: {p.message[:1].upper()}{p.message[1:]}"
                for p in error.problems
            ]
        )
    request.session[FLASH] = (
        f"{len(changed)} item{'s' if len(changed) != 1 else ''} changed: {', '.join(changed)}"
        if changed
        else "Nothing changed: the file matches what is stored"
    )
    note_write(request)
    return RedirectResponse(page_path(code, year), status_code=303)


def _item_page(
    request: Request,
    code: str,
    year: str,
    item: str,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    council = council_or_404(code)
    engine = request.app.state.engine
    entry = checklist_item(item)
    current = read_self_assessment(engine, code, year).filter(item=item).row(0, named=True)
    data = data_reading(engine, code, year, entry)
    answered = current["source"] == "council"
    flag = next((f for f in better_than_data(engine, code, year) if f.item == item), None)
    due = current["action_due"]
    errors = errors or {}
    return render(
        request,
        "self_assessment/item.html",
        {
            "title": f"Self-assessment item {item}, {year}: {council['name']}",
            "council": council,
            "code": code,
            "year": year,
            "entry": entry,
            "current": current,
            "current_label": status_label(current["status"]),
            "data": data,
            "data_label": status_label(data.status) if data else None,
            "flag": flag,
            # The council's answer differs from what its data reads, better or worse.
            "differs": bool(answered and data and current["status"] != data.status),
            "history": item_history(engine, code, year, item),
            "labels": {s: status_label(s) for s in STATUSES},
            "form": form
            or {
                "status": current["status"] if answered else None,
                **{k: current[k] or "" for k in ("evidence", "action", "action_owner")},
                "day": due.day if due else "",
                "month": due.month if due else "",
                "year": due.year if due else "",
            },
            "statuses": STATUSES,
            "text_limit": TEXT_LIMIT,
            "errors": errors,
            "error_list": [{"text": text, "href": ANCHORS[key]} for key, text in errors.items()],
            "error_count": len(errors),
            "back": page_path(code, year),
        },
        status_code=400 if errors else 200,
    )


def _checked_item(code: str, year: str, item: str) -> None:
    council_or_404(code)
    _year_or_404(year)
    try:
        checklist_item(item)
    except SelfAssessmentError as error:
        raise HTTPException(404) from error


@router.get("/council/{code}/self-assessment/{year}/{item}")
def item_form(
    request: Request, code: str, year: str, item: str, user: User = Depends(authority_writer)
) -> Response:
    _checked_item(code, year, item)
    return _item_page(request, code, year, item)


def _due_date(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """The date from the three boxes (None when all are blank), or the GOV.UK error for them."""
    if not (day.strip() or month.strip() or year.strip()):
        return None, None
    try:
        return date(int(year), int(month), int(day)), None
    except ValueError:
        return None, "The due date must be a real date, like 30 6 2025"


@router.post("/council/{code}/self-assessment/{year}/{item}")
def item_submit(
    request: Request,
    code: str,
    year: str,
    item: str,
    status: str = Form(""),
    evidence: str = Form(""),
    action: str = Form(""),
    action_owner: str = Form(""),
    day: str = Form("", alias="action-due-day"),
    month: str = Form("", alias="action-due-month"),
    due_year: str = Form("", alias="action-due-year"),
    user: User = Depends(authority_writer),
) -> Response:
    _checked_item(code, year, item)
    form = {
        "status": status,
        "evidence": evidence,
        "action": action,
        "action_owner": action_owner,
        "day": day,
        "month": month,
        "year": due_year,
    }
    due, date_error = _due_date(day, month, due_year)
    errors: dict[str, str] = {}
    data = data_reading(request.app.state.engine, code, year, checklist_item(item))
    try:
        # A due date that is not real is reported as such, not as a missing one.
        check_answer(
            status or None,
            evidence,
            action,
            action_owner,
            date.max if date_error else due,
            data=data,
        )
    except AnswerInvalid as error:
        errors.update(error.fields)
    if date_error:
        errors["action_due"] = date_error
    if errors:
        ordered = {key: errors[key] for key in ANCHORS if key in errors}
        return _item_page(request, code, year, item, form=form, errors=ordered)
    save_self_assessment_item(
        request.app.state.engine,
        code,
        year,
        item,
        status=status,
        evidence=evidence,
        action=action,
        action_owner=action_owner,
        action_due=due,
        actor=user.email,
    )
    request.session[FLASH] = f"Item {item} saved"
    note_write(request)
    return RedirectResponse(page_path(code, year) + f"#item-{item}", status_code=303)


def _oversight(request: Request, year: str | None) -> tuple[str, list[BetterThanData]]:
    """The year asked for (else the latest complete one) and every council's flags in it."""
    chosen = _year_or_404(year) if year else latest_year(request, data_cache(request).version())
    return chosen, every_council_better_than_data(request.app.state.engine, chosen)


@router.get("/ombudsman/self-assessment")
def oversight_page(
    request: Request, year: str | None = None, user: User = Depends(ombudsman)
) -> Response:
    """Every council's self-assessment answers for YEAR that are better than its own data."""
    chosen, flags = _oversight(request, year)
    years = recent_years(date.today())
    return render(
        request,
        "ombudsman/self_assessment.html",
        {
            "title": f"Self-assessment answers better than the data, {chosen}",
            "year": chosen,
            "years": years if chosen in years else [*years, chosen],
            "flags": flags,
            "names": official_names(),
            "councils": len({f.authority_code for f in flags}),
            "labels": {s: status_label(s) for s in STATUSES},
        },
    )


@router.get("/ombudsman/self-assessment.csv")
def oversight_csv(
    request: Request, year: str | None = None, user: User = Depends(ombudsman)
) -> Response:
    chosen, flags = _oversight(request, year)
    return csv_download(flags_frame(flags), f"self-assessment-better-than-data-{chosen}.csv")
