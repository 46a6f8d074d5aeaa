"""Scrutiny follow-up: assigning recommendations to committee meetings, recording reviews,
the dashboard, pack, annual report and API sections, and the overdue_not_reviewed signal,
on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from urllib.parse import quote

import polars as pl
import pytest

from conftest import make_client
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.publish.reports.annual import annual_report
from scrutiny.publish.reports.pack import pack_html, scrutiny_pack
from scrutiny.recommendations.follow_up import (
    ASSIGNMENT,
    REVIEW,
    FollowUpError,
    FollowUpNotFound,
    assign_follow_up,
    follow_up_history,
    record_review,
)
from scrutiny.recommendations.follow_up_lists import council_follow_up, reviewed_between
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_token, create_user, list_users
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.db import make_engine
from scrutiny.warning.signals import compute_signals
from scrutiny.warning.signals.follow_up import follow_up_signals, overdue_at_quarter_ends
from scrutiny.warning.watchlist import default_weights

DURHAM, BIRMINGHAM = DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
PASSWORD = "a-long-password"
TODAY = date.today()
HEADER = (
    "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
    "agreed_date,due_date,completed_date,compliance_status,evidence_note"
)


def day(offset: int) -> date:
    return TODAY + timedelta(days=offset)


def financial_year_start(when: date) -> date:
    return date(when.year if when.month >= 4 else when.year - 1, 4, 1)


ROWS = [
    # Durham: two overdue, one due in three months, one withdrawn.
    f"24 000 001,1,{DURHAM},financial_remedy,complainant,500,{day(-300)},{day(-200)},,pending,",
    f"24 000 001,2,{DURHAM},apology,complainant,,{day(-300)},{day(-150)},,pending,",
    f"24 000 002,1,{DURHAM},service_improvement,wider_public,,{day(-10)},{day(90)},,pending,",
    f"24 000 003,1,{DURHAM},apology,complainant,,{day(-100)},{day(-50)},,withdrawn,Not needed",
    # Birmingham: one overdue.
    f"24 000 009,1,{BIRMINGHAM},financial_remedy,complainant,250,{day(-90)},{day(-60)},,pending,",
]
USERS = (
    ("officer@durham.example.org", "council_officer", DURHAM),
    ("councillor@durham.example.org", "councillor", DURHAM),
    ("officer@birmingham.example.org", "council_officer", BIRMINGHAM),
    ("councillor@birmingham.example.org", "councillor", BIRMINGHAM),
)


@pytest.fixture
def council(database_url, tmp_path):
    """Recommendations for Durham and Birmingham, with an officer and councillor of each."""
    engine = make_engine(database_url)
    source = tmp_path / "recommendations.csv"
    source.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    result = submit_return(
        source,
        Settings(database_url=database_url),
        engine,
        submitted_by="ombudsman",
        # The rows span financial years: say so.
        period_start=financial_year_start(day(-300)),
        period_end=date(financial_year_start(day(90)).year + 1, 3, 31),
    )
    assert result.stored, result.report.to_text()
    for email, role, code in USERS:
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="test"
        )
    with make_client(database_url) as client:
        yield client, engine
    engine.dispose()


def assign(engine, number=1, meeting=None, committee="Audit Committee", ref="24 000 001"):
    return assign_follow_up(
        engine,
        ref,
        number,
        authority_code=DURHAM,
        committee=committee,
        meeting_date=meeting or day(30),
        by="officer@durham.example.org",
    )


def review(engine, number=1, conclusion="Noted: report back in March", ref="24 000 001"):
    return record_review(
        engine,
        ref,
        number,
        authority_code=DURHAM,
        conclusion=conclusion,
        by="councillor@durham.example.org",
    )


# The library: assign, reassign, review, and what is refused.


def test_reassigning_to_a_later_meeting_keeps_the_earlier_assignment_and_audits_both(council):
    _, engine = council
    first = assign(engine, meeting=day(-7))
    review(engine)
    second = assign(engine, meeting=day(60), committee="Overview and Scrutiny Committee")
    history = follow_up_history(engine, "24 000 001", 1)
    assert [(h["id"], h["current"], h["replaced_by"]) for h in history] == [
        (first.id, False, second.id),
        (second.id, True, None),
    ]
    assert history[0]["conclusion"] == "Noted: report back in March"
    assert history[1]["conclusion"] is None
    entries = list_audit_entries(engine, entity=ASSIGNMENT) + list_audit_entries(
        engine, entity=REVIEW
    )
    assert sorted((e.action, e.actor) for e in entries) == [
        ("assign", "officer@durham.example.org"),
        ("reassign", "officer@durham.example.org"),
        ("review", "councillor@durham.example.org"),
    ]
    reassigned = next(e for e in entries if e.action == "reassign")
    assert reassigned.detail["replaces"]["id"] == first.id
    assert reassigned.detail["meeting_date"] == day(60).isoformat()


def test_assigning_to_the_same_meeting_again_changes_nothing(council):
    _, engine = council
    first = assign(engine)
    again = assign(engine)
    assert (again.id, again.changed) == (first.id, False)
    assert len(list_audit_entries(engine, entity=ASSIGNMENT)) == 1


@pytest.mark.parametrize(
    ("number", "meeting", "message"),
    [
        (1, day(-400), "more than a year ago"),
        (1, day(800), "more than two years ahead"),
        (2, day(-301), "before the recommendation was agreed"),
    ],
)
def test_a_meeting_date_the_rules_refuse_assigns_nothing(council, number, meeting, message):
    _, engine = council
    with pytest.raises(FollowUpError, match=message):
        assign(engine, number=number, meeting=meeting)
    assert follow_up_history(engine, "24 000 001", number) == []


def test_a_withdrawn_or_another_councils_recommendation_cannot_be_assigned(council):
    _, engine = council
    with pytest.raises(FollowUpError, match="withdrawn"):
        assign(engine, ref="24 000 003")
    with pytest.raises(FollowUpNotFound):
        assign(engine, ref="24 000 009")  # Birmingham's, asked as Durham


@pytest.mark.parametrize(
    ("meeting", "conclusion", "message"),
    [
        (None, "Noted", "not assigned to a committee meeting"),
        (day(10), "Noted", "has not happened yet"),
        (day(-5), "", "is required"),
        (day(-5), "x" * 2001, "2,000 characters or fewer"),
        (day(-5), "Ms Smith to ring 07700 900123", "a phone number and a person's name"),
    ],
)
def test_a_review_the_rules_refuse_records_nothing(council, meeting, conclusion, message):
    _, engine = council
    if meeting:
        assign(engine, meeting=meeting)
    with pytest.raises(FollowUpError, match=message):
        review(engine, conclusion=conclusion)
    assert list_audit_entries(engine, entity=REVIEW) == []


def test_a_meeting_is_reviewed_once(council):
    _, engine = council
    assign(engine, meeting=day(-5))
    review(engine)
    with pytest.raises(FollowUpError, match="already has a review"):
        review(engine, conclusion="Again")


def test_the_lists_give_next_meetings_reviewed_and_not_reviewed(council):
    _, engine = council
    assign(engine, number=1, meeting=day(-5))
    review(engine, number=1)
    assign(engine, number=2, meeting=day(20))
    assign(engine, ref="24 000 002", meeting=day(50))  # a later meeting of the same committee
    found = council_follow_up(engine, DURHAM)
    [meeting] = found.next_meetings
    assert (meeting.committee, meeting.meeting_date) == ("Audit Committee", day(20))
    assert [r["recommendation_number"] for r in meeting.items] == [2]
    assert [(r["decision_ref"], r["conclusion"]) for r in found.reviewed] == [
        ("24 000 001", "Noted: report back in March")
    ]
    assert [(r["decision_ref"], r["recommendation_number"]) for r in found.not_reviewed] == [
        ("24 000 001", 2),  # overdue first
        ("24 000 002", 1),
    ]
    assert found.overdue_not_reviewed == 1
    assert reviewed_between(engine, DURHAM, day(-10), day(0))[0]["committee"] == "Audit Committee"
    assert reviewed_between(engine, DURHAM, day(1), day(10)) == []


# The signal.


def test_the_signal_fires_when_overdue_recommendations_are_not_reviewed_and_not_after(council):
    _, engine = council
    assign(engine, number=2, meeting=day(-100))  # the follow-up era begins
    quarter = compute_signals(engine, day(0), authority_code=DURHAM).filter(
        pl.col("signal") == "overdue_not_reviewed"
    )
    assert quarter.height >= 1
    latest = quarter.sort("period_start").row(-1, named=True)
    assert latest["severity"] == 2
    assert "no council committee had reviewed any of them" in latest["sentence"]
    evidence = json.loads(latest["evidence"])
    assert evidence["recommendations"] == ["24 000 001 #1", "24 000 001 #2"]
    assert default_weights()["overdue_not_reviewed"] == 0.0  # context, not score
    # Reviewed at the meeting: no quarter ending after it fires for Durham.
    record_review(
        engine,
        "24 000 001",
        2,
        authority_code=DURHAM,
        conclusion="Noted",
        by="c",
        today=day(-99),
    )
    assign(engine, number=1, meeting=day(-98))
    record_review(
        engine, "24 000 001", 1, authority_code=DURHAM, conclusion="Noted", by="c", today=day(-97)
    )
    after = compute_signals(engine, day(0), authority_code=DURHAM).filter(
        (pl.col("signal") == "overdue_not_reviewed") & (pl.col("period_end") >= day(-97))
    )
    assert after.is_empty()


def test_the_signal_judges_each_quarter_by_its_end_and_wants_two_overdue():
    register = pl.DataFrame(
        {
            "authority_code": ["A", "A", "B"],
            "decision_ref": ["1", "2", "3"],
            "recommendation_number": [1, 1, 1],
            "agreed_date": [date(2025, 1, 1)] * 3,
            "due_date": [date(2025, 2, 1), date(2025, 5, 1), date(2025, 2, 1)],
            "completed_date": [None, None, None],
            "status": ["pending"] * 3,
        },
        schema_overrides={"completed_date": pl.Date},
    )
    reviews = pl.DataFrame(
        {"decision_ref": ["1"], "recommendation_number": [1], "meeting_date": [date(2025, 9, 1)]}
    )
    judged = overdue_at_quarter_ends(register, reviews, date(2025, 1, 10), date(2025, 12, 31))
    found = follow_up_signals(judged)
    # A's 2025-26 Q1: two overdue, none reviewed (serious); Q2: one of two reviewed (a
    # warning, half not reviewed); B never has two overdue.
    assert found.select("authority_code", "period_start", "severity").rows() == [
        ("A", date(2025, 4, 1), 2),
        ("A", date(2025, 7, 1), 1),
        ("A", date(2025, 10, 1), 1),
    ]


def test_no_follow_up_recorded_means_no_signal(council):
    _, engine = council
    signals = compute_signals(engine, day(0), authority_code=DURHAM)
    assert "overdue_not_reviewed" not in signals["signal"].to_list()


# The web: forms, access, dashboard, pack, report and API.


def page_of(ref: str, number: int, code: str = DURHAM) -> str:
    return f"/council/{code}/recommendations/{quote(ref, safe='')}/{number}/follow-up"


def test_an_officer_assigns_and_a_councillor_records_the_review_through_the_forms(council):
    client, engine = council
    page = page_of("24 000 001", 1)
    meeting = day(-3)
    client.sign_in("officer@durham.example.org", PASSWORD)
    assert "Record the committee" not in client.get(page).text  # officers do not review
    done = client.post(
        page + "/assign",
        data={
            "csrf_token": client.form_token(page),
            "committee": "Audit Committee",
            "meeting-date-day": str(meeting.day),
            "meeting-date-month": str(meeting.month),
            "meeting-date-year": str(meeting.year),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "is on the agenda of Audit Committee" in client.get(done.headers["location"]).text
    client.post("/sign-out", data={"csrf_token": client.form_token("/account")})
    client.sign_in("councillor@durham.example.org", PASSWORD)
    done = client.post(
        page + "/review",
        data={"csrf_token": client.form_token(page), "conclusion": "Remedy on track"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = client.get(page).text
    assert "Remedy on track" in shown and "councillor@durham.example.org" in shown
    [entry] = list_audit_entries(engine, entity=REVIEW)
    assert entry.actor == "councillor@durham.example.org"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"committee": ""}, "Enter the name of the committee"),
        ({"meeting-date-month": "13"}, "must be a real date"),
        ({"meeting-date-year": str(TODAY.year - 3)}, "more than a year ago"),
    ],
)
def test_an_assignment_with_a_mistake_shows_the_error_summary(council, fields, message):
    client, engine = council
    client.sign_in("councillor@durham.example.org", PASSWORD)
    page = page_of("24 000 001", 1)
    meeting = day(14)
    data = {
        "csrf_token": client.form_token(page),
        "committee": "Audit Committee",
        "meeting-date-day": str(meeting.day),
        "meeting-date-month": str(meeting.month),
        "meeting-date-year": str(meeting.year),
        **fields,
    }
    answer = client.post(page + "/assign", data=data)
    assert answer.status_code == 400
    assert "There is a problem" in answer.text and message in answer.text
    assert follow_up_history(engine, "24 000 001", 1) == []


def test_a_review_of_an_unassigned_recommendation_is_refused_on_the_page(council):
    client, _ = council
    client.sign_in("councillor@durham.example.org", PASSWORD)
    page = page_of("24 000 001", 1)
    answer = client.post(
        page + "/review", data={"csrf_token": client.form_token(page), "conclusion": "Noted"}
    )
    assert answer.status_code == 400
    assert "not assigned to a committee meeting" in answer.text


def test_another_councils_people_are_refused(council):
    client, engine = council
    client.sign_in("councillor@birmingham.example.org", PASSWORD)
    assert client.get(page_of("24 000 001", 1)).status_code == 403
    token = client.form_token("/account")
    for action in ("/assign", "/review"):
        answer = client.post(page_of("24 000 001", 1) + action, data={"csrf_token": token})
        assert answer.status_code == 403
    # Its own council's address with Durham's recommendation: not found.
    assert client.get(page_of("24 000 001", 1, BIRMINGHAM)).status_code == 404
    assert follow_up_history(engine, "24 000 001", 1) == []


def test_the_dashboard_shows_the_next_meeting_and_what_was_and_was_not_reviewed(council):
    client, engine = council
    assign(engine, number=1, meeting=day(-5))
    review(engine, number=1, conclusion="Asked the director to report back")
    assign(engine, number=2, meeting=day(21))
    client.sign_in("councillor@durham.example.org", PASSWORD)
    page = client.get(f"/council/{DURHAM}/scrutiny").text
    follow_up = page.split('id="follow-up"')[1]
    next_meeting, rest = follow_up.split('id="not-reviewed"')
    not_reviewed, reviewed = rest.split('id="reviewed"')
    assert "24 000 001, recommendation 2" in next_meeting
    assert "24 000 002, recommendation 1" in not_reviewed
    assert "24 000 001, recommendation 1" not in not_reviewed
    assert "Asked the director to report back" in reviewed
    assert "24 000 009" not in page  # Birmingham's


def test_the_pack_and_the_annual_report_list_the_follow_up(council):
    _, engine = council
    assign(engine, number=1, meeting=day(-5))
    review(engine, number=1, conclusion="Asked the director to report back")
    assign(engine, number=2, meeting=day(21))
    pack = scrutiny_pack(engine, DURHAM, "2025-26")
    assert pack.follow_up is not None
    html = pack_html(pack)
    section = html.split('id="follow-up"')[1]
    assert "For your next meeting" in section
    assert "24 000 001 #2" in section.split('id="not-reviewed"')[0]
    assert "Asked the director to report back" in section
    year = financial_year_start(day(-5)).year  # the year of the meeting
    report = annual_report(engine, DURHAM, f"{year}-{(year + 1) % 100:02d}", today=TODAY)
    assert report.follow_up is not None
    assert [r["conclusion"] for r in report.follow_up.reviewed] == [
        "Asked the director to report back"
    ]
    overdue = [
        (r["decision_ref"], r["recommendation_number"])
        for r in report.follow_up.overdue_not_reviewed
    ]
    assert overdue == [("24 000 001", 2)]


def test_the_api_assigns_reviews_and_lists_for_the_tokens_council_only(council):
    client, engine = council
    users = {u.email: u for u in list_users(engine)}
    officer = create_token(
        engine, users["officer@durham.example.org"], "t", authority_code=DURHAM, actor="t"
    )
    other = create_token(
        engine,
        users["officer@birmingham.example.org"],
        "t",
        authority_code=BIRMINGHAM,
        actor="t",
    )
    base = f"/api/v1/follow-up/{DURHAM}/{quote('24 000 001')}/1"

    def bearer(token):
        return {"Authorization": f"Bearer {token}"}

    meeting = {"committee": "Audit Committee", "meeting_date": day(-2).isoformat()}
    assert client.post(base + "/assignment", json=meeting, headers=bearer(other)).status_code == 403
    made = client.post(base + "/assignment", json=meeting, headers=bearer(officer))
    assert made.status_code == 201 and made.json()["committee"] == "Audit Committee"
    again = client.post(base + "/assignment", json=meeting, headers=bearer(officer))
    assert again.status_code == 200 and again.json()["changed"] is False
    conclusion = {"conclusion": "Noted"}
    assert client.post(base + "/review", json=conclusion, headers=bearer(other)).status_code == 403
    # Only officers (and admins) hold tokens: the council's systems record reviews with one.
    done = client.post(base + "/review", json=conclusion, headers=bearer(officer))
    assert done.status_code == 201 and done.json()["conclusion"] == "Noted"
    twice = client.post(base + "/review", json=conclusion, headers=bearer(officer))
    assert twice.status_code == 400 and "already has a review" in twice.json()["detail"]
    listed = client.get(f"/api/v1/follow-up/{DURHAM}", headers=bearer(officer)).json()
    assert [r["decision_ref"] for r in listed["reviewed"]] == ["24 000 001"]
    assert client.get(f"/api/v1/follow-up/{DURHAM}", headers=bearer(other)).status_code == 403
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/follow-up/{code}/{decision_ref}/{number}/review" in spec["paths"]
