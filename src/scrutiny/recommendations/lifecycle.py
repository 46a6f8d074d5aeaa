"""Changing where a recommendation stands: evidence, the Ombudsman's check, final outcomes.

Evidence carries two dates: the date it claims for the action (evidence_date) and the day
it was sent (sent_on). Evidence sent after the due date for an action it dates on or
before the due date is *backdated*: accepted, it counts as complied late, completed on
the day it was sent, unless the Ombudsman confirms the claimed date with a reason.

Every change is one transaction that also writes the audit log, so a change and its
record stand or fall together. A change the state machine (see the package docstring)
does not allow raises RecommendationError before anything is written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from scrutiny.core.errors import Invalid
from scrutiny.core.formatting import day
from scrutiny.reference.calendar import working_days_between
from scrutiny.reference.due_dates import DueDatePhraseError, due_date
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import (
    recommendation_evidence,
    recommendation_outcomes,
    recommendations,
    transaction,
)

NOTE_LIMIT = 1000  # the standard's max_length for evidence_note
EVIDENCE = "recommendation_evidence"
OUTCOME = "recommendation_outcome"


class RecommendationError(Invalid, ValueError):
    """A change the lifecycle does not allow, or names something unknown; nothing changed."""


def due_date_from_phrase(decision_date: date, phrase: str) -> date:
    """The due date a decision's PHRASE gives ("within one month of the final decision")."""
    try:
        return due_date(decision_date, phrase)
    except DueDatePhraseError as error:
        raise RecommendationError(str(error)) from error


def record_evidence(
    engine: Engine,
    decision_ref: str,
    number: int,
    *,
    note: str,
    evidence_date: date,
    file_reference: str | None = None,
    by: str,
    today: date | None = None,
) -> int:
    """Record a council's evidence of compliance, awaiting the Ombudsman's check; its id.

    TODAY is the day it is sent (sent_on); EVIDENCE_DATE the date it claims for the action.
    """
    today = today or date.today()
    _require(note, "a note saying what the evidence shows")
    _require(by, "who is recording the evidence")
    with transaction(engine) as connection:
        recommendation = _open_recommendation(connection, decision_ref, number)
        if waiting := _awaiting_check(connection, decision_ref, number):
            raise RecommendationError(
                f"{recommendation_name(decision_ref, number)} already has evidence"
                f" {waiting['id']} awaiting"
                " a check: check it before sending more"
            )
        if evidence_date > today:
            raise RecommendationError(f"the evidence date {evidence_date} is in the future")
        if evidence_date < recommendation["agreed_date"]:
            raise RecommendationError(
                f"the evidence date {evidence_date} is before the recommendation was agreed"
                f" ({recommendation['agreed_date']})"
            )
        now = datetime.now(UTC)
        evidence_id = connection.execute(
            insert(recommendation_evidence)
            .values(
                decision_ref=decision_ref,
                recommendation_number=number,
                note=note.strip(),
                evidence_date=evidence_date,
                file_reference=file_reference,
                submitted_by=by,
                submitted_at=now,
                sent_on=today,
            )
            .returning(recommendation_evidence.c.id)
        ).scalar_one()
        detail = {
            "evidence_date": evidence_date.isoformat(),
            "sent_on": today.isoformat(),
            "backdated": is_backdated(evidence_date, today, recommendation["due_date"]),
            "file_reference": file_reference,
        }
        _audit(
            connection,
            by,
            "record_evidence",
            EVIDENCE,
            evidence_id,
            decision_ref,
            number,
            now,
            detail,
        )
    return int(evidence_id)


def check_evidence(
    engine: Engine,
    evidence_id: int,
    *,
    accepted: bool,
    reason: str = "",
    by: str,
    on: date | None = None,
    confirm_claimed_date: bool = False,
) -> str:
    """The Ombudsman's check of evidence: the outcome if accepted, else 'rejected'.

    Accepted evidence completes the recommendation on its evidence date: complied when
    that is on or before the due date, complied late after it. Backdated evidence (sent
    after the due date, dated on or before it) is complied late, completed on the day it
    was sent, unless CONFIRM_CLAIMED_DATE is given with a REASON. Rejected evidence (a
    reason is required) leaves the recommendation awaiting evidence again.
    """
    on = on or date.today()
    _require(by, "who is checking the evidence")
    if not accepted:
        _require(reason, "a reason for rejecting the evidence")
    if confirm_claimed_date:
        _require(reason, "a reason for confirming the date the evidence claims")
    with transaction(engine) as connection:
        evidence = (
            connection.execute(
                select(recommendation_evidence).where(recommendation_evidence.c.id == evidence_id)
            )
            .mappings()
            .first()
        )
        if evidence is None:
            raise RecommendationError(f"there is no evidence {evidence_id}")
        if evidence["check_result"] is not None:
            raise RecommendationError(
                f"evidence {evidence_id} was already checked ({evidence['check_result']}"
                f" by {evidence['checked_by']} on {evidence['checked_on']})"
            )
        ref, number = evidence["decision_ref"], evidence["recommendation_number"]
        recommendation = _open_recommendation(connection, ref, number)
        if on < evidence["evidence_date"]:
            raise RecommendationError(
                f"the check date {on} is before the evidence date {evidence['evidence_date']}"
            )
        backdated = is_backdated(
            evidence["evidence_date"], evidence["sent_on"], recommendation["due_date"]
        )
        if confirm_claimed_date and not backdated:
            raise RecommendationError(
                f"evidence {evidence_id} was sent on {evidence['sent_on']}, by the due date"
                f" ({recommendation['due_date']}): there is no backdating to confirm"
            )
        confirmed = confirm_claimed_date if backdated and accepted else None
        now = datetime.now(UTC)
        result = "accepted" if accepted else "rejected"
        checked = connection.execute(
            update(recommendation_evidence)
            .where(
                recommendation_evidence.c.id == evidence_id,
                recommendation_evidence.c.check_result.is_(None),
            )
            .values(
                check_result=result,
                check_reason=reason.strip() or None,
                checked_by=by,
                checked_on=on,
                checked_at=now,
                claimed_date_confirmed=confirmed,
            )
        )
        if checked.rowcount != 1:  # another check got there first
            raise RecommendationError(f"evidence {evidence_id} was already checked")
        detail = {
            "reason": reason.strip() or None,
            "checked_on": on.isoformat(),
            "backdated": backdated,
            "claimed_date_confirmed": confirmed,
        }
        _audit(
            connection,
            by,
            "accept_evidence" if accepted else "reject_evidence",
            EVIDENCE,
            evidence_id,
            ref,
            number,
            now,
            detail,
        )
        if not accepted:
            return "rejected"
        completed = (
            evidence["sent_on"] if backdated and not confirmed else evidence["evidence_date"]
        )
        outcome = "complied" if completed <= recommendation["due_date"] else "complied_late"
        _record_outcome(
            connection,
            recommendation,
            outcome,
            by=by,
            on=on,
            at=now,
            completed_date=completed,
            reason=reason.strip() or None,
            evidence_id=evidence_id,
            note=evidence["note"],
        )
    return outcome


def withdraw_recommendation(
    engine: Engine,
    decision_ref: str,
    number: int,
    *,
    reason: str,
    by: str,
    on: date | None = None,
) -> None:
    """Withdraw a recommendation that is no longer required, saying why."""
    _require(reason, "a reason for withdrawing the recommendation")
    _require(by, "who is withdrawing the recommendation")
    with transaction(engine) as connection:
        recommendation = _open_recommendation(connection, decision_ref, number)
        _record_outcome(
            connection,
            recommendation,
            "withdrawn",
            by=by,
            on=on or date.today(),
            at=datetime.now(UTC),
            completed_date=None,
            reason=reason.strip(),
            evidence_id=None,
            note=reason.strip(),
        )


def mark_not_complied(
    engine: Engine,
    decision_ref: str,
    number: int,
    *,
    reason: str,
    by: str,
    on: date | None = None,
) -> None:
    """Close the compliance check as not complied: only after the due date has passed."""
    on = on or date.today()
    _require(reason, "a reason for closing the check as not complied")
    _require(by, "who is closing the check")
    with transaction(engine) as connection:
        recommendation = _open_recommendation(connection, decision_ref, number)
        if on <= recommendation["due_date"]:
            raise RecommendationError(
                f"{recommendation_name(decision_ref, number)} is not due until"
                f" {recommendation['due_date']}:"
                " it cannot be marked not complied before then"
            )
        if waiting := _awaiting_check(connection, decision_ref, number):
            raise RecommendationError(
                f"evidence {waiting['id']} for {recommendation_name(decision_ref, number)}"
                " awaits a check:"
                " check it first"
            )
        _record_outcome(
            connection,
            recommendation,
            "not_complied",
            by=by,
            on=on,
            at=datetime.now(UTC),
            completed_date=None,
            reason=reason.strip(),
            evidence_id=None,
            note=None,
        )


def is_backdated(evidence_date: date, sent_on: date, due: date) -> bool:
    """Whether evidence sent on SENT_ON, after the DUE date, dates its action on or before it."""
    return evidence_date <= due < sent_on


def backdating_warning(evidence_date: date, sent_on: date, due: date) -> str | None:
    """What the Ombudsman should know before accepting backdated evidence; None if it is not."""
    if not is_backdated(evidence_date, sent_on, due):
        return None
    gap = working_days_between(due, sent_on)
    return (
        f"Sent on {day(sent_on)}, {gap:,} working days after the due date ({day(due)}),"
        f" for an action it dates {day(evidence_date)}. Accepted as it stands, it counts as"
        " complied late, completed on the day it was sent. It counts as on time only if you"
        " confirm the date it claims, with a reason."
    )


def _require(value: str, what: str) -> None:
    if not value or not value.strip():
        raise RecommendationError(f"{what} is required")


def recommendation_name(decision_ref: str, number: int) -> str:
    """How messages name a recommendation: "recommendation 2 of decision 24 000 001"."""
    return f"recommendation {number} of decision {decision_ref}"


def _open_recommendation(connection: Connection, decision_ref: str, number: int) -> RowMapping:
    """The stored recommendation, refused when unknown or when it already has a final outcome."""
    recommendation = (
        connection.execute(
            select(recommendations).where(
                recommendations.c.decision_ref == decision_ref,
                recommendations.c.recommendation_number == number,
            )
        )
        .mappings()
        .first()
    )
    if recommendation is None:
        raise RecommendationError(f"there is no {recommendation_name(decision_ref, number)}")
    outcome = connection.execute(
        select(recommendation_outcomes.c.outcome).where(
            recommendation_outcomes.c.decision_ref == decision_ref,
            recommendation_outcomes.c.recommendation_number == number,
        )
    ).scalar()
    final = outcome or (
        None
        if recommendation["compliance_status"] == "pending"
        else recommendation["compliance_status"]
    )
    if final is not None:
        raise RecommendationError(
            f"{recommendation_name(decision_ref, number)} is already {final.replace('_', ' ')}:"
            " a final outcome cannot change"
        )
    return recommendation


def _awaiting_check(connection: Connection, decision_ref: str, number: int) -> RowMapping | None:
    return (
        connection.execute(
            select(recommendation_evidence.c.id).where(
                recommendation_evidence.c.decision_ref == decision_ref,
                recommendation_evidence.c.recommendation_number == number,
                recommendation_evidence.c.check_result.is_(None),
            )
        )
        .mappings()
        .first()
    )


def _record_outcome(
    connection: Connection,
    recommendation: RowMapping,
    outcome: str,
    *,
    by: str,
    on: date,
    at: datetime,
    completed_date: date | None,
    reason: str | None,
    evidence_id: int | None,
    note: str | None,
) -> None:
    """Store the final OUTCOME and bring the imported row into line, so indicators see it."""
    ref, number = recommendation["decision_ref"], recommendation["recommendation_number"]
    note_text = note or recommendation["evidence_note"]
    outcome_id = connection.execute(
        insert(recommendation_outcomes)
        .values(
            decision_ref=ref,
            recommendation_number=number,
            outcome=outcome,
            completed_date=completed_date,
            reason=reason,
            evidence_id=evidence_id,
            decided_by=by,
            decided_on=on,
            decided_at=at,
        )
        .returning(recommendation_outcomes.c.id)
    ).scalar_one()
    connection.execute(
        update(recommendations)
        .where(recommendations.c.id == recommendation["id"])
        .values(
            compliance_status=outcome,
            completed_date=completed_date,
            evidence_note=note_text[:NOTE_LIMIT] if note_text else None,
        )
    )
    detail = {
        "outcome": outcome,
        "completed_date": completed_date.isoformat() if completed_date else None,
        "reason": reason,
        "evidence_id": evidence_id,
        "decided_on": on.isoformat(),
    }
    _audit(connection, by, outcome, OUTCOME, outcome_id, ref, number, at, detail)


def _audit(
    connection: Connection,
    actor: str,
    action: str,
    entity: str,
    entity_id: int,
    decision_ref: str,
    number: int,
    at: datetime,
    detail: dict[str, Any],
) -> None:
    key = {"decision_ref": decision_ref, "recommendation_number": int(number)}
    record_audit_entry(
        connection,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=int(entity_id),
        detail={**key, **detail},
        at=at,
    )
