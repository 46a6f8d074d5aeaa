"""Benchmarking councils against named peer groups on funnel plots, from the store."""

import json
import os
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.core.periods import parse_period
from scrutiny.demo.build import build_demo
from scrutiny.measures.benchmarking import council_benchmark, indicator_benchmark
from scrutiny.standard.indicators import load_indicators


@pytest.fixture(scope="module")
def demo_url(sqlite_demo) -> str:
    return sqlite_demo.database_url  # these tests only read it, on SQLite


@pytest.fixture(scope="module")
def every_council_url(tmp_path_factory) -> str:
    # A demo of its own on seed 9, where every council has stage 1 complaints in 2024-25:
    # at this small scale other seeds leave a council or two with none (the Isles of
    # Scilly, or a planted fall in volume), and the test below places all 317.
    return build_demo(tmp_path_factory.mktemp("demo"), seed=9, scale=0.02).database_url


def test_periods_are_read_as_people_write_them():
    assert parse_period("2024-25")[0] == "financial_year"
    assert parse_period("2024-25 Q3")[1:] == (date(2024, 10, 1), date(2024, 12, 31))
    with pytest.raises(ValueError, match="2024-25 Q1"):
        parse_period("last year")


def test_a_council_gets_every_indicator_with_its_named_peer_group(demo_url):
    from scrutiny.store.db import make_engine

    engine = make_engine(demo_url)
    found = council_benchmark(engine, "E06000047", "2023-24", "nearest")
    # Every indicator the council has data for (a small demo may lack recommendations due).
    assert set(found["indicator"]) <= {item.code for item in load_indicators()}
    assert found.height >= 15
    assert (found["peer_group"].str.starts_with("15 nearest neighbours")).all()
    on_funnel = found.filter(pl.col("flag").is_not_null())
    assert on_funnel.height >= 8
    assert (on_funnel["lower_99_8"] <= on_funnel["lower_95"]).all()
    assert (on_funnel["upper_95"] <= on_funnel["upper_99_8"]).all()
    engine.dispose()


def test_every_council_is_placed_for_an_indicator_and_none_is_ranked(every_council_url):
    from scrutiny.store.db import make_engine

    engine = make_engine(every_council_url)
    found = indicator_benchmark(engine, "stage1_on_time", "2024-25", "type")
    assert found.height == 317
    assert found["authority_code"].is_sorted()  # listed by code, not by value
    assert "rank" not in found.columns
    flagged = found.filter(pl.col("flag") != "within")
    outside = (flagged["value"] > flagged["upper_95"]) | (flagged["value"] < flagged["lower_95"])
    assert outside.all()
    engine.dispose()


def test_indicators_and_benchmark_commands_print_json_and_csv(demo_url):
    runner = CliRunner()
    env = {**os.environ, "SCRUTINY_DATABASE_URL": demo_url}
    result = runner.invoke(
        app,
        ["indicators", "--authority", "E06000047", "--period", "2024-25", "--format", "json"],
        env=env,
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {"indicator", "value", "numerator", "denominator", "peer_group", "flag"} <= set(rows[0])
    result = runner.invoke(
        app, ["benchmark", "escalation_rate", "--period", "2024-25", "--format", "csv"], env=env
    )
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("authority_code,indicator,")
    result = runner.invoke(app, ["benchmark", "speed"], env=env)
    assert result.exit_code == 2 and "no indicator 'speed'" in result.output
    assert Path(demo_url.removeprefix("sqlite:///")).exists()
