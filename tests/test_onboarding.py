"""Issue 18, done when: a realistic case-system export (a workbook with a title block, the
council's own headers and words for every coded field, date-times, a totals row) is
mapped by `scrutiny map`, saved as the council's mapping, and then validates and imports
with it through the command line, the web and the API."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import xlsxwriter
from typer.testing import CliRunner

from conftest import OFFICER
from scrutiny.cli import app
from scrutiny.returns.ingest import read_file
from scrutiny.returns.mapping import load_mapping, normalise_name, parse_mapping
from scrutiny.returns.proposal import propose
from scrutiny.returns.saved_mappings import save_mapping
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings
from scrutiny.store.read import count_rows

RETURNS = Path(__file__).parent / "returns"
TRUTH = load_mapping(RETURNS / "case_export_mapping.yaml")
DURHAM = "E06000047"
HEADERS = [
    "Case Ref",
    "Council",
    "Complaint Stage",
    "Date Received",
    "Date Acknowledged",
    "Date Responded",
    "Accepted?",
    "Decision",
    "Department",
    "How Received",
    "Reason Refused",
]
CASES = [
    ["CX-2001", DURHAM, "Stage 1 - Formal", datetime(2025, 4, 1, 9, 32), "02/04/2025 10:15",
     "14/04/2025 16:05", "Yes", "Upheld", "Waste & Recycling", "Web Form", ""],
    ["CX-2001", DURHAM, "Stage 2 - Review", datetime(2025, 5, 1, 8, 0), "02/05/2025 11:00",
     "20/05/2025 12:30", "Yes", "Not Upheld", "Waste & Recycling", "Web Form", ""],
    ["CX-2002", DURHAM, "Stage 1 - Formal", datetime(2025, 4, 3, 14, 5), "04/04/2025 09:00",
     "16/04/2025 17:45", "Yes", "Partially Upheld", "Council Housing", "Phone", ""],
    ["CX-2003", DURHAM, "Stage 1 - Formal", datetime(2025, 4, 7, 10, 10), "08/04/2025 10:00",
     "", "No", "", "Roads & Pavements", "Email", "Out of time"],
    ["CX-2004", DURHAM, "Stage 1 - Formal", datetime(2025, 4, 8, 15, 59), "09/04/2025 09:30",
     "22/04/2025 09:00", "Yes", "No Fault Found", "Adult Social Care", "Letter", ""],
]  # fmt: skip


def realistic_export(path: Path) -> Path:
    """The workbook a case system exports: a title block, the header in row 4, the
    council's words, real date-time cells, and a totals row."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Complaints")
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_row(0, 0, ["Complaints export: Durham County Council"])
    sheet.write_row(1, 0, ["Produced 02/07/2025 09:00 by the case system"])
    sheet.write_row(3, 0, HEADERS)
    for number, case in enumerate(CASES, start=4):
        for column, cell in enumerate(case):
            if isinstance(cell, datetime):
                sheet.write_datetime(number, column, cell, stamp)
            elif cell:
                sheet.write_string(number, column, cell)
    sheet.write_row(4 + len(CASES), 0, ["Total", "", "", "", "", "", "5"])
    book.close()
    return path


def test_map_proposes_nine_in_ten_of_a_realistic_exports_headers_and_values(tmp_path):
    proposal = propose(realistic_export(tmp_path / "export.xlsx"), Settings())
    headers = [h for h in proposal.headers if h.header in HEADERS]
    right = sum(h.field == TRUTH.columns[normalise_name(h.header)] for h in headers)
    assert len(headers) == len(HEADERS) and right / len(HEADERS) >= 0.9
    mapped = {
        (f, word.lower()): code for f, words in TRUTH.values.items() for word, code in words.items()
    }
    values = [v for v in proposal.values if (v.field, v.value.lower()) in mapped]
    right_values = sum(v.code == mapped[(v.field, v.value.lower())] for v in values)
    assert values and right_values / len(values) >= 0.9
    # The proposal reads the workbook as it is: valid, five cases, the totals row left out.
    raw = read_file(tmp_path / "export.xlsx", Settings(), mapping=parse_mapping(proposal.to_yaml()))
    report = validate(raw)
    assert report.valid, report.to_text()
    assert report.rows == 5 and raw.header_row == 4
    assert any(issue["rule"] == "totals_row" for issue in raw.file_issues)
    assert str(report.typed.get_column("received_date")[0]) == "2025-04-01"


def test_a_saved_mapping_imports_the_export_from_the_command_line(
    database_url, engine, tmp_path, monkeypatch
):
    export = realistic_export(tmp_path / "export.xlsx")
    save_mapping(engine, DURHAM, "default", propose(export, Settings()).to_yaml(), "officer")
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", database_url)
    run = CliRunner().invoke(
        app, ["import", str(export), "--authority", DURHAM, "--saved-mapping", "default"]
    )
    assert run.exit_code == 0, run.output
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 5


def test_a_saved_mapping_reads_the_export_uploaded_on_the_web(officer, tmp_path):
    client, engine = officer
    export = realistic_export(tmp_path / "export.xlsx")
    save_mapping(engine, DURHAM, "default", propose(export, Settings()).to_yaml(), OFFICER)
    page = f"/council/{DURHAM}/returns"
    token = client.form_token(page)
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    checked = client.post(
        page,
        data={"csrf_token": token, "table": ""},
        files={"file": ("export.xlsx", export.read_bytes(), kind)},
    )
    assert checked.status_code == 200, checked.text
    pending = re.search(r'name="pending_id" value="([^"]+)"', checked.text)
    assert pending, checked.text
    stored = client.post(
        f"{page}/confirm",
        data={"csrf_token": token, "pending_id": pending.group(1), "replaces": ""},
    )
    assert "checked and stored" in stored.text
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 5
