"""Self-assessment answers better than the council's own data, on every surface: the
self-assessment page and form, the Ombudsman's list and CSV, the scrutiny dashboard, the
pack, the annual report and the API."""

from __future__ import annotations

import csv
import io

import pytest

from conftest import make_client, pdf_text
from scrutiny.councillor.better_than_data import better_than_data
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.store.accounts import create_token, create_user, list_users
from scrutiny.store.db import make_engine
from test_better_than_data import DURHAM, WHY, YEAR, answer, store_quoted_case

PASSWORD = "a-long-password"
OFFICER, COUNCILLOR = "officer@durham.example.org", "councillor@durham.example.org"
ANALYST = "analyst@ombudsman.example.org"
PAGE = f"/council/{DURHAM}/self-assessment?year={YEAR}"
ITEM = f"/council/{DURHAM}/self-assessment/{YEAR}/6.3"
OVERSIGHT = f"/ombudsman/self-assessment?year={YEAR}"
FIGURES = (
    "The data reads does not meet: 10 of 13 (76.9%) against 80% needed for partly meets,"
    " in 2024-25."
)


@pytest.fixture
def quoted(database_url):
    """The quoted case on its own database: 6.3 reads does not meet at 76.9%, with an
    officer, a councillor and an Ombudsman analyst."""
    engine = make_engine(database_url)
    store_quoted_case(engine)
    for email, role, code in (
        (OFFICER, "council_officer", DURHAM),
        (COUNCILLOR, "councillor", DURHAM),
        (ANALYST, "ombudsman", None),
    ):
        create_user(
            engine, email=email, password=PASSWORD, role=role, authority_code=code, actor="test"
        )
    with make_client(database_url) as client:
        yield client, engine
    engine.dispose()


def form(token, **fields):
    blank = ("status", "evidence", "action", "action_owner")
    dates = ("action-due-day", "action-due-month", "action-due-year")
    return {"csrf_token": token, **dict.fromkeys(blank + dates, ""), **fields}


def row_of(page, item):
    return page.split(f'id="item-{item}"')[1].split("</tr>")[0]


def test_the_form_refuses_the_quoted_case_without_an_explanation_naming_the_figures(quoted):
    client, engine = quoted
    client.sign_in(OFFICER, PASSWORD)
    page = client.get(ITEM).text
    assert "optional unless your answer is better than your data" in page
    refused = client.post(ITEM, data=form(client.form_token(ITEM), status="partly_meets"))
    assert refused.status_code == 400
    assert "Your answer is better than your own data shows" in refused.text
    assert "10 of 13 (76.9%) against 80% needed for partly meets" in refused.text
    assert better_than_data(engine, DURHAM, YEAR) == []
    saved = client.post(
        ITEM,
        data=form(client.form_token(ITEM), status="partly_meets", evidence=WHY),
        follow_redirects=False,
    )
    assert saved.status_code == 303
    [flag] = better_than_data(engine, DURHAM, YEAR)
    assert (flag.value, flag.bar) == (76.9, 80.0)
    # The form says so from then on, with the figures.
    page = client.get(ITEM).text
    assert "is better than its own data shows" in page and FIGURES in page


def test_the_self_assessment_page_tags_a_flagged_item_with_its_figures(quoted):
    client, engine = quoted
    answer(engine, "6.3", "partly_meets", evidence=WHY)
    answer(engine, "6.2", "meets")  # as the data reads: 13 of 13 on time
    client.sign_in(COUNCILLOR, PASSWORD)
    page = client.get(PAGE).text
    row = row_of(page, "6.3")
    assert "Better than the data" in row and "govuk-tag--orange" in row
    assert FIGURES in row
    assert "1 answer is better than the council’s own data shows" in page
    assert "Better than the data" not in row_of(page, "6.2")


def test_an_answer_as_the_data_reads_shows_no_flag_but_the_form_says_when_it_differs(quoted):
    client, engine = quoted
    answer(engine, "6.3", "does_not_meet")
    answer(engine, "6.2", "partly_meets")  # worse than the data: differs, not flagged
    client.sign_in(OFFICER, PASSWORD)
    assert "Better than the data" not in client.get(PAGE).text
    page = client.get(f"/council/{DURHAM}/self-assessment/{YEAR}/6.2").text
    assert "differs from what its data reads (meets)" in page
    assert "better than its own data shows" not in page


def test_the_ombudsman_lists_the_flag_with_its_figures_and_downloads_it(quoted):
    client, engine = quoted
    answer(engine, "6.3", "partly_meets", evidence=WHY)
    client.sign_in(ANALYST, PASSWORD)
    page = client.get(OVERSIGHT)
    assert page.status_code == 200
    table = page.text.split('id="better-than-data"')[1].split("</table>")[0]
    assert "Durham County Council" in table and FIGURES in table and WHY in table
    assert 'href="/ombudsman/self-assessment"' in page.text  # in the Oversight navigation
    download = client.get(f"/ombudsman/self-assessment.csv?year={YEAR}")
    assert download.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(download.text)))
    assert (row["authority_code"], row["item"], row["answer"], row["data_reading"]) == (
        DURHAM,
        "6.3",
        "partly_meets",
        "does_not_meet",
    )
    assert (row["value_percent"], row["bar_percent"]) == ("76.9", "80.0")
    assert (row["numerator"], row["denominator"], row["evidence"]) == ("10", "13", WHY)
    empty = client.get("/ombudsman/self-assessment?year=2023-24").text
    assert "No council’s self-assessment for 2023-24 claims more" in empty
    assert client.get("/ombudsman/self-assessment?year=2024").status_code == 404


# On the demo, which has synthetic answers better than the data (scrutiny.demo.self_assessment).


def test_the_demo_flags_a_synthetic_answer_for_each_self_assessing_council(demo_url):
    engine = make_engine(demo_url)
    for code in (DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY):
        flags = better_than_data(engine, code, YEAR)
        assert flags, code
        assert all(f.evidence and f.evidence.startswith("Synthetic demo answer") for f in flags)
    engine.dispose()


def test_councillors_see_the_flags_on_the_dashboard_and_in_the_pack(demo_client, demo_url):
    engine = make_engine(demo_url)
    [flag] = better_than_data(engine, DEMO_AUTHORITY, YEAR)
    engine.dispose()
    demo_client.sign_in("councillor@demo.scrutiny")
    dashboard = demo_client.get(f"/council/{DEMO_AUTHORITY}/scrutiny").text
    section = dashboard.split('id="better-than-data"')[1]
    assert flag.sentence in section and "Synthetic demo answer" in section
    pack = demo_client.get(f"/council/{DEMO_AUTHORITY}/scrutiny/pack").text
    assert flag.sentence in pack.split('id="better-than-data"')[1]


def test_the_annual_report_lists_the_flags_in_its_self_assessment_section(
    demo_client, demo_url, tmp_path
):
    engine = make_engine(demo_url)
    [flag] = better_than_data(engine, DEMO_AUTHORITY, YEAR)
    engine.dispose()
    address = f"/councils/{DEMO_AUTHORITY}/reports/annual/{YEAR}"
    page = demo_client.get(f"{address}.html").text
    section = page.split('id="self-assessment-better-than-data"')[1].split("</table>")[0]
    assert f">{flag.item}</th>" in section and flag.figures in section
    text = pdf_text(demo_client.get(f"{address}.pdf").content, tmp_path)
    assert "Answers better than the council's own data" in text.replace("’", "'")
    assert f"{flag.value}%" in text


def test_the_api_gives_each_item_its_flag_or_none(demo_client, demo_url):
    engine = make_engine(demo_url)
    [flag] = better_than_data(engine, DEMO_AUTHORITY, YEAR)
    user = next(u for u in list_users(engine) if u.email == "officer@demo.scrutiny")
    token = create_token(engine, user, "flags", authority_code=DEMO_AUTHORITY, actor="tests")
    engine.dispose()
    headers = {"Authorization": f"Bearer {token}"}
    found = demo_client.get(
        f"/api/v1/self-assessment/{DEMO_AUTHORITY}?year={YEAR}", headers=headers
    )
    assert found.status_code == 200
    items = {i["item"]: i for i in found.json()["items"]}
    assert items[flag.item]["better_than_data"] == {
        "answer": flag.answer,
        "data_reading": flag.reading,
        "value_percent": flag.value,
        "bar_percent": flag.bar,
        "numerator": flag.data.numerator,
        "denominator": flag.data.denominator,
        "financial_year": YEAR,
        "sentence": flag.sentence,
    }
    assert sum(i["better_than_data"] is not None for i in items.values()) == 1
    other = demo_client.get(f"/api/v1/self-assessment/{DEMO_OTHER_AUTHORITY}", headers=headers)
    assert other.status_code == 403
    bad_year = f"/api/v1/self-assessment/{DEMO_AUTHORITY}?year=2024"
    assert demo_client.get(bad_year, headers=headers).status_code == 400
