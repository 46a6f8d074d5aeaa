"""The Ombudsman analyst's pages: watchlist, checks on evidence, national data quality."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from urllib.parse import quote

import pytest
from markupsafe import escape

from conftest import make_client
from scrutiny.recommendations import list_evidence, read_register, record_evidence
from scrutiny.reference.authorities import official_names
from scrutiny.store.accounts import create_user
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.db import make_engine
from scrutiny.warning.data_quality import default_as_of, missing_returns, return_coverage
from scrutiny.warning.signals.ombudsman import read_recommendations
from scrutiny.warning.signals.small_numbers import too_few_to_judge
from scrutiny.warning.watchlist import watchlist
from test_recommendations import load

ANALYST = "analyst@demo.scrutiny"
PAGES = [
    "/ombudsman/watchlist",
    "/ombudsman/evidence",
    "/ombudsman/data-quality",
    "/ombudsman/data-quality.csv",
]
REF, NUMBER = "24 000 001", 2  # a Lancashire service improvement, agreed 2025-03-14


def test_an_analyst_sees_the_watchlist_with_each_councils_reasons(demo_client, demo_url):
    engine = make_engine(demo_url)
    # The end of the latest quarter most councils' returns cover, not today.
    as_of = date(2025, 3, 31)
    expected = watchlist(engine, as_of, top=5)
    engine.dispose()
    demo_client.sign_in(ANALYST)
    page = demo_client.get("/ombudsman/watchlist?top=5")
    assert page.status_code == 200
    assert "not a league table" in page.text
    assert "31 March 2025" in page.text
    assert expected.height == 5
    for row in expected.iter_rows(named=True):
        code = row["authority_code"]
        assert f'href="/councils/{code}"' in page.text
        assert str(escape(row["name"])) in page.text
        assert f"{row['score']:,.2f}" in page.text
        # Each council's signals, with their sentences, are a click away.
        details = demo_client.get(f"/ombudsman/watchlist/{code}?as_of=2025-03-31")
        for reason in json.loads(row["signals"]):
            assert str(escape(reason["sentence"])) in details.text
    on_watch = expected.filter("on_watch").height
    assert len(re.findall(r'govuk-tag--red[^"]*">\s*On watch\s*<', page.text)) == on_watch


def test_the_watchlist_names_councils_with_too_few_recommendations_to_judge(demo_client, demo_url):
    engine = make_engine(demo_url)
    as_of = date(2025, 3, 31)
    expected = too_few_to_judge(read_recommendations(engine, as_of), as_of)
    engine.dispose()
    assert expected.height > 0  # the demo has councils with a handful a year
    demo_client.sign_in(ANALYST)
    page = demo_client.get("/ombudsman/watchlist?top=5")
    assert f"Too few recommendations to judge compliance ({expected.height})" in page.text
    assert "No signal here does not mean all is well" in page.text
    names = official_names()
    for row in expected.head(5).iter_rows(named=True):
        assert str(escape(names[row["authority_code"]])) in page.text


def test_the_watchlist_takes_another_date(demo_client):
    demo_client.sign_in(ANALYST)
    page = demo_client.get("/ombudsman/watchlist?as_of=2024-10-01&top=3")
    assert page.status_code == 200
    assert "2024-25 Q2" in page.text
    assert demo_client.get("/ombudsman/watchlist?as_of=not-a-date").status_code == 400


@pytest.mark.parametrize("email", ["officer@demo.scrutiny", "councillor@demo.scrutiny"])
def test_council_roles_are_refused_every_ombudsman_page(demo_client, email):
    demo_client.sign_in(email)
    for path in PAGES:
        assert demo_client.get(path).status_code == 403, path
    token = demo_client.form_token("/account")
    refused = demo_client.post(
        f"/ombudsman/evidence/{quote(REF)}/{NUMBER}",
        data={"csrf_token": token, "evidence_id": "1", "decision": "accept"},
    )
    assert refused.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(demo_client):
    for path in PAGES:
        response = demo_client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/sign-in?next={path}"


def test_data_quality_lists_the_councils_with_no_returns(demo_client, demo_url):
    engine = make_engine(demo_url)
    missing = missing_returns(return_coverage(engine, default_as_of(engine)))
    engine.dispose()
    demo_client.sign_in(ANALYST)
    page = demo_client.get("/ombudsman/data-quality")
    assert page.status_code == 200
    latest = next(iter(missing.values()))
    assert latest.height >= 1  # the demo leaves some councils out
    for row in latest.iter_rows(named=True):
        assert f'href="/councils/{row["authority_code"]}"' in page.text
        assert str(escape(row["name"])) in page.text
    assert f"{next(iter(missing))}: {latest.height} council" in page.text


def test_data_quality_downloads_every_council_and_quarter_as_csv(demo_client, demo_url):
    demo_client.sign_in(ANALYST)
    response = demo_client.get("/ombudsman/data-quality.csv?as_of=2025-05-01")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    engine = make_engine(demo_url)
    coverage = return_coverage(engine, date(2025, 5, 1))
    engine.dispose()
    assert len(rows) == coverage.height
    not_submitted = {(r["quarter"], r["authority_code"]) for r in rows if r["submitted"] == "false"}
    expected = {
        (q, code)
        for q, code, submitted in coverage.select("quarter", "authority_code", "submitted").rows()
        if not submitted
    }
    assert not_submitted == expected


@pytest.fixture
def checker(database_url, tmp_path):
    """An engine over the test recommendations, and a client signed in as a new analyst."""
    engine = make_engine(database_url)
    load(database_url, engine, tmp_path)
    create_user(
        engine,
        email="checker@example.org",
        password="a-long-password",
        role="ombudsman",
        actor="test",
    )
    with make_client(database_url) as client:
        client.sign_in("checker@example.org", "a-long-password")
        yield engine, client
    engine.dispose()


def _state(engine, ref=REF, number=NUMBER):
    register = read_register(engine)
    row = register.filter(
        (register["decision_ref"] == ref) & (register["recommendation_number"] == number)
    )
    return row.row(0, named=True)["state"]


def test_an_analyst_accepts_evidence_and_the_register_and_audit_log_record_it(checker):
    engine, client = checker
    evidence_id = record_evidence(
        engine,
        REF,
        NUMBER,
        note="Complaints policy rewritten and published",
        evidence_date=date(2025, 5, 30),
        by="link.officer@lancashire.example",
        today=date(2025, 6, 2),  # sent before the due date: evidence sent later is backdated
    )
    assert _state(engine) == "evidence_submitted"
    page = client.get("/ombudsman/evidence")
    assert "Complaints policy rewritten and published" in page.text
    # The council is a link, not its markup shown as text.
    assert re.search(
        r'<a class="govuk-link" href="/councils/E\d{8}">[^<]+</a> \(E\d{8}\)', page.text
    )
    assert "&lt;a class" not in page.text
    assert f'action="/ombudsman/evidence/{quote(REF)}/{NUMBER}"' in page.text
    token = client.form_token("/ombudsman/evidence")
    done = client.post(
        f"/ombudsman/evidence/{quote(REF)}/{NUMBER}",
        data={"csrf_token": token, "evidence_id": str(evidence_id), "decision": "accept"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "accepted, recorded as complied" in after.text
    assert "No evidence is awaiting a check" in after.text
    assert _state(engine) == "complied"
    assert list_evidence(engine, REF, NUMBER)[0]["checked_by"] == "checker@example.org"
    entries = list_audit_entries(engine, entity="recommendation_evidence")
    assert (entries[-1].action, entries[-1].actor) == ("accept_evidence", "checker@example.org")
    # Checking it again (an out-of-date page) is refused with the error summary.
    again = client.post(
        f"/ombudsman/evidence/{quote(REF)}/{NUMBER}",
        data={"csrf_token": token, "evidence_id": str(evidence_id), "decision": "accept"},
    )
    assert again.status_code == 400
    assert "govuk-error-summary" in again.text


def test_rejecting_evidence_needs_a_reason_and_leaves_the_recommendation_open(checker):
    engine, client = checker
    evidence_id = record_evidence(
        engine,
        REF,
        NUMBER,
        note="Draft policy",
        evidence_date=date(2025, 5, 30),
        by="link.officer@lancashire.example",
    )
    token = client.form_token("/ombudsman/evidence")
    path = f"/ombudsman/evidence/{quote(REF)}/{NUMBER}"
    fields = {"csrf_token": token, "evidence_id": str(evidence_id), "decision": "reject"}
    refused = client.post(path, data=fields)
    assert refused.status_code == 400
    assert "<title>Error: " in refused.text
    assert f'href="#reason-{evidence_id}"' in refused.text
    assert "A reason for rejecting the evidence is required" in refused.text
    assert _state(engine) == "evidence_submitted"
    done = client.post(path, data={**fields, "reason": "A draft is not a policy in force"})
    assert done.status_code == 200
    assert "rejected" in done.text
    assert _state(engine) in ("agreed", "due")
    assert list_evidence(engine, REF, NUMBER)[0]["check_reason"] == (
        "A draft is not a policy in force"
    )


def test_the_watchlist_shows_each_councils_real_housing_figures(demo_client, demo_url):
    engine = make_engine(demo_url)
    listed = watchlist(engine, date(2025, 3, 31), top=1000)["authority_code"].to_list()
    engine.dispose()
    demo_client.sign_in(ANALYST)
    landlord = other = ""
    for code in listed:  # until one council landlord and one council without homes
        page = demo_client.get(f"/ombudsman/watchlist/{code}?as_of=2025-03-31").text
        assert "These are real" in page and "which here are synthetic demo data" in page
        if "of council landlords)" in page:
            landlord = landlord or page
        else:
            other = other or page
        if landlord and other:
            break
    # The data stand on 31 March 2025, so the latest year ended is 2023-24.
    assert "Stage 1 housing complaints answered within the Housing Ombudsman" in landlord
    assert ", 2023-24: <strong>" in landlord and ", 2024-25: <strong>" not in landlord
    assert "No council homes reported to the Regulator of Social Housing." in other
