"""Draft recommendations: what comes before "agreed".

The Ombudsman proposes a recommendation for a decision (create_drafts); the council's
officer answers it (respond_to_draft): accept it as drafted, or propose a change to its
wording, action or due date with reasons, naming as job titles the senior leader who
agreed the answer and the officer accountable for delivering it; the Ombudsman then
finalises it (finalise_draft), taking the council's proposal or saying why not.
Finalising stores the agreed recommendation where the lifecycle sees it (see
scrutiny.recommendations.draft_agreed), so it continues from "agreed".

    proposed ---respond(accept)---> accepted ---finalise---> finalised
    proposed ---respond(change, reasons)---> change_proposed ---finalise---> finalised

Every step is one transaction with its audit entry (entity recommendation_draft). A step
the states do not allow raises DraftError before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Literal, get_args

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from scrutiny.core.errors import NotFound
from scrutiny.recommendations.draft_agreed import store_agreed
from scrutiny.recommendations.lifecycle import (
    RecommendationError,
    due_date_from_phrase,
    recommendation_name,
)
from scrutiny.reference.authorities import get_council
from scrutiny.standard import load_standard
from scrutiny.store.audit import AuditEntry, list_audit_entries, record_audit_entry
from scrutiny.store.db import as_utc, recommendations, transaction
from scrutiny.store.drafts_tables import recommendation_drafts

AUDIT_ENTITY = "recommendation_draft"  # what the audit log calls a draft
Status = Literal["proposed", "accepted", "change_proposed", "finalised"]
STATUSES: tuple[Status, ...] = get_args(Status)
OPEN = ("accepted", "change_proposed")  # answered by the council, awaiting the Ombudsman
WORDING_LIMIT = 2000
TITLE_LIMIT = 120  # a job title ("Chief Executive"), never a person's name


class DraftError(RecommendationError):
    """A draft step the states or the standard do not allow; nothing changed."""


class DraftNotFound(NotFound):
    """No such draft (or not the asking council's)."""


@dataclass(frozen=True)
class NewDraft:
    """One draft recommendation as the Ombudsman proposes it: a due date, or a phrase."""

    decision_ref: str
    recommendation_number: int
    authority_code: str
    kind: str
    beneficiary: str
    decision_date: date
    wording: str
    amount_gbp: float | None = None
    due_date: date | None = None
    due_phrase: str | None = None


def _code(list_name: str, value: str, what: str) -> str:
    codes = load_standard().code_lists[list_name].values()
    if value not in codes:
        raise DraftError(f"{what} must be one of {', '.join(codes)}, not {value!r}")
    return value


def _text(value: str | None, what: str, limit: int = WORDING_LIMIT) -> str:
    text = (value or "").strip()
    if not text:
        raise DraftError(f"{what} is required")
    if len(text) > limit:
        raise DraftError(f"{what} must be {limit:,} characters or fewer")
    return text


def _due_not_before(due: date, decision_date: date, name: str) -> None:
    if due < decision_date:
        raise DraftError(f"the due date {due} of {name} is before the decision ({decision_date})")


def checked_draft(draft: NewDraft, today: date) -> dict[str, Any]:
    """DRAFT's values as stored, or DraftError for the first thing wrong with it."""
    name = recommendation_name(draft.decision_ref, draft.recommendation_number)
    ref = _text(draft.decision_ref, "the decision reference", 32)
    if not 1 <= draft.recommendation_number <= 100:
        raise DraftError(f"the recommendation number of {name} must be from 1 to 100")
    try:
        get_council(draft.authority_code)
    except NotFound as error:
        raise DraftError(f"{name}: {error}") from None
    if draft.decision_date > today:
        raise DraftError(f"the decision date {draft.decision_date} of {name} is in the future")
    if draft.amount_gbp is not None and not 0 <= draft.amount_gbp <= 1_000_000:
        raise DraftError(f"the amount of {name} must be from £0 to £1,000,000")
    due = draft.due_date
    if due is None:
        if not draft.due_phrase:
            raise DraftError(f"give {name} a due date or a phrase such as 'within one month'")
        due = due_date_from_phrase(draft.decision_date, draft.due_phrase)
    _due_not_before(due, draft.decision_date, name)
    return {
        "decision_ref": ref,
        "recommendation_number": draft.recommendation_number,
        "authority_code": draft.authority_code,
        "kind": _code("recommendation_kind", draft.kind, "the kind"),
        "beneficiary": _code("beneficiary", draft.beneficiary, "who benefits"),
        "amount_gbp": draft.amount_gbp,
        "decision_date": draft.decision_date,
        "wording": _text(draft.wording, f"the wording of {name}"),
        "due_date": due,
    }


def create_drafts(
    engine: Engine,
    drafts: Sequence[NewDraft],
    *,
    by: str,
    data_source: str = "ombudsman_return",
    today: date | None = None,
    at: datetime | None = None,
) -> list[int]:
    """Record the Ombudsman's draft recommendations, all or none; their ids.

    AT (default now) is when they were recorded: the demo's synthetic clock gives it."""
    today = today or date.today()
    _text(by, "who is drafting")
    _code("data_source", data_source, "the data source")
    rows = [checked_draft(draft, today) for draft in drafts]
    keys = [(row["decision_ref"], row["recommendation_number"]) for row in rows]
    if len(set(keys)) < len(keys):
        raise DraftError("the drafts repeat a decision reference and recommendation number")
    now = at or datetime.now(UTC)
    ids = []
    with transaction(engine) as connection:
        for (ref, number), row in zip(keys, rows, strict=True):
            _refuse_known(connection, ref, number)
            draft_id = connection.execute(
                insert(recommendation_drafts)
                .values(
                    **row,
                    status="proposed",
                    data_source=data_source,
                    created_by=by,
                    created_at=now,
                )
                .returning(recommendation_drafts.c.id)
            ).scalar_one()
            detail = {"wording": row["wording"], "due_date": row["due_date"].isoformat()}
            _audit(connection, by, "propose", {"id": draft_id, **row}, now, detail)
            ids.append(int(draft_id))
    return ids


def respond_to_draft(
    engine: Engine,
    draft_id: int,
    *,
    authority_code: str,
    accept: bool,
    agreed_by_title: str,
    accountable_officer: str,
    wording: str | None = None,
    kind: str | None = None,
    due_date: date | None = None,
    reasons: str = "",
    by: str,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The council's answer to a draft: accept it, or propose a change with reasons."""
    _text(by, "who is responding")
    title = _text(agreed_by_title, "the job title of the senior leader who agreed it", TITLE_LIMIT)
    officer = _text(accountable_officer, "the accountable officer's job title", TITLE_LIMIT)
    with transaction(engine) as connection:
        draft = _draft(connection, draft_id, authority_code)
        if draft["status"] != "proposed":
            raise DraftError(
                f"draft {draft_id} was already answered ({draft['status'].replace('_', ' ')})"
            )
        values: dict[str, Any] = {"response": "accept" if accept else "change"}
        if not accept:
            values |= _proposal(draft, wording, kind, due_date, reasons)
        now = at or datetime.now(UTC)
        values |= {
            "status": "accepted" if accept else "change_proposed",
            "agreed_by_title": title,
            "accountable_officer": officer,
            "responded_by": by,
            "responded_at": now,
        }
        _update(connection, draft_id, "proposed", values)
        detail = {k: _plain(v) for k, v in values.items() if k not in ("responded_at",)}
        _audit(connection, by, "accept" if accept else "propose_change", draft, now, detail)
    return get_draft(engine, draft_id)


def _proposal(
    draft: dict[str, Any],
    wording: str | None,
    kind: str | None,
    due_date: date | None,
    reasons: str,
) -> dict[str, Any]:
    """The council's proposed change, checked: something must differ, with reasons."""
    name = recommendation_name(draft["decision_ref"], draft["recommendation_number"])
    proposed = {
        "proposed_wording": _text(wording, "the proposed wording") if wording else None,
        "proposed_kind": _code("recommendation_kind", kind, "the kind") if kind else None,
        "proposed_due_date": due_date,
    }
    if due_date is not None:
        _due_not_before(due_date, draft["decision_date"], name)
    current = {
        "proposed_wording": draft["wording"],
        "proposed_kind": draft["kind"],
        "proposed_due_date": draft["due_date"],
    }
    if all(value is None or value == current[key] for key, value in proposed.items()):
        raise DraftError("a proposed change must change the wording, the action or the due date")
    return {**proposed, "response_reasons": _text(reasons, "the reasons for the change")}


def finalise_draft(
    engine: Engine,
    draft_id: int,
    *,
    take_proposal: bool | None = None,
    wording: str | None = None,
    due_date: date | None = None,
    reason: str = "",
    by: str,
    on: date | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """The Ombudsman's final word on an answered draft, stored as an agreed recommendation.

    For a change the council proposed, TAKE_PROPOSAL says whether the Ombudsman takes it;
    not taking it needs a REASON. WORDING or DUE_DATE, if given, are the Ombudsman's own
    (again with a reason). The recommendation is agreed ON (default today)."""
    on = on or date.today()
    _text(by, "who is finalising")
    with transaction(engine) as connection:
        draft = _draft(connection, draft_id)
        if draft["status"] == "finalised":
            raise DraftError(
                f"draft {draft_id} was already finalised by {draft['finalised_by']}"
                f" on {draft['agreed_date']}"
            )
        if draft["status"] not in OPEN:
            raise DraftError(f"draft {draft_id} awaits the council's answer: it cannot be final")
        changed = draft["status"] == "change_proposed"
        if changed and take_proposal is None:
            raise DraftError("say whether the council's proposed change is taken")
        took = bool(changed and take_proposal)
        base = _proposed_or_draft(draft) if took else draft
        final_wording = (wording or "").strip() or base["wording"]
        final_due = due_date or base["due_date"]
        own = final_wording != base["wording"] or final_due != base["due_date"]
        if (changed and not took) or own:
            reason = _text(reason, "a reason for not taking the council's proposal as it is")
        name = recommendation_name(draft["decision_ref"], draft["recommendation_number"])
        if on > date.today():
            raise DraftError(f"the agreement date {on} is in the future")
        if on < draft["decision_date"]:
            raise DraftError(f"the agreement date {on} is before the decision")
        if on < as_utc(draft["created_at"]).date():
            raise DraftError(f"the agreement date {on} is before the draft was recorded")
        _due_not_before(final_due, draft["decision_date"], name)
        if final_due < on:
            raise DraftError(f"the due date {final_due} of {name} is before it is agreed ({on})")
        now = at or datetime.now(UTC)
        final = {
            "final_wording": _text(final_wording, "the final wording"),
            "final_kind": base["kind"],
            "final_due_date": final_due,
            "took_proposal": took if changed else None,
            "final_reason": reason.strip() or None,
            "agreed_date": on,
            "finalised_by": by,
            "finalised_at": now,
        }
        submission_id = store_agreed(connection, {**draft, **final}, by=by, at=now)
        _update(
            connection,
            draft_id,
            draft["status"],
            {**final, "status": "finalised", "submission_id": submission_id},
        )
        detail = {k: _plain(v) for k, v in final.items() if k != "finalised_at"}
        _audit(connection, by, "finalise", draft, now, {**detail, "submission_id": submission_id})
    return get_draft(engine, draft_id)


def _proposed_or_draft(draft: dict[str, Any]) -> dict[str, Any]:
    """The draft as the council proposed to change it."""
    return {
        "wording": draft["proposed_wording"] or draft["wording"],
        "kind": draft["proposed_kind"] or draft["kind"],
        "due_date": draft["proposed_due_date"] or draft["due_date"],
    }


def list_drafts(
    engine: Engine, *, authority_code: str | None = None, status: str | None = None
) -> list[dict[str, Any]]:
    """Drafts, newest decision first, optionally one council's or in one state."""
    query = select(recommendation_drafts).order_by(
        recommendation_drafts.c.decision_date.desc(),
        recommendation_drafts.c.decision_ref,
        recommendation_drafts.c.recommendation_number,
    )
    if authority_code is not None:
        query = query.where(recommendation_drafts.c.authority_code == authority_code)
    if status is not None:
        query = query.where(recommendation_drafts.c.status == _code_of(status))
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def _code_of(status: str) -> str:
    if status not in STATUSES:
        raise DraftError(f"the state must be one of {', '.join(STATUSES)}")
    return status


def get_draft(engine: Engine, draft_id: int, authority_code: str | None = None) -> dict[str, Any]:
    """One draft; DraftNotFound if there is none (or it is not AUTHORITY_CODE's)."""
    with engine.connect() as connection:
        return _draft(connection, draft_id, authority_code)


def draft_history(engine: Engine, draft_id: int) -> list[AuditEntry]:
    """The audit log's entries about one draft, oldest first."""
    return list_audit_entries(engine, entity=AUDIT_ENTITY, entity_id=draft_id)


def _draft(
    connection: Connection, draft_id: int, authority_code: str | None = None
) -> dict[str, Any]:
    found = (
        connection.execute(
            select(recommendation_drafts).where(recommendation_drafts.c.id == draft_id)
        )
        .mappings()
        .first()
    )
    if found is None or (authority_code is not None and found["authority_code"] != authority_code):
        raise DraftNotFound(
            f"there is no draft {draft_id}"
            + (f" for {authority_code}" if authority_code is not None else "")
        )
    return dict(found)


def _update(connection: Connection, draft_id: int, status: str, values: dict[str, Any]) -> None:
    """Change the draft only if it is still in STATUS: a second click loses the race."""
    changed = connection.execute(
        update(recommendation_drafts)
        .where(recommendation_drafts.c.id == draft_id, recommendation_drafts.c.status == status)
        .values(**values)
    )
    if changed.rowcount != 1:
        raise DraftError(f"draft {draft_id} was changed by someone else meanwhile: look again")


def _refuse_known(connection: Connection, ref: str, number: int) -> None:
    for table, what in ((recommendation_drafts, "a draft"), (recommendations, "an agreed one")):
        known = connection.execute(
            select(table.c.id).where(
                table.c.decision_ref == ref, table.c.recommendation_number == number
            )
        ).first()
        if known is not None:
            raise DraftError(f"{recommendation_name(ref, number)} is already stored as {what}")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _audit(
    connection: Connection,
    actor: str,
    action: str,
    draft: dict[str, Any],
    at: datetime,
    detail: dict[str, Any],
) -> None:
    key = {
        "authority_code": draft["authority_code"],
        "decision_ref": draft["decision_ref"],
        "recommendation_number": int(draft["recommendation_number"]),
    }
    record_audit_entry(
        connection,
        actor=actor,
        action=action,
        entity=AUDIT_ENTITY,
        entity_id=int(draft["id"]),
        detail={**key, **detail},
        at=at,
    )
