"""Draft recommendations: the Ombudsman drafts and finalises, the council answers.

Who may do what (tests/test_web_access.py checks it):
- the Ombudsman (role ombudsman) records drafts, one by one or from a CSV file, and
  finalises them; admins may read the Ombudsman's list but change nothing;
- a council's officers see their own council's drafts and answer them (accept, or propose
  a change with reasons); its councillors may read them but not answer;
- everyone who may read a council's drafts sees each draft's page and history.
The library (scrutiny.recommendations.drafts) holds every rule; these views only parse
the forms, call it and render.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict

from scrutiny.core.errors import ScrutinyError
from scrutiny.recommendations.draft_files import DraftFileInvalid, import_drafts
from scrutiny.recommendations.draft_measures import draft_measures, draft_story
from scrutiny.recommendations.drafts import (
    STATUSES,
    NewDraft,
    create_drafts,
    finalise_draft,
    get_draft,
    list_drafts,
    respond_to_draft,
)
from scrutiny.standard import load_standard
from scrutiny.store.accounts import User
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404, note_write
from scrutiny.web.security import (
    AskFirst,
    access_check,
    authority_reader,
    csrf_protect,
    role_in,
    signed_in,
)

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)
ombudsman = role_in("ombudsman")
reader = role_in("ombudsman", "admin")
FLASH = "drafts_flash"


@access_check
def council_officer(request: Request) -> User:
    """An officer of the council in the address: only they answer its drafts (its
    councillors, the Ombudsman and admins read them)."""
    user = signed_in(request)
    code = request.path_params.get("code", "")
    if user.role != "council_officer" or user.authority_code != code:
        raise HTTPException(403)
    return user


UPLOAD_LIMIT = 1_000_000  # a drafts file is a few dozen rows


def draft_path(code: str, draft_id: int) -> str:
    return f"/council/{code}/drafts/{draft_id}"


def _box_name(field: str) -> str:
    """The page's name for a form field: date boxes are named like due-date-day."""
    return field.replace("_", "-") if field.endswith(("_day", "_month", "_year")) else field


class PageForm(BaseModel):
    """A form as typed: text throughout, so the library judges every value."""

    model_config = ConfigDict(alias_generator=_box_name)


class DraftForm(PageForm):
    decision_ref: str = ""
    recommendation_number: str = ""
    authority_code: str = ""
    kind: str = ""
    beneficiary: str = ""
    amount_gbp: str = ""
    wording: str = ""
    due_phrase: str = ""
    decision_date_day: str = ""
    decision_date_month: str = ""
    decision_date_year: str = ""
    due_date_day: str = ""
    due_date_month: str = ""
    due_date_year: str = ""


class ResponseForm(PageForm):
    response: str = ""
    agreed_by_title: str = ""
    accountable_officer: str = ""
    proposed_wording: str = ""
    proposed_kind: str = ""
    reasons: str = ""
    proposed_due_date_day: str = ""
    proposed_due_date_month: str = ""
    proposed_due_date_year: str = ""


class FinaliseForm(PageForm):
    take_proposal: str = ""
    final_wording: str = ""
    final_reason: str = ""
    final_due_date_day: str = ""
    final_due_date_month: str = ""
    final_due_date_year: str = ""


def _fields(form: BaseModel) -> dict[str, str]:
    """FORM's values under the names the page's fields have, to fill them in again."""
    return {k: str(v) for k, v in form.model_dump(by_alias=True).items()}


class DateProblem(ValueError):
    """Date boxes that are blank or do not make a date: the error links to the first box."""

    def __init__(self, message: str, prefix: str) -> None:
        super().__init__(message)
        self.href = f"#{prefix}-day"


def _day(prefix: str, form: dict[str, str]) -> date | None:
    """The date in the three boxes PREFIX-day, -month, -year; None when all are blank;
    DateProblem when they do not make a date."""
    parts = [form.get(f"{prefix}-{part}", "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        message = f"The {prefix.replace('-', ' ')} must be a real date, like 27 3 2025"
        raise DateProblem(message, prefix) from None


def _codes(name: str) -> list[dict[str, str]]:
    code_list = load_standard().code_lists[name]
    return [{"value": c.code, "text": c.label} for c in code_list.codes]


def _error(error: Exception | str, href: str) -> dict[str, Any]:
    """The error summary for ERROR: linked to the date boxes at fault, or else to HREF."""
    href = error.href if isinstance(error, DateProblem) else href
    message = str(error)
    return {"error_list": [{"text": message[:1].upper() + message[1:], "href": href}]}


def _list_context(request: Request) -> dict[str, Any]:
    """What the Ombudsman's list of drafts shows: every draft, counts by state, measures."""
    engine = request.app.state.engine
    found = list_drafts(engine)
    return {
        "title": "Draft recommendations",
        "drafts": [{**d, "href": draft_path(d["authority_code"], d["id"])} for d in found],
        "counts": {s: sum(d["status"] == s for d in found) for s in STATUSES},
        "measures": draft_measures(engine).lines(),
    }


@router.get("/ombudsman/drafts")
def drafts_page(request: Request, user: User = Depends(reader)) -> Response:
    return render(
        request,
        "ombudsman/drafts.html",
        {
            **_list_context(request),
            "may_draft": user.role == "ombudsman",
            "flash": request.session.pop(FLASH, None),
            "errors": {},
        },
    )


def _new_page(
    request: Request, form: dict[str, str] | None = None, error: dict[str, Any] | None = None
) -> Response:
    return render(
        request,
        "ombudsman/draft_new.html",
        {
            "title": "Record a draft recommendation",
            "form": form or {},
            "kinds": _codes("recommendation_kind"),
            "beneficiaries": _codes("beneficiary"),
            **(error or {}),
        },
        status_code=400 if error else 200,
    )


@router.get("/ombudsman/drafts/new")
def new_draft_form(request: Request, user: User = Depends(ombudsman)) -> Response:
    return _new_page(request)


@router.post("/ombudsman/drafts/new")
def new_draft(
    request: Request, posted: Annotated[DraftForm, Form()], user: User = Depends(ombudsman)
) -> Response:
    form = _fields(posted)
    try:
        decision_date = _day("decision-date", form)
        if decision_date is None:
            raise DateProblem("Enter the date of the decision", "decision-date")
        amount = form.get("amount_gbp", "").strip().lstrip("£").replace(",", "")
        draft = NewDraft(
            decision_ref=form.get("decision_ref", ""),
            recommendation_number=int(form.get("recommendation_number") or 0),
            authority_code=form.get("authority_code", "").strip().upper(),
            kind=form.get("kind", ""),
            beneficiary=form.get("beneficiary", ""),
            decision_date=decision_date,
            wording=form.get("wording", ""),
            amount_gbp=float(amount) if amount else None,
            due_date=_day("due-date", form),
            due_phrase=form.get("due_phrase", "").strip() or None,
        )
        create_drafts(request.app.state.engine, [draft], by=user.email)
    except (ValueError, ScrutinyError) as error:
        return _new_page(request, form, _error(error, "#decision_ref"))
    request.session[FLASH] = (
        f"Draft recommendation {draft.recommendation_number} of decision {draft.decision_ref}"
        " recorded. The council can now answer it."
    )
    note_write(request)
    return RedirectResponse("/ombudsman/drafts", status_code=303)


@router.post("/ombudsman/drafts/upload")
def upload_drafts(
    request: Request,
    file: UploadFile = File(...),
    user: User = Depends(ombudsman),
) -> Response:
    data = file.file.read(UPLOAD_LIMIT + 1)
    issues: list[dict[str, Any]] = []
    message = ""
    if len(data) > UPLOAD_LIMIT:
        message = "The file must be 1 MB or smaller"
    else:
        try:
            ids = import_drafts(
                request.app.state.engine, data, file.filename or "drafts.csv", by=user.email
            )
        except DraftFileInvalid as invalid:
            message, issues = str(invalid), invalid.issues
        except ScrutinyError as error:
            message = str(error)
    if message:
        return render(
            request,
            "ombudsman/drafts.html",
            {
                **_list_context(request),
                "may_draft": True,
                "issues": issues,
                **_error(message, "#file"),
                "errors": {"file": message[:1].upper() + message[1:]},
            },
            status_code=400,
        )
    request.session[FLASH] = f"{len(ids)} draft recommendations recorded from the file."
    note_write(request)
    return RedirectResponse("/ombudsman/drafts", status_code=303)


@router.get("/council/{code}/drafts")
def council_drafts(request: Request, code: str, user: User = Depends(authority_reader)) -> Response:
    council = council_or_404(code)
    found = list_drafts(request.app.state.engine, authority_code=code)
    return render(
        request,
        "council/drafts.html",
        {
            "title": f"Draft Ombudsman recommendations for {council['name']}",
            "council": council,
            "code": code,
            "drafts": [{**d, "href": draft_path(code, d["id"])} for d in found],
            "flash": request.session.pop(FLASH, None),
        },
    )


def _draft_page(
    request: Request,
    user: User,
    code: str,
    draft_id: int,
    form: dict[str, str] | None = None,
    error: dict[str, Any] | None = None,
) -> Response:
    council = council_or_404(code)
    story = draft_story(request.app.state.engine, draft_id, code)
    draft = story["draft"]
    return render(
        request,
        "council/draft.html",
        {
            "title": f"Draft recommendation {draft['recommendation_number']} of decision"
            f" {draft['decision_ref']}",
            "council": council,
            "code": code,
            **story,
            "may_respond": user.role == "council_officer" and draft["status"] == "proposed",
            "may_finalise": user.role == "ombudsman" and draft["status"] in STATUSES[1:3],
            "kinds": _codes("recommendation_kind"),
            "form": form or {},
            "flash": request.session.pop(FLASH, None),
            **(error or {}),
        },
        status_code=400 if error else 200,
    )


@router.get("/council/{code}/drafts/{draft_id}")
def draft_page(
    request: Request, code: str, draft_id: int, user: User = Depends(authority_reader)
) -> Response:
    return _draft_page(request, user, code, draft_id)


@router.post("/council/{code}/drafts/{draft_id}/response")
def respond(
    request: Request,
    code: str,
    draft_id: int,
    posted: Annotated[ResponseForm, Form()],
    user: User = Depends(council_officer),
) -> Response:
    form = _fields(posted)
    get_draft(request.app.state.engine, draft_id, code)  # 404 for another council's
    try:
        answer = form.get("response", "")
        if answer not in ("accept", "change"):
            raise ValueError("Choose whether the council accepts the draft or proposes a change")
        respond_to_draft(
            request.app.state.engine,
            draft_id,
            authority_code=code,
            accept=answer == "accept",
            agreed_by_title=form.get("agreed_by_title", ""),
            accountable_officer=form.get("accountable_officer", ""),
            wording=form.get("proposed_wording", "").strip() or None,
            kind=form.get("proposed_kind", "").strip() or None,
            due_date=_day("proposed-due-date", form),
            reasons=form.get("reasons", ""),
            by=user.email,
        )
    except (ValueError, ScrutinyError) as error:
        return _draft_page(request, user, code, draft_id, form, _error(error, "#response"))
    request.session[FLASH] = "Your answer was sent to the Ombudsman."
    note_write(request)
    return RedirectResponse(draft_path(code, draft_id), status_code=303)


@router.post("/ombudsman/drafts/{draft_id}/finalise")
def finalise(
    request: Request,
    draft_id: int,
    posted: Annotated[FinaliseForm, Form()],
    user: User = Depends(ombudsman),
) -> Response:
    form = _fields(posted)
    engine = request.app.state.engine
    draft = get_draft(engine, draft_id)
    code = draft["authority_code"]
    take = form.get("take_proposal", "")
    try:
        finalise_draft(
            engine,
            draft_id,
            take_proposal=None if not take else take == "yes",
            wording=form.get("final_wording", "").strip() or None,
            due_date=_day("final-due-date", form),
            reason=form.get("final_reason", ""),
            by=user.email,
        )
    except (ValueError, ScrutinyError) as error:
        return _draft_page(request, user, code, draft_id, form, _error(error, "#finalise"))
    request.session[FLASH] = "The recommendation is agreed and now in the council's register."
    note_write(request)
    return RedirectResponse(draft_path(code, draft_id), status_code=303)
