"""Validation against the corpus of returns in tests/returns/: one file per rule or failure."""

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.returns.ingest import read_file
from scrutiny.returns.mapping import load_mapping
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings

RETURNS = Path(__file__).parent / "returns"
TODAY = date(2026, 11, 26)
runner = CliRunner()


def check(name: str, **options):
    return validate(read_file(RETURNS / name, Settings(), **options), TODAY)


def found(report) -> set[tuple[int, str, str, str]]:
    return {
        (issue["row"], issue["column"], issue["rule"].split(":")[0], issue["severity"])
        for issue in report.to_records()
    }


@pytest.mark.parametrize(
    "name",
    [
        "valid_complaints.csv",
        "valid_semicolon_with_bom.csv",
        "valid_windows_1252.csv",
        "valid_aggregate_returns.csv",
        "valid_recommendations.csv",
        "valid_ombudsman_decisions.csv",
    ],
)
def test_valid_returns_have_no_issues(name):
    report = check(name)
    assert report.valid and report.warnings == 0, report.to_text()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing_required_column.csv", (1, "received_date", "missing_column", "error")),
        ("unknown_column.csv", (1, "Notes", "unknown_column", "warning")),
        ("bad_integer.csv", (2, "stage", "type", "error")),
        ("impossible_date.csv", (2, "received_date", "type", "error")),
        ("us_date.csv", (2, "received_date", "type", "error")),
        ("required_blank.csv", (2, "acceptance", "required", "error")),
        ("code_near_miss.csv", (2, "outcome", "code_list", "error")),
        ("unknown_authority.csv", (4, "authority_code", "known_authority", "error")),
        ("former_authority.csv", (4, "authority_code", "known_authority", "error")),
        ("duplicate_reference.csv", (5, "complaint_ref", "unique", "error")),
        ("responded_before_received.csv", (4, "responded_date", "date_order", "error")),
        ("acknowledged_before_received.csv", (4, "acknowledged_date", "date_order", "error")),
        ("future_date.csv", (4, "responded_date", "not_in_future", "error")),
        ("stage_two_without_stage_one.csv", (2, "complaint_ref", "stage_one_present", "warning")),
        ("extension_over_limit.csv", (4, "extension_working_days", "maximum_by_stage", "warning")),
        ("personal_data.csv", (2, "service_improvement_text", "personal_data", "warning")),
        ("formula_injection.csv", (4, "extension_reason", "formula", "warning")),
        ("refusal_reason_missing.csv", (4, "refusal_reason", "required_when", "error")),
        ("subarea_wrong_area.csv", (4, "service_subarea", "subarea_in_area", "error")),
        ("huge_line.csv", (4, "extension_reason", "max_length", "error")),
        (
            "aggregate_outcomes_exceed_responses.csv",
            (2, "upheld", "sum_not_more_than", "error"),
        ),
        (
            "recommendation_complied_after_due.csv",
            (2, "compliance_status", "compliance_matches_dates", "error"),
        ),
        ("housing_finding_missing.csv", (2, "housing_ombudsman_finding", "required_when", "error")),
    ],
)
def test_each_bad_return_reports_its_problem_with_row_and_column(name, expected):
    report = check(name)
    assert expected in found(report), report.to_text()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty.csv", "empty"),
        ("binary.csv", "binary file"),
        ("not_text.csv", "neither UTF-8 nor Windows-1252"),
        ("old_excel.xls", "old-style .xls"),
        ("ragged.csv", "row 3 has 22 cells"),
        ("truncated.csv", "row 4 has 5 cells"),
        ("missing.csv", "cannot open the file"),
    ],
)
def test_unreadable_files_say_why(name, message):
    with pytest.raises(FileUnreadable, match=message):
        read_file(RETURNS / name, Settings())


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    rows = (RETURNS / "valid_complaints.csv").read_text().splitlines()
    bad = [rows[0]] + [row.replace("2025-04-01", "2025-13-01") for row in rows[1:]] * 50
    path = tmp_path / "many.csv"
    path.write_text("\n".join(bad) + "\n")
    report = validate(read_file(path, Settings(), table_name="complaints"), TODAY)
    dates = report.issues.filter(pl.col("column") == "received_date")
    assert dates.height == 50
    assert dates.get_column("row").to_list() == list(range(2, 152, 3))


def test_near_miss_codes_suggest_the_intended_code():
    message = check("code_near_miss.csv").issues.row(0, named=True)["message"]
    assert "Did you mean 'upheld'" in message


def test_former_authority_code_names_its_successor():
    issue = check("former_authority.csv").issues.row(0, named=True)
    assert "Allerdale" in issue["message"] and "E06000063" in issue["fix"]


def test_us_date_is_called_out_rather_than_guessed():
    report = check("us_date.csv")
    issue = report.issues.row(0, named=True)
    assert "US date" in issue["message"]
    assert report.typed.get_column("received_date")[0] is None


def test_formula_cell_is_kept_as_the_literal_text():
    report = check("formula_injection.csv")
    assert report.typed.get_column("extension_reason")[2] == "=cmd|' /C calc'!A0"
    assert report.valid


def test_windows_1252_file_is_converted_and_noted():
    report = check("valid_windows_1252.csv")
    assert report.notes == ["converted from Windows-1252 to UTF-8"]
    assert "£50" in report.typed.get_column("service_improvement_text")[0]


def test_codes_are_matched_ignoring_case_spaces_and_labels(tmp_path):
    text = (RETURNS / "valid_complaints.csv").read_text()
    text = text.replace(",upheld,", ",Upheld,").replace(",partly_upheld,", ",Partly upheld,")
    path = tmp_path / "labels.csv"
    path.write_text(text)
    report = check_path(path)
    assert report.valid, report.to_text()
    assert report.typed.get_column("outcome").to_list() == ["upheld", "not_upheld", "partly_upheld"]


def check_path(path: Path):
    return validate(read_file(path, Settings()), TODAY)


def test_uk_and_iso_dates_give_the_same_day(tmp_path):
    text = (RETURNS / "valid_complaints.csv").read_text().replace("2025-04-01", "01/04/2025")
    path = tmp_path / "uk.csv"
    path.write_text(text)
    assert check_path(path).typed.get_column("received_date")[0] == date(2025, 4, 1)


def test_headers_match_case_and_space_insensitively_and_by_title(tmp_path):
    text = (RETURNS / "valid_complaints.csv").read_text()
    header, rest = text.split("\n", 1)
    header = header.replace("received_date", "Received Date").replace("stage", " STAGE ")
    path = tmp_path / "headers.csv"
    path.write_text(header + "\n" + rest)
    assert check_path(path).valid


def test_mapping_file_maps_a_councils_own_headers():
    mapping = load_mapping(RETURNS / "mapping.yaml")
    assert check("custom_headers.csv", mapping=mapping).valid
    assert not check("custom_headers.csv").valid


def test_mapping_to_an_unknown_field_is_refused(tmp_path):
    path = tmp_path / "mapping.yaml"
    path.write_text("Case Ref: case_reference\n")
    with pytest.raises(FileUnreadable, match="case_reference"):
        load_mapping(path)


def test_xlsx_return_reads_like_the_csv(tmp_path):
    frame = pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False)
    path = tmp_path / "return.xlsx"
    frame.with_columns(pl.col("received_date").str.to_date()).write_excel(path)
    report = check_path(path)
    assert report.valid, report.to_text()
    assert report.typed.get_column("received_date")[0] == date(2025, 4, 1)


def test_row_and_size_limits_are_enforced_with_a_clear_message():
    with pytest.raises(FileUnreadable, match="more than 2 rows"):
        read_file(RETURNS / "valid_complaints.csv", Settings(max_rows=2))
    with pytest.raises(FileUnreadable, match="largest accepted"):
        read_file(RETURNS / "valid_complaints.csv", Settings(max_file_bytes=100))


def test_validate_command_exit_codes_follow_the_result():
    assert runner.invoke(app, ["validate", str(RETURNS / "valid_complaints.csv")]).exit_code == 0
    assert runner.invoke(app, ["validate", str(RETURNS / "bad_integer.csv")]).exit_code == 1
    assert runner.invoke(app, ["validate", str(RETURNS / "binary.csv")]).exit_code == 2


def test_validate_command_json_lists_row_column_value_severity_message():
    result = runner.invoke(app, ["validate", str(RETURNS / "us_date.csv"), "--format", "json"])
    issues = json.loads(result.output)
    assert {"row", "column", "value", "severity", "message"} <= set(issues[0])
    assert issues[0]["value"] == "04/25/2025"


def test_every_rule_validation_reports_is_documented_in_the_standard():
    from scrutiny.standard import documentation, load_standard

    page = documentation(load_standard())
    rules = set()
    for path in RETURNS.glob("*.csv"):
        try:
            rules |= {issue["rule"] for issue in check(path.name).to_records()}
        except FileUnreadable:
            continue
    assert len(rules) >= 20
    for rule in rules:
        assert f"`{rule}`" in page, rule


def test_a_council_name_in_place_of_its_code_gets_the_code_as_the_fix(tmp_path):
    text = (
        (RETURNS / "valid_complaints.csv").read_text().replace("E06000047", "Durham County Council")
    )
    path = tmp_path / "names.csv"
    path.write_text(text)
    issue = check_path(path).issues.row(0, named=True)
    assert issue["rule"] == "pattern"
    assert "E06000047" in issue["fix"]


def test_a_file_with_none_of_the_tables_columns_gets_errors_not_a_crash(tmp_path):
    path = tmp_path / "nothing.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    report = validate(read_file(path, Settings(), table_name="aggregate_returns"))
    assert not report.valid
    assert "authority_code" in report.issues["column"].to_list()


def test_a_cell_with_several_kinds_of_personal_data_is_warned_about_each(tmp_path):
    rows = (RETURNS / "valid_complaints.csv").read_text().splitlines()
    text = "Call Jo Bloggs on 07700 900123 or jo.bloggs@example.com, Mrs Bloggs at DH1 5UQ"
    rows[1] = rows[1].replace("Letters now give a named contact", f'"{text}"')
    path = tmp_path / "several.csv"
    path.write_text("\n".join(rows) + "\n")
    report = validate(read_file(path, Settings(), table_name="complaints"), TODAY)
    warned = report.issues.filter(pl.col("rule") == "personal_data")
    assert warned.get_column("row").to_list() == [2] * 4
    assert sorted(warned.get_column("message").to_list()) == [
        f"Looks like it contains {kind}. The standard carries no personal data."
        for kind in ("a person's name", "a phone number", "a postcode", "an email address")
    ]
