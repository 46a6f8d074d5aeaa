"""The impact command and the study on the small demo database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.research.impact import ImpactError, run_study
from scrutiny.store.db import make_engine

runner = CliRunner()


def test_impact_json_names_the_data_hash_and_code_version_and_the_data_reproduces_it(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", demo_url)
    data = tmp_path / "analysis.csv"
    result = runner.invoke(
        app,
        ["impact", "--service-area", "adult_care", "--today", "2025-04-30",
         "--format", "json", "--data", str(data)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert found["code_version"]["scrutiny"] and found["code_version"]["pyfixest"]
    assert (
        found["estimate"]["ci_low"] <= found["estimate"]["estimate"] <= found["estimate"]["ci_high"]
    )
    assert {row["event_time"] for row in found["event_study"]} == set(range(-4, 5))
    again = runner.invoke(
        app, ["impact", "--service-area", "adult_care", "--today", "2025-04-30", "--format", "json"]
    )
    assert json.loads(again.stdout)["data_sha256"] == found["data_sha256"]


@pytest.mark.parametrize("output_format", ["csv", "html"])
def test_impact_writes_csv_and_html_files(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output_format: str
):
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", demo_url)
    out = tmp_path / f"send.{output_format}"
    result = runner.invoke(
        app,
        ["impact", "--service-area", "send", "--outcome", "ehc_20_weeks",
         "--format", output_format, "--output", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "data_sha256" in text if output_format == "csv" else "<svg" in text


def test_impact_refuses_an_unknown_service_area_or_a_mismatched_outcome(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", demo_url)
    unknown = runner.invoke(app, ["impact", "--service-area", "parks"])
    assert unknown.exit_code == 2 and "service area must be one of" in unknown.output
    ehc = runner.invoke(app, ["impact", "--service-area", "housing", "--outcome", "ehc_20_weeks"])
    assert ehc.exit_code == 2 and "only for special educational needs" in ehc.output


def test_study_on_the_demo_finds_no_effect_because_none_is_planted(demo_url: str):
    engine = make_engine(demo_url)
    try:
        study = run_study(engine, "adult_care", "complaints")
    except ImpactError as error:  # pragma: no cover - depends on the demo's size
        pytest.fail(str(error))
    finally:
        engine.dispose()
    assert study.stacked.ci_low <= 0 <= study.stacked.ci_high
    assert study.treated.height >= 2
    assert set(study.treated["type"]) <= {"county", "unitary", "metropolitan_borough",
                                          "london_borough", "city_of_london"}  # fmt: skip
