"""The API for draft recommendations: the Ombudsman drafts and finalises them with an
Ombudsman token; a council reads and answers its own with its council token.

Both sides go through the library the web pages use (scrutiny.recommendations.drafts), so
the draft stage's rules and its audit log are the same everywhere. As with evidence, a
council token asking for another council's draft is refused (403), one asking for a
draft that does not exist is told so (404).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from scrutiny.recommendations.draft_measures import draft_story
from scrutiny.recommendations.drafts import (
    TITLE_LIMIT,
    WORDING_LIMIT,
    DraftNotFound,
    NewDraft,
    Status,
    create_drafts,
    finalise_draft,
    get_draft,
    list_drafts,
    respond_to_draft,
)
from scrutiny.recommendations.lifecycle import RecommendationError
from scrutiny.store.accounts import TokenUser, User
from scrutiny.store.db import as_utc
from scrutiny.web.api_common import (
    MAX_ROW_ID,
    Page,
    Paging,
    RowId,
    check_date,
    page_of_list,
    refuse,
)
from scrutiny.web.requests import note_write
from scrutiny.web.security import AskFirst, access_check, api_user, ombudsman_api_user

router = APIRouter(route_class=AskFirst)

COUNCIL = "drafts (council token)"
OMBUDSMAN = "drafts (Ombudsman token)"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No working API token"},
    403: {"description": "The token may not do this (another council's draft, or the wrong kind)"},
    404: {"description": "No such draft"},
}
STAGE: dict[int | str, dict[str, Any]] = {
    409: {"description": "The draft stage does not allow it (the reason says why)"}
}
REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "A draft cannot be stored as sent (the reason names it)"}
}
MOMENTS = ("created_at", "responded_at", "finalised_at")


class DraftSent(BaseModel):
    decision_ref: str = Field(max_length=32)
    recommendation_number: int = Field(ge=1, le=100)
    authority_code: str = Field(max_length=9, description="The council's GSS code")
    kind: str = Field(description="The standard's recommendation_kind code")
    beneficiary: str = Field(description="The standard's beneficiary code")
    decision_date: date
    wording: str = Field(max_length=WORDING_LIMIT, description="The proposed wording")
    amount_gbp: float | None = Field(None, description="For a financial remedy")
    due_date: date | None = Field(None, description="The proposed due date, or give due_phrase")
    due_phrase: str | None = Field(
        None, max_length=200, description="'within one month of the final decision'"
    )


class Answer(BaseModel):
    accept: bool = Field(description="true: accept as drafted; false: propose a change")
    agreed_by_title: str = Field(
        max_length=TITLE_LIMIT, description="Job title of the senior leader who agreed it"
    )
    accountable_officer: str = Field(
        max_length=TITLE_LIMIT, description="Job title of the officer accountable for it"
    )
    wording: str | None = Field(None, max_length=WORDING_LIMIT, description="Proposed wording")
    kind: str | None = Field(None, description="Proposed action (recommendation_kind code)")
    due_date: date | None = Field(None, description="Proposed due date")
    reasons: str = Field("", max_length=WORDING_LIMIT, description="Why: needed for a change")


class FinalWord(BaseModel):
    take_proposal: bool | None = Field(
        None, description="For a change the council proposed: take it (true) or not (false)"
    )
    wording: str | None = Field(None, max_length=WORDING_LIMIT, description="Own wording")
    due_date: date | None = Field(None, description="Own due date")
    reason: str = Field(
        "", max_length=WORDING_LIMIT, description="Needed when not taking the proposal as it is"
    )
    agreed_date: date | None = Field(None, description="The day it was agreed; today if not given")


class DraftRecord(BaseModel):
    id: int
    decision_ref: str
    recommendation_number: int
    authority_code: str
    kind: str
    beneficiary: str
    amount_gbp: float | None
    decision_date: date
    wording: str
    due_date: date
    status: Status
    data_source: str
    created_by: str
    created_at: datetime
    response: Literal["accept", "change"] | None
    proposed_wording: str | None
    proposed_kind: str | None
    proposed_due_date: date | None
    response_reasons: str | None
    agreed_by_title: str | None
    accountable_officer: str | None
    responded_by: str | None
    responded_at: datetime | None
    final_wording: str | None
    final_kind: str | None
    final_due_date: date | None
    took_proposal: bool | None
    final_reason: str | None
    agreed_date: date | None
    finalised_by: str | None
    finalised_at: datetime | None
    submission_id: int | None = Field(description="The submission holding the agreed row")


class Step(BaseModel):
    at: datetime
    actor: str
    action: str = Field(description="propose, accept, propose_change or finalise")
    detail: dict[str, Any] | None


class WordChange(BaseModel):
    change: Literal["same", "removed", "added"]
    words: str


class DraftDetail(DraftRecord):
    history: list[Step] = Field(description="Every step, from the audit log, oldest first")
    proposal_diff: list[WordChange] = Field(
        description="The council's proposed wording against the draft's, word by word"
    )
    final_diff: list[WordChange] = Field(
        description="The agreed wording against the draft's, word by word"
    )
    changes: list[str] = Field(description="How the agreed record differs from the draft")


def _record(draft: dict[str, Any]) -> dict[str, Any]:
    return {**draft, **{k: as_utc(draft[k]) for k in MOMENTS if draft[k] is not None}}


def _detail(request: Request, draft_id: int, code: str | None = None) -> dict[str, Any]:
    story = draft_story(request.app.state.engine, draft_id, code)
    return {
        **_record(story["draft"]),
        "history": [vars(entry) for entry in story["history"]],
        "proposal_diff": [{"change": c, "words": w} for c, w in story["proposal_diff"]],
        "final_diff": [{"change": c, "words": w} for c, w in story["final_diff"]],
        "changes": story["changes"],
    }


def _step(request: Request, draft_id: int, change: Callable[[], object]) -> dict[str, Any]:
    """Make CHANGE to the draft (409 if the draft stage refuses it); the draft as it is now."""
    try:
        change()
    except RecommendationError as problem:
        raise refuse(409, str(problem)) from problem
    note_write(request)
    return _detail(request, draft_id)


@access_check
def council_draft(request: Request) -> int:
    """The id of the draft in the address, which must be the council token's: 403 for
    another council's, 404 for one that does not exist."""
    token = api_user(request)
    try:
        draft_id = int(request.path_params["draft_id"])
        if not 1 <= draft_id <= MAX_ROW_ID:
            raise ValueError(draft_id)
        draft = get_draft(request.app.state.engine, draft_id)
    except (ValueError, DraftNotFound):
        raise refuse(404, f"There is no draft {request.path_params['draft_id']}") from None
    if draft["authority_code"] != token.authority_code:
        raise refuse(403, f"Draft {draft_id} is not {token.authority_code}'s")
    return draft_id


@router.post(
    "/ombudsman/drafts",
    response_model=list[DraftRecord],
    status_code=201,
    responses={**ERRORS, **REFUSED},
    tags=[OMBUDSMAN],
)
def send_drafts(
    request: Request,
    sent: DraftSent | Annotated[list[DraftSent], Field(min_length=1, max_length=500)],
    user: User = Depends(ombudsman_api_user),
) -> list[dict[str, Any]]:
    """Record draft recommendations (one, or a list of up to 500), all or none, for each
    council to answer."""
    drafts = sent if isinstance(sent, list) else [sent]
    for draft in drafts:
        check_date(draft.decision_date, "decision_date")
        check_date(draft.due_date, "due_date")
    engine = request.app.state.engine
    try:
        ids = create_drafts(engine, [NewDraft(**d.model_dump()) for d in drafts], by=user.email)
    except RecommendationError as problem:
        raise refuse(422, str(problem)) from problem
    note_write(request)
    return [_record(get_draft(engine, draft_id)) for draft_id in ids]


@router.get(
    "/ombudsman/drafts", response_model=Page[DraftRecord], responses=ERRORS, tags=[OMBUDSMAN]
)
def all_drafts(
    request: Request,
    authority: str | None = Query(None, max_length=9, description="One council's GSS code"),
    state: Status | None = Query(None, description="Only drafts in this state"),
    paging: Paging = Depends(),
    user: User = Depends(ombudsman_api_user),
) -> dict[str, Any]:
    """Every council's drafts, newest decision first."""
    found = list_drafts(request.app.state.engine, authority_code=authority, status=state)
    return page_of_list(request, [_record(d) for d in found], paging)


@router.get(
    "/ombudsman/drafts/{draft_id}", response_model=DraftDetail, responses=ERRORS, tags=[OMBUDSMAN]
)
def ombudsman_draft(
    request: Request, draft_id: RowId, user: User = Depends(ombudsman_api_user)
) -> dict[str, Any]:
    """One draft, with its history and how the council's proposal and the agreed wording
    differ from it."""
    return _detail(request, draft_id)


@router.post(
    "/ombudsman/drafts/{draft_id}/finalise",
    response_model=DraftDetail,
    responses={**ERRORS, **STAGE},
    tags=[OMBUDSMAN],
)
def finalise(
    request: Request,
    draft_id: RowId,
    final: FinalWord,
    user: User = Depends(ombudsman_api_user),
) -> dict[str, Any]:
    """The Ombudsman's final word on a draft the council has answered: it is agreed and
    joins the council's register. Not taking the council's proposal, or changing it, needs
    a reason."""
    return _step(
        request,
        draft_id,
        lambda: finalise_draft(
            request.app.state.engine,
            draft_id,
            take_proposal=final.take_proposal,
            wording=final.wording,
            due_date=check_date(final.due_date, "due_date"),
            reason=final.reason,
            by=user.email,
            on=check_date(final.agreed_date, "agreed_date"),
        ),
    )


@router.get("/drafts", response_model=Page[DraftRecord], responses=ERRORS, tags=[COUNCIL])
def council_drafts(
    request: Request,
    state: Status | None = Query(None, description="Only drafts in this state"),
    paging: Paging = Depends(),
    token: TokenUser = Depends(api_user),
) -> dict[str, Any]:
    """The token's council's drafts, newest decision first."""
    engine = request.app.state.engine
    found = list_drafts(engine, authority_code=token.authority_code, status=state)
    return page_of_list(request, [_record(d) for d in found], paging)


@router.get("/drafts/{draft_id}", response_model=DraftDetail, responses=ERRORS, tags=[COUNCIL])
def council_draft_detail(
    request: Request, draft_id: int = Depends(council_draft)
) -> dict[str, Any]:
    """One of the council's drafts, with its history and how the council's proposal and the
    agreed wording differ from it."""
    return _detail(request, draft_id)


@router.post(
    "/drafts/{draft_id}/response",
    response_model=DraftDetail,
    responses={**ERRORS, **STAGE},
    tags=[COUNCIL],
)
def answer(
    request: Request,
    answer: Answer,
    draft_id: int = Depends(council_draft),
    token: TokenUser = Depends(api_user),
) -> dict[str, Any]:
    """The council's answer: accept the draft, or propose a change to its wording, action or
    due date with reasons; either way naming, by job title, the senior leader who agreed the
    answer and the officer accountable for delivering it."""
    return _step(
        request,
        draft_id,
        lambda: respond_to_draft(
            request.app.state.engine,
            draft_id,
            authority_code=token.authority_code,
            accept=answer.accept,
            agreed_by_title=answer.agreed_by_title,
            accountable_officer=answer.accountable_officer,
            wording=answer.wording,
            kind=answer.kind,
            due_date=check_date(answer.due_date, "due_date"),
            reasons=answer.reasons,
            by=token.user.email,
        ),
    )
