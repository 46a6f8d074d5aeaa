"""Scrutiny follow-up of one Ombudsman recommendation by the council's committees.

Anyone who may read the council's data sees which committee meetings it was assigned to
and what they concluded. Its officers and councillors (and admins) assign it to a
committee meeting; its councillors (and admins) record the committee's review.
scrutiny.recommendations.follow_up holds the rules and writes the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from scrutiny.recommendations.follow_up import (
    ASSIGNERS,
    COMMITTEE_LIMIT,
    CONCLUSION_LIMIT,
    REVIEWERS,
    FollowUpError,
    assign_follow_up,
    follow_up_history,
    record_review,
)
from scrutiny.store.accounts import User
from scrutiny.web.pages import render
from scrutiny.web.requests import council_or_404, note_write, recommendation_or_404
from scrutiny.web.security import AskFirst, authority_reader, authority_role, csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], route_class=AskFirst)
assigner = authority_role(*ASSIGNERS)
reviewer = authority_role(*REVIEWERS)
FLASH = "follow_up_flash"
PAGE = "/council/{code}/recommendations/{decision_ref}/{number}/follow-up"
LINKS = {
    "committee": "#committee",
    "meeting_date": "#meeting-date-day",
    "conclusion": "#conclusion",
}


def follow_up_path(code: str, decision_ref: str, number: int) -> str:
    """The follow-up page of one recommendation (decision references hold spaces)."""
    return f"/council/{code}/recommendations/{quote(decision_ref, safe='')}/{number}/follow-up"


_recommendation = recommendation_or_404


def _page(
    request: Request,
    code: str,
    recommendation: dict[str, Any],
    user: User,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    council = council_or_404(code)
    ref, number = recommendation["decision_ref"], recommendation["recommendation_number"]
    history = follow_up_history(request.app.state.engine, ref, number)
    current = next((row for row in history if row["current"]), None)
    errors = errors or {}
    own = user.role == "admin" or user.authority_code == code
    return render(
        request,
        "council/follow_up.html",
        {
            "title": f"Committee follow-up of recommendation {number} of decision {ref}",
            "council": council,
            "code": code,
            "recommendation": recommendation,
            "history": list(reversed(history)),
            "current": current,
            "action": follow_up_path(code, ref, number),
            "may_assign": own and user.role in (*ASSIGNERS, "admin"),
            "may_review": own
            and user.role in (*REVIEWERS, "admin")
            and current is not None
            and current["conclusion"] is None
            and current["meeting_date"] <= date.today(),
            "errors": errors,
            "error_list": [{"text": text, "href": LINKS[key]} for key, text in errors.items()],
            "form": form or {},
            "committee_limit": COMMITTEE_LIMIT,
            "conclusion_limit": CONCLUSION_LIMIT,
            "flash": request.session.pop(FLASH, None),
        },
        status_code=400 if errors else 200,
    )


@router.get(PAGE)
def follow_up_page(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    user: User = Depends(authority_reader),
) -> Response:
    return _page(request, code, _recommendation(request, code, decision_ref, number), user)


def _meeting_date(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """The date from the three boxes, or the GOV.UK error message for them."""
    if not (day.strip() or month.strip() or year.strip()):
        return None, "Enter the date of the committee meeting"
    try:
        return date(int(year), int(month), int(day)), None
    except ValueError:
        return None, "The date of the meeting must be a real date, like 14 1 2027"


def _sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


@router.post(PAGE + "/assign")
def assign(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    committee: str = Form(""),
    day: str = Form("", alias="meeting-date-day"),
    month: str = Form("", alias="meeting-date-month"),
    year: str = Form("", alias="meeting-date-year"),
    user: User = Depends(assigner),
) -> Response:
    recommendation = _recommendation(request, code, decision_ref, number)
    form = {"committee": committee, "day": day, "month": month, "year": year}
    errors: dict[str, str] = {}
    if not committee.strip():
        errors["committee"] = "Enter the name of the committee"
    elif len(committee.strip()) > COMMITTEE_LIMIT:
        errors["committee"] = f"The committee's name must be {COMMITTEE_LIMIT} characters or fewer"
    meeting, date_error = _meeting_date(day, month, year)
    if date_error:
        errors["meeting_date"] = date_error
    if not errors and meeting is not None:
        try:
            done = assign_follow_up(
                request.app.state.engine,
                decision_ref,
                number,
                authority_code=code,
                committee=committee,
                meeting_date=meeting,
                by=user.email,
            )
        except FollowUpError as error:
            errors["meeting_date"] = _sentence(error)
        else:
            request.session[FLASH] = (
                f"Recommendation {number} of decision {decision_ref} is on the agenda of "
                f"{done.committee} on {done.meeting_date:%-d %B %Y}."
                if done.changed
                else "It was already on that meeting's agenda: nothing changed."
            )
            note_write(request)
            return RedirectResponse(follow_up_path(code, decision_ref, number), status_code=303)
    return _page(request, code, recommendation, user, errors=errors, form=form)


@router.post(PAGE + "/review")
def review(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    conclusion: str = Form(""),
    user: User = Depends(reviewer),
) -> Response:
    recommendation = _recommendation(request, code, decision_ref, number)
    try:
        done = record_review(
            request.app.state.engine,
            decision_ref,
            number,
            authority_code=code,
            conclusion=conclusion,
            by=user.email,
        )
    except FollowUpError as error:
        errors = {"conclusion": _sentence(error)}
        return _page(
            request, code, recommendation, user, errors=errors, form={"conclusion": conclusion}
        )
    request.session[FLASH] = (
        f"The review by {done.committee} on {done.meeting_date:%-d %B %Y} is recorded."
    )
    note_write(request)
    return RedirectResponse(follow_up_path(code, decision_ref, number), status_code=303)
