"""The synthetic national demo dataset: valid, reproducible and realistic (its planted
scenarios and their ground truth: test_synth_scenarios.py)."""

from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import years_spanned
from scrutiny.cli import app
from scrutiny.demo.synth import AS_OF, FIRST_DAY, LAST_DAY, generate_dataset
from scrutiny.reference.authorities import TIER_SERVICES, load_authorities
from scrutiny.reference.calendar import busday_calendar
from scrutiny.returns.ingest import read_file
from scrutiny.returns.submit import submit_return
from scrutiny.returns.validation import validate
from scrutiny.settings import Settings
from scrutiny.standard import load_standard, polars_schema
from scrutiny.store.read import count_rows

TODAY = date(2026, 11, 26)
TABLES = ("complaints", "ombudsman_decisions", "recommendations")
# A few councils of each tier, for the tests that generate their own small sets.
FEW = ("E06000047", "E07000110", "E08000025", "E09000007", "E10000016")


@pytest.fixture(scope="module")
def national(tmp_path_factory) -> Path:
    """Every current council at 1% of the default volumes (about 25,000 complaint rows)."""
    out = tmp_path_factory.mktemp("synth")
    generate_dataset(out, seed=7, scale=0.01)
    return out


def read(directory: Path, name: str) -> pl.DataFrame:
    """A written file, typed by the standard."""
    schema = polars_schema(load_standard().table(name))
    return pl.read_csv(directory / f"{name}.csv", schema=schema)


def files(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def council_types() -> pl.DataFrame:
    return load_authorities().select(pl.col("gss_code").alias("authority_code"), "type")


@pytest.mark.parametrize("table", TABLES)
def test_every_synthetic_file_passes_validation_with_no_errors_or_warnings(national, table):
    raw = read_file(national / f"{table}.csv", Settings(), with_hash=False)
    report = validate(raw, TODAY)
    assert report.table.name == table
    assert report.rows > 0
    assert (report.errors, report.warnings) == (0, 0), report.to_text()


@pytest.mark.parametrize("table", TABLES)
def test_each_file_has_the_standards_header_in_declared_order(national, table):
    header = (national / f"{table}.csv").read_text(encoding="utf-8").splitlines()[0]
    raw = read_file(national / f"{table}.csv", Settings(), with_hash=False)
    assert header.split(",") == raw.table.field_names()


def test_the_same_seed_gives_byte_identical_files(tmp_path):
    generate_dataset(tmp_path / "a", seed=11, scale=0.05, councils=FEW)
    generate_dataset(tmp_path / "b", seed=11, scale=0.05, councils=FEW)
    assert files(tmp_path / "a") == files(tmp_path / "b")


def test_a_different_seed_gives_different_files(tmp_path):
    generate_dataset(tmp_path / "a", seed=11, scale=0.05, councils=FEW)
    generate_dataset(tmp_path / "b", seed=12, scale=0.05, councils=FEW)
    first, second = files(tmp_path / "a"), files(tmp_path / "b")
    for name in ("complaints.csv", "ombudsman_decisions.csv", "recommendations.csv"):
        assert first[name] != second[name], name


def test_volumes_scale_with_population(national):
    stage_one = read(national, "complaints").filter(pl.col("stage") == 1)
    counts = (
        load_authorities()
        .filter("current", pl.col("type") == "district")
        .join(
            stage_one.group_by("authority_code").len(),
            left_on="gss_code",
            right_on="authority_code",
            how="left",
        )
        .with_columns(pl.col("len").fill_null(0))
        .sort("population_2021")
    )
    quarter = counts.height // 4
    smallest, largest = counts.head(quarter), counts.tail(quarter)
    population_ratio = largest["population_2021"].sum() / smallest["population_2021"].sum()
    complaint_ratio = largest["len"].sum() / smallest["len"].sum()
    assert population_ratio / 1.6 < complaint_ratio < population_ratio * 1.6


def test_scale_multiplies_volumes(tmp_path):
    small = generate_dataset(tmp_path / "small", scale=0.05, councils=FEW)
    large = generate_dataset(tmp_path / "large", scale=0.2, councils=FEW)
    assert 3.5 < large.rows["complaints"] / small.rows["complaints"] < 4.5


def test_councils_only_get_complaints_about_services_their_tier_delivers(national):
    for table, column in (("complaints", "service_area"), ("ombudsman_decisions", "category")):
        found = read(national, table).join(council_types(), on="authority_code")
        pairs = found.select("type", column).unique().iter_rows()
        assert all(area in TIER_SERVICES[kind] for kind, area in pairs), table
        areas = found.group_by("type").agg(pl.col(column).unique())
        by_type = dict(areas.iter_rows())
        assert "housing" not in by_type["county"]
        assert "adult_care_services" not in by_type["district"]
        assert "adult_care_services" in by_type["county"]
        assert "housing" in by_type["district"]


def test_stage_two_rows_follow_a_stage_one_row_and_escalation_is_ten_to_twenty_percent(national):
    complaints = read(national, "complaints")
    first = complaints.filter(pl.col("stage") == 1)
    second = complaints.filter(pl.col("stage") == 2)
    assert 0.10 <= second.height / first.height <= 0.20
    parents = second.join(first, on=["authority_code", "complaint_ref"], suffix="_1")
    assert parents.height == second.height
    assert (parents["received_date"] >= parents["responded_date_1"]).all()
    assert (parents["service_area"] == parents["service_area_1"]).all()


def test_responses_fall_on_working_days_and_nothing_is_dated_after_the_extract(national):
    complaints = read(national, "complaints")
    responded = complaints.get_column("responded_date").drop_nulls().to_numpy()
    assert np.is_busday(responded.astype("datetime64[D]"), busdaycal=busday_calendar()).all()
    for column in ("received_date", "acknowledged_date", "responded_date"):
        assert complaints.get_column(column).max() <= AS_OF
    assert complaints.get_column("received_date").max() <= LAST_DAY
    assert complaints.get_column("received_date").min() >= FIRST_DAY


def test_ombudsman_decisions_are_near_the_national_rates(tmp_path):
    generate_dataset(tmp_path, seed=5, scale=0.2)
    decisions = read(tmp_path, "ombudsman_decisions")
    investigated = decisions.filter(pl.col("outcome").is_in(["upheld", "not_upheld"]))
    upheld = (investigated["outcome"] == "upheld").mean()
    assert 0.7 <= upheld <= 0.85  # 80% in 2023-24; lower in earlier years
    assert decisions.get_column("decision_ref").is_unique().all()
    assert decisions.get_column("decision_ref").str.contains(r"^\d{2} \d{3} \d{3}$").all()
    recommendations = read(tmp_path, "recommendations")
    finished = recommendations.filter(
        pl.col("compliance_status").is_in(["complied", "complied_late", "not_complied"])
    )
    late = (finished["compliance_status"] == "complied_late").mean()
    assert 0.12 <= late <= 0.28  # 18% late in 2021-22
    assert (finished["compliance_status"] != "not_complied").mean() >= 0.98


def test_recommendations_are_due_one_month_or_three_months_after_agreement(national):
    recommendations = read(national, "recommendations").with_columns(
        months=(pl.col("due_date").dt.year() * 12 + pl.col("due_date").dt.month())
        - (pl.col("agreed_date").dt.year() * 12 + pl.col("agreed_date").dt.month())
    )
    expected = pl.when(pl.col("beneficiary") == "wider_public").then(3).otherwise(1)
    assert (recommendations["months"] == recommendations.select(expected).to_series()).all()
    payments = recommendations.filter(pl.col("kind") == "financial_remedy")["amount_gbp"]
    assert payments.null_count() == 0
    assert 100 <= payments.median() <= 1500


def test_a_small_synthetic_set_imports_through_the_normal_path(tmp_path, engine, database_url):
    written = generate_dataset(tmp_path, seed=2, scale=0.05, councils=FEW)
    settings = Settings(database_url=database_url)
    for table in TABLES:
        result = submit_return(
            written.files[table],
            settings,
            engine,
            submitted_by="tester",
            today=TODAY,
            period=years_spanned(FIRST_DAY, LAST_DAY),
        )
        assert result.stored, result.report.to_text()
        assert count_rows(engine, table) == written.rows[table]


def test_scale_must_be_above_zero(tmp_path):
    with pytest.raises(ValueError, match="scale"):
        generate_dataset(tmp_path, scale=0)


def test_synth_command_writes_the_files_and_says_what_it_wrote(tmp_path):
    result = CliRunner().invoke(app, ["synth", str(tmp_path), "--seed", "4", "--scale", "0.005"])
    assert result.exit_code == 0, result.output
    for name in ("complaints", "ombudsman_decisions", "recommendations", "ground_truth"):
        assert (tmp_path / f"{name}.csv").exists()
        assert f"{name}.csv" in result.output


def test_synth_command_refuses_a_bad_scale_without_a_traceback(tmp_path):
    result = CliRunner().invoke(app, ["synth", str(tmp_path), "--scale", "-1"])
    assert result.exit_code == 1
    assert "scale" in result.output and "Traceback" not in result.output
