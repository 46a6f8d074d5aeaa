"""Workbooks built to knock the reader over (issue 16): each is refused with a clear
message before it is parsed, and the process survives. Run through the command line in a
child process, since the unprotected reader aborts the whole process."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

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
