"""Scoring early warning against the synthetic demo's planted scenarios, at a reduced scale."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from scrutiny.demo.synth import AS_OF
from scrutiny.warning.evaluation import (
    COMBINED,
    evaluate,
    evaluate_flags,
    summarise,
    tune,
    watch_figures,
)
from scrutiny.warning.signals import codes


@pytest.fixture(scope="module")
def small_demo(sqlite_demo):
    return sqlite_demo  # only read, for its planted scenarios


def test_the_reduced_evaluation_reports_every_signal_and_the_combined_score(small_demo):
    result = evaluate(small_demo.database_url, small_demo.ground_truth, as_of=AS_OF)
    assert [f.name for f in result.figures] == [*codes(), COMBINED]
    combined = result.combined
    assert combined.failing > 0 and combined.healthy_years > 0
    for figures in result.figures:
        assert figures.failing == combined.failing
        assert 0 <= figures.within_two_quarters <= figures.flagged <= figures.failing
        assert 0.0 <= figures.false_alert_rate <= 1.0
    assert sum(total for _, total in result.by_scenario.values()) == combined.failing
    assert "recovery" not in result.by_scenario
    assert result.seconds < 60


def test_a_flag_before_onset_is_not_a_detection_and_one_after_counts_its_delay(tmp_path):
    truth = tmp_path / "truth.csv"
    truth.write_text(
        "authority_code,scenario,effect,onset_date,end_date,description\n"
        "E09000002,timeliness_collapse,small,2023-08-17,,x\n"
        "E09000003,recovery,large,2023-07-01,2024-01-01,x\n",
        encoding="utf-8",
    )
    truth_frame = pl.read_csv(truth, try_parse_dates=True)
    flags = pl.DataFrame(
        {
            "authority_code": ["E09000002", "E09000002", "E09000004", "E09000004"],
            "period_start": pl.Series(
                ["2023-04-01", "2024-01-01", "2022-04-01", "2022-07-01"]
            ).str.to_date(),
        }
    )
    figures, delays = evaluate_flags(flags, truth_frame, AS_OF, "test")
    assert (figures.failing, figures.flagged, figures.within_two_quarters) == (1, 1, 0)
    # Onset in the middle of July to September 2023: January 2024 is two quarters on.
    assert delays["delay"].to_list() == [2]
    # E09000004 is healthy: two flagged quarters of one financial year are one council-year.
    assert figures.false_alert_years == 1
    assert figures.healthy_years == 5 * (317 - 2)


def test_a_flag_for_the_quarter_an_onset_falls_in_counts_with_no_delay():
    # Onsets fall on any day; a quarter is judged at its end, after an onset within it.
    truth = pl.DataFrame(
        {
            "authority_code": ["E09000002"],
            "scenario": ["uphold_rising"],
            "effect": ["medium"],
            "onset_date": [date(2023, 9, 29)],
            "end_date": pl.Series([None], dtype=pl.Date),
            "description": ["x"],
        }
    )
    flags = pl.DataFrame({"authority_code": ["E09000002"], "period_start": [date(2023, 7, 1)]})
    figures, delays = evaluate_flags(flags, truth, AS_OF, "test")
    assert (figures.flagged, figures.within_two_quarters) == (1, 1)
    assert delays["delay"].to_list() == [0]


def test_tuning_keeps_only_settings_within_the_false_alert_limit(small_demo):
    from scrutiny.store.db import make_engine
    from scrutiny.warning.signals import compute_signals

    engine = make_engine(small_demo.database_url)
    signals = compute_signals(engine, AS_OF)
    engine.dispose()
    truth = pl.read_csv(small_demo.ground_truth, try_parse_dates=True)
    nations = [(signals, truth), (signals.filter(pl.col("authority_code") != "E09000033"), truth)]
    found = tune(nations, as_of=AS_OF, trials=5, thresholds=(4.0,), false_alert_limit=0.05)
    assert all(figures.false_alert_rate <= 0.05 for figures, _, _ in found)
    # the floors hold whatever the search draws
    assert all(
        w["public_interest_report"] >= 1 and w["recommendations_missed"] >= 0.5 for _, w, _ in found
    )
    # figures are pooled over both nations
    one, _ = evaluate_flags(signals.head(0), truth, AS_OF, COMBINED)
    assert all(figures.failing == 2 * one.failing for figures, _, _ in found)
    shares = [figures.within_two_quarters_share for figures, _, _ in found]
    assert shares == sorted(shares, reverse=True)


def test_precision_counts_quarters_on_watch_at_councils_failing_by_then(tmp_path):
    truth = pl.DataFrame(
        {
            "authority_code": ["E09000002", "E09000003"],
            "scenario": ["timeliness_collapse", "recovery"],
            "onset_date": [date(2023, 8, 15), date(2023, 7, 1)],
        }
    )
    flags = pl.DataFrame(
        {
            "authority_code": ["E09000002", "E09000002", "E09000003", "E09000004"],
            "period_start": [
                date(2023, 4, 1),
                date(2023, 7, 1),
                date(2023, 7, 1),
                date(2023, 7, 1),
            ],
        }
    )
    figures = watch_figures(flags, truth, AS_OF)
    # before onset, a recovering council and a healthy one are not right; the quarter the
    # onset falls in is
    assert (figures.on_watch, figures.failing_on_watch) == (4, 1)
    assert figures.precision == 0.25 and figures.per_quarter == 4 / 20


def test_a_summary_over_seeds_gives_the_mean_and_a_t_interval():
    summary = summarise([0.8, 0.9, 1.0])
    assert summary.mean == pytest.approx(0.9)
    # t(0.975, 2) = 4.303, sd 0.1, n 3
    assert summary.high - summary.mean == pytest.approx(4.303 * 0.1 / 3**0.5, rel=1e-3)
    # a share's interval stops at 100%
    assert summary.text() == "90% (65%–100%)"
