"""The national indicator set: defined as data, computed from case-level and aggregate returns."""

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from scrutiny.measures.indicators import complaint_counts_by_period, compute_indicators
from scrutiny.returns.aggregates import aggregate_complaints
from scrutiny.returns.ingest import read_file
from scrutiny.returns.submit import submit_return
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings
from scrutiny.standard import load_standard
from scrutiny.standard.indicators import documentation, indicator, load_indicators
from scrutiny.store.db import make_engine

RETURNS = Path(__file__).parent / "returns"
TODAY = date(2026, 11, 26)
COMPLAINT_INDICATORS = [
    "stage1_per_10k",
    "stage2_per_10k",
    "escalation_rate",
    "stage1_acknowledged_on_time",
    "stage1_on_time",
    "stage2_on_time",
    "stage1_upheld",
    "stage2_upheld",
    "stage1_median_days",
    "stage1_mean_days",
    "refused",
    "service_improvements",
]


def test_every_indicator_the_issue_asks_for_is_defined_with_direction_and_source():
    codes = {item.code for item in load_indicators()}
    assert set(COMPLAINT_INDICATORS) <= codes
    assert {
        "ombudsman_decisions_per_100k",
        "ombudsman_upheld_per_100k",
        "ombudsman_uphold_rate",
        "satisfactory_remedy_rate",
        "compliance_rate",
        "late_remedies",
        "complaint_handling_faults",
    } <= codes
    for item in load_indicators():
        assert item.source and item.unit
    assert indicator("stage1_per_10k").direction == "neither"  # Code 3.3: volumes are neither


def test_the_documentation_page_lists_every_indicator():
    page = documentation()
    for item in load_indicators():
        assert f"`{item.code}`" in page


def test_unknown_indicator_names_the_known_ones():
    with pytest.raises(KeyError, match="stage1_on_time"):
        indicator("speed")


def _aggregate_return(case_file: Path, directory: Path) -> Path:
    """The aggregate return equivalent to a case-level file, by financial year."""
    typed = validate(read_file(case_file, Settings()), TODAY).typed.drop("__row")
    counts = aggregate_complaints(typed, TODAY, grains=("financial_year",))
    path = directory / "aggregate.csv"
    counts.select(load_standard().table("aggregate_returns").field_names()).write_csv(path)
    return path


def test_case_level_and_equivalent_aggregate_return_give_identical_indicators(
    database_url, tmp_path, another_sqlite
):
    other_url = another_sqlite("aggregate.db")
    case_engine, total_engine = make_engine(database_url), make_engine(other_url)
    case_file = RETURNS / "valid_complaints.csv"
    submit_return(case_file, Settings(database_url=database_url), case_engine, submitted_by="t")
    aggregate = _aggregate_return(case_file, tmp_path)
    stored = submit_return(aggregate, Settings(), total_engine, submitted_by="t")
    assert stored.stored, stored.report.to_text()
    from_cases = compute_indicators(case_engine, "financial_year")
    from_totals = compute_indicators(total_engine, "financial_year")
    assert set(from_cases["indicator"]) >= set(COMPLAINT_INDICATORS) - {"stage1_median_days"}
    assert_frame_equal(from_cases, from_totals)
    case_engine.dispose()
    total_engine.dispose()


def test_indicators_keep_numerator_and_denominator(engine, database_url):
    submit_return(
        RETURNS / "valid_complaints.csv",
        Settings(database_url=database_url),
        engine,
        submitted_by="t",
    )
    rows = compute_indicators(engine, "quarter")
    escalation = rows.filter(
        (pl.col("indicator") == "escalation_rate") & (pl.col("period_start") == date(2025, 4, 1))
    ).row(0, named=True)
    # Stage 1 complaints in April and June (T-0001, T-0002), one escalated in May: 1 of 2.
    assert (escalation["numerator"], escalation["denominator"], escalation["value"]) == (
        1.0,
        2.0,
        50.0,
    )
    per_10k = rows.filter(pl.col("indicator") == "stage1_per_10k").row(0, named=True)
    assert per_10k["denominator"] == 522_069  # County Durham, Census 2021


def _quarterly_return(case_file: Path, directory: Path) -> Path:
    typed = validate(read_file(case_file, Settings()), TODAY).typed.drop("__row")
    counts = aggregate_complaints(typed, TODAY, grains=("quarter",))
    path = directory / "quarterly.csv"
    counts.select(load_standard().table("aggregate_returns").field_names()).write_csv(path)
    return path


def test_quarterly_aggregate_returns_add_up_to_the_financial_year(
    database_url, tmp_path, another_sqlite
):
    other_url = another_sqlite("quarterly.db")
    case_engine, total_engine = make_engine(database_url), make_engine(other_url)
    case_file = RETURNS / "valid_complaints.csv"
    submit_return(case_file, Settings(database_url=database_url), case_engine, submitted_by="t")
    quarterly = _quarterly_return(case_file, tmp_path)
    stored = submit_return(quarterly, Settings(), total_engine, submitted_by="t")
    assert stored.stored, stored.report.to_text()
    # Medians of quarters do not add up to the year's median, so those are left out.
    counted = ~pl.col("indicator").str.contains("median")
    from_cases = compute_indicators(case_engine, "financial_year").filter(counted)
    from_quarters = compute_indicators(total_engine, "financial_year").filter(counted)
    assert from_quarters.height > 0
    assert_frame_equal(from_cases, from_quarters)
    # With a return for the whole year as well, the year's return stands alone.
    yearly = _aggregate_return(case_file, tmp_path)
    assert submit_return(yearly, Settings(), total_engine, submitted_by="t").stored
    both = compute_indicators(total_engine, "financial_year").filter(counted)
    assert_frame_equal(from_cases, both)
    case_engine.dispose()
    total_engine.dispose()


def test_one_authoritys_complaint_counts_are_its_rows_of_every_authoritys(demo_url):
    engine = make_engine(demo_url)
    every = complaint_counts_by_period(engine, "financial_year")
    keys = ["authority_code", "period_start", "stage"]
    for code in every["authority_code"].unique().sort().head(3):
        own = complaint_counts_by_period(engine, "financial_year", code)
        assert own.height > 0
        assert_frame_equal(
            own.sort(keys), every.filter(pl.col("authority_code") == code).sort(keys)
        )
    engine.dispose()
