"""Values that read as numbers, dates or text but cannot be true are refused, with the
row and column (issue 16): no comma is dropped in a way that makes a different number,
every number has a limit declared once in the standard, dates and medians must agree with
each other, and references cannot hide invisible characters."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from scrutiny.returns.ingest import read_file
from scrutiny.returns.validation import Report, validate
from scrutiny.settings import Settings
from scrutiny.standard import load_standard

RETURNS = Path(__file__).parent / "returns"


def with_cells(tmp_path: Path, name: str, changes: dict[tuple[int, str], str]) -> Report:
    """Validate the valid return NAME with CHANGES: (row index, column) -> text."""
    frame = pl.read_csv(RETURNS / name, infer_schema=False)
    for (index, column), text in changes.items():
        values = frame.get_column(column).to_list()
        values[index] = text
        frame = frame.with_columns(pl.Series(column, values, dtype=pl.String))
    path = tmp_path / name
    frame.write_csv(path)
    return validate(read_file(path, Settings()))


def found(report: Report) -> set[tuple[int | None, str | None, str]]:
    return {(i["row"], i["column"], str(i["rule"])) for i in report.to_records()}  # type: ignore[misc]


COMPLAINTS = "valid_complaints.csv"
AGGREGATES = "valid_aggregate_returns.csv"
RECOMMENDATIONS = "valid_recommendations.csv"


@pytest.mark.parametrize(
    ("name", "changes", "expected"),
    [
        # What was seen: 75,50 stored as 7550.0.
        (COMPLAINTS, {(2, "financial_remedy_gbp"): "75,50"}, (4, "financial_remedy_gbp", "type")),
        (
            COMPLAINTS,
            {(2, "financial_remedy_gbp"): "1e308"},
            (4, "financial_remedy_gbp", "maximum"),
        ),
        (
            COMPLAINTS,
            {(2, "financial_remedy_gbp"): "£1,000,000,000,000"},
            (4, "financial_remedy_gbp", "maximum"),
        ),
        (
            COMPLAINTS,
            {(0, "extension_working_days"): "9223372036854775807"},
            (2, "extension_working_days", "maximum"),
        ),
        (RECOMMENDATIONS, {(0, "amount_gbp"): "1e15"}, (2, "amount_gbp", "maximum")),
        # A response before its acknowledgement.
        (
            COMPLAINTS,
            {(0, "acknowledged_date"): "2025-04-20"},
            (2, "responded_date", "date_order:acknowledged_date:responded_date"),
        ),
        # A median of 999 working days for 5 complaints.
        (
            AGGREGATES,
            {(0, "responded"): "5", (0, "working_days_to_respond_median"): "999"},
            (2, "working_days_to_respond_median", "maximum"),
        ),
        (
            AGGREGATES,
            {(0, "received"): "1,000,001"},
            (2, "received", "maximum"),
        ),
        # References that differ only by a zero-width space, or hold a text-direction
        # override or a control character.
        (
            COMPLAINTS,
            {(2, "complaint_ref"): "T-00\u200b02"},
            (4, "complaint_ref", "invisible_character"),
        ),
        (
            COMPLAINTS,
            {(2, "complaint_ref"): "T-\u202e2000"},
            (4, "complaint_ref", "invisible_character"),
        ),
        (
            COMPLAINTS,
            {(2, "complaint_ref"): "T-0002\x07"},
            (4, "complaint_ref", "invisible_character"),
        ),
        (
            COMPLAINTS,
            {(2, "service_area"): "hous\u200bing"},
            (4, "service_area", "invisible_character"),
        ),
    ],
)
def test_an_implausible_value_is_an_error_with_its_row_and_column(
    tmp_path, name, changes, expected
):
    report = with_cells(tmp_path, name, changes)
    assert expected in found(report), report.to_text()
    assert not report.valid


def test_a_median_that_does_not_fit_its_total_is_an_error(tmp_path):
    # 402 responses, at least 201 of them 30 working days or longer: 4,120 days in all
    # cannot be.
    report = with_cells(tmp_path, AGGREGATES, {(0, "working_days_to_respond_median"): "30"})
    assert (2, "working_days_to_respond_median", "median_fits_total") in {
        (row, column, rule.split(":")[0]) for row, column, rule in found(report)
    }
    assert "must be at least 5,930" in report.to_text() or "at least 5930" in report.to_text()


@pytest.mark.parametrize(
    ("text", "value"), [("1,250.50", 1250.5), ("£75", 75.0), ("75.50", 75.5), ("75,500", 75500.0)]
)
def test_thousands_separators_and_pounds_still_read(tmp_path, text, value):
    report = with_cells(tmp_path, COMPLAINTS, {(2, "financial_remedy_gbp"): text})
    assert report.valid, report.to_text()
    assert report.typed.get_column("financial_remedy_gbp")[2] == value


def test_references_written_two_ways_are_one_reference(tmp_path):
    # 'é' as one character and as 'e' plus an accent look the same: the same reference.
    report = with_cells(
        tmp_path,
        COMPLAINTS,
        {
            (0, "complaint_ref"): "CAF\u00c9-1",
            (2, "complaint_ref"): "CAFE\u0301-1",
            (1, "complaint_ref"): "other",
        },
    )
    assert any(rule.startswith("unique") for _, _, rule in found(report)), report.to_text()


def test_every_number_in_the_standard_has_a_declared_limit():
    standard = load_standard()
    for table in standard.tables.values():
        for field in table.fields:
            if field.type in ("integer", "number") and not field.enum:
                assert field.maximum is not None and field.limit in standard.limits, field.name
