"""A return is for a period: quarters side by side, nothing replaced by surprise (issue 15)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import make_complaints
from scrutiny.cli import app
from scrutiny.core.periods import covering_period, parse_return_period
from scrutiny.returns.submissions import ReplaceNotConfirmed, list_submissions
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.read import count_rows

DURHAM = "E06000047"
OFFICER = "officer@durham.example.org"
runner = CliRunner()


def write(tmp_path: Path, name: str, count: int, first: date, **overrides: Any) -> Path:
    path = tmp_path / name
    make_complaints(count, first_received=first, **overrides).write_csv(path)
    return path


def quarter(tmp_path: Path, name: str, count: int, first: date, prefix: str = "C") -> Path:
    """COUNT complaints, the first in FIRST's month and the rest two months later."""
    path = tmp_path / name
    pl.concat(
        [
            make_complaints(1, first_received=first, ref_prefix=f"{prefix}1"),
            make_complaints(
                count - 1, first_received=first.replace(month=first.month + 2), ref_prefix=prefix
            ),
        ]
    ).write_csv(path)
    return path


def send(engine, path: Path, **options):
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))
    return submit_return(path, settings, engine, submitted_by=OFFICER, **options)


def test_a_second_quarter_is_stored_beside_the_first(engine, tmp_path):
    # What was seen: the Q2 file replaced Q1's four complaints without a word.
    q1 = send(engine, quarter(tmp_path, "q1.csv", 4, date(2025, 4, 7), prefix="A"))
    q2 = send(engine, quarter(tmp_path, "q2.csv", 2, date(2025, 7, 7), prefix="B"))
    assert [s.outcome for s in q1.saved + q2.saved] == ["loaded", "loaded"]
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 6
    periods = {(s.period_start, s.period_end) for s in list_submissions(engine, DURHAM)}
    assert periods == {(date(2025, 4, 1), date(2025, 6, 30)), (date(2025, 7, 1), date(2025, 9, 30))}
    assert all(s.status == "current" for s in list_submissions(engine, DURHAM))


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (date(2025, 6, 2), date(2025, 6, 30), ("month", date(2025, 6, 1), date(2025, 6, 30))),
        (date(2025, 4, 7), date(2025, 6, 9), ("quarter", date(2025, 4, 1), date(2025, 6, 30))),
        (
            date(2025, 4, 7),
            date(2026, 3, 9),
            ("financial_year", date(2025, 4, 1), date(2026, 3, 31)),
        ),
        (date(1991, 5, 2), date(2026, 1, 9), None),
    ],
)
def test_a_file_is_for_the_smallest_standard_period_that_covers_its_dates(first, last, expected):
    assert covering_period(first, last) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-26", (date(2025, 4, 1), date(2026, 3, 31))),
        ("2025-26 Q1", (date(2025, 4, 1), date(2025, 6, 30))),
        ("2025-06", (date(2025, 6, 1), date(2025, 6, 30))),
        ("2020-21 to 2024-25", (date(2020, 4, 1), date(2025, 3, 31))),
    ],
)
def test_return_periods_are_the_forms_the_indicators_use_or_a_run_of_them(text, expected):
    assert parse_return_period(text)[1:] == expected


@pytest.mark.parametrize("text", ["2025", "2025-27", "2025-26 Q5", "2024-25 to 2020-21", ""])
def test_a_period_that_is_not_one_says_which_forms_are(text):
    with pytest.raises(ValueError, match="2024-25 Q1"):
        parse_return_period(text)


def test_one_mistyped_date_does_not_widen_the_return_to_36_years(engine, tmp_path):
    frame = make_complaints(5, first_received=date(2025, 4, 7))
    frame[2, "received_date"] = date(1991, 4, 9)
    path = tmp_path / "typo.csv"
    frame.write_csv(path)
    result = send(engine, path)
    assert not result.stored
    [issue] = result.report.issues.filter(result.report.issues["severity"] == "error").to_dicts()
    assert (issue["row"], issue["column"], issue["value"]) == (4, "received_date", "1991-04-09")
    assert "more than one financial year" in issue["message"]
    assert "--period" in issue["fix"] or "period" in issue["fix"]
    assert count_rows(engine, "complaints") == 0


def test_rows_outside_the_declared_period_are_errors_that_name_the_row(engine, tmp_path):
    path = write(tmp_path, "q1.csv", 3, date(2025, 6, 29))  # 29 and 30 June, 1 July
    result = send(engine, path, period="2025-26 Q1")
    assert not result.stored
    errors = result.report.issues.filter(result.report.issues["severity"] == "error")
    assert errors.select("row", "column", "value").rows() == [(4, "received_date", "2025-07-01")]
    assert "2025-26 Q1" in errors["message"][0]
    assert count_rows(engine, "complaints") == 0


def test_replacing_a_stored_return_needs_confirming_and_otherwise_changes_nothing(engine, tmp_path):
    send(engine, quarter(tmp_path, "q1.csv", 4, date(2025, 4, 7)))
    corrected = quarter(tmp_path, "q1-corrected.csv", 3, date(2025, 4, 7))
    with pytest.raises(ReplaceNotConfirmed) as refused:
        send(engine, corrected)
    message = str(refused.value)
    assert "4 complaints" in message and "2025-26 Q1" in message and OFFICER in message
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 4
    [kept] = list_submissions(engine, DURHAM)
    assert kept.status == "current"
    replaced = send(engine, corrected, replace=True)
    assert [s.outcome for s in replaced.saved] == ["replaced"]
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 3


def test_a_check_only_run_says_what_would_be_stored_and_replaced_and_stores_nothing(
    engine, tmp_path
):
    send(engine, quarter(tmp_path, "q1.csv", 4, date(2025, 4, 7)))
    [earlier] = list_submissions(engine, DURHAM)
    checked = send(engine, quarter(tmp_path, "q1b.csv", 3, date(2025, 4, 7)), dry_run=True)
    assert checked.report.valid and not checked.saved
    [plan] = checked.plan
    assert (plan.authority_code, plan.rows, plan.label) == (DURHAM, 3, "2025-26 Q1")
    assert plan.replaces is not None and plan.replaces.id == earlier.id
    assert count_rows(engine, "complaints", authority_code=DURHAM) == 4
    assert list_submissions(engine, DURHAM) == [earlier]


def test_the_import_command_takes_a_period_and_replaces_only_with_replace(engine, tmp_path):
    env = {
        "SCRUTINY_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "COLUMNS": "200",
    }
    first = quarter(tmp_path, "q1.csv", 4, date(2025, 4, 7))
    stored = runner.invoke(app, ["import", str(first), "--period", "2025-26 Q1"], env=env)
    assert stored.exit_code == 0, stored.output
    assert "2025-26 Q1" in stored.output and "loaded" in stored.output
    corrected = quarter(tmp_path, "q1-corrected.csv", 3, date(2025, 4, 7))
    checked = runner.invoke(app, ["import", str(corrected), "--dry-run"], env=env)
    assert checked.exit_code == 0 and "nothing stored" in checked.output
    assert "4 complaints for 2025-26 Q1" in checked.output
    refused = runner.invoke(app, ["import", str(corrected)], env=env)
    assert refused.exit_code == 2 and "--replace" in refused.output
    assert count_rows(engine, "complaints") == 4
    replaced = runner.invoke(app, ["import", str(corrected), "--replace"], env=env)
    assert replaced.exit_code == 0 and "replaced" in replaced.output
    assert count_rows(engine, "complaints") == 3
    wrong = runner.invoke(app, ["import", str(corrected), "--period", "2025-26 Q2"], env=env)
    assert wrong.exit_code == 1 and "outside 2025-26 Q2" in wrong.output
    listed = runner.invoke(app, ["submissions", "list", "--authority", DURHAM], env=env)
    assert listed.output.count("2025-26 Q1") == 2  # the current one and the superseded one
