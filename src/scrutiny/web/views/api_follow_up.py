"""The API for scrutiny follow-up, with a council's API token: what its committees have to
follow up and have reviewed, and assigning and reviewing recommendations.

A token is scoped to one authority, and only those who may send a council's returns hold
one (its officers and admins, scrutiny.store.accounts): the council's own systems, such as
its committee management system, use it. So a token for the council may both assign a
recommendation to a committee meeting and record the committee's review; each is
attributed to the token and its account in the audit log. On the web only councillors
record reviews (scrutiny.recommendations.follow_up's REVIEWERS).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from scrutiny.core.errors import NotFound
from scrutiny.recommendations.follow_up import (
    COMMITTEE_LIMIT,
    CONCLUSION_LIMIT,
    FollowUpError,
    assign_follow_up,
    record_review,
)
from scrutiny.recommendations.follow_up_lists import council_follow_up
from scrutiny.store.accounts import TokenUser
from scrutiny.web.api_common import check_date, refuse
from scrutiny.web.security import AskFirst, access_check, api_user

router = APIRouter(route_class=AskFirst, tags=["council (token)"])
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No working API token"},
    403: {"description": "The token is for another authority"},
    404: {"description": "The council has no such recommendation"},
}


@access_check
def _own_token(request: Request) -> TokenUser:
    """The request's token, refused (before any body is read) unless it is for the
    authority in the address."""
    token = api_user(request)
    code = str(request.path_params.get("code", "")).strip().upper()
    if code != token.authority_code:
        raise refuse(403, f"This API token is for {token.authority_code}, not {code}")
    return token


class FollowUpItem(BaseModel):
    decision_ref: str
    recommendation_number: int
    kind: str
    amount_gbp: float | None
    due_date: date
    state: str
    overdue: bool
    working_days_overdue: int
    committee: str | None = None
    meeting_date: date | None = None
    conclusion: str | None = None


class NextMeeting(BaseModel):
    committee: str
    meeting_date: date
    recommendations: list[FollowUpItem]


class CouncilFollowUp(BaseModel):
    authority_code: str
    today: date
    next_meetings: list[NextMeeting] = Field(
        description="Each committee's next meeting on or after today, with its recommendations"
    )
    reviewed: list[FollowUpItem] = Field(description="Each with its latest review")
    not_reviewed: list[FollowUpItem] = Field(
        description="Open recommendations no committee has reviewed, overdue first"
    )


class AssignmentIn(BaseModel):
    committee: str = Field(min_length=1, max_length=COMMITTEE_LIMIT)
    meeting_date: date


class AssignmentOut(BaseModel):
    id: int
    decision_ref: str
    recommendation_number: int
    authority_code: str
    committee: str
    meeting_date: date
    assigned_by: str
    changed: bool = Field(description="False when it was already on that meeting's agenda")


class ReviewIn(BaseModel):
    conclusion: str = Field(min_length=1, max_length=CONCLUSION_LIMIT)


class ReviewOut(BaseModel):
    id: int
    assignment_id: int
    decision_ref: str
    recommendation_number: int
    committee: str
    meeting_date: date
    conclusion: str
    recorded_by: str


@router.get("/follow-up/{code}", response_model=CouncilFollowUp, responses=ERRORS)
def follow_up(request: Request, code: str, token: TokenUser = Depends(_own_token)) -> Any:
    """The token's council's scrutiny follow-up today: next meetings' agendas, what was
    reviewed and what was not."""
    found = council_follow_up(request.app.state.engine, token.authority_code)
    return {
        "authority_code": token.authority_code,
        "today": found.today,
        "next_meetings": [
            {**asdict(m), "recommendations": list(m.items)} for m in found.next_meetings
        ],
        "reviewed": list(found.reviewed),
        "not_reviewed": list(found.not_reviewed),
    }


def _actor(token: TokenUser) -> str:
    return f"{token.user.email} (API token {token.token_id})"


@router.post(
    "/follow-up/{code}/{decision_ref}/{number}/assignment",
    response_model=AssignmentOut,
    status_code=201,
    responses={
        200: {"description": "Already on that meeting's agenda: nothing changed"},
        **ERRORS,
        400: {"description": "A meeting date the rules refuse, or a withdrawn recommendation"},
    },
)
def assign(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    body: AssignmentIn,
    token: TokenUser = Depends(_own_token),
) -> Response:
    """Put a recommendation on a committee meeting's agenda (replacing any earlier one,
    which stays in its history)."""
    check_date(body.meeting_date, "meeting_date")
    try:
        done = assign_follow_up(
            request.app.state.engine,
            decision_ref,
            number,
            authority_code=token.authority_code,
            committee=body.committee,
            meeting_date=body.meeting_date,
            by=_actor(token),
        )
    except NotFound as error:
        raise refuse(404, str(error)) from None
    except FollowUpError as error:
        raise refuse(400, str(error)) from None
    answer = AssignmentOut.model_validate(asdict(done)).model_dump(mode="json")
    return JSONResponse(answer, status_code=201 if done.changed else 200)


@router.post(
    "/follow-up/{code}/{decision_ref}/{number}/review",
    response_model=ReviewOut,
    status_code=201,
    responses={
        **ERRORS,
        400: {
            "description": "Not assigned to a meeting, the meeting is still to come or was "
            "already reviewed, or the conclusion looks like it holds personal data"
        },
    },
)
def review(
    request: Request,
    code: str,
    decision_ref: str,
    number: int,
    body: ReviewIn,
    token: TokenUser = Depends(_own_token),
) -> Any:
    """Record what the committee of the recommendation's current assignment concluded."""
    try:
        done = record_review(
            request.app.state.engine,
            decision_ref,
            number,
            authority_code=token.authority_code,
            conclusion=body.conclusion,
            by=_actor(token),
        )
    except NotFound as error:
        raise refuse(404, str(error)) from None
    except FollowUpError as error:
        raise refuse(400, str(error)) from None
    return asdict(done)
