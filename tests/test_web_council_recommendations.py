"""A council's Ombudsman recommendations page and recording evidence of compliance."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import quote

import pytest

from conftest import make_client
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.recommendations import list_evidence, read_register, recommendation_history
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_user
from scrutiny.store.db import make_engine

DURHAM, BIRMINGHAM = DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
PASSWORD = "a-long-password"
TODAY = date.today()  # due and overdue are judged on the real date
HEADER = (
    "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
    "agreed_date,due_date,completed_date,compliance_status,evidence_note"
)


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


ROWS = [
    # Durham: one overdue, one due within days, one due in three months, one closed.
    f"24 000 001,1,{DURHAM},financial_remedy,complainant,500,{day(-90)},{day(-60)},,pending,",
    f"24 000 001,2,{DURHAM},apology,complainant,,{day(-20)},{day(5)},,pending,",
    f"24 000 002,1,{DURHAM},service_improvement,wider_public,,{day(-10)},{day(90)},,pending,",
    f"24 000 003,1,{DURHAM},apology,complainant,,{day(-200)},{day(-170)},{day(-175)},complied,",
    # Birmingham: one overdue.
    f"24 000 009,1,{BIRMINGHAM},financial_remedy,complainant,250,{day(-90)},{day(-60)},,pending,",
]


def path(code: str, ref: str, number: int) -> str:
    return f"/council/{code}/recommendations/{quote(ref, safe='')}/{number}/evidence"


@pytest.fixture
def council(database_url, tmp_path):
    """Recommendations for Durham and Birmingham, an officer of each and a Durham councillor."""
    engine = make_engine(database_url)
    source = tmp_path / "recommendations.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    result = submit_return(
        source, Settings(database_url=database_url), engine, submitted_by="ombudsman"
    )
    assert result.stored, result.report.to_text()
    for email, role, code in (
        ("officer@durham.example.org", "council_officer", DURHAM),
        ("councillor@durham.example.org", "councillor", DURHAM),
        ("officer@birmingham.example.org", "council_officer", BIRMINGHAM),
    ):
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="test"
        )
    with make_client(database_url) as client:
        yield client, engine
    engine.dispose()


def test_the_page_lists_overdue_due_and_later_recommendations_of_the_council_only(council):
    client, _ = council
    client.sign_in("officer@durham.example.org", PASSWORD)
    page = client.get(f"/council/{DURHAM}/recommendations")
    assert page.status_code == 200
    # Split at the tables' captions (each table's scrolling box repeats them as its label).
    after = page.text.split(">Overdue: past the due date")[1]
    overdue, rest = after.split(">Due in the next", 1)
    assert "24 000 001, recommendation 1" in overdue
    assert "24 000 001, recommendation 2" in rest
    assert "24 000 002, recommendation 1" in rest
    assert "24 000 003" not in page.text  # complied: closed
    assert "24 000 009" not in page.text  # Birmingham's
    assert path(DURHAM, "24 000 001", 1) in page.text


def test_recorded_evidence_shows_on_the_page_and_is_in_the_audit_log(council):
    client, engine = council
    client.sign_in("officer@durham.example.org", PASSWORD)
    form = path(DURHAM, "24 000 001", 1)
    token = client.form_token(form)
    evidence_day = TODAY - timedelta(days=3)
    done = client.post(
        form,
        data={
            "csrf_token": token,
            "note": "Payment of £500 made",
            "evidence-date-day": str(evidence_day.day),
            "evidence-date-month": str(evidence_day.month),
            "evidence-date-year": str(evidence_day.year),
            "file_reference": "finance/ref-123",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    listing = client.get(done.headers["location"])
    assert "Evidence recorded for recommendation 1 of decision 24 000 001" in listing.text
    assert "Evidence awaiting check" in listing.text
    [evidence] = list_evidence(engine, "24 000 001", 1)
    assert (evidence["note"], evidence["evidence_date"]) == ("Payment of £500 made", evidence_day)
    assert evidence["submitted_by"] == "officer@durham.example.org"
    [entry] = recommendation_history(engine, "24 000 001", 1)
    assert (entry.action, entry.actor) == ("record_evidence", "officer@durham.example.org")
    assert entry.detail["file_reference"] == "finance/ref-123"
    assert "Payment of £500 made" in client.get(form).text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"note": ""}, "Enter what the evidence shows"),
        ({"evidence-date-day": ""}, "must be a real date"),
        ({"evidence-date-month": "13"}, "must be a real date"),
        ({"evidence-date-year": str(TODAY.year + 1)}, "today or in the past"),
    ],
)
def test_evidence_with_a_mistake_shows_the_error_summary_and_records_nothing(
    council, fields, message
):
    client, engine = council
    client.sign_in("officer@durham.example.org", PASSWORD)
    form = path(DURHAM, "24 000 001", 1)
    data = {
        "csrf_token": client.form_token(form),
        "note": "Payment made",
        "evidence-date-day": str(TODAY.day),
        "evidence-date-month": str(TODAY.month),
        "evidence-date-year": str(TODAY.year),
        **fields,
    }
    page = client.post(form, data=data)
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text and message in page.text
    assert list_evidence(engine, "24 000 001", 1) == []


def test_evidence_dated_before_the_recommendation_was_agreed_is_refused(council):
    client, engine = council
    client.sign_in("officer@durham.example.org", PASSWORD)
    form = path(DURHAM, "24 000 001", 2)
    early = TODAY - timedelta(days=60)
    page = client.post(
        form,
        data={
            "csrf_token": client.form_token(form),
            "note": "Apology sent",
            "evidence-date-day": str(early.day),
            "evidence-date-month": str(early.month),
            "evidence-date-year": str(early.year),
        },
    )
    assert page.status_code == 400
    assert "before the recommendation was agreed" in page.text
    assert 'href="#evidence-date-day"' in page.text
    assert list_evidence(engine, "24 000 001", 2) == []


def test_a_crafted_url_for_another_councils_recommendation_is_refused(council):
    client, engine = council
    client.sign_in("officer@birmingham.example.org", PASSWORD)
    token = client.form_token(f"/council/{BIRMINGHAM}/recommendations/24%20000%20009/1/evidence")
    crafted = path(BIRMINGHAM, "24 000 001", 1)  # Durham's, under Birmingham's code
    assert client.get(crafted).status_code == 404
    sent = client.post(
        crafted,
        data={
            "csrf_token": token,
            "note": "Paid",
            "evidence-date-day": str(TODAY.day),
            "evidence-date-month": str(TODAY.month),
            "evidence-date-year": str(TODAY.year),
        },
    )
    assert sent.status_code == 404
    direct = client.post(path(DURHAM, "24 000 001", 1), data={"csrf_token": token, "note": "x"})
    assert direct.status_code == 403
    assert client.get(f"/council/{DURHAM}/recommendations").status_code == 403
    assert list_evidence(engine, "24 000 001", 1) == []
    register = read_register(engine)
    assert register.filter(register["evidence_id"].is_not_null()).is_empty()


def test_a_councillor_sees_the_list_but_cannot_record_evidence(council):
    client, _ = council
    client.sign_in("councillor@durham.example.org", PASSWORD)
    page = client.get(f"/council/{DURHAM}/recommendations")
    assert page.status_code == 200
    assert "Awaiting evidence" in page.text and "Record evidence" not in page.text
    assert client.get(path(DURHAM, "24 000 001", 1)).status_code == 403


def test_the_ombudsman_reads_any_councils_recommendations(demo_client):
    demo_client.sign_in("analyst@demo.scrutiny")
    assert demo_client.get(f"/council/{BIRMINGHAM}/recommendations").status_code == 200
    assert demo_client.get("/council/E99999999/recommendations").status_code == 404
