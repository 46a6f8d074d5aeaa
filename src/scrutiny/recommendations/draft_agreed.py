"""Storing a finalised draft as an agreed recommendation, where the lifecycle sees it.

The register, measures, overdue lists, evidence and checks all read the recommendations
table, whose rows each come with a submission. A finalised draft is stored the same
way: as a row of a recommendations submission of its own, one per council and day of
agreement, whose period is that day and whose file name says it came from the draft
stage. A second draft agreed the same day with the same council replaces that day's
submission with one holding both rows (the earlier kept as superseded, as any
replaced return is), so each day's submission is the whole of what was agreed that day.

A recommendations return (whose period is a month, quarter or year, never this one day)
never replaces these rows. If it repeats a decision_ref and recommendation number that a
finalised draft stored, it is refused whole as any clash between current submissions is
(returns.submissions names the draft-stage submission): the Ombudsman takes the row out
of the return, since the draft stage already stored it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from scrutiny.core.errors import Invalid
from scrutiny.returns.submissions import AUDIT_ENTITY as SUBMISSION_ENTITY
from scrutiny.store.audit import record_audit_entries
from scrutiny.store.db import recommendations, submissions

FILE_PREFIX = "agreed at the draft stage"
TABLE = "recommendations"


class AgreedClash(Invalid, ValueError):
    """The agreed recommendation cannot be stored beside what is stored; nothing changed."""


def day_file_name(day: date) -> str:
    """The file name of the submission holding the drafts agreed on DAY."""
    return f"{FILE_PREFIX} {day.isoformat()}"


def store_agreed(connection: Connection, draft: dict[str, Any], *, by: str, at: datetime) -> int:
    """Add the finalised DRAFT to the recommendations table, in the caller's transaction;
    the id of the submission now holding it."""
    ref, number = draft["decision_ref"], int(draft["recommendation_number"])
    code, day = draft["authority_code"], draft["agreed_date"]
    stored = connection.execute(
        select(recommendations.c.submission_id).where(
            recommendations.c.decision_ref == ref, recommendations.c.recommendation_number == number
        )
    ).scalar()
    if stored is not None:
        raise AgreedClash(
            f"recommendation {number} of decision {ref} is already stored (submission {stored})"
        )
    earlier = (
        connection.execute(
            select(submissions).where(
                submissions.c.authority_code == code,
                submissions.c.table_name == TABLE,
                submissions.c.period_start == day,
                submissions.c.period_end == day,
                submissions.c.status == "current",
            )
        )
        .mappings()
        .first()
    )
    if earlier is not None and earlier["file_name"] != day_file_name(day):
        raise AgreedClash(
            f"a recommendations return for {code} for exactly {day} is stored (submission"
            f" {earlier['id']}): finalise this draft on another day, or take the row into"
            " that return"
        )
    row = {
        "decision_ref": ref,
        "recommendation_number": number,
        "authority_code": code,
        "kind": draft["final_kind"],
        "beneficiary": draft["beneficiary"],
        "amount_gbp": draft["amount_gbp"],
        "agreed_date": day,
        "due_date": draft["final_due_date"],
        "completed_date": None,
        "compliance_status": "pending",
        "evidence_note": None,
    }
    kept = []
    if earlier is not None:
        kept = [
            dict(r)
            for r in connection.execute(
                select(*(recommendations.c[name] for name in row)).where(
                    recommendations.c.submission_id == earlier["id"]
                )
            ).mappings()
        ]
        connection.execute(
            update(submissions).where(submissions.c.id == earlier["id"]).values(status="superseded")
        )
    rows = sorted([*kept, row], key=lambda r: (r["decision_ref"], r["recommendation_number"]))
    digest = hashlib.sha256(json.dumps(rows, default=str, sort_keys=True).encode()).hexdigest()
    new_id = connection.execute(
        insert(submissions)
        .values(
            authority_code=code,
            table_name=TABLE,
            period_start=day,
            period_end=day,
            file_name=day_file_name(day),
            file_hash=digest,
            row_count=len(rows),
            warning_count=0,
            status="current",
            data_source=draft["data_source"],
            submitted_by=by,
            submitted_at=at,
        )
        .returning(submissions.c.id)
    ).scalar_one()
    detail: dict[str, Any] = {
        "authority_code": code,
        "table_name": TABLE,
        "period_start": day.isoformat(),
        "period_end": day.isoformat(),
        "file_name": day_file_name(day),
        "file_hash": digest,
        "rows": len(rows),
        "draft_id": int(draft["id"]),
    }
    entries: list[dict[str, Any]] = []
    audit = {"actor": by, "entity": SUBMISSION_ENTITY, "at": at}
    if earlier is not None:
        connection.execute(
            update(submissions)
            .where(submissions.c.id == earlier["id"])
            .values(superseded_by=new_id)
        )
        connection.execute(
            update(recommendations)
            .where(recommendations.c.submission_id == earlier["id"])
            .values(submission_id=new_id)
        )
        detail["replaces"] = int(earlier["id"])
        entries.append(
            {
                **audit,
                "action": "superseded",
                "entity_id": int(earlier["id"]),
                "detail": {"superseded_by": int(new_id), "rows_kept": len(kept)},
            }
        )
    connection.execute(insert(recommendations).values(submission_id=new_id, **row))
    action = "replaced" if earlier is not None else "loaded"
    entries.append({**audit, "action": action, "entity_id": int(new_id), "detail": detail})
    record_audit_entries(connection, entries)
    return int(new_id)
