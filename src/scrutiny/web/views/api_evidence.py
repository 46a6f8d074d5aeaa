"""The API for evidence of compliance: a council sends it with its own token, and the
Ombudsman checks it with an Ombudsman token (scrutiny.store.accounts.create_token).

Both sides go through the same library calls as the web pages (scrutiny.recommendations),
so the lifecycle's rules, the backdating rule and the audit log are the same everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from scrutiny.recommendations import (
    RecommendationError,
    backdating_warning,
    check_evidence,
    evidence_awaiting_check,
    list_evidence,
    read_register,
    record_evidence,
)
from scrutiny.recommendations.lifecycle import NOTE_LIMIT
from scrutiny.store.accounts import TokenUser, User
from scrutiny.store.db import recommendations
from scrutiny.web.api_common import MAX_BIG, Number, RowId, refuse
from scrutiny.web.requests import note_write
from scrutiny.web.security import AskFirst, api_user, ombudsman_api_user

router = APIRouter(route_class=AskFirst)

COUNCIL = "evidence (council token)"
OMBUDSMAN = "evidence (Ombudsman token)"
ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No working API token"},
    403: {"description": "The token may not do this (another authority, or the wrong kind)"},
    404: {"description": "No such recommendation or evidence for this token"},
    409: {"description": "The lifecycle does not allow it now (the reason says why)"},
}


class EvidenceSent(BaseModel):
    decision_ref: str = Field(max_length=40)
    recommendation_number: int = Field(ge=1, le=MAX_BIG)
    note: str = Field(max_length=NOTE_LIMIT, description="What the evidence shows")
    evidence_date: date = Field(description="The date the evidence claims for the action")
    file_reference: str | None = Field(None, max_length=300)


class EvidenceCheck(BaseModel):
    accepted: bool
    reason: str = Field("", max_length=NOTE_LIMIT)
    confirm_claimed_date: bool = Field(
        False,
        description="For backdated evidence (sent after the due date, dated by it): count it "
        "as on time. Needs a reason.",
    )


class EvidenceRecord(BaseModel):
    id: int
    decision_ref: str
    recommendation_number: int
    note: str
    evidence_date: date
    sent_on: date
    file_reference: str | None
    submitted_by: str
    check_result: str | None
    check_reason: str | None
    claimed_date_confirmed: bool | None
    backdating: str | None = Field(
        None, description="Why the Ombudsman should look at the dates, if it is backdated"
    )


class CheckResult(BaseModel):
    evidence_id: int
    outcome: str


def _records(request: Request, ref: str, number: int, due: date) -> list[dict[str, Any]]:
    return [
        {**e, "backdating": backdating_warning(e["evidence_date"], e["sent_on"], due)}
        for e in list_evidence(request.app.state.engine, ref, number)
    ]


def _recommendation(request: Request, ref: str, number: int, code: str | None) -> dict[str, Any]:
    """The register's row for the recommendation (404 unless it is CODE's, when given)."""
    register = read_register(request.app.state.engine, authority_code=code)
    found = register.filter(
        (pl.col("decision_ref") == ref) & (pl.col("recommendation_number") == number)
    )
    if found.is_empty():
        if code is not None and _exists(request, ref, number):
            raise refuse(403, f"Recommendation {number} of decision {ref} is not {code}'s")
        raise refuse(404, f"There is no recommendation {number} of decision {ref}")
    return found.row(0, named=True)


def _exists(request: Request, ref: str, number: int) -> bool:
    query = select(recommendations.c.id).where(
        recommendations.c.decision_ref == ref, recommendations.c.recommendation_number == number
    )
    with request.app.state.engine.connect() as connection:
        return connection.execute(query).first() is not None


@router.post(
    "/evidence", response_model=EvidenceRecord, status_code=201, responses=ERRORS, tags=[COUNCIL]
)
def send_evidence(
    request: Request, sent: EvidenceSent, token: TokenUser = Depends(api_user)
) -> dict[str, Any]:
    """Send evidence that the token's council did what a recommendation asked; it awaits the
    Ombudsman's check. Sent after the due date for an action dated by it, it is backdated."""
    row = _recommendation(
        request, sent.decision_ref, sent.recommendation_number, token.authority_code
    )
    try:
        evidence_id = record_evidence(
            request.app.state.engine,
            sent.decision_ref,
            sent.recommendation_number,
            note=sent.note,
            evidence_date=sent.evidence_date,
            file_reference=sent.file_reference,
            by=token.user.email,
        )
    except RecommendationError as problem:
        raise refuse(409, str(problem)) from problem
    note_write(request)
    records = _records(request, sent.decision_ref, sent.recommendation_number, row["due_date"])
    return next(r for r in records if r["id"] == evidence_id)


@router.get(
    "/evidence/{decision_ref}/{number}",
    response_model=list[EvidenceRecord],
    responses=ERRORS,
    tags=[COUNCIL],
)
def council_evidence(
    request: Request, decision_ref: str, number: Number, token: TokenUser = Depends(api_user)
) -> list[dict[str, Any]]:
    """Every piece of evidence the token's council sent for one recommendation, oldest first."""
    row = _recommendation(request, decision_ref, number, token.authority_code)
    return _records(request, decision_ref, number, row["due_date"])


@router.get(
    "/ombudsman/evidence",
    response_model=list[EvidenceRecord],
    responses=ERRORS,
    tags=[OMBUDSMAN],
)
def evidence_awaiting(
    request: Request, user: User = Depends(ombudsman_api_user)
) -> list[dict[str, Any]]:
    """Evidence awaiting the Ombudsman's check, each with its backdating warning if any."""
    register = read_register(request.app.state.engine)
    waiting = register.filter(pl.col("state") == "evidence_submitted")
    awaiting = evidence_awaiting_check(request.app.state.engine)
    found = []
    for row in waiting.iter_rows(named=True):
        evidence = awaiting.get((row["decision_ref"], row["recommendation_number"]))
        if evidence is not None:
            warning = backdating_warning(
                evidence["evidence_date"], evidence["sent_on"], row["due_date"]
            )
            found.append({**evidence, "backdating": warning})
    return found


@router.post(
    "/ombudsman/evidence/{evidence_id}/check",
    response_model=CheckResult,
    responses=ERRORS,
    tags=[OMBUDSMAN],
)
def check(
    request: Request,
    evidence_id: RowId,
    decision: EvidenceCheck,
    user: User = Depends(ombudsman_api_user),
) -> dict[str, Any]:
    """Accept or reject evidence. Accepted backdated evidence counts as complied late unless
    confirm_claimed_date is given with a reason."""
    try:
        outcome = check_evidence(
            request.app.state.engine,
            evidence_id,
            accepted=decision.accepted,
            reason=decision.reason,
            by=user.email,
            confirm_claimed_date=decision.confirm_claimed_date,
        )
    except RecommendationError as problem:
        status = 404 if str(problem).startswith("there is no evidence") else 409
        raise refuse(status, str(problem)) from problem
    note_write(request)
    return {"evidence_id": evidence_id, "outcome": outcome}
