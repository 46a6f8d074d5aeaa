"""Synthetic draft recommendations for the demo: a few councils' drafts in every state
(proposed, accepted, a change proposed, finalised with and without the council's change),
recorded through the library as a real Ombudsman and council would, on dates inside the
synthetic history. Their data_source is 'synthetic', and every page that shows them says
so; their decision references start SYN so they never pass for real ones."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine

from scrutiny.recommendations.drafts import (
    NewDraft,
    create_drafts,
    finalise_draft,
    respond_to_draft,
)

OMBUDSMAN = "analyst@demo.scrutiny"
OFFICERS = {"E06000047": "officer@demo.scrutiny", "E08000025": "officer@birmingham.demo.scrutiny"}
LEADER, OFFICER_TITLE = "Chief Executive", "Head of Customer Services"
# (council, decision, number, kind, beneficiary, amount, decided, wording, due, what happens)
DRAFTS = (
    (
        "E06000047",
        "SYN-D 24 101",
        1,
        "financial_remedy",
        "complainant",
        300.0,
        date(2025, 1, 13),
        "Pay the complainant £300 for the distress caused by the delay.",
        None,
        "accept_final",
    ),
    (
        "E06000047",
        "SYN-D 24 101",
        2,
        "service_improvement",
        "wider_public",
        None,
        date(2025, 1, 13),
        "Remind housing staff of the repair timescales and report to the Ombudsman.",
        date(2025, 2, 14),
        "change_taken",
    ),
    (
        "E06000047",
        "SYN-D 25 007",
        1,
        "apology",
        "complainant",
        None,
        date(2025, 3, 3),
        "Apologise in writing for the failure to respond at stage 2.",
        None,
        "propose",
    ),
    (
        "E08000025",
        "SYN-D 24 230",
        1,
        "service_improvement",
        "wider_public",
        None,
        date(2025, 1, 20),
        "Review the council tax enforcement letters with an easy-read version.",
        date(2025, 2, 20),
        "change_kept",
    ),
    (
        "E08000025",
        "SYN-D 25 011",
        1,
        "financial_remedy",
        "complainant",
        150.0,
        date(2025, 2, 24),
        "Pay the complainant £150 for time and trouble.",
        None,
        "accept",
    ),
    (
        "E08000025",
        "SYN-D 25 011",
        2,
        "procedure_review",
        "wider_public",
        None,
        date(2025, 2, 24),
        "Change the procedure for recording missed bin collections.",
        date(2025, 3, 28),
        "change",
    ),
    (
        "E09000033",
        "SYN-D 25 019",
        1,
        "apology",
        "complainant",
        None,
        date(2025, 3, 10),
        "Apologise for the delay in assessing the care needs.",
        None,
        "propose",
    ),
)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def add_demo_drafts(engine: Engine) -> int:
    """Record the synthetic drafts and take each to its state; how many."""
    for code, ref, number, kind, who, amount, decided, wording, due, fate in DRAFTS:
        (draft_id,) = create_drafts(
            engine,
            [
                NewDraft(
                    ref,
                    number,
                    code,
                    kind,
                    who,
                    decided,
                    wording,
                    amount,
                    due,
                    None if due else "within one month of the final decision",
                )
            ],
            by=OMBUDSMAN,
            data_source="synthetic",
            today=decided,
            at=_at(decided),
        )
        if fate == "propose":
            continue
        officer = OFFICERS[code]
        answer: dict[str, Any] = {
            "agreed_by_title": LEADER,
            "accountable_officer": OFFICER_TITLE,
            "by": officer,
            "at": _at(date.fromordinal(decided.toordinal() + 7)),
        }
        if fate.startswith("accept"):
            respond_to_draft(engine, draft_id, authority_code=code, accept=True, **answer)
        else:
            respond_to_draft(
                engine,
                draft_id,
                authority_code=code,
                accept=False,
                wording=wording.replace(".", ", with a training session for every team."),
                due_date=date.fromordinal((due or decided).toordinal() + 28),
                reasons="The training needs a month to arrange across every team.",
                **answer,
            )
        if fate in ("accept", "change"):
            continue
        agreed = date.fromordinal(decided.toordinal() + 14)
        finalise_draft(
            engine,
            draft_id,
            take_proposal=None if fate == "accept_final" else fate == "change_taken",
            reason=""
            if fate != "change_kept"
            else "The letters are already being reprinted: the original date stands.",
            by=OMBUDSMAN,
            on=agreed,
            at=_at(agreed),
        )
    return len(DRAFTS)
