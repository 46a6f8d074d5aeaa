"""A council's self-assessment pages: reading, editing an item, CSV download and upload."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from conftest import make_client, make_complaints
from scrutiny.councillor.self_assessment import AUDIT_ENTITY, load_checklist, read_self_assessment
from scrutiny.returns.submissions import save_submission
from scrutiny.store.accounts import create_user
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.db import make_engine

DURHAM, BIRMINGHAM = "E06000047", "E08000025"
YEAR = "2024-25"
PASSWORD = "a-long-password"
OFFICER, COUNCILLOR = "officer@durham.example.org", "councillor@durham.example.org"
OTHER_OFFICER = "officer@birmingham.example.org"
PAGE = f"/council/{DURHAM}/self-assessment?year={YEAR}"
ITEM = f"/council/{DURHAM}/self-assessment/{YEAR}/6.2"
CSV_PATH = f"/council/{DURHAM}/self-assessment/{YEAR}.csv"
IMPORT = f"/council/{DURHAM}/self-assessment/{YEAR}/import"


@pytest.fixture
def council(database_url):
    """Durham with 20 stage 1 complaints in 2024-25, all on time, and three accounts."""
    engine = make_engine(database_url)
    save_submission(
        engine,
        table_name="complaints",
        frame=make_complaints(20),
        file_name="complaints.csv",
        file_hash="a" * 64,
        submitted_by=OFFICER,
        period_start=date(2024, 4, 1),
        period_end=date(2025, 3, 31),
    )
    for email, role, code in (
        (OFFICER, "council_officer", DURHAM),
        (COUNCILLOR, "councillor", DURHAM),
        (OTHER_OFFICER, "council_officer", BIRMINGHAM),
    ):
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="test"
        )
    with make_client(database_url) as client:
        yield client, engine
    engine.dispose()


def answer(token: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "status": "",
        "evidence": "",
        "action": "",
        "action_owner": "",
        "action-due-day": "",
        "action-due-month": "",
        "action-due-year": "",
        **fields,
    }


def test_the_page_shows_every_section_with_prefills_from_the_data(council):
    client, _ = council
    client.sign_in(OFFICER, PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200
    for section in dict.fromkeys(i.section for i in load_checklist()):
        assert f">{section}</h2>" in page.text.replace("&#39;", "'")
    row = page.text.split('id="item-6.2"')[1].split("</tr>")[0]
    assert "Meets" in row and "govuk-tag--green" in row
    assert "From your data: 20 of 20 (100%) stage 1 complaints received in 2024-25" in row
    assert f'href="/council/{DURHAM}/self-assessment/{YEAR}/6.2"' in row
    assert f'href="{CSV_PATH}"' in page.text
    assert 'action="' + IMPORT + '"' in page.text


def test_the_page_defaults_to_the_latest_year_the_returns_cover(council):
    client, _ = council
    client.sign_in(OFFICER, PASSWORD)
    page = client.get(f"/council/{DURHAM}/self-assessment")
    assert "Self-assessment against the Complaint Handling Code, 2024-25" in page.text


def test_an_officer_edits_an_item_after_correcting_mistakes(council):
    client, engine = council
    client.sign_in(OFFICER, PASSWORD)
    form = client.get(ITEM)
    assert form.status_code == 200
    assert "Meets: 20 of 20 (100%)" in form.text  # what the data says
    token = client.form_token(ITEM)
    wrong = client.post(ITEM, data=answer(token, action="Second triage officer"))
    assert wrong.status_code == 400
    assert "There is a problem" in wrong.text
    for message in (
        "Choose a status",
        "Say who owns the action",
        "Give the date the action is due",
    ):
        assert message in wrong.text
    assert 'href="#status"' in wrong.text and 'href="#action-due-day"' in wrong.text
    not_a_date = client.post(
        ITEM,
        data=answer(
            token,
            status="partly_meets",
            action="Second triage officer",
            action_owner="Head of Customer Services",
            **{"action-due-day": "31", "action-due-month": "2", "action-due-year": "2026"},
        ),
    )
    assert "The due date must be a real date" in not_a_date.text
    assert read_self_assessment(engine, DURHAM, YEAR).filter(item="6.2")["source"][0] == "data"

    saved = client.post(
        ITEM,
        data=answer(
            token,
            status="partly_meets",
            evidence="Summer backlog",
            action="Second triage officer",
            action_owner="Head of Customer Services",
            **{"action-due-day": "30", "action-due-month": "9", "action-due-year": "2025"},
        ),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    row = page.text.split('id="item-6.2"')[1].split("</tr>")[0]
    assert "Partly meets" in row and "From your data" not in row
    assert "Second triage officer (Head of Customer Services, due 30 September 2025)" in row
    assert "Item 6.2 saved" in page.text
    stored = read_self_assessment(engine, DURHAM, YEAR).filter(item="6.2").row(0, named=True)
    assert (stored["status"], stored["source"]) == ("partly_meets", "council")
    assert [e.actor for e in list_audit_entries(engine, entity=AUDIT_ENTITY)] == [OFFICER]
    history = client.get(ITEM)
    assert "Changes to this answer" in history.text and OFFICER in history.text


def test_a_councillor_reads_the_self_assessment_but_cannot_change_it(council):
    client, engine = council
    client.sign_in(COUNCILLOR, PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Upload your answers" not in page.text and ">Change<" not in page.text
    assert client.get(CSV_PATH).status_code == 200
    assert client.get(ITEM).status_code == 403
    token = client.form_token("/account")
    assert client.post(ITEM, data=answer(token, status="meets")).status_code == 403
    upload = {"file": ("a.csv", b"item,status\n1.2,meets\n", "text/csv")}
    assert client.post(IMPORT, data={"csrf_token": token}, files=upload).status_code == 403
    assert list_audit_entries(engine, entity=AUDIT_ENTITY) == []


def test_another_councils_officer_is_refused_everything(council):
    client, _ = council
    client.sign_in(OTHER_OFFICER, PASSWORD)
    for path in (PAGE, ITEM, CSV_PATH):
        assert client.get(path).status_code == 403, path
    token = client.form_token("/account")
    assert client.post(ITEM, data=answer(token, status="meets")).status_code == 403
    # Their own council's page works.
    assert client.get(f"/council/{BIRMINGHAM}/self-assessment?year={YEAR}").status_code == 200


def test_unknown_items_and_years_are_not_found(council):
    client, _ = council
    client.sign_in(OFFICER, PASSWORD)
    assert client.get(f"/council/{DURHAM}/self-assessment/{YEAR}/6.99").status_code == 404
    assert client.get(f"/council/{DURHAM}/self-assessment/2024/6.2").status_code == 404
    assert client.get(f"/council/{DURHAM}/self-assessment?year=2024-26").status_code == 404


def test_the_csv_downloads_and_an_edited_copy_uploads(council):
    client, engine = council
    client.sign_in(OFFICER, PASSWORD)
    download = client.get(CSV_PATH)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert f"self-assessment-{DURHAM}-{YEAR}.csv" in download.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["item"] for r in rows] == [i.item for i in load_checklist()]
    for row in rows:
        if row["item"] == "9.5":
            row.update(status="does not meet", action="Name a Member", action_owner="Leader")
            row["action_due"] = "2025-07-31"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    token = client.form_token(PAGE)
    uploaded = client.post(
        IMPORT,
        data={"csrf_token": token},
        files={"file": ("mine.csv", out.getvalue().encode(), "text/csv")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    assert "1 item changed: 9.5" in client.get(uploaded.headers["location"]).text
    stored = read_self_assessment(engine, DURHAM, YEAR).filter(item="9.5").row(0, named=True)
    assert (stored["status"], stored["action_due"]) == ("does_not_meet", date(2025, 7, 31))


def test_an_upload_with_mistakes_lists_them_and_stores_nothing(council):
    client, engine = council
    client.sign_in(OFFICER, PASSWORD)
    token = client.form_token(PAGE)
    text = f"authority_code,item,status\n{DURHAM},1.2,meets\n{BIRMINGHAM},1.4,meets\n,1.5,nearly\n"
    refused = client.post(
        IMPORT, data={"csrf_token": token}, files={"file": ("bad.csv", text.encode(), "text/csv")}
    )
    assert refused.status_code == 400
    assert "There is a problem with the file: nothing was stored" in refused.text
    assert "Row 3, column authority_code: This row is for E08000025" in refused.text
    assert "Row 4, column status: &#39;nearly&#39; is not a status" in refused.text
    assert 'href="#import-file"' in refused.text
    assert read_self_assessment(engine, DURHAM, YEAR).filter(item="1.2")["status"][0] is None
    missing = client.post(IMPORT, data={"csrf_token": token})
    assert missing.status_code == 400 and "Select a CSV file to upload" in missing.text
