"""Readable but odd CSV (issue 16): read correctly, or refused with a clear message and
exit 2; never a traceback, and never "valid" with nothing in it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from scrutiny.returns.ingest import read_file
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.settings import Settings

RETURNS = Path(__file__).parent / "returns"
LINES = (RETURNS / "valid_complaints.csv").read_text().splitlines()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode())
    return path


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scrutiny", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("ending", ["\r", "\r\n", "\n"])
def test_any_line_endings_read_the_same_rows(tmp_path, ending):
    # What was seen: CR-only line endings read as a header with no rows, and "valid".
    path = write(tmp_path, "return.csv", ending.join(LINES) + ending)
    raw = read_file(path, Settings())
    assert raw.frame.height == len(LINES) - 1
    assert validate(path).returncode == 0


def test_a_lone_carriage_return_in_a_crlf_file_is_read_or_refused_never_a_traceback(tmp_path):
    rows = [LINES[0], LINES[1].replace("T-0001,", "T-00\r01,", 1), *LINES[2:]]
    path = write(tmp_path, "return.csv", "\r\n".join(rows) + "\r\n")
    done = validate(path)
    assert done.returncode in (1, 2), done.stdout + done.stderr
    assert "Traceback" not in done.stderr


def test_a_header_with_no_rows_is_refused_not_valid(tmp_path):
    path = write(tmp_path, "return.csv", LINES[0] + "\n")
    with pytest.raises(FileUnreadable, match="no data rows"):
        read_file(path, Settings())
    done = validate(path)
    assert done.returncode == 2 and "no data rows" in done.stdout + done.stderr


def test_a_nul_byte_anywhere_is_refused_with_its_row_and_column(tmp_path):
    # What was seen: a NUL after the first 8 KB passed, was stored on SQLite and crashed
    # PostgreSQL's COPY.
    base = LINES[1].split(",")
    rows = [LINES[0]]
    for n in range(300):
        cells = list(base)
        cells[1] = f"T-{n:04d}"
        rows.append(",".join(cells))
    header = LINES[0].split(",")
    cells = rows[250].split(",")
    cells[header.index("extension_reason")] = "wait\x00ing"
    rows[250] = ",".join(cells)
    path = write(tmp_path, "return.csv", "\n".join(rows) + "\n")
    assert path.read_bytes().index(b"\x00") > 8192
    with pytest.raises(FileUnreadable, match="row 251, column extension_reason"):
        read_file(path, Settings())


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary\x00", b"a,b\n"])
def test_validate_as_json_is_always_one_json_document(tmp_path, content):
    # What was seen: for an unreadable file, --format json printed a plain "Error: ...".
    path = tmp_path / "return.csv"
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "scrutiny", "validate", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    [issue] = json.loads(done.stdout)
    assert (issue["row"], issue["column"], issue["rule"]) == (None, None, "unreadable")
    assert issue["severity"] == "error" and issue["message"] and issue["fix"]


def test_a_short_row_is_refused_with_its_row_not_padded_with_blanks(tmp_path):
    # What was seen: short rows were padded with blanks and stored.
    short = LINES[2].rsplit(",", 3)[0]
    path = write(tmp_path, "return.csv", "\n".join([LINES[0], LINES[1], short, *LINES[3:]]) + "\n")
    with pytest.raises(FileUnreadable, match="header has 20 columns, but row 3 has 17"):
        read_file(path, Settings())
    done = validate(path)
    assert done.returncode == 2 and "row 3 has 17" in done.stdout + done.stderr


def test_a_long_row_is_refused_with_its_row(tmp_path):
    path = write(tmp_path, "return.csv", "\n".join([LINES[0], LINES[1] + ",extra", *LINES[2:]]))
    with pytest.raises(FileUnreadable, match="row 2 has 21"):
        read_file(path, Settings())


def test_blank_cells_quoted_separators_and_line_breaks_are_not_short_rows(tmp_path):
    header = LINES[0].split(",")
    cells = LINES[1].split(",")
    cells[header.index("service_improvement_text")] = '"Letters, now with\na named contact"'
    cells[-1] = ""  # the last column blank: the reader pads short rows the same way
    path = write(tmp_path, "return.csv", "\n".join([LINES[0], ",".join(cells), *LINES[2:]]))
    raw = read_file(path, Settings())
    assert raw.frame.height == len(LINES) - 1
    text = raw.frame.get_column("service_improvement_text")[0]
    assert text == "Letters, now with\na named contact"


@pytest.mark.parametrize("second", ["stage", "Stage", " STAGE "])
def test_duplicate_headers_exact_or_not_are_one_error(tmp_path, second):
    # What was seen: an exact duplicate header was renamed stage_duplicated_0 and ignored,
    # while a duplicate in another case was an error.
    rows = [line + "," + line.split(",")[2] for line in LINES]
    rows[0] = LINES[0] + "," + second
    done = validate(write(tmp_path, "return.csv", "\n".join(rows) + "\n"))
    assert done.returncode == 1, done.stdout
    assert "2 columns all mean stage" in done.stdout
