"""Evidence that claims a date before the due date but was sent long after it (issue 21).

Seen on the demo: a recommendation due 7 April 2025, 421 working days overdue, was sent
evidence on 4 December 2026 dated 2 April 2025; it was accepted and counted as complied on
time, and no screen pointed out the 20-month gap.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from scrutiny.recommendations import (
    RecommendationError,
    check_evidence,
    list_evidence,
    measures,
    recommendation_history,
    record_evidence,
)
from scrutiny.recommendations.lifecycle import is_backdated
from scrutiny.store.db import recommendations
from test_recommendations import LANCS, load, state
from test_web_ombudsman import checker  # noqa: F401  (a fixture)

DUE, CLAIMED, SENT = date(2025, 4, 7), date(2025, 4, 2), date(2026, 12, 4)
ROW = f"25 100 001,1,{LANCS},apology,complainant,,2025-03-07,2025-04-07,,pending,"
ON_TIME = f"25 100 002,1,{LANCS},apology,complainant,,2025-03-07,2025-04-07,,pending,"


@pytest.fixture
def overdue_recommendation(database_url, engine, tmp_path):
    load(database_url, engine, tmp_path, rows=[ROW, ON_TIME])
    return engine


def _send(engine, ref="25 100 001", sent=SENT, claimed=CLAIMED):
    return record_evidence(
        engine, ref, 1, note="Apology sent", evidence_date=claimed, by="link.officer", today=sent
    )


def test_backdated_evidence_accepted_without_confirmation_counts_as_late_on_its_sent_date(
    overdue_recommendation,
):
    engine = overdue_recommendation
    evidence_id = _send(engine)
    stored = list_evidence(engine, "25 100 001", 1)[0]
    assert (stored["evidence_date"], stored["sent_on"]) == (CLAIMED, SENT)
    outcome = check_evidence(engine, evidence_id, accepted=True, by="lgsco", on=SENT)
    assert outcome == "complied_late"
    row = state(engine, "25 100 001", 1, today=SENT)
    assert (row["status"], row["completed_date"]) == ("complied_late", SENT)
    assert row["evidence_sent_on"] == SENT and row["evidence_claimed_date"] == CLAIMED
    assert row["backdated"] is True and row["claimed_date_confirmed"] is False
    with engine.connect() as connection:
        imported = connection.execute(
            select(recommendations.c.compliance_status, recommendations.c.completed_date).where(
                recommendations.c.decision_ref == "25 100 001"
            )
        ).one()
    assert tuple(imported) == ("complied_late", SENT)  # the indicators see the same


def test_the_ombudsman_can_confirm_the_claimed_date_only_with_a_reason(overdue_recommendation):
    engine = overdue_recommendation
    evidence_id = _send(engine)
    with pytest.raises(RecommendationError, match="reason for confirming"):
        check_evidence(engine, evidence_id, accepted=True, by="lgsco", confirm_claimed_date=True)
    assert list_evidence(engine, "25 100 001", 1)[0]["check_result"] is None  # nothing changed
    outcome = check_evidence(
        engine,
        evidence_id,
        accepted=True,
        by="lgsco",
        on=SENT,
        confirm_claimed_date=True,
        reason="Dated letter to the complainant and postage receipt seen",
    )
    assert outcome == "complied"
    row = state(engine, "25 100 001", 1, today=SENT)
    assert (row["status"], row["completed_date"], row["claimed_date_confirmed"]) == (
        "complied",
        CLAIMED,
        True,
    )
    actions = [
        (e.action, e.detail.get("backdated"))
        for e in recommendation_history(engine, "25 100 001", 1)
    ]
    assert actions == [("record_evidence", True), ("accept_evidence", True), ("complied", None)]


def test_evidence_sent_by_the_due_date_is_not_backdated_and_has_nothing_to_confirm(
    overdue_recommendation,
):
    engine = overdue_recommendation
    evidence_id = _send(engine, ref="25 100 002", sent=date(2025, 4, 4))
    with pytest.raises(RecommendationError, match="no backdating to confirm"):
        check_evidence(
            engine, evidence_id, accepted=True, by="lgsco", confirm_claimed_date=True, reason="x"
        )
    assert check_evidence(engine, evidence_id, accepted=True, by="lgsco", on=SENT) == "complied"
    row = state(engine, "25 100 002", 1, today=SENT)
    assert row["backdated"] is False and row["claimed_date_confirmed"] is None


def test_compliance_measures_report_the_claimed_and_the_sent_dates(overdue_recommendation):
    engine = overdue_recommendation
    check_evidence(
        engine,
        _send(engine, ref="25 100 002", sent=date(2025, 4, 4)),
        accepted=True,
        by="lgsco",
        on=SENT,
    )
    check_evidence(
        engine,
        _send(engine),
        accepted=True,
        by="lgsco",
        on=SENT,
        confirm_claimed_date=True,
        reason="Receipt seen",
    )
    found = measures(engine, today=SENT, authority_code=LANCS).row(0, named=True)
    assert found["complied"] == 2 and found["complied_on_time_rate"] == 100.0  # claimed dates
    assert found["complied_on_time_by_sent_rate"] == 50.0  # one arrived 20 months late
    assert (found["backdated_evidence"], found["backdated_confirmed"]) == (1, 1)


@pytest.mark.parametrize(
    ("claimed", "sent", "expected"),
    [
        (date(2025, 4, 2), date(2026, 12, 4), True),
        (date(2025, 4, 7), date(2025, 4, 8), True),  # the day after the due date
        (date(2025, 4, 7), date(2025, 4, 7), False),  # sent on the due date
        (date(2025, 4, 9), date(2025, 4, 9), False),  # late, and says so
    ],
)
def test_backdated_means_dated_by_the_due_date_and_sent_after_it(claimed, sent, expected):
    assert is_backdated(claimed, sent, DUE) is expected


def test_evidence_recorded_before_migration_0010_was_sent_on_the_day_it_was_recorded(
    own_database,
):
    from datetime import UTC, datetime

    from sqlalchemy import text

    from scrutiny.store.db import make_engine
    from scrutiny.store.migrations import downgrade, upgrade

    database_url = own_database
    downgrade(database_url, "0009")
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO recommendation_evidence (decision_ref, recommendation_number,"
                    " note, evidence_date, submitted_by, submitted_at)"
                    " VALUES ('25 100 001', 1, 'Paid', :claimed, 'lo', :at)"
                ),
                {"claimed": CLAIMED, "at": datetime(2026, 12, 4, 23, 30, tzinfo=UTC)},
            )
        upgrade(database_url)
        with engine.connect() as connection:
            sent = connection.execute(text("SELECT sent_on FROM recommendation_evidence")).scalar()
    finally:
        engine.dispose()
    assert str(sent) == "2026-12-04"


def test_the_check_page_shows_the_gap_and_counts_it_on_time_only_when_confirmed(checker):  # noqa: F811
    from urllib.parse import quote

    from test_web_ombudsman import NUMBER, REF, _state

    engine, client = checker  # REF recommendation NUMBER is due 13 June 2025
    evidence_id = record_evidence(
        engine,
        REF,
        NUMBER,
        note="Policy published",
        evidence_date=date(2025, 6, 10),
        by="link.officer@lancashire.example",
        today=SENT,
    )
    page = client.get("/ombudsman/evidence")
    assert "Backdated" in page.text
    assert "Sent on 4 December 2026, 376 working days after the due date (13 June 2025)," in (
        page.text
    )
    assert f'id="confirm-reason-{evidence_id}"' in page.text
    path = f"/ombudsman/evidence/{quote(REF)}/{NUMBER}"
    token = client.form_token("/ombudsman/evidence")
    fields = {"csrf_token": token, "evidence_id": str(evidence_id), "decision": "accept"}
    refused = client.post(path, data={**fields, "confirm_claimed_date": "yes"})
    assert refused.status_code == 400
    assert f'href="#confirm-reason-{evidence_id}"' in refused.text
    assert _state(engine) == "evidence_submitted"  # nothing changed
    done = client.post(path, data=fields)  # accepted, date not confirmed
    assert "accepted, recorded as complied late" in done.text
    assert _state(engine) == "complied_late"


def test_the_quoted_demo_case_is_421_working_days_overdue():
    from scrutiny.recommendations import backdating_warning

    warning = backdating_warning(CLAIMED, SENT, DUE)
    assert warning is not None
    assert warning.startswith(
        "Sent on 4 December 2026, 421 working days after the due date (7 April 2025),"
        " for an action it dates 2 April 2025."
    )


def test_the_api_sends_backdated_evidence_and_the_ombudsman_token_confirms_it(
    database_url, engine, tmp_path
):
    from conftest import make_client
    from scrutiny.store.accounts import create_token, create_user

    load(database_url, engine, tmp_path, rows=[ROW])
    officer = create_user(
        engine,
        email="lo@lancs.example",
        password="a-long-password",
        role="council_officer",
        authority_code=LANCS,
        actor="test",
    )
    analyst = create_user(
        engine, email="an@lgsco.example", password="a-long-password", role="ombudsman", actor="test"
    )
    council = {
        "Authorization": "Bearer "
        + create_token(engine, officer, "cms", authority_code=LANCS, actor="test")
    }
    ombudsman = {
        "Authorization": "Bearer "
        + create_token(engine, analyst, "checks", authority_code=None, actor="test")
    }
    with make_client(database_url) as client:
        sent = client.post(
            "/api/v1/evidence",
            headers=council,
            json={
                "decision_ref": "25 100 001",
                "recommendation_number": 1,
                "note": "Apology sent",
                "evidence_date": "2025-04-02",
            },
        )
        assert sent.status_code == 201, sent.text
        body = sent.json()
        assert body["sent_on"] == date.today().isoformat()
        assert body["backdating"].startswith("Sent on ")
        # An Ombudsman token is not a council's, and a council's cannot check.
        assert client.post("/api/v1/evidence", headers=ombudsman, json={}).status_code == 403
        check_url = f"/api/v1/ombudsman/evidence/{body['id']}/check"
        assert client.post(check_url, headers=council, json={"accepted": True}).status_code == 403
        waiting = client.get("/api/v1/ombudsman/evidence", headers=ombudsman).json()
        assert [w["id"] for w in waiting] == [body["id"]]
        refused = client.post(
            check_url, headers=ombudsman, json={"accepted": True, "confirm_claimed_date": True}
        )
        assert refused.status_code == 409 and "reason" in refused.json()["detail"]
        done = client.post(
            check_url,
            headers=ombudsman,
            json={"accepted": True, "confirm_claimed_date": True, "reason": "Dated letter seen"},
        )
        assert done.json() == {"evidence_id": body["id"], "outcome": "complied"}
    row = state(engine, "25 100 001", 1, today=date.today())
    assert (row["status"], row["claimed_date_confirmed"]) == ("complied", True)


def test_the_demo_shows_backdated_evidence_awaiting_a_check_and_checked(demo_client, demo_url):
    from scrutiny.store.db import make_engine

    engine = make_engine(demo_url)
    try:
        register = read_register_today(engine)
    finally:
        engine.dispose()
    checked = register.filter(register["backdated"])
    assert sorted(checked["claimed_date_confirmed"].to_list()) == [False, True]
    assert sorted(checked["status"].to_list()) == ["complied", "complied_late"]
    demo_client.sign_in("analyst@demo.scrutiny")
    page = demo_client.get("/ombudsman/evidence")
    assert "Backdated" in page.text and "Synthetic demo evidence" in page.text


def read_register_today(engine):
    from scrutiny.recommendations import read_register

    return read_register(engine)
