"""The demo database, built small: real Housing Ombudsman decisions plus a synthetic nation."""

import logging

import polars as pl
from sqlalchemy import func, select

from scrutiny.demo.build import build_demo
from scrutiny.demo.synth import generate_dataset
from scrutiny.demo.synth.scenarios import KINDS
from scrutiny.returns.submissions import list_submissions
from scrutiny.store.db import DATA_TABLES, make_engine


def test_demo_database_holds_real_and_synthetic_data_through_the_import_path(sqlite_demo):
    built = sqlite_demo  # the session's demo, as built and never written to
    assert built.housing_matched_share >= 0.95
    assert built.rows["complaints"] > 10_000
    assert built.rows["recommendations"] > 0
    assert built.ground_truth is not None and built.ground_truth.exists()
    # Every kind of planted scenario, each in every effect size, for the evaluation.
    truth = pl.read_csv(built.ground_truth, try_parse_dates=True)
    assert set(truth["scenario"]) == set(KINDS)
    assert truth.group_by("scenario").agg(pl.col("effect").n_unique())["effect"].min() == 3
    engine = make_engine(built.database_url)
    decisions = DATA_TABLES["ombudsman_decisions"]
    with engine.connect() as connection:
        by_ombudsman: dict[str, int] = dict(
            connection.execute(
                select(decisions.c.ombudsman, func.count()).group_by(decisions.c.ombudsman)
            ).all()
        )
    assert by_ombudsman["housing_ombudsman"] >= 8_000
    assert by_ombudsman["lgsco"] > 0
    submitted = list_submissions(engine)
    # The returns are the demo's; recommendations agreed at the draft stage are stored by
    # the Ombudsman who finalised them, one submission per council and day of agreement.
    agreed = [s for s in submitted if s.file_name.startswith("agreed at the draft stage")]
    returns = [s for s in submitted if s not in agreed]
    assert {s.submitted_by for s in returns} == {"demo"}
    assert all(s.status == "current" for s in returns)
    assert agreed and {s.submitted_by for s in agreed} == {"analyst@demo.scrutiny"}
    engine.dispose()


def test_building_the_demo_again_starts_from_a_fresh_database(tmp_path):
    # Its own builds: this tests the builder, which the shared demo cannot.
    steps: list[str] = []
    first = build_demo(tmp_path, seed=11, scale=0.005, step=steps.append)
    second = build_demo(tmp_path, seed=11, scale=0.005)
    assert first.rows == second.rows
    assert any("Housing Ombudsman" in step for step in steps)


def test_the_demo_build_logs_each_phase_and_makes_the_nation_its_seed_makes_alone(tmp_path, caplog):
    # The synthetic nation is generated beside the real data's imports (issue 22): it must
    # still be the very files the seed gives, and each phase's time must be in the log.
    steps: list[str] = []
    with caplog.at_level(logging.INFO, logger="scrutiny.demo.build"):
        build_demo(tmp_path / "demo", seed=11, scale=0.005, step=steps.append)
    alone = generate_dataset(tmp_path / "alone", seed=11, scale=0.005)
    for table, path in alone.files.items():
        assert (tmp_path / "demo" / "synth" / path.name).read_bytes() == path.read_bytes(), table
    logged = [r.phase for r in caplog.records if getattr(r, "task", None) == "demo phase"]
    assert logged == steps and "importing synthetic complaints" in logged
    durations = [r.duration_ms for r in caplog.records if getattr(r, "task", None) == "demo phase"]
    assert all(ms >= 0 for ms in durations)
