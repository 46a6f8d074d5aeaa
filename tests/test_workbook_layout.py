"""Returns laid out as councils have them (issue 18): a title or notes block above the
header row, a sheet chosen by name, a totals row at the bottom. Every row number stays
the one the officer sees in the spreadsheet."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from scrutiny.returns.ingest import read_file
from scrutiny.returns.mapping import load_mapping, parse_mapping
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings
from scrutiny.store.read import count_rows

RETURNS = Path(__file__).parent / "returns"
LINES = (RETURNS / "valid_complaints.csv").read_text().splitlines()
TITLE = ["Complaints return: Durham County Council", "Exported 02/07/2025 09:14", ""]
NOT_A_NUMBER = {
    "severity": "error",
    "rule": "type",
    "message": "Not a whole number.",
    "fix": "Give a whole number such as 3, with no text.",
}


def issues(report) -> list[dict[str, object]]:
    """The issues, each fix without the mapping hint a word gets (see test_mapping)."""
    found = report.issues.select("row", "column", "value", "severity", "rule", "message", "fix")
    return [issue | {"fix": str(issue["fix"]).split(" If ")[0]} for issue in found.to_dicts()]


def write(tmp_path: Path, rows: list[str], name: str = "return.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


# The valid return with the second row's stage written 'two' (row 3 of the plain file).
BAD_STAGE = [*LINES[:2], LINES[2].replace(",2,", ",two,", 1), LINES[3]]


def padded(*cells: str) -> str:
    """A CSV row of the complaints table's width starting with CELLS."""
    width = len(LINES[0].split(","))
    return ",".join([*cells, *[""] * (width - len(cells))])


def run(*arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrutiny", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def sheet_rows(
    book: xlsxwriter.Workbook, name: str, rows: list[list[str]], start: int = 0
) -> xlsxwriter.worksheet.Worksheet:
    sheet = book.add_worksheet(name)
    for number, cells in enumerate(rows, start=start):
        for column, value in enumerate(cells):
            if value != "":
                sheet.write_string(number, column, value)
    return sheet


def csv_rows(rows: list[str]) -> list[list[str]]:
    return [row.split(",") for row in rows]


# --- A title or notes block above the header row -------------------------------------------


def test_a_title_block_above_the_header_is_found_and_the_rows_keep_their_numbers():
    # What was seen: a title row above the header made every column unknown and every
    # required column missing.
    raw = read_file(RETURNS / "valid_title_block.csv", Settings())
    assert raw.header_row == 4
    assert raw.frame.height == 3
    assert list(raw.headers) == LINES[0].split(",")
    report = validate(raw)
    assert report.valid, report.to_text()
    assert report.typed.get_column("__row").to_list() == [5, 6, 7]
    assert "The column headers are in row 4; the 3 rows above them were not read." in report.notes


def test_an_error_under_a_title_block_names_the_row_the_officer_sees(tmp_path):
    path = write(tmp_path, [*TITLE, *BAD_STAGE])
    assert issues(validate(read_file(path, Settings()))) == [
        {"row": 6, "column": "stage", "value": "two", **NOT_A_NUMBER}
    ]


def test_a_title_block_without_separators_is_found_too(tmp_path):
    # Typed by hand rather than saved from a spreadsheet: title rows with one cell.
    path = write(tmp_path, ["Complaints, 2025-26 Q1", "", *BAD_STAGE])
    report = validate(read_file(path, Settings()))
    assert [(i["row"], i["column"], i["value"]) for i in issues(report)] == [(5, "stage", "two")]


def test_a_semicolon_file_with_a_title_block_is_found(tmp_path):
    rows = (RETURNS / "valid_semicolon_with_bom.csv").read_text(encoding="utf-8-sig")
    path = tmp_path / "return.csv"
    path.write_text("Complaints, by quarter, 2025-26\n" + rows, encoding="utf-8-sig")
    raw = read_file(path, Settings())
    assert (raw.header_row, raw.frame.height) == (2, 3)
    assert validate(raw).valid


def test_a_mappings_headers_count_when_finding_the_header_row(tmp_path):
    own = (RETURNS / "custom_headers.csv").read_text().splitlines()
    header = "Council,Case Ref,Stage No,Process,Date Logged"
    rows = [header, *(",".join(row.split(",")[:5]) for row in own[1:])]
    path = write(tmp_path, ["Case export", "", *rows])
    own_mapping = (RETURNS / "mapping.yaml").read_text(encoding="utf-8")
    mapping = parse_mapping(own_mapping + "  Stage No: stage\n", "mapping.yaml")
    assert load_mapping(RETURNS / "mapping.yaml").columns.items() < mapping.columns.items()
    # Three of five headers are the council's own: without the mapping row 3 is not
    # found, and the rows under row 1 are too long for it.
    with pytest.raises(FileUnreadable) as refused:
        read_file(path, Settings(), table_name="complaints")
    assert str(refused.value).endswith(
        "; if the column headers are further down, name their row (--header-row)"
    )
    raw = read_file(path, Settings(), mapping=mapping)
    assert raw.header_row == 3
    assert raw.headers["complaint_ref"] == "Case Ref"
    found = read_file(path, Settings(), extra_headers=["Case Ref", "Date Logged", "Council"])
    assert found.header_row == 3


def test_a_title_block_above_a_workbooks_header_is_found_with_the_sheets_row_numbers(tmp_path):
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    rows = csv_rows(BAD_STAGE)
    sheet = sheet_rows(book, "Complaints", [["", "Complaints return"], [], ["Notes: Q1"], *rows])
    sheet.set_row(5, None, None, {"hidden": True})
    column = rows[0].index("service_improvement_text")
    sheet.write_formula(6, column, "=1/0", None, "#DIV/0!")
    book.close()
    raw = read_file(path, Settings())
    assert (raw.header_row, raw.frame.height) == (4, 3)
    report = validate(raw)
    found = {(i["row"], i["column"], i["rule"]) for i in issues(report)}
    assert found == {
        (6, "stage", "type"),
        (6, None, "hidden_row"),
        (7, "service_improvement_text", "error_cell"),
    }


def test_leading_blank_rows_of_a_sheet_still_count(tmp_path):
    # What was seen: a sheet starting at row 3 was read from there, so every row number
    # in the report was two short.
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet_rows(book, "Return", csv_rows(BAD_STAGE), start=2)
    book.close()
    report = validate(read_file(path, Settings()))
    assert [(i["row"], i["column"], i["value"]) for i in issues(report)] == [(5, "stage", "two")]


def test_with_no_header_row_found_the_first_filled_row_is_the_header(tmp_path):
    # A council's own headers and no mapping: the headers are still those of the first
    # row with anything in it, so the report names them and their row.
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    own = csv_rows((RETURNS / "custom_headers.csv").read_text().splitlines())
    sheet_rows(book, "Return", own, start=2)
    book.close()
    raw = read_file(path, Settings())
    assert (raw.header_row, raw.unknown_columns) == (3, ["Council", "Case Ref", "Date Logged"])
    report = validate(raw)
    missing = report.issues.filter(pl.col("rule") == "missing_column")
    assert missing.select("row", "column").rows() == [
        (3, "authority_code"),
        (3, "complaint_ref"),
        (3, "received_date"),
    ]


def test_a_row_that_is_only_partly_headers_is_not_the_header(tmp_path):
    # 'stage' and 'outcome' are field names, but most of the row is notes.
    notes = "Notes,stage means the stage,outcome is ours,see the guide,sent monthly,by email"
    path = write(tmp_path, [notes, *LINES])
    assert read_file(path, Settings()).header_row == 2


def test_a_workbooks_repeated_header_is_two_columns_meaning_one_field_as_in_a_csv(tmp_path):
    # What was seen: the reader named a second 'stage' 'stage_1', an unknown column, so a
    # workbook passed where the same CSV was refused.
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    rows = csv_rows(LINES)
    sheet_rows(book, "Return", [[*rows[0], "stage"], *([*row, row[2]] for row in rows[1:])])
    book.close()
    assert issues(validate(read_file(path, Settings()))) == [
        {
            "row": 1,
            "column": "stage",
            "value": "stage, stage",
            "severity": "error",
            "rule": "duplicate_column",
            "message": "2 columns all mean stage.",
            "fix": "Keep one of them.",
        }
    ]


# --- Naming the header row ---------------------------------------------------------------


def test_the_header_row_can_be_named_for_a_csv(tmp_path):
    # Row 2 is a small key of field names, which would be taken for the header.
    key = [padded("authority_code", "complaint_ref"), padded("E06000047", "T-1")]
    rows = ["Case export", *key, *LINES]
    path = write(tmp_path, rows)
    assert read_file(path, Settings(), table_name="complaints").header_row == 2
    raw = read_file(path, Settings(), header_row=4)
    assert (raw.header_row, raw.frame.height) == (4, 3)
    done = run("validate", str(path), "--header-row", "4")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "valid" in done.stdout


def test_the_header_row_can_be_named_for_a_workbook(tmp_path):
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet_rows(book, "Return", [["Case export"], ["Council", "Ref"], *csv_rows(LINES)])
    book.close()
    raw = read_file(path, Settings(), header_row=3)
    assert (raw.header_row, raw.frame.height) == (3, 3)
    assert validate(raw).valid


@pytest.mark.parametrize("name", ["return.csv", "return.xlsx"])
def test_a_header_row_past_the_end_is_refused_saying_how_many_rows_there_are(tmp_path, name):
    path = write(tmp_path, LINES, "return.csv")
    if name.endswith(".xlsx"):
        path = tmp_path / name
        pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False).write_excel(path)
    with pytest.raises(FileUnreadable) as refused:
        read_file(path, Settings(), header_row=9)
    assert str(refused.value) == "the file has no row 9 to be the header row (it has 4 rows)"
    done = run("validate", str(path), "--header-row", "9")
    assert done.returncode == 2
    assert "no row 9 to be the header row (it has 4 rows)" in " ".join(done.stdout.split())


@pytest.mark.parametrize("name", ["return.csv", "return.xlsx"])
def test_a_blank_header_row_is_refused(tmp_path, name):
    path = write(tmp_path, ["Case export", "", *LINES])
    if name.endswith(".xlsx"):
        path = tmp_path / name
        book = xlsxwriter.Workbook(path)
        sheet_rows(book, "Return", [["Case export"], [], *csv_rows(LINES)])
        book.close()
    with pytest.raises(FileUnreadable) as refused:
        read_file(path, Settings(), header_row=2)
    assert str(refused.value) == (
        "row 2, named as the header row, is blank: name the row that holds the column headers"
    )


def test_a_header_row_below_one_is_refused(tmp_path):
    with pytest.raises(FileUnreadable) as refused:
        read_file(RETURNS / "valid_complaints.csv", Settings(), header_row=0)
    assert (
        str(refused.value)
        == "there is no row 0: rows are numbered from 1, as a spreadsheet shows them"
    )


def test_a_header_row_below_one_is_refused_by_the_command(tmp_path):
    done = run("validate", str(RETURNS / "valid_complaints.csv"), "--header-row", "0")
    assert done.returncode == 2
    assert "--header-row" in done.stderr


# --- Choosing a sheet --------------------------------------------------------------------


def two_sheets(tmp_path: Path) -> Path:
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet_rows(book, "Summary", [["Complaints this quarter", "3"]])
    sheet_rows(book, "Cases", [["Case export"], *csv_rows(BAD_STAGE)])
    book.close()
    return path


def test_a_sheet_is_chosen_by_name_on_the_command_line(tmp_path):
    path = two_sheets(tmp_path)
    done = run("validate", str(path), "--sheet", "Cases", "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    assert '"row": 4' in done.stdout and '"value": "two"' in done.stdout
    assert '"other_sheet"' in done.stdout


def test_a_sheet_that_is_not_there_is_refused_listing_the_sheets(tmp_path):
    done = run("validate", str(two_sheets(tmp_path)), "--sheet", "Complaints")
    assert done.returncode == 2
    message = "the workbook has no sheet called 'Complaints' (it has 'Summary', 'Cases')"
    assert message in " ".join(done.stdout.split())


def test_a_sheet_named_for_a_csv_is_refused():
    with pytest.raises(FileUnreadable) as refused:
        read_file(RETURNS / "valid_complaints.csv", Settings(), sheet="Cases")
    assert str(refused.value) == (
        "only a workbook has sheets, and this file is CSV: leave out the sheet's name"
    )


# --- A totals row at the bottom ----------------------------------------------------------


def totals_issue(row: int, column: str, value: str) -> dict[str, object]:
    return {
        "row": row,
        "column": column,
        "value": value,
        "severity": "warning",
        "rule": "totals_row",
        "message": "This looks like a totals row, so it was left out of the return.",
        "fix": f"Nothing to do if it is a total; if it is a real row, its first cell "
        f"must not read '{value}'.",
    }


def test_a_totals_row_is_left_out_with_a_warning_naming_its_row():
    raw = read_file(RETURNS / "valid_title_block.csv", Settings())
    assert raw.frame.height == 3
    report = validate(raw)
    assert report.valid
    assert issues(report) == [totals_issue(8, "authority_code", "Total")]


@pytest.mark.parametrize(
    "word", ["Total", "TOTAL", "Totals", "Grand total", "Grand Total:", "Sub-total", "Sub total"]
)
def test_the_words_of_a_totals_row_are_recognised(tmp_path, word):
    path = write(tmp_path, [*LINES, "", padded(word, "", "3")])
    report = validate(read_file(path, Settings()))
    assert issues(report) == [totals_issue(6, "authority_code", word)]


def test_a_short_totals_row_with_its_word_further_along_is_recognised(tmp_path):
    path = write(tmp_path, [*LINES, ",,Total,3"])
    report = validate(read_file(path, Settings()))
    assert issues(report) == [totals_issue(5, "stage", "Total")]


def test_totals_and_grand_total_rows_are_each_left_out(tmp_path):
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    rows = [*csv_rows(LINES), ["Total", "", "3"], [], ["Grand total", "", "3"]]
    sheet_rows(book, "Return", [["Complaints"], *rows])
    book.close()
    report = validate(read_file(path, Settings()))
    assert issues(report) == [
        totals_issue(6, "authority_code", "Total"),
        totals_issue(8, "authority_code", "Grand total"),
    ]


def test_a_row_that_mentions_a_total_in_the_middle_is_data(tmp_path):
    # Only rows at the bottom are totals rows; one in the middle is checked like any row.
    path = write(tmp_path, [LINES[0], LINES[1], padded("Total", "", "3"), LINES[2], LINES[3]])
    report = validate(read_file(path, Settings(), table_name="complaints"))
    assert "totals_row" not in report.issues.get_column("rule").to_list()
    assert 3 in report.issues.get_column("row").to_list()


# --- Importing such a file ---------------------------------------------------------------


def test_import_reads_a_named_sheet_under_a_title_and_stores_no_totals_row(
    engine, database_url, tmp_path
):
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet_rows(book, "Summary", [["Complaints this quarter", "3"]])
    rows = [*csv_rows(LINES), ["Total", "", "3"]]
    sheet_rows(book, "Cases", [["Case export"], ["Durham"], [], *rows])
    book.close()
    env = {**os.environ, "SCRUTINY_DATABASE_URL": database_url}
    done = run("import", str(path), "--sheet", "cases", "--header-row", "4", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert count_rows(engine, "complaints") == 3
