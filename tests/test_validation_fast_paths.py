"""The validator's fast paths (issue 22) give the same answer as the straightforward ones.

Repeated keys are screened by a hash of the keys and confirmed exactly. Text searches are
screened (one fused search of a column decides whether each pattern is looked for row by
row), text of ASCII alone is not put through Unicode normalisation, and only a file holding
a NUL byte is searched for one cell by cell.
"""

from __future__ import annotations

import csv
import tempfile
import unicodedata
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.core.personal_data import PERSONAL_DATA_KINDS
from scrutiny.returns.ingest import read_file
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.validation import FORMULA_START, INVISIBLE, parse_columns, validate
from scrutiny.settings import Settings
from scrutiny.standard.rules import ROW
from scrutiny.standard.table_rules import key_hash, repeated_keys

RETURNS = Path(__file__).parent / "returns"
LINES = (RETURNS / "valid_complaints.csv").read_text().splitlines()
HEADER = LINES[0].split(",")
TODAY = date(2026, 11, 26)
SCREENED = {"personal_data", "formula", "invisible_character"}
# Pieces that trip one search or another, some nearly: put together at random.
PIECES = [
    "ok",
    " ",
    "jo@example.org",
    "jo@ example.org",
    "07700 900123",
    "+44 7700 900 123",
    "0770090",
    "SW1A 1AA",
    "sw1a1aa",
    "Mr Smith",
    "mr smith",
    "Dr. Who",
    "=SUM(A1)",
    "+1",
    "-",
    "@home",
    "\u200b",
    "\u202e",
    "\t",
    "café",
    "cafe\u0301",
]
cells = st.lists(st.sampled_from(PIECES), min_size=1, max_size=4).map("".join)


def write_return(path: Path, texts: list[tuple[str, str]]) -> Path:
    """The valid example return's first row once per pair of (reference, extension
    reason) in TEXTS, with those cells replaced."""
    base = LINES[1].split(",")
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow(HEADER)
        for reference, reason in texts:
            row = list(base)
            row[HEADER.index("complaint_ref")] = reference
            row[HEADER.index("extension_reason")] = reason
            out.writerow(row)
    return path


def straightforward(wide: pl.DataFrame, column: str, free_text: bool) -> set[tuple[int, str]]:
    """Each screened rule's rows found the plain way: every pattern searched for in every
    cell, one search each."""
    searches = [(pattern, "personal_data") for pattern, _ in PERSONAL_DATA_KINDS]
    searches.append((FORMULA_START, "formula"))
    if not free_text:
        searches.append((INVISIBLE, "invisible_character"))
    found = set()
    for pattern, rule in searches:
        rows = wide.filter(pl.col(f"__raw_{column}").str.contains(pattern)).get_column("__row")
        found |= {(row, rule) for row in rows.to_list()}
    return found


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=12))
def test_screened_text_checks_find_exactly_what_each_search_alone_finds(texts):
    with tempfile.TemporaryDirectory() as folder:
        raw = read_file(write_return(Path(folder) / "return.csv", texts), Settings())
    report = validate(raw, TODAY)
    for column, free_text in (("complaint_ref", False), ("extension_reason", True)):
        found = report.issues.filter(
            pl.col("column") == column, pl.col("rule").is_in(list(SCREENED))
        ).select("row", "rule")
        expected = straightforward(report.wide, column, free_text)
        assert set(found.iter_rows()) == expected
        # One warning a kind found: a cell with an email address and a postcode has two.
        kinds = report.issues.filter(pl.col("column") == column, pl.col("rule") == "personal_data")
        for row in {row for row, rule in expected if rule == "personal_data"}:
            cell = report.wide.filter(pl.col("__row") == row).get_column(f"__raw_{column}")
            wanted = sum(cell.str.contains(pattern).item() for pattern, _ in PERSONAL_DATA_KINDS)
            assert kinds.filter(pl.col("row") == row).height == wanted


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(cells, cells), min_size=1, max_size=12))
def test_text_is_cleaned_the_same_whether_or_not_it_is_all_ascii(texts):
    with tempfile.TemporaryDirectory() as folder:
        raw = read_file(write_return(Path(folder) / "return.csv", texts), Settings())
    wide = parse_columns(raw).wide
    for column in ("complaint_ref", "extension_reason"):
        cleaned = raw.frame.get_column(column).to_list()
        expected = [
            None if not (cell or "").strip() else unicodedata.normalize("NFC", cell.strip())
            for cell in cleaned
        ]
        got = wide.get_column(f"__raw_{column}").to_list()
        # Python strips a few more characters than polars (the zero-width space is not
        # white space to polars): compare only where neither end is such a character.
        for want, have, cell in zip(expected, got, cleaned, strict=True):
            if cell and cell == cell.strip(" \t"):
                assert have == want


def test_one_reference_written_in_two_unicode_forms_repeats_itself(tmp_path):
    composed, decomposed = "CAFÉ-1", unicodedata.normalize("NFD", "CAFÉ-1")
    assert composed != decomposed
    path = write_return(tmp_path / "return.csv", [(composed, ""), (decomposed, "")])
    report = validate(read_file(path, Settings()), TODAY)
    assert report.wide.get_column("complaint_ref").to_list() == [composed, composed]
    assert report.issues.filter(pl.col("rule").str.starts_with("unique")).height == 1


def test_an_ascii_reference_column_is_kept_as_written(tmp_path):
    path = write_return(tmp_path / "return.csv", [("T-1", ""), (" T-2 ", "Waiting")])
    wide = parse_columns(read_file(path, Settings())).wide
    assert wide.get_column("complaint_ref").to_list() == ["T-1", "T-2"]
    assert wide.get_column("extension_reason").to_list() == [None, "Waiting"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({(103, "extension_reason"), (105, "complaint_ref")}, "row 105, column extension_reason"),
        ({(102, "extension_reason"), (102, "complaint_ref")}, "row 104, column complaint_ref"),
        ({(106, "extension_reason")}, "row 108, column extension_reason"),
    ],
)
def test_the_first_nul_is_named_by_row_then_column(tmp_path, cells, expected):
    # Past the first 8 KB (a NUL there is refused as a binary file); the first data row
    # is row 2.
    texts = [(f"T-{n}", "Waiting") for n in range(110)]
    for row, column in cells:
        reference, reason = texts[row]
        if column == "complaint_ref":
            reference += "\x00"
        else:
            reason += "\x00"
        texts[row] = (reference, reason)
    path = write_return(tmp_path / "return.csv", texts)
    assert path.read_bytes().index(b"\x00") > 8192
    with pytest.raises(FileUnreadable, match=expected):
        read_file(path, Settings())


def test_a_nul_in_a_utf16_file_is_refused_and_one_without_is_read(tmp_path):
    text = "\n".join(LINES) + "\n"
    clean = tmp_path / "clean.csv"
    clean.write_bytes(text.encode("utf-16"))
    assert read_file(clean, Settings()).frame.height == len(LINES) - 1
    dirty = tmp_path / "dirty.csv"
    dirty.write_bytes(text.replace("T-0001", "T-00\x0001", 1).encode("utf-16"))
    with pytest.raises(FileUnreadable, match="row 2, column complaint_ref holds a NUL"):
        read_file(dirty, Settings())


UNIQUE_KEYS = ["authority_code", "complaint_ref", "stage"]
# Few values, some blank, so that keys repeat often and blanks meet blanks.
key_rows = st.lists(
    st.tuples(
        st.sampled_from(["E06000047", "E07000026", None]),
        st.sampled_from(["T-1", "T-2", "t-1", "T-1 ", "", None]),
        st.sampled_from([1, 2, None]),
    ),
    max_size=40,
)
# The screening's hash, a hash that keeps only the first key (different keys collide
# often), and one under which every row collides: none may change what is found.
HASHES = {
    "key_hash": key_hash,
    "first key only": lambda keys: pl.col(keys[0]).hash(),
    "all collide": lambda keys: pl.lit(7, pl.UInt64),
}


@pytest.mark.parametrize("hashed", HASHES.values(), ids=HASHES)
@settings(max_examples=150, deadline=None)
@given(rows=key_rows)
def test_screened_uniqueness_finds_exactly_the_repeated_rows_the_plain_check_finds(hashed, rows):
    frame = pl.DataFrame(
        [(index + 2, *row) for index, row in enumerate(rows)],
        schema={
            ROW: pl.Int64,
            "authority_code": pl.String,
            "complaint_ref": pl.String,
            "stage": pl.Int64,
        },
        orient="row",
    )
    plain = frame.filter(pl.all_horizontal(pl.col(UNIQUE_KEYS).is_not_null())).filter(
        pl.struct(UNIQUE_KEYS).is_duplicated()
    )
    found = repeated_keys(frame, UNIQUE_KEYS, hashed)
    assert found.schema == plain.schema
    assert found.to_dicts() == plain.to_dicts()


def test_a_repeated_complaint_is_named_with_the_row_it_repeats(tmp_path):
    """The message of the unique rule, whichever path found the repeat."""
    path = tmp_path / "repeats.csv"
    path.write_text("\n".join([LINES[0], LINES[1], LINES[2], LINES[1], LINES[1]]) + "\n")
    report = validate(read_file(path, Settings()), today=TODAY)
    repeats = report.issues.filter(pl.col("rule").str.starts_with("unique:"))
    assert repeats.select("row", "column", "message").rows() == [
        (4, "complaint_ref", "The same authority_code / complaint_ref / stage as row 2."),
        (5, "complaint_ref", "The same authority_code / complaint_ref / stage as row 2."),
    ]
