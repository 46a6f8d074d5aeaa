"""A council's mapping on the web (issue 18): saved and versioned on its own page, checked
with the line named, proposed from an export, and used by every upload, which says so."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import escape

from conftest import OFFICER
from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.returns.saved_mappings import AUDIT_ENTITY, mapping_versions, save_mapping
from scrutiny.store.audit import list_audit_entries
from scrutiny.store.read import count_rows

RETURNS = Path(__file__).parent / "returns"
EXPORT = (RETURNS / "case_export.csv").read_bytes()
MAPPING = (RETURNS / "case_export_mapping.yaml").read_text(encoding="utf-8")
PAGE = f"/council/{DEMO_AUTHORITY}/mapping"
RETURNS_PAGE = f"/council/{DEMO_AUTHORITY}/returns"


def save_on_the_page(client, text: str):
    token = client.form_token(PAGE)
    # Browsers send a text box's lines with CRLF.
    return client.post(PAGE, data={"csrf_token": token, "mapping": text.replace("\n", "\r\n")})


def test_a_mapping_saved_on_the_page_is_the_next_version_and_shown_with_its_history(officer):
    client, engine = officer
    assert "You have not saved a mapping" in client.get(PAGE).text
    first = save_on_the_page(client, MAPPING)
    assert first.status_code == 200 and "Saved as version 1" in first.text
    second = save_on_the_page(client, MAPPING.replace("Phone: telephone", "Telephone: telephone"))
    assert "Saved as version 2" in second.text
    assert "version 2, saved by complaints@durham.example.org" in second.text
    assert str(escape("Telephone: telephone")) in second.text  # the box holds the current one
    assert [v.version for v in mapping_versions(engine, DEMO_AUTHORITY)] == [2, 1]
    assert mapping_versions(engine, DEMO_AUTHORITY)[0].yaml.count("\r") == 0
    entries = list_audit_entries(engine, entity=AUDIT_ENTITY)
    assert [(e.actor, e.detail["version"]) for e in entries] == [(OFFICER, 1), (OFFICER, 2)]


def test_a_wrong_mapping_is_shown_with_its_line_in_the_error_summary_and_nothing_is_kept(officer):
    client, engine = officer
    wrong = MAPPING.replace("Phone: telephone", "Phone: pigeon")
    response = save_on_the_page(client, wrong)
    assert response.status_code == 400
    summary = response.text.split('class="govuk-error-summary', 1)[1].split("</div>", 3)
    assert "line 31: 'Phone' maps to 'pigeon'" in str(summary).replace("&#39;", "'")
    assert 'href="#mapping"' in response.text
    assert "Phone: pigeon" in response.text  # the officer's text is kept to correct
    assert mapping_versions(engine, DEMO_AUTHORITY) == []
    assert list_audit_entries(engine, entity=AUDIT_ENTITY) == []


def test_an_upload_is_read_with_the_saved_mapping_and_the_pages_say_so(officer):
    client, engine = officer
    save_mapping(engine, DEMO_AUTHORITY, "default", MAPPING, OFFICER)
    page = client.get(RETURNS_PAGE).text
    assert "Files are read with your saved mapping 'default', version 1" in page
    assert f'href="{PAGE}">change it</a>' in page
    token = client.form_token(RETURNS_PAGE)
    checked = client.post(
        RETURNS_PAGE,
        data={"csrf_token": token, "table": ""},
        files={"file": ("case_export.csv", EXPORT, "text/csv")},
    )
    assert checked.status_code == 200, checked.text
    assert "Your saved mapping 'default', version 1" in checked.text
    pending = re.search(r'name="pending_id" value="([^"]+)"', checked.text)
    # A new version saved between the check and the word to store: the checked one is used.
    save_mapping(engine, DEMO_AUTHORITY, "default", "columns:\n  Case Ref: complaint_ref\n", "x")
    stored = client.post(
        f"{RETURNS_PAGE}/confirm",
        data={"csrf_token": token, "pending_id": pending.group(1), "replaces": ""},
    )
    assert stored.status_code == 200, stored.text
    assert "checked and stored" in stored.text
    assert count_rows(engine, "complaints", authority_code=DEMO_AUTHORITY) == 5


def test_without_a_saved_mapping_the_export_fails_and_the_page_offers_one(officer):
    client, engine = officer
    assert f'href="{PAGE}">save a mapping</a>' in client.get(RETURNS_PAGE).text
    token = client.form_token(RETURNS_PAGE)
    checked = client.post(
        RETURNS_PAGE,
        data={"csrf_token": token, "table": ""},
        files={"file": ("case_export.csv", EXPORT, "text/csv")},
    )
    assert checked.status_code == 400
    assert count_rows(engine, "complaints") == 0


def test_an_export_uploaded_for_a_proposal_fills_the_box_and_lists_each_match(officer):
    client, engine = officer
    token = client.form_token(PAGE)
    response = client.post(
        f"{PAGE}/propose",
        data={"csrf_token": token},
        files={"file": ("case_export.csv", EXPORT, "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "The mapping proposed from case_export.csv" in response.text
    assert "Case Ref" in response.text and "complaint_ref" in response.text
    assert "How sure" in response.text
    box = response.text.split('id="mapping"', 1)[1].split("</textarea>", 1)[0]
    assert "columns:" in box
    assert mapping_versions(engine, DEMO_AUTHORITY) == []  # nothing saved until the officer says


def test_a_proposal_needs_a_file(officer):
    client, _ = officer
    token = client.form_token(PAGE)
    response = client.post(f"{PAGE}/propose", data={"csrf_token": token})
    assert response.status_code == 400 and "Select your case system" in response.text
