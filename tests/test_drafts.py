"""Draft recommendations: drafted, answered by the council, finalised into the register."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

from scrutiny.recommendations import read_register
from scrutiny.recommendations.draft_files import DraftFileInvalid, import_drafts
from scrutiny.recommendations.draft_measures import draft_measures, final_changes
from scrutiny.recommendations.drafts import (
    DraftError,
    DraftNotFound,
    NewDraft,
    create_drafts,
    draft_history,
    finalise_draft,
    respond_to_draft,
)
from scrutiny.store.audit import list_audit_entries

DURHAM, BIRMINGHAM = "E06000047", "E08000025"
DECIDED = date.today() - timedelta(days=10)
DUE, LATER, BEFORE = (
    DECIDED + timedelta(days=90),
    DECIDED + timedelta(days=120),
    DECIDED - timedelta(days=1),
)
CSV = "\n".join(
    [
        "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
        "decision_date,due_date,due_phrase,wording,status",
        f"24 000 001,1,E06000047,financial_remedy,complainant,250,{DECIDED},,"
        "within one month of the final decision,Pay the complainant 250 pounds,proposed",
        f"24 000 001,2,E06000047,service_improvement,wider_public,,{DECIDED},{DUE},,"
        "Review the procedure and train staff,proposed",
        "",
    ]
).encode()
LEADERS: dict[str, Any] = {
    "agreed_by_title": "Chief Executive",
    "accountable_officer": "Head of Service",
}


def test_a_draft_answered_with_a_change_and_finalised_joins_the_register_as_agreed(engine):
    first, second = import_drafts(engine, CSV, "drafts.csv", by="ombudsman")
    respond_to_draft(engine, first, authority_code=DURHAM, accept=True, by="officer", **LEADERS)
    respond_to_draft(
        engine,
        second,
        authority_code=DURHAM,
        accept=False,
        wording="Review the procedure, train all staff and report to committee",
        due_date=LATER,
        reasons="Training needs a term",
        by="officer",
        **LEADERS,
    )
    finalise_draft(engine, first, by="ombudsman", on=date.today())
    final = finalise_draft(engine, second, take_proposal=True, by="ombudsman", on=date.today())
    assert final["final_due_date"] == LATER and final["took_proposal"]
    assert final_changes(final)[0].startswith("Wording: Review the [-procedure-]")
    register = read_register(engine, DECIDED).sort("recommendation_number")
    month = register["due_date"][0]
    assert register.select("due_date", "state").rows() == [(month, "agreed"), (LATER, "agreed")]
    assert register["agreed_date"].to_list() == [date.today()] * 2
    # Both agreed the same day with the same council: one current submission holds both.
    history = [(e.action, e.actor) for e in draft_history(engine, second)]
    assert history == [
        ("propose", "ombudsman"),
        ("propose_change", "officer"),
        ("finalise", "ombudsman"),
    ]
    actions = [e.action for e in list_audit_entries(engine, entity="submission")]
    assert actions == ["loaded", "superseded", "replaced"]
    measures = draft_measures(engine)
    assert (measures.finalised, measures.changes_proposed, measures.answered) == (2, 1, 2)
    assert "Too few closed to compare" in measures.comparison


def test_refusals_leave_nothing_changed(engine):
    (draft,) = create_drafts(
        engine,
        [
            NewDraft(
                "24 000 002",
                1,
                DURHAM,
                "apology",
                "complainant",
                DECIDED,
                "Apologise",
                due_date=DUE,
            )
        ],
        by="ombudsman",
    )
    with pytest.raises(DraftError, match="awaits the council"):
        finalise_draft(engine, draft, by="ombudsman")
    with pytest.raises(DraftNotFound):
        respond_to_draft(engine, draft, authority_code=BIRMINGHAM, accept=True, by="x", **LEADERS)
    with pytest.raises(DraftError, match="before the decision"):
        respond_to_draft(
            engine,
            draft,
            authority_code=DURHAM,
            accept=False,
            due_date=BEFORE,
            reasons="r",
            by="officer",
            **LEADERS,
        )
    respond_to_draft(engine, draft, authority_code=DURHAM, accept=True, by="officer", **LEADERS)
    finalise_draft(engine, draft, by="ombudsman")
    with pytest.raises(DraftError, match="already finalised"):
        finalise_draft(engine, draft, by="ombudsman")
    with pytest.raises(DraftError, match="before the decision"):
        create_drafts(
            engine,
            [
                NewDraft(
                    "24 000 003",
                    1,
                    DURHAM,
                    "apology",
                    "complainant",
                    DECIDED,
                    "Apologise",
                    due_date=BEFORE,
                )
            ],
            by="ombudsman",
        )
    assert [e.action for e in draft_history(engine, draft)] == ["propose", "accept", "finalise"]


def test_a_drafts_file_with_errors_stores_nothing_and_says_where(engine):
    bad = CSV.replace(b"E06000047,financial", b"E99,financial").replace(
        str(DUE).encode(), str(BEFORE).encode()
    )
    with pytest.raises(DraftFileInvalid) as raised:
        import_drafts(engine, bad, "drafts.csv", by="ombudsman")
    found = {(i["row"], i["column"]) for i in raised.value.issues}
    assert found == {(2, "authority_code"), (3, "due_date")}
    assert read_register(engine).height == 0
    assert pl.DataFrame(list_audit_entries(engine)).height == 0


def test_a_return_repeating_a_recommendation_agreed_at_the_draft_stage_is_refused_whole(
    database_url, engine, tmp_path
):
    from sqlalchemy import func, select

    from scrutiny.returns.submissions import SubmissionClash
    from scrutiny.returns.submit import submit_return
    from scrutiny.settings import Settings
    from scrutiny.store.db import audit_log, recommendations, submissions

    first, _ = import_drafts(engine, CSV, "drafts.csv", by="ombudsman")
    respond_to_draft(engine, first, authority_code=DURHAM, accept=True, by="officer", **LEADERS)
    agreed = finalise_draft(engine, first, by="ombudsman", on=date.today())

    def counts() -> tuple[int, ...]:
        with engine.connect() as connection:
            return tuple(
                connection.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (submissions, recommendations, audit_log)
            )

    before = counts()
    header = (
        "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
        "agreed_date,due_date,completed_date,compliance_status,evidence_note"
    )
    agreed_on, due = date.today(), agreed["final_due_date"]
    path = tmp_path / "recommendations.csv"
    path.write_text(
        "\n".join(
            [
                header,
                # a recommendation of its own, and the one the draft stage already stored
                f"24 000 009,1,{DURHAM},apology,complainant,,{agreed_on},{due},,pending,",
                f"24 000 001,1,{DURHAM},financial_remedy,complainant,250,{agreed_on},{due},,"
                "pending,",
            ]
        )
        + "\n"
    )
    with pytest.raises(SubmissionClash) as refused:
        submit_return(path, Settings(database_url=database_url), engine, submitted_by="ombudsman")
    message = str(refused.value)
    assert f"'agreed at the draft stage {agreed_on}'" in message
    assert "decision_ref 24 000 001, recommendation_number 1" in message
    assert refused.value.earlier_submission_ids == [agreed["submission_id"]]
    assert counts() == before  # nothing stored, not even the other row
