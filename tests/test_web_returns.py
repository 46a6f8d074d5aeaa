"""A council officer's returns page: upload, the problems to fix, resubmission, history."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import OFFICER, OFFICER_PASSWORD, make_client
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.returns.submissions import list_submissions
from scrutiny.store.read import count_rows

RETURNS = Path(__file__).parent / "returns"
DURHAM = DEMO_AUTHORITY
PASSWORD = OFFICER_PASSWORD


def check(client, name: str, content: bytes, table: str = "", code: str = DURHAM, period: str = ""):
    """Upload a file to be checked: the page says what storing it would do."""
    token = client.form_token(f"/council/{code}/returns")
    return client.post(
        f"/council/{code}/returns",
        data={"csrf_token": token, "table": table, "period": period},
        files={"file": (name, content, "text/csv")},
    )


def confirm(client, checked, code: str = DURHAM):
    """Press the button on the check page CHECKED: store the return."""
    fields = dict(
        re.findall(r'name="(csrf_token|pending_id|replaces)" value="([^"]*)"', checked.text)
    )
    return client.post(f"/council/{code}/returns/confirm", data=fields)


def upload(
    client, name: str, content: bytes, table: str = "", code: str = DURHAM, period: str = ""
):
    """Upload a file and, if it has no errors, store it as the check page offers."""
    checked = check(client, name, content, table, code, period)
    if checked.status_code != 200:
        return checked
    return confirm(client, checked, code)


def test_an_invalid_file_shows_each_error_with_row_column_and_fix_and_stores_nothing(officer):
    client, engine = officer
    page = upload(client, "bad_integer.csv", (RETURNS / "bad_integer.csv").read_bytes())
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text
    assert "<title>Error: " in page.text
    summary = page.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert "Row 2, column stage (one): Not a whole number." in summary
    assert "Give a whole number" in summary
    assert 'href="#problem-1"' in summary and 'id="problem-1"' in page.text
    assert count_rows(engine, "complaints") == 0
    assert list_submissions(engine) == []


def test_the_problems_download_as_csv_for_the_same_session_only(officer, database_url):
    client, _ = officer
    page = upload(client, "bad_integer.csv", (RETURNS / "bad_integer.csv").read_bytes())
    link = re.search(r'href="(/council/[^"]+/csv)"', page.text).group(1)
    download = client.get(link)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.text.splitlines()
    assert lines[0] == "row,column,value,severity,message,fix"
    assert lines[1].startswith("2,stage,one,error,")
    with make_client(database_url) as stranger:
        stranger.sign_in(OFFICER, PASSWORD)
        assert stranger.get(link).status_code == 404


def test_many_errors_are_capped_in_the_summary_and_paged_in_full(officer):
    client, _ = officer
    good = (RETURNS / "valid_complaints.csv").read_text().splitlines()
    row = good[1].replace(",1,", ",one,", 1)
    rows = [row.replace("T-0001", f"T-{n:04d}") for n in range(120)]
    page = upload(client, "many.csv", "\n".join([good[0], *rows]).encode())
    summary = page.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert summary.count("<li>") == 12  # the file, 10 problems, and the rest
    assert "and 110 more errors" in summary
    link = re.search(r'href="(/council/[^"]+\?page=2)"', page.text).group(1)
    second = client.get(link)
    assert second.status_code == 200
    assert 'id="problem-51"' in second.text and "Problems 51 to 100 of 120" in second.text
    assert client.get(link.replace("page=2", "page=4")).status_code == 404


def test_a_valid_file_is_stored_and_listed_in_the_history(officer):
    client, engine = officer
    page = upload(client, "valid_complaints.csv", (RETURNS / "valid_complaints.csv").read_bytes())
    assert page.status_code == 200, page.text[:2000]
    assert "govuk-notification-banner--success" in page.text
    assert "3 rows stored as submission" in page.text
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 3
    [stored] = list_submissions(engine, DURHAM)
    assert stored.submitted_by == OFFICER
    history = client.get(f"/council/{DURHAM}/returns").text
    assert "valid_complaints.csv" in history and "Current" in history


def test_a_corrected_file_for_the_same_period_replaces_the_earlier_one(officer):
    client, engine = officer
    first = (RETURNS / "valid_complaints.csv").read_text()
    upload(client, "complaints.csv", first.encode())
    corrected = first.replace("Letters now give a named contact", "Letters name a contact")
    checked = check(client, "complaints-corrected.csv", corrected.encode())
    assert checked.status_code == 200
    # Nothing is replaced by surprise: the check page says what would go, and by whom.
    assert "This replaces 3 complaints for 2025-26 Q1" in checked.text
    assert OFFICER in checked.text and "Replace and store the return" in checked.text
    assert list_submissions(engine, DURHAM)[0].file_name == "complaints.csv"
    page = confirm(client, checked)
    assert page.status_code == 200
    assert "replacing submission" in page.text
    newer, older = list_submissions(engine, DURHAM)
    assert (newer.status, older.status) == ("current", "superseded")
    assert older.superseded_by == newer.id
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 3
    history = client.get(f"/council/{DURHAM}/returns").text
    assert "Superseded" in history and "complaints-corrected.csv" in history


def test_a_file_with_another_councils_rows_is_refused_and_nothing_stored(officer):
    client, engine = officer
    text = (RETURNS / "valid_complaints.csv").read_text()
    mixed = text.replace(f"{DURHAM},T-0002", f"{DEMO_OTHER_AUTHORITY},T-0002")
    page = upload(client, "mixed.csv", mixed.encode())
    assert page.status_code == 400
    assert "rows for other councils" in page.text and DEMO_OTHER_AUTHORITY in page.text
    assert list_submissions(engine) == []


def test_ombudsman_tables_cannot_be_sent_by_a_council(officer):
    client, engine = officer
    text = (RETURNS / "valid_recommendations.csv").read_text().replace("E10000017", DURHAM)
    page = upload(client, "recommendations.csv", text.encode())
    assert page.status_code == 400
    assert "comes from the Ombudsman" in page.text
    assert list_submissions(engine) == []


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("old.xls", (RETURNS / "old_excel.xls").read_bytes(), "old-style .xls"),
        ("binary.csv", (RETURNS / "binary.csv").read_bytes(), "cannot be read"),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_message(officer, name, content, message):
    client, engine = officer
    page = upload(client, name, content)
    assert page.status_code == 400
    assert message in page.text
    assert list_submissions(engine) == []


def test_officers_of_another_council_cannot_open_or_post_to_durhams_returns(demo_client):
    demo_client.sign_in("officer@birmingham.demo.scrutiny")
    assert demo_client.get(f"/council/{DURHAM}/returns").status_code == 403
    token = demo_client.form_token(f"/council/{DEMO_OTHER_AUTHORITY}/returns")
    refused = demo_client.post(
        f"/council/{DURHAM}/returns",
        data={"csrf_token": token},
        files={"file": ("x.csv", (RETURNS / "valid_complaints.csv").read_bytes(), "text/csv")},
    )
    assert refused.status_code == 403


def test_a_councillor_cannot_open_the_returns_page(demo_client):
    demo_client.sign_in("councillor@demo.scrutiny")
    assert demo_client.get(f"/council/{DURHAM}/returns").status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(demo_client):
    page = demo_client.get(f"/council/{DURHAM}/returns", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")


def test_the_history_shows_the_demo_returns_of_the_officers_own_council(demo_client):
    demo_client.sign_in("officer@demo.scrutiny")
    page = demo_client.get(f"/council/{DURHAM}/returns")
    assert page.status_code == 200
    assert "complaints.csv" in page.text and "Durham County Council" in page.text


def test_a_second_quarter_is_stored_beside_the_first_and_nothing_is_replaced(officer):
    # What was seen: "2 rows stored as submission 1061, replacing submission 1060", and
    # the four Q1 complaints were gone.
    client, engine = officer
    q1 = (RETURNS / "valid_complaints.csv").read_text()
    upload(client, "q1.csv", q1.encode())
    q2 = q1.replace("2025-04-", "2025-07-").replace("2025-05-", "2025-08-")
    q2 = q2.replace("2025-06-", "2025-09-").replace("T-000", "U-000")
    checked = check(client, "q2.csv", q2.encode())
    assert "2025-26 Q2" in checked.text
    assert "Nothing: no return is stored for 2025-26 Q2" in checked.text
    page = confirm(client, checked)
    assert page.status_code == 200 and "replacing" not in page.text
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 6
    assert {s.status for s in list_submissions(engine, DURHAM)} == {"current"}
    history = client.get(f"/council/{DURHAM}/returns").text
    assert "2025-26 Q1" in history and "2025-26 Q2" in history


def test_a_file_checked_against_a_period_names_each_row_outside_it(officer):
    client, engine = officer
    page = check(
        client, "q1.csv", (RETURNS / "valid_complaints.csv").read_bytes(), period="2025-26 Q2"
    )
    assert page.status_code == 400
    assert "This date is outside 2025-26 Q2" in page.text
    assert 'value="2025-26 Q2"' in page.text  # the period is kept in the form
    assert count_rows(engine, "complaints") == 0


def test_a_period_that_cannot_be_read_is_a_problem_with_the_form(officer):
    client, engine = officer
    page = check(client, "q1.csv", (RETURNS / "valid_complaints.csv").read_bytes(), period="Q1")
    assert page.status_code == 400
    assert "The period cannot be read" in page.text and "2024-25 Q1" in page.text
    assert count_rows(engine, "complaints") == 0


def test_a_checked_file_is_stored_once_and_only_by_the_session_that_checked_it(
    officer, database_url
):
    client, engine = officer
    checked = check(client, "q1.csv", (RETURNS / "valid_complaints.csv").read_bytes())
    with make_client(database_url) as other:
        other.sign_in(OFFICER, PASSWORD)
        fields = dict(re.findall(r'name="(pending_id|replaces)" value="([^"]*)"', checked.text))
        fields["csrf_token"] = other.form_token(f"/council/{DURHAM}/returns")
        refused = other.post(f"/council/{DURHAM}/returns/confirm", data=fields)
        assert refused.status_code == 400 and "expired or was already stored" in refused.text
    assert count_rows(engine, "complaints") == 0
    assert confirm(client, checked).status_code == 200
    again = confirm(client, checked)
    assert again.status_code == 400 and "expired or was already stored" in again.text
    assert len(list_submissions(engine, DURHAM)) == 1


def test_a_replacement_stored_by_someone_else_after_the_check_is_shown_again(officer, database_url):
    client, engine = officer
    original = (RETURNS / "valid_complaints.csv").read_text()
    checked = check(client, "q1.csv", original.encode())  # nothing stored yet for Q1
    with make_client(database_url) as other:
        other.sign_in(OFFICER, PASSWORD)
        upload(other, "other.csv", original.replace("Letters", "Notes").encode())
    page = confirm(client, checked)
    assert "changed after you checked" in page.text
    assert "This replaces 3 complaints for 2025-26 Q1" in page.text
    [stored] = list_submissions(engine, DURHAM)
    assert stored.file_name == "other.csv"


def test_a_file_with_a_header_and_no_rows_is_a_problem_not_a_check_page(officer):
    client, engine = officer
    header = (RETURNS / "valid_complaints.csv").read_text().splitlines()[0]
    page = check(client, "empty.csv", (header + "\n").encode())
    assert page.status_code == 400 and "no data rows" in page.text
    assert list_submissions(engine) == []


def test_a_wrong_code_from_a_long_list_is_summarised_with_a_link_to_the_standard(officer):
    client, _ = officer
    content = (
        (RETURNS / "valid_complaints.csv").read_text().replace(",homelessness,", ",homelesness,")
    )
    page = upload(client, "typo.csv", content.encode())
    assert page.status_code == 400
    summary = page.text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert "Use one of the 42 codes listed in the standard" in summary
    assert "domiciliary_care" not in summary and "direct_payments" not in summary
    assert 'href="/standard#code-list-service_subarea">see the codes</a>' in page.text


def test_the_upload_hint_gives_the_size_limit_in_binary_megabytes(officer):
    client, _ = officer
    page = client.get(f"/council/{DURHAM}/returns").text
    # 512 MiB, the default: dividing by a million once made it "smaller than 537 MB".
    assert "smaller than 512 MB" in page and "537" not in page
