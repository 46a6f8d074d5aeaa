"""The bad-input corpus (issue 16): hostile and odd files, each with the outcome expected.

Each case builds its file's bytes from the valid returns in tests/returns, so the corpus
stays small in the repository and every case says in one line what is wrong with it. The
outcomes:

- `unreadable`: refused as a whole (CLI exit 2, API 422 with rule `unreadable`), with a
  message containing `expect`;
- `refused`: read, with an error at `expect` = (row, column, rule);
- `warned`: valid, with a warning at `expect` = (row, column, rule);
- `accepted`: valid with no warnings at all.

`python tests/corpus.py DIR` writes every file to DIR, to try by hand.
"""

from __future__ import annotations

import codecs
import gzip
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import polars as pl
import xlsxwriter

RETURNS = Path(__file__).parent / "returns"
Outcome = Literal["unreadable", "refused", "warned", "accepted"]
Expect = tuple[int | None, str | None, str] | str | None


@dataclass(frozen=True)
class Case:
    name: str
    content: Callable[[], bytes]
    outcome: Outcome
    expect: Expect = None
    table: str = "complaints"

    @property
    def council_sends(self) -> bool:
        """True for the tables a council uploads through the web and the API."""
        return self.table in ("complaints", "aggregate_returns")


def lines(name: str = "valid_complaints.csv") -> list[str]:
    return (RETURNS / name).read_text(encoding="utf-8").splitlines()


def text(rows: list[str], ending: str = "\n") -> bytes:
    return (ending.join(rows) + ending).encode()


def frame(name: str = "valid_complaints.csv") -> pl.DataFrame:
    return pl.read_csv(RETURNS / name, infer_schema=False)


def cells(changes: dict[tuple[int, str], str | None], name: str = "valid_complaints.csv"):
    """A builder: the valid return NAME with CHANGES, (data row index, column) -> text."""

    def build() -> bytes:
        table = frame(name)
        for (index, column), value in changes.items():
            values = table.get_column(column).to_list()
            values[index] = value
            table = table.with_columns(pl.Series(column, values, dtype=pl.String))
        return table.write_csv().encode()

    return build


def agg(changes: dict[str, str | None]):
    return cells({(0, column): value for column, value in changes.items()}, AGGREGATES)


def rec(changes: dict[str, str | None]):
    return cells({(0, column): value for column, value in changes.items()}, RECOMMENDATIONS)


def raw(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def edited(edit: Callable[[list[str]], list[str]], ending: str = "\n") -> Callable[[], bytes]:
    return lambda: text(edit(lines()), ending)


def workbook(
    rows: pl.DataFrame | None = None, change: Callable[[xlsxwriter.Workbook], object] | None = None
) -> Callable[[], bytes]:
    """An XLSX of ROWS (default: the valid complaints) on sheet 'Return', then CHANGE."""

    def build() -> bytes:
        table = frame() if rows is None else rows
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True})
        sheet = book.add_worksheet("Return")
        sheet.write_row(0, 0, table.columns)
        for number, values in enumerate(table.iter_rows(), start=1):
            sheet.write_row(number, 0, ["" if value is None else value for value in values])
        if change:
            change(book)
        book.close()
        return out.getvalue()

    return build


def sheet_xml(extra: str, replace: tuple[str, str] | None = None) -> Callable[[], bytes]:
    """The plain workbook with EXTRA rows added to the sheet's XML (or a text replaced)."""

    def build() -> bytes:
        source = zipfile.ZipFile(io.BytesIO(workbook()()))
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                data = source.read(item)
                if item.filename == "xl/worksheets/sheet1.xml":
                    data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
                    if replace:
                        data = data.replace(replace[0].encode(), replace[1].encode())
                target.writestr(item, data)
        return out.getvalue()

    return build


def hidden_first() -> bytes:
    """The valid return on a visible second sheet, after a hidden first sheet."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    old = book.add_worksheet("Old")
    old.write_row(0, 0, ["old", "sheet"])
    old.write_row(1, 0, ["old", "rows"])
    sheet = book.add_worksheet("Return")
    sheet.activate()
    old.hide()
    table = frame()
    sheet.write_row(0, 0, table.columns)
    for number, values in enumerate(table.iter_rows(), start=1):
        sheet.write_row(number, 0, ["" if value is None else value for value in values])
    book.close()
    return out.getvalue()


def dates_as_dates(book: xlsxwriter.Workbook) -> None:
    """Received dates as real spreadsheet dates (a number with a date format)."""
    sheet = book.worksheets()[0]
    shown = book.add_format({"num_format": "dd/mm/yyyy"})
    for number, value in enumerate(frame().get_column("received_date"), start=1):
        sheet.write_datetime(number, column("received_date"), datetime.fromisoformat(value), shown)


def tag_trap() -> bytes:
    """A sheet of 100,000 tags that open and never close: a pattern that looked inside
    tags without a bound would take hours over it."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    junk = "".join(letters[(n * 7919) % 52] for n in range(300_000))
    body = "".join(f"<c r{junk[n : n + 3]}" for n in range(0, 300_000, 3))
    return sheet_xml(f'<row r="5">{body}</row>')()


def zipped(parts: dict[str, bytes]) -> Callable[[], bytes]:
    def build() -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for name, data in parts.items():
                target.writestr(name, data)
        return out.getvalue()

    return build


AGGREGATES = "valid_aggregate_returns.csv"
RECOMMENDATIONS = "valid_recommendations.csv"
HEADER = lines()[0].split(",")


def column(name: str) -> int:
    return HEADER.index(name)


def set_cell(row: int, name: str, value: str) -> Callable[[list[str]], list[str]]:
    """An edit of the raw lines: row ROW (file line index) gets VALUE in column NAME."""

    def edit(rows: list[str]) -> list[str]:
        parts = rows[row].split(",")
        parts[column(name)] = value
        return [*rows[:row], ",".join(parts), *rows[row + 1 :]]

    return edit


def repeated(n: int) -> Callable[[], bytes]:
    def build() -> bytes:
        first = lines()[1].split(",")
        body = []
        for number in range(n):
            row = list(first)
            row[column("complaint_ref")] = f"R-{number:06d}"
            body.append(",".join(row))
        return text([lines()[0], *body])

    return build


UNREADABLE: list[Case] = [
    Case("empty.csv", raw(b""), "unreadable", "empty"),
    Case("spaces_only.csv", raw(b"   \n\n  \r\n"), "unreadable", "empty"),
    Case("binary.csv", raw(bytes(range(256)) * 4), "unreadable", "binary"),
    Case("nul_at_start.csv", raw(b"\x00" + text(lines())), "unreadable", "binary"),
    Case(
        "nul_late.csv",
        lambda: repeated(300)().replace(b"R-000250,", b"R-000\x00250,"),
        "unreadable",
        "row 252, column complaint_ref",
    ),
    Case(
        "old_excel.xls",
        raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600),
        "unreadable",
        ".xls",
    ),
    Case(
        "not_text.csv",
        raw(b"authority_code\n\x81\x8d\x8f\x90\x9d\n"),
        "unreadable",
        "neither UTF-8",
    ),
    Case("header_only.csv", lambda: text(lines()[:1]), "unreadable", "no data rows"),
    Case("header_only_crlf.csv", lambda: text(lines()[:1], "\r\n"), "unreadable", "no data rows"),
    Case("header_only_cr.csv", lambda: text(lines()[:1], "\r"), "unreadable", "no data rows"),
    Case("truncated.csv", lambda: text(lines())[:-60], "unreadable", "cells"),
    Case(
        "short_row.csv",
        edited(lambda r: [r[0], r[1].rsplit(",", 2)[0], *r[2:]]),
        "unreadable",
        "row 2 has 18 cells",
    ),
    Case(
        "long_row.csv",
        edited(lambda r: [r[0], r[1] + ",x,y", *r[2:]]),
        "unreadable",
        "row 2 has 22 cells",
    ),
    Case(
        "no_separators.csv", raw(b"just some words\nand more words\n"), "unreadable", "which table"
    ),
    Case("one_unknown_column.csv", raw(b"colour\nred\nblue\n"), "unreadable", "which table"),
    Case("gzip.csv.gz", lambda: gzip.compress(text(lines())), "unreadable", "binary"),
    Case(
        "pdf.csv",
        raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n\x00"),
        "unreadable",
        "binary",
    ),
    Case(
        "png.csv",
        raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 40),
        "unreadable",
        "binary",
    ),
    Case("random.zip", zipped({"readme.txt": b"hello"}), "unreadable", "sheets"),
    Case("broken.xlsx", lambda: workbook()()[:2000], "unreadable", "cannot be read"),
    Case(
        "far_cell.xlsx",
        sheet_xml('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'),
        "unreadable",
        "XFD1048576",
    ),
    Case(
        "far_row.xlsx",
        sheet_xml('<row r="9000000"><c r="A9000000" t="inlineStr"><is><t>x</t></is></c></row>'),
        "unreadable",
        "row 9,000,000",
    ),
    Case(
        "far_dimension.xlsx",
        sheet_xml("", ('<dimension ref="A1:T4"/>', '<dimension ref="A1:XFD1048576"/>')),
        "unreadable",
        "XFD1048576",
    ),
    Case(
        "zip_bomb.xlsx",
        sheet_xml(
            f'<row r="9"><c r="A9" t="inlineStr"><is><t>{"A" * 20_000_000}</t></is></c></row>'
        ),
        "unreadable",
        "unpacks to",
    ),
    Case(
        "all_sheets_hidden.xlsx",
        workbook(
            change=lambda book: (
                book.add_worksheet("Other").activate(),
                book.worksheets()[0].hide(),
                book.worksheets()[1].hide(),
            )
        ),
        "unreadable",
        "hidden",
    ),
    Case("header_only.xlsx", workbook(frame().head(0)), "unreadable", "no data rows"),
    Case("tag_trap.xlsx", tag_trap, "unreadable", "cannot be read"),
    Case(
        "utf16_no_bom.csv",
        lambda: text(lines()).decode().encode("utf-16-le"),
        "unreadable",
        "binary",
    ),
    Case(
        "unclosed_quote.csv",
        edited(lambda r: [r[0], r[1].replace("T-0001", '"T-0001', 1), *r[2:]]),
        "unreadable",
        "never closes",
    ),
    Case(
        "html.csv",
        raw(b"<!doctype html>\n<html><body>\n<h1>Error 500</h1>\n</body></html>\n"),
        "unreadable",
        "which table",
    ),
    Case(
        "json.csv",
        raw(b'{"complaints": [\n  {"authority_code": "E06000047"}\n]}\n'),
        "unreadable",
        "which table",
    ),
]

REFUSED: list[Case] = [
    Case(
        "decimal_comma.csv",
        cells({(2, "financial_remedy_gbp"): "75,50"}),
        "refused",
        (4, "financial_remedy_gbp", "type"),
    ),
    Case(
        "comma_misplaced.csv",
        cells({(2, "financial_remedy_gbp"): "1,23"}),
        "refused",
        (4, "financial_remedy_gbp", "type"),
    ),
    Case(
        "remedy_1e308.csv",
        cells({(2, "financial_remedy_gbp"): "1e308"}),
        "refused",
        (4, "financial_remedy_gbp", "maximum"),
    ),
    Case(
        "remedy_trillion.csv",
        cells({(2, "financial_remedy_gbp"): "£1,000,000,000,000"}),
        "refused",
        (4, "financial_remedy_gbp", "maximum"),
    ),
    Case(
        "remedy_negative.csv",
        cells({(2, "financial_remedy_gbp"): "-75"}),
        "refused",
        (4, "financial_remedy_gbp", "minimum"),
    ),
    Case(
        "remedy_infinity.csv",
        cells({(2, "financial_remedy_gbp"): "inf"}),
        "refused",
        (4, "financial_remedy_gbp", "type"),
    ),
    Case(
        "remedy_nan.csv",
        cells({(2, "financial_remedy_gbp"): "NaN"}),
        "refused",
        (4, "financial_remedy_gbp", "type"),
    ),
    Case(
        "remedy_words.csv",
        cells({(2, "financial_remedy_gbp"): "seventy five"}),
        "refused",
        (4, "financial_remedy_gbp", "type"),
    ),
    Case(
        "extension_int64.csv",
        cells({(0, "extension_working_days"): "9223372036854775807"}),
        "refused",
        (2, "extension_working_days", "maximum"),
    ),
    Case(
        "extension_overflow.csv",
        cells({(0, "extension_working_days"): "99999999999999999999999"}),
        "refused",
        (2, "extension_working_days", "type"),
    ),
    Case(
        "extension_negative.csv",
        cells({(0, "extension_working_days"): "-1"}),
        "refused",
        (2, "extension_working_days", "minimum"),
    ),
    Case(
        "extension_fraction.csv",
        cells({(0, "extension_working_days"): "2.5"}),
        "refused",
        (2, "extension_working_days", "type"),
    ),
    Case(
        "response_before_acknowledgement.csv",
        cells({(0, "acknowledged_date"): "2025-04-20"}),
        "refused",
        (2, "responded_date", "date_order:acknowledged_date:responded_date"),
    ),
    Case(
        "response_before_receipt.csv",
        cells({(0, "responded_date"): "2025-03-01", (0, "acknowledged_date"): None}),
        "refused",
        (2, "responded_date", "date_order:received_date:responded_date"),
    ),
    Case(
        "future_date.csv",
        cells({(0, "received_date"): "2999-04-01"}),
        "refused",
        (2, "received_date", "type"),
    ),
    Case(
        "us_date.csv",
        cells({(0, "received_date"): "04/25/2025"}),
        "refused",
        (2, "received_date", "type"),
    ),
    Case(
        "impossible_date.csv",
        cells({(0, "received_date"): "2025-02-30"}),
        "refused",
        (2, "received_date", "type"),
    ),
    Case(
        "year_1899.csv",
        cells({(0, "received_date"): "1899-04-01"}),
        "refused",
        (2, "received_date", "type"),
    ),
    Case(
        "two_digit_year.csv",
        cells({(0, "received_date"): "01/04/25"}),
        "refused",
        (2, "received_date", "type"),
    ),
    Case(
        "date_words.csv",
        cells({(0, "received_date"): "first of April"}),
        "refused",
        (2, "received_date", "type"),
    ),
    Case("stage_three.csv", cells({(0, "stage"): "3"}), "refused", (2, "stage", "enum")),
    Case("stage_word.csv", cells({(0, "stage"): "one"}), "refused", (2, "stage", "type")),
    Case("stage_fraction.csv", cells({(0, "stage"): "1.5"}), "refused", (2, "stage", "type")),
    Case(
        "boolean_maybe.csv",
        cells({(0, "reasonable_adjustments"): "maybe"}),
        "refused",
        (2, "reasonable_adjustments", "type"),
    ),
    Case(
        "code_not_listed.csv",
        cells({(0, "service_area"): "parking_fines"}),
        "refused",
        (2, "service_area", "code_list"),
    ),
    Case(
        "code_near_miss.csv",
        cells({(0, "service_area"): "housin"}),
        "refused",
        (2, "service_area", "code_list"),
    ),
    Case(
        "codes_one_bad.csv",
        cells({(2, "remedies"): "apology;cake"}),
        "refused",
        (4, "remedies", "code_list"),
    ),
    Case(
        "ref_zero_width_space.csv",
        cells({(2, "complaint_ref"): "T-00\u200b02"}),
        "refused",
        (4, "complaint_ref", "invisible_character"),
    ),
    Case(
        "ref_right_to_left.csv",
        cells({(2, "complaint_ref"): "T-\u202e2000"}),
        "refused",
        (4, "complaint_ref", "invisible_character"),
    ),
    Case(
        "ref_bell.csv",
        cells({(2, "complaint_ref"): "T-0002\x07"}),
        "refused",
        (4, "complaint_ref", "invisible_character"),
    ),
    Case(
        "ref_tab.csv",
        cells({(2, "complaint_ref"): "T-\t0002"}),
        "refused",
        (4, "complaint_ref", "invisible_character"),
    ),
    Case(
        "ref_line_break.csv",
        cells({(2, "complaint_ref"): "T-\n0002"}),
        "refused",
        (4, "complaint_ref", "invisible_character"),
    ),
    Case(
        "ref_byte_order_mark.csv",
        cells({(2, "complaint_ref"): "T-\ufeff0002"}),
        "refused",
        (4, "complaint_ref", "invisible_character"),
    ),
    Case(
        "code_zero_width_joiner.csv",
        cells({(0, "service_area"): "hous\u200ding"}),
        "refused",
        (2, "service_area", "invisible_character"),
    ),
    Case(
        "authority_with_soft_hyphen.csv",
        cells({(0, "authority_code"): "E0600\u00ad0047"}),
        "refused",
        (2, "authority_code", "invisible_character"),
    ),
    Case(
        "duplicate_reference.csv",
        cells({(2, "complaint_ref"): "T-0001", (2, "stage"): "1"}),
        "refused",
        (4, "complaint_ref", "unique:authority_code:complaint_ref:stage"),
    ),
    Case(
        "same_ref_two_spellings.csv",
        cells(
            {
                (0, "complaint_ref"): "CAF\u00c9-1",
                (1, "complaint_ref"): "CAFE\u0301-1",
                (1, "stage"): "1",
            }
        ),
        "refused",
        (3, "complaint_ref", "unique:authority_code:complaint_ref:stage"),
    ),
    Case(
        "duplicate_header_exact.csv",
        edited(lambda r: [x + "," + x.split(",")[2] for x in r]),
        "refused",
        (1, "stage", "duplicate_column"),
    ),
    Case(
        "duplicate_header_case.csv",
        edited(lambda r: [r[0] + ",STAGE", *(x + "," + x.split(",")[2] for x in r[1:])]),
        "refused",
        (1, "stage", "duplicate_column"),
    ),
    Case(
        "duplicate_header_title.csv",
        edited(lambda r: [r[0] + ",Stage", *(x + "," + x.split(",")[2] for x in r[1:])]),
        "refused",
        (1, "stage", "duplicate_column"),
    ),
    Case(
        "missing_required_column.csv",
        lambda: frame().drop("received_date").write_csv().encode(),
        "refused",
        (1, "received_date", "missing_column"),
    ),
    Case(
        "required_blank.csv",
        cells({(0, "received_date"): None}),
        "refused",
        (2, "received_date", "required"),
    ),
    Case(
        "blank_line_in_middle.csv",
        edited(lambda r: [r[0], r[1], "", *r[2:]]),
        "refused",
        (3, "authority_code", "required"),
    ),
    Case(
        "unknown_authority.csv",
        cells({(0, "authority_code"): "E06999999"}),
        "refused",
        (2, "authority_code", "known_authority:authority_code"),
    ),
    Case(
        "authority_name.csv",
        cells({(0, "authority_code"): "County Durham"}),
        "refused",
        (2, "authority_code", "pattern"),
    ),
    Case(
        "refusal_reason_missing.csv",
        cells({(0, "acceptance"): "refused", (0, "outcome"): None}),
        "refused",
        (2, "refusal_reason", "required_when:refusal_reason"),
    ),
    Case(
        "outcome_when_refused.csv",
        cells({(0, "acceptance"): "refused", (0, "refusal_reason"): "out_of_time"}),
        "refused",
        (2, "outcome", "blank_unless:outcome"),
    ),
    Case(
        "subarea_wrong_area.csv",
        cells({(0, "service_subarea"): "planning_applications"}),
        "refused",
        (2, "service_subarea", "subarea_in_area:service_subarea"),
    ),
    Case(
        "remedy_amount_without_remedy.csv",
        cells({(0, "financial_remedy_gbp"): "50"}),
        "refused",
        (2, "financial_remedy_gbp", "blank_unless:financial_remedy_gbp"),
    ),
    Case(
        "cell_too_long.csv",
        cells({(0, "extension_reason"): "x" * 10_001, (0, "extension_working_days"): "5"}),
        "refused",
        (2, "extension_reason", "max_length"),
    ),
    Case(
        "ref_too_long.csv",
        cells({(0, "complaint_ref"): "T" * 65, (1, "complaint_ref"): "T" * 65}),
        "refused",
        (2, "complaint_ref", "max_length"),
    ),
    Case(
        "agg_median_999.csv",
        agg({"responded": "5", "working_days_to_respond_median": "999"}),
        "refused",
        (2, "working_days_to_respond_median", "maximum"),
        "aggregate_returns",
    ),
    Case(
        "agg_median_too_big_for_total.csv",
        agg({"working_days_to_respond_median": "30"}),
        "refused",
        (
            2,
            "working_days_to_respond_median",
            "median_fits_total:working_days_to_respond_median:working_days_to_respond_total",
        ),
        "aggregate_returns",
    ),
    Case(
        "agg_total_too_big.csv",
        agg({"working_days_to_respond_total": "200000"}),
        "refused",
        (
            2,
            "working_days_to_respond_total",
            "median_fits_total:working_days_to_respond_median:working_days_to_respond_total",
        ),
        "aggregate_returns",
    ),
    Case(
        "agg_median_without_responses.csv",
        agg(
            {
                "responded": "0",
                "responded_within_timescale": "0",
                "responded_within_extended_timescale": "0",
                "extended": "0",
                "upheld": "0",
                "partly_upheld": "0",
                "not_upheld": "0",
                "service_improvements": "0",
                "working_days_to_respond_total": "0",
            }
        ),
        "refused",
        (
            2,
            "working_days_to_respond_median",
            "median_fits_total:working_days_to_respond_median:working_days_to_respond_total",
        ),
        "aggregate_returns",
    ),
    Case(
        "agg_outcomes_exceed.csv",
        agg({"upheld": "400"}),
        "refused",
        (2, "upheld", "sum_not_more_than:responded:upheld:partly_upheld:not_upheld"),
        "aggregate_returns",
    ),
    Case(
        "agg_refused_exceeds.csv",
        agg({"refused": "500"}),
        "refused",
        (2, "refused", "not_more_than:refused:received"),
        "aggregate_returns",
    ),
    Case(
        "agg_count_million.csv",
        agg({"received": "2,000,000"}),
        "refused",
        (2, "received", "maximum"),
        "aggregate_returns",
    ),
    Case(
        "agg_count_negative.csv",
        agg({"withdrawn": "-3"}),
        "refused",
        (2, "withdrawn", "minimum"),
        "aggregate_returns",
    ),
    Case(
        "agg_period_backwards.csv",
        agg({"period_end": "2025-03-31"}),
        "refused",
        (2, "period_end", "date_order:period_start:period_end"),
        "aggregate_returns",
    ),
    Case(
        "rec_amount_1e15.csv",
        rec({"amount_gbp": "1e15"}),
        "refused",
        (2, "amount_gbp", "maximum"),
        "recommendations",
    ),
    Case(
        "rec_number_zero.csv",
        rec({"recommendation_number": "0"}),
        "refused",
        (2, "recommendation_number", "minimum"),
        "recommendations",
    ),
    Case(
        "rec_number_101.csv",
        rec({"recommendation_number": "101"}),
        "refused",
        (2, "recommendation_number", "maximum"),
        "recommendations",
    ),
    Case(
        "rec_due_before_agreed.csv",
        rec({"due_date": "2025-03-01"}),
        "refused",
        (2, "due_date", "date_order:agreed_date:due_date"),
        "recommendations",
    ),
    Case(
        "rec_complied_late_mismatch.csv",
        rec({"completed_date": "2025-04-20"}),
        "refused",
        (2, "compliance_status", "compliance_matches_dates"),
        "recommendations",
    ),
]

WARNED: list[Case] = [
    Case(
        "formula.csv",
        cells(
            {
                (0, "service_improvement_text"): '=HYPERLINK("http://x")',
                (0, "service_improvement"): "true",
            }
        ),
        "warned",
        (2, "service_improvement_text", "formula"),
    ),
    Case(
        "email_in_text.csv",
        cells({(0, "service_improvement_text"): "Write to jo.bloggs@example.com"}),
        "warned",
        (2, "service_improvement_text", "personal_data"),
    ),
    Case(
        "phone_in_text.csv",
        cells({(0, "service_improvement_text"): "Ring 07700 900123 to follow up"}),
        "warned",
        (2, "service_improvement_text", "personal_data"),
    ),
    Case(
        "postcode_in_text.csv",
        cells({(0, "service_improvement_text"): "Visited DH1 5UQ"}),
        "warned",
        (2, "service_improvement_text", "personal_data"),
    ),
    Case(
        "extension_over_code.csv",
        cells(
            {(0, "extension_working_days"): "15", (0, "extension_reason"): "Awaiting a contractor"}
        ),
        "warned",
        (2, "extension_working_days", "maximum_by_stage:extension_working_days"),
    ),
    Case(
        "extension_reason_missing.csv",
        cells({(0, "extension_working_days"): "5"}),
        "warned",
        (2, "extension_reason", "required_when:extension_reason"),
    ),
    Case(
        "stage_two_alone.csv",
        cells({(0, "complaint_ref"): "T-9999", (0, "stage"): "2"}),
        "warned",
        (2, "complaint_ref", "stage_one_present"),
    ),
    Case(
        "unknown_column.csv",
        lambda: frame().with_columns(pl.lit("x").alias("officer_notes")).write_csv().encode(),
        "warned",
        (1, "officer_notes", "unknown_column"),
    ),
    Case(
        "personal_header.csv",
        lambda: frame().with_columns(pl.lit("x").alias("Complainant email")).write_csv().encode(),
        "warned",
        (1, "Complainant email", "unknown_column"),
    ),
    Case("hidden_sheet_first.xlsx", hidden_first, "warned", (None, None, "hidden_sheet")),
    Case(
        "other_sheet.xlsx",
        workbook(change=lambda book: book.add_worksheet("Notes").write(0, 0, "Sent by the team")),
        "warned",
        (None, None, "other_sheet"),
    ),
    Case(
        "hidden_row.xlsx",
        workbook(change=lambda book: book.worksheets()[0].set_row(2, None, None, {"hidden": True})),
        "warned",
        (3, None, "hidden_row"),
    ),
    Case(
        "error_cell.xlsx",
        workbook(
            change=lambda book: book.worksheets()[0].write_formula(
                3, column("financial_remedy_gbp"), "=1/0", None, "#DIV/0!"
            )
        ),
        "warned",
        (4, "financial_remedy_gbp", "error_cell"),
    ),
    Case(
        "na_error_cell.xlsx",
        workbook(
            change=lambda book: book.worksheets()[0].write_formula(
                1, column("extension_reason"), "=NA()", None, "#N/A"
            )
        ),
        "warned",
        (2, "extension_reason", "error_cell"),
    ),
    Case(
        "outcome_missing.csv",
        cells({(0, "outcome"): None}),
        "warned",
        (2, "outcome", "required_when:outcome"),
    ),
]


def _accepted(name: str, build: Callable[[], bytes], table: str = "complaints") -> Case:
    return Case(name, build, "accepted", None, table)


ACCEPTED: list[Case] = [
    _accepted("valid.csv", lambda: text(lines())),
    _accepted("crlf.csv", lambda: text(lines(), "\r\n")),
    _accepted("cr_only.csv", lambda: text(lines(), "\r")),
    _accepted("no_final_newline.csv", lambda: "\n".join(lines()).encode()),
    _accepted("trailing_blank_lines.csv", lambda: text(lines()) + b"\n\n"),
    _accepted("utf8_bom.csv", lambda: codecs.BOM_UTF8 + text(lines())),
    _accepted("utf16_le_bom.csv", lambda: text(lines()).decode().encode("utf-16")),
    _accepted(
        "utf16_be_bom.csv", lambda: codecs.BOM_UTF16_BE + text(lines()).decode().encode("utf-16-be")
    ),
    _accepted(
        "windows_1252.csv",
        lambda: text(lines()).replace(b"named contact", b"named contact \x96 caf\xe9"),
    ),
    _accepted("semicolons.csv", lambda: frame().write_csv(separator=";").encode()),
    _accepted("tabs.tsv", lambda: frame().write_csv(separator="\t").encode()),
    _accepted("quoted_everything.csv", lambda: frame().write_csv(quote_style="always").encode()),
    _accepted(
        "quoted_comma_and_newline.csv",
        cells({(0, "service_improvement_text"): "Letters, now with\na named contact"}),
    ),
    _accepted(
        "columns_reordered.csv",
        lambda: frame().select(reversed(frame().columns)).write_csv().encode(),
    ),
    _accepted(
        "titles_as_headers.csv",
        edited(
            lambda r: [
                r[0]
                .replace("received_date", "Received date")
                .replace("complaint_ref", "Complaint reference"),
                *r[1:],
            ]
        ),
    ),
    _accepted(
        "spaces_round_cells.csv",
        edited(lambda r: [r[0], r[1].replace(",housing,", ",  housing  ,"), *r[2:]]),
    ),
    _accepted("uk_dates.csv", cells({(0, "received_date"): "01/04/2025"})),
    _accepted("pounds_and_thousands.csv", cells({(2, "financial_remedy_gbp"): "£1,250.50"})),
    _accepted(
        "codes_in_any_case.csv",
        cells({(0, "service_area"): "Housing", (0, "acceptance"): "ACCEPTED"}),
    ),
    _accepted(
        "yes_no.csv",
        cells({(0, "reasonable_adjustments"): "no", (0, "service_improvement"): "Yes"}),
    ),
    _accepted(
        "welsh_and_emoji_text.csv",
        cells({(0, "service_improvement_text"): "Llythyrau'n well 👍 – café"}),
    ),
    _accepted("ref_decomposed_accent.csv", cells({(2, "complaint_ref"): "CAFE\u0301-2"})),
    _accepted("ref_with_spaces.csv", cells({(2, "complaint_ref"): "24 015 110"})),
    _accepted("many_rows.csv", repeated(5000)),
    _accepted("plain.xlsx", workbook()),
    _accepted("xlsx_with_dates.xlsx", workbook(change=dates_as_dates)),
    _accepted("aggregate.csv", lambda: text(lines(AGGREGATES)), "aggregate_returns"),
    _accepted(
        "aggregate_thousands.csv",
        agg({"received": "1,420", "acknowledged_on_time": "1,398", "refused": "12"}),
        "aggregate_returns",
    ),
    _accepted("recommendations.csv", lambda: text(lines(RECOMMENDATIONS)), "recommendations"),
    _accepted(
        "decisions.csv", lambda: text(lines("valid_ombudsman_decisions.csv")), "ombudsman_decisions"
    ),
]

CASES: list[Case] = UNREADABLE + REFUSED + WARNED + ACCEPTED


def write_all(folder: Path) -> list[Path]:
    """Write every case's file into FOLDER; the paths, in corpus order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in CASES:
        path = folder / case.name
        path.write_bytes(case.content())
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write_all(Path(sys.argv[1])):
        print(written)
