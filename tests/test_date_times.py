"""Dates with a time after them, as case systems export them (issue 18): read as their
date, day first, never guessed month first; a time that is not a time is an error."""

from __future__ import annotations

import datetime as dt
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.returns.dates import parse_date
from scrutiny.returns.ingest import read_file
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings

RETURNS = Path(__file__).parent / "returns"
TODAY = date(2026, 11, 26)
LINES = (RETURNS / "valid_complaints.csv").read_text().splitlines()


def with_received(tmp_path: Path, value: str):
    """The valid complaints return with VALUE as the first row's received date, validated."""
    path = tmp_path / "return.csv"
    path.write_text("\n".join([LINES[0], LINES[1].replace("2025-04-01", value), *LINES[2:]]))
    return validate(read_file(path, Settings()), TODAY)


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("01/04/2025 09:32", date(2025, 4, 1)),
        ("02/04/2025 16:05", date(2025, 4, 2)),
        ("01/04/2025 09:32:15", date(2025, 4, 1)),
        ("1/4/2025 9:32", date(2025, 4, 1)),
        ("01/04/2025 9:32 AM", date(2025, 4, 1)),
        ("01/04/2025 12:05 pm", date(2025, 4, 1)),
        ("2025-04-01T09:32:00", date(2025, 4, 1)),
        ("2025-04-01T09:32", date(2025, 4, 1)),
        ("2025-04-01 09:32:00", date(2025, 4, 1)),
        ("2025-04-01 09:32", date(2025, 4, 1)),
        ("2025-04-01 09:32:00.123", date(2025, 4, 1)),
        ("2025-04-01 00:00:00", date(2025, 4, 1)),
        ("2025-04-01 23:59:59", date(2025, 4, 1)),
    ],
)
def test_a_date_with_a_time_is_read_as_its_date(tmp_path, value, day):
    # What was seen: '01/04/2024 09:32' and '12/04/2024 16:05' were "Not a date".
    report = with_received(tmp_path, value)
    assert report.valid, report.to_text()
    assert report.typed.get_column("received_date")[0] == day


def test_a_case_system_export_with_date_times_validates():
    report = validate(read_file(RETURNS / "valid_date_times.csv", Settings()), TODAY)
    assert report.valid and report.warnings == 0, report.to_text()
    typed = report.typed
    assert typed.get_column("received_date").to_list() == [
        date(2025, 4, 1),
        date(2025, 5, 1),
        date(2025, 6, 2),
    ]
    assert typed.get_column("responded_date").to_list() == [
        date(2025, 4, 15),
        date(2025, 5, 28),
        date(2025, 6, 12),
    ]


@pytest.mark.parametrize(
    ("value", "time"),
    [
        ("01/04/2025 25:99", "25:99"),
        ("01/04/2025 24:00", "24:00"),
        ("01/04/2025 09:60", "09:60"),
        ("2025-04-01T09:32:61", "09:32:61"),
        ("01/04/2025 13:05 PM", "13:05 PM"),
        ("01/04/2025 0:30 am", "0:30 am"),
    ],
)
def test_a_time_that_is_not_a_time_is_an_error_with_row_column_value_and_fix(tmp_path, value, time):
    report = with_received(tmp_path, value)
    issues = report.issues.filter(pl.col("column") == "received_date")
    assert issues.select("row", "column", "value", "severity", "rule", "message", "fix").rows(
        named=True
    ) == [
        {
            "row": 2,
            "column": "received_date",
            "value": value,
            "severity": "error",
            "rule": "type",
            "message": f"The time {time} is not a time of day.",
            "fix": "Give a time from 00:00 to 23:59 after the date, or the date alone, "
            "for example 01/04/2025 09:32 or 01/04/2025.",
        }
    ]


def test_the_not_a_time_fixture_names_its_row():
    report = validate(read_file(RETURNS / "not_a_time.csv", Settings()), TODAY)
    issue = report.issues.row(0, named=True)
    assert (issue["row"], issue["column"], issue["value"]) == (
        3,
        "received_date",
        "01/05/2025 25:99",
    )
    assert issue["message"] == "The time 25:99 is not a time of day."


@pytest.mark.parametrize("value", ["04/25/2025 09:32", "04/25/2025 16:05:00"])
def test_a_us_date_with_a_time_is_called_out_not_guessed(tmp_path, value):
    report = with_received(tmp_path, value)
    issue = report.issues.row(0, named=True)
    assert (issue["row"], issue["column"], issue["value"]) == (2, "received_date", value)
    assert issue["message"] == "Looks like a US date (month first), which cannot be a UK date."
    assert report.typed.get_column("received_date")[0] is None


@pytest.mark.parametrize("value", ["01/04/2025 at 09:32", "01/04/2025 09", "2025-04-01T"])
def test_other_text_after_a_date_is_still_not_a_date(tmp_path, value):
    issue = with_received(tmp_path, value).issues.row(0, named=True)
    assert (issue["row"], issue["value"], issue["message"]) == (2, value, "Not a date.")


def test_excel_date_time_cells_are_read_as_their_dates(tmp_path):
    frame = pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False)
    path = tmp_path / "return.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("Return")
    stamp = book.add_format({"num_format": "dd/mm/yyyy hh:mm"})
    sheet.write_row(0, 0, frame.columns)
    column = frame.columns.index("received_date")
    times = [dt.datetime(2025, 4, 1, 9, 32), dt.datetime(2025, 5, 1, 16, 5, 59)]
    times.append(dt.datetime(2025, 6, 2, 23, 59, 59, 999000))
    for number, values in enumerate(frame.iter_rows(), start=1):
        sheet.write_row(number, 0, ["" if value is None else value for value in values])
        sheet.write_datetime(number, column, times[number - 1], stamp)
    book.close()
    report = validate(read_file(path, Settings()), TODAY)
    assert report.valid, report.to_text()
    assert report.typed.get_column("received_date").to_list() == [
        date(2025, 4, 1),
        date(2025, 5, 1),
        date(2025, 6, 2),
    ]


@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    moment=st.times(),
    iso=st.booleans(),
    seconds=st.booleans(),
)
def test_any_date_and_time_of_day_gives_the_date(day, moment, iso, seconds):
    clock = moment.strftime("%H:%M:%S" if seconds else "%H:%M")
    text = f"{day:%Y-%m-%d}T{clock}" if iso else f"{day:%d/%m/%Y} {clock}"
    assert pl.select(parse_date(pl.lit(text))).item() == day
