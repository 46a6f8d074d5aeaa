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
