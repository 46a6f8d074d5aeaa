"""Workbooks built to knock the reader over (issue 16): each is refused with a clear
message before it is parsed, and the process survives. Run through the command line in a
child process, since the unprotected reader aborts the whole process."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from scrutiny.returns.ingest import read_file
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.validation import validate as validate_report
from scrutiny.settings import Settings

RETURNS = Path(__file__).parent / "returns"


def workbook(tmp_path: Path, extra_cells: str = "", name: str = "return.xlsx") -> Path:
    """The valid complaints return as XLSX, with EXTRA_CELLS (sheet XML rows) added."""
    plain = tmp_path / "plain.xlsx"
    pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False).write_excel(plain)
    path = tmp_path / name
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml" and extra_cells:
                data = data.replace(b"</sheetData>", extra_cells.encode() + b"</sheetData>")
            out.writestr(item, data)
    return path


def validate(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrutiny", "validate", str(path), *extra],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_plain_workbook_still_reads(tmp_path):
    assert validate(workbook(tmp_path)).returncode == 0


def test_one_cell_at_the_last_column_and_row_is_refused_not_a_crash(tmp_path):
    # What was seen: a 5 KB workbook with a cell at XFD1048576 made the reader allocate
    # 512 GiB and the process abort (exit 134).
    far = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    path = workbook(tmp_path, far)
    assert path.stat().st_size < 20_000
    done = validate(path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "XFD1048576" in done.stdout + done.stderr
    assert "columns" in done.stdout + done.stderr or "rows" in done.stdout + done.stderr


@pytest.mark.parametrize("size", [30_000_000])
def test_a_workbook_that_unpacks_to_far_more_than_it_weighs_is_refused(tmp_path, size):
    # What was seen: a 413 KB workbook with one 400 MB cell used 7.5 GB of memory.
    huge = f'<row r="9"><c r="A9" t="inlineStr"><is><t>{"A" * size}</t></is></c></row>'
    path = workbook(tmp_path, huge)
    assert path.stat().st_size < size / 100
    done = validate(path)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "unpacks to" in done.stdout + done.stderr


def test_a_workbook_too_big_for_the_memory_limit_is_refused_and_the_caller_lives_on(tmp_path):
    # The parser runs in a child process with a memory limit: a workbook that passes
    # inspection but needs more than the limit stops the child, not the caller.
    rows = pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False)
    path = tmp_path / "large.xlsx"
    pl.concat([rows] * 10_000).write_excel(path)
    tight = subprocess.run(
        [sys.executable, "-m", "scrutiny", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SCRUTINY_READER_MEMORY_BYTES": str(600 * 1024 * 1024)},
    )
    assert tight.returncode == 2, tight.stdout + tight.stderr
    assert "MB of memory" in tight.stdout + tight.stderr
    assert "Traceback" not in tight.stderr
    # With the default limit the same workbook is read (and found full of repeated rows).
    assert "29,997 errors" in validate(path).stdout


def sheets_workbook(tmp_path: Path) -> Path:
    """The valid return on a visible sheet 'Return' after a hidden sheet 'Old', with a
    'Notes' sheet after it; row 4 hidden and an error cell at Q3."""
    rows = pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False)
    path = tmp_path / "sheets.xlsx"
    book = xlsxwriter.Workbook(path)
    old = book.add_worksheet("Old")
    old.write_row(0, 0, ["something", "else"])
    old.write_row(1, 0, ["entirely", "different"])
    old.hide()
    sheet = book.add_worksheet("Return")
    sheet.activate()
    sheet.write_row(0, 0, rows.columns)
    for number, values in enumerate(rows.iter_rows(), start=1):
        sheet.write_row(number, 0, ["" if value is None else value for value in values])
    sheet.set_row(3, None, None, {"hidden": True})
    column = rows.columns.index("financial_remedy_gbp")
    sheet.write_formula(2, column, "=1/0", None, "#DIV/0!")
    book.add_worksheet("Notes").write(0, 0, "Sent by the complaints team")
    book.close()
    return path


def test_the_first_visible_sheet_is_read_and_every_oddity_is_a_warning(tmp_path):
    # What was seen: the first sheet was read even when hidden, other sheets were
    # ignored without a word, hidden rows were imported silently and an error cell
    # (#DIV/0!) became a blank.
    raw = read_file(sheets_workbook(tmp_path), Settings())
    assert raw.frame.height == 3
    report = validate_report(raw)
    warnings = {(issue["rule"], issue["row"], issue["column"]) for issue in report.to_records()}
    assert ("hidden_sheet", None, None) in warnings
    assert ("other_sheet", None, None) in warnings
    assert ("hidden_row", 4, None) in warnings
    assert ("error_cell", 3, "financial_remedy_gbp") in warnings
    assert "#DIV/0!" in report.to_text()
    assert report.valid


def test_a_sheet_can_be_named_and_a_missing_one_is_refused(tmp_path):
    path = sheets_workbook(tmp_path)
    old = read_file(path, Settings(), sheet=" old", table_name="complaints")
    assert old.unknown_columns == ["something", "else"]
    assert [issue["rule"] for issue in old.file_issues] == ["other_sheet", "other_sheet"]
    with pytest.raises(
        FileUnreadable, match=r"no sheet called 'Summary'.*'Old', 'Return', 'Notes'"
    ):
        read_file(path, Settings(), sheet="Summary")
