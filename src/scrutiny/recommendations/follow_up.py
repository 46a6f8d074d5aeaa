"""Scrutiny follow-up: a council committee follows up an Ombudsman recommendation.

A council's officer or councillor assigns an agreed recommendation to a scrutiny
arrangement, a committee and the date of its meeting (assign_follow_up). Assigning it again
to another meeting replaces the assignment and keeps the earlier one in the history. Once
the meeting has happened a councillor records that the committee reviewed it and what it
concluded (record_review): one review for each assignment, so a committee that wants to look
again assigns it to a later meeting. Every change is one transaction with its audit entry.

What is refused, and why:
- a meeting dated before the recommendation was agreed: a committee cannot follow up what
  did not yet exist;
- a meeting more than PAST_LIMIT days ago: assignments are made ahead, or just after a
  meeting so its review can be recorded; older dates are almost always mistyped years;
- a meeting more than FUTURE_LIMIT days ahead, for the same reason;
- a withdrawn recommendation: there is nothing to follow up;
- a review of a recommendation not assigned to a meeting (the review would name no
  committee), of a meeting still to come, or of a meeting already reviewed;
- a conclusion that looks like it holds personal data (scrutiny.core.personal_data, the
  validator's patterns): conclusions are printed in the councillor pack and the public
  annual report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection, RowMapping

from scrutiny.core.errors import Invalid, NotFound
from scrutiny.core.personal_data import personal_data_kinds
from scrutiny.recommendations.lifecycle import recommendation_name
from scrutiny.store.accounts import Role
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import recommendation_outcomes, recommendations, transaction
from scrutiny.store.follow_up_tables import follow_up_assignments, follow_up_reviews

# Who may, besides admins: a council's officers and councillors put recommendations on a
# committee's agenda; its councillors say what the committee concluded.
ASSIGNERS: tuple[Role, ...] = ("council_officer", "councillor")
REVIEWERS: tuple[Role, ...] = ("councillor",)
ASSIGNMENT = "follow_up_assignment"
REVIEW = "follow_up_review"
COMMITTEE_LIMIT = 120
CONCLUSION_LIMIT = 2000
PAST_LIMIT = timedelta(days=365)
FUTURE_LIMIT = timedelta(days=731)


class FollowUpError(Invalid, ValueError):
    """An assignment or review the rules refuse; nothing changed."""


class FollowUpNotFound(NotFound):
    """No such recommendation for this council."""


@dataclass(frozen=True)
class Assignment:
    """A recommendation on a committee's agenda."""

    id: int
    decision_ref: str
    recommendation_number: int
    authority_code: str
    committee: str
    meeting_date: date
    assigned_by: str
    replaced_by: int | None = None
    changed: bool = True  # False when it was already assigned to that meeting


@dataclass(frozen=True)
class Review:
    """What a committee concluded about a recommendation at a meeting."""

    id: int
    assignment_id: int
    decision_ref: str
    recommendation_number: int
    committee: str
    meeting_date: date
    conclusion: str
    recorded_by: str


def check_committee(committee: str) -> str:
    """The committee's name, tidied; FollowUpError when missing or too long."""
    name = " ".join(committee.split())
    if not name:
        raise FollowUpError("the committee's name is required")
    if len(name) > COMMITTEE_LIMIT:
        raise FollowUpError(f"the committee's name must be {COMMITTEE_LIMIT} characters or fewer")
    return name


def check_conclusion(conclusion: str) -> str:
    """The conclusion, stripped; FollowUpError when missing, too long or holding personal data."""
    text = conclusion.strip()
    if not text:
        raise FollowUpError("what the committee concluded is required")
    if len(text) > CONCLUSION_LIMIT:
        raise FollowUpError(f"the conclusion must be {CONCLUSION_LIMIT:,} characters or fewer")
    if kinds := personal_data_kinds(text):
        raise FollowUpError(
            f"the conclusion looks like it contains {' and '.join(kinds)}: conclusions are "
            "published in the councillor pack and the annual report, so describe what the "
            "committee decided without identifying anyone"
        )
    return text


def assign_follow_up(
    engine: Engine,
    decision_ref: str,
    number: int,
    *,
    authority_code: str | None,
    committee: str,
    meeting_date: date,
    by: str,
    today: date | None = None,
) -> Assignment:
    """Put recommendation NUMBER of DECISION_REF (AUTHORITY_CODE's; None: whichever council's
    it is) on COMMITTEE's agenda for MEETING_DATE, replacing any current assignment;
    unchanged if already there."""
    today = today or date.today()
    name = check_committee(committee)
    if not by.strip():
        raise FollowUpError("who is assigning the recommendation is required")
    with transaction(engine) as connection:
        recommendation = _recommendation(connection, decision_ref, number, authority_code)
        authority_code = str(recommendation["authority_code"])
        _check_meeting(recommendation, meeting_date, today)
        current = _current(connection, decision_ref, number)
        if current and current["committee"] == name and current["meeting_date"] == meeting_date:
            return _assignment(current, changed=False)
        now = datetime.now(UTC)
        values = {
            "decision_ref": decision_ref,
            "recommendation_number": number,
            "authority_code": authority_code,
            "committee": name,
            "meeting_date": meeting_date,
            "assigned_by": by,
            "assigned_at": now,
        }
        new_id = connection.execute(
            insert(follow_up_assignments).values(values).returning(follow_up_assignments.c.id)
        ).scalar_one()
        detail: dict[str, Any] = {
            "decision_ref": decision_ref,
            "recommendation_number": int(number),
            "authority_code": authority_code,
            "committee": name,
            "meeting_date": meeting_date.isoformat(),
        }
        if current:
            replaced = connection.execute(
                update(follow_up_assignments)
                .where(
                    follow_up_assignments.c.id == current["id"],
                    follow_up_assignments.c.replaced_by.is_(None),
                )
                .values(replaced_by=new_id)
            )
            if replaced.rowcount != 1:  # another assignment got there first
                raise FollowUpError(
                    f"{recommendation_name(decision_ref, number)} was reassigned meanwhile"
                )
            detail["replaces"] = {
                "id": current["id"],
                "committee": current["committee"],
                "meeting_date": current["meeting_date"].isoformat(),
            }
        record_audit_entry(
            connection,
            actor=by,
            action="reassign" if current else "assign",
            entity=ASSIGNMENT,
            entity_id=int(new_id),
            detail=detail,
            at=now,
        )
    return Assignment(
        id=int(new_id),
        decision_ref=decision_ref,
        recommendation_number=number,
        authority_code=authority_code,
        committee=name,
        meeting_date=meeting_date,
        assigned_by=by,
    )


def record_review(
    engine: Engine,
    decision_ref: str,
    number: int,
    *,
    authority_code: str | None,
    conclusion: str,
    by: str,
    today: date | None = None,
) -> Review:
    """Record that the committee of the current assignment reviewed the recommendation at
    its meeting, and what it CONCLUDED."""
    today = today or date.today()
    text = check_conclusion(conclusion)
    if not by.strip():
        raise FollowUpError("who is recording the review is required")
    with transaction(engine) as connection:
        found = _recommendation(connection, decision_ref, number, authority_code, closed_ok=True)
        authority_code = str(found["authority_code"])
        current = _current(connection, decision_ref, number)
        if current is None:
            raise FollowUpError(
                f"{recommendation_name(decision_ref, number)} is not assigned to a committee"
                " meeting: "
                "assign it to the meeting that reviewed it first"
            )
        if current["meeting_date"] > today:
            raise FollowUpError(
                f"the {current['committee']} meeting on {current['meeting_date']:%-d %B %Y} "
                "has not happened yet: record the review after the meeting"
            )
        done = connection.execute(
            select(follow_up_reviews.c.id).where(follow_up_reviews.c.assignment_id == current["id"])
        ).scalar()
        if done is not None:
            raise FollowUpError(
                f"the {current['committee']} meeting on {current['meeting_date']:%-d %B %Y} "
                "already has a review of it: assign it to a later meeting to review it again"
            )
        now = datetime.now(UTC)
        review_id = connection.execute(
            insert(follow_up_reviews)
            .values(
                assignment_id=current["id"],
                decision_ref=decision_ref,
                recommendation_number=number,
                authority_code=authority_code,
                conclusion=text,
                recorded_by=by,
                recorded_at=now,
            )
            .returning(follow_up_reviews.c.id)
        ).scalar_one()
        record_audit_entry(
            connection,
            actor=by,
            action="review",
            entity=REVIEW,
            entity_id=int(review_id),
            detail={
                "decision_ref": decision_ref,
                "recommendation_number": int(number),
                "authority_code": authority_code,
                "assignment_id": current["id"],
                "committee": current["committee"],
                "meeting_date": current["meeting_date"].isoformat(),
                "conclusion": text,
            },
            at=now,
        )
    return Review(
        id=int(review_id),
        assignment_id=int(current["id"]),
        decision_ref=decision_ref,
        recommendation_number=number,
        committee=current["committee"],
        meeting_date=current["meeting_date"],
        conclusion=text,
        recorded_by=by,
    )


def follow_up_history(engine: Engine, decision_ref: str, number: int) -> list[dict[str, Any]]:
    """Every assignment of one recommendation, oldest first, each with its review (or None):
    committee, meeting_date, assigned_by, current, conclusion, recorded_by."""
    query = (
        select(
            follow_up_assignments,
            follow_up_reviews.c.conclusion,
            follow_up_reviews.c.recorded_by,
        )
        .join(
            follow_up_reviews,
            follow_up_reviews.c.assignment_id == follow_up_assignments.c.id,
            isouter=True,
        )
        .where(
            follow_up_assignments.c.decision_ref == decision_ref,
            follow_up_assignments.c.recommendation_number == number,
        )
        .order_by(follow_up_assignments.c.id)
    )
    with engine.connect() as connection:
        return [
            {**row, "current": row["replaced_by"] is None}
            for row in connection.execute(query).mappings()
        ]


def _check_meeting(recommendation: RowMapping, meeting_date: date, today: date) -> None:
    if meeting_date < today - PAST_LIMIT:
        raise FollowUpError(
            f"the meeting date {meeting_date:%-d %B %Y} is more than a year ago: assign "
            "recommendations to meetings to come, or to one just held to record its review"
        )
    if meeting_date < recommendation["agreed_date"]:
        raise FollowUpError(
            f"the meeting date {meeting_date:%-d %B %Y} is before the recommendation was "
            f"agreed ({recommendation['agreed_date']:%-d %B %Y})"
        )
    if meeting_date > today + FUTURE_LIMIT:
        raise FollowUpError(
            f"the meeting date {meeting_date:%-d %B %Y} is more than two years ahead"
        )


def _recommendation(
    connection: Connection,
    decision_ref: str,
    number: int,
    authority_code: str | None,
    *,
    closed_ok: bool = False,
) -> RowMapping:
    """AUTHORITY_CODE's stored recommendation (None: any council's); FollowUpNotFound for
    another council's, and FollowUpError when it was withdrawn (unless CLOSED_OK)."""
    query = select(recommendations).where(
        recommendations.c.decision_ref == decision_ref,
        recommendations.c.recommendation_number == number,
    )
    if authority_code is not None:
        query = query.where(recommendations.c.authority_code == authority_code)
    found = connection.execute(query).mappings().first()
    if found is None:
        whose = f"{authority_code} has" if authority_code else "there is"
        raise FollowUpNotFound(f"{whose} no {recommendation_name(decision_ref, number)}")
    outcome = connection.execute(
        select(recommendation_outcomes.c.outcome).where(
            recommendation_outcomes.c.decision_ref == decision_ref,
            recommendation_outcomes.c.recommendation_number == number,
        )
    ).scalar()
    if (outcome or found["compliance_status"]) == "withdrawn" and not closed_ok:
        raise FollowUpError(
            f"{recommendation_name(decision_ref, number)} was withdrawn:"
            " there is nothing to follow up"
        )
    return found


def _current(connection: Connection, decision_ref: str, number: int) -> RowMapping | None:
    return (
        connection.execute(
            select(follow_up_assignments).where(
                follow_up_assignments.c.decision_ref == decision_ref,
                follow_up_assignments.c.recommendation_number == number,
                follow_up_assignments.c.replaced_by.is_(None),
            )
        )
        .mappings()
        .first()
    )


def _assignment(row: RowMapping, *, changed: bool) -> Assignment:
    return Assignment(
        id=int(row["id"]),
        decision_ref=row["decision_ref"],
        recommendation_number=int(row["recommendation_number"]),
        authority_code=row["authority_code"],
        committee=row["committee"],
        meeting_date=row["meeting_date"],
        assigned_by=row["assigned_by"],
        replaced_by=row["replaced_by"],
        changed=changed,
    )
