"""Impact research: the design and estimators on panels whose answer is known by hand."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from scrutiny.research.impact import design, estimate
from scrutiny.research.impact.panel import complaint_panel, ehc_panel
from scrutiny.research.impact.simulate import Scenario, run_validation, simulate_panel, summarise


def _events(**g: int) -> pl.DataFrame:
    return pl.DataFrame({"authority_code": list(g), "g": list(g.values())})


def _candidates(events: pl.DataFrame, codes: list[str]) -> pl.DataFrame:
    order = pl.DataFrame({"authority_code": codes, "rank": list(range(len(codes)))})
    return events.select(pl.col("authority_code").alias("stack")).join(order, how="cross")


NO_LIVE = pl.DataFrame(
    schema={"authority_code": pl.String, "first_period": pl.Int64, "last_period": pl.Int64}
)


def test_a_two_by_two_difference_in_differences_is_the_difference_of_mean_changes():
    # Treated councils T1, T2 complied in period 2; C1, C2 never did. Two periods before,
    # one after. Means: treated 10 before, 14 after; comparisons 8 before, 9 after.
    values = {
        "T1": [9.0, 11.0, 13.0],
        "T2": [11.0, 9.0, 15.0],
        "C1": [7.0, 8.0, 8.5],
        "C2": [9.0, 8.0, 9.5],
    }
    panel = pl.DataFrame(
        [(code, period, v) for code, vs in values.items() for period, v in enumerate(vs)],
        schema={"authority_code": pl.String, "period": pl.Int64, "value": pl.Float64},
        orient="row",
    )
    events = _events(T1=2, T2=2)
    matches = design.match_comparisons(
        events, _candidates(events, ["C1", "C2"]), NO_LIVE, events, 2, 0
    )
    stacks = design.stack_panel(panel, events, matches, pre=2, post=0)
    by_hand = (14 - 10) - (9 - 8)
    assert estimate.stacked(stacks).estimate == pytest.approx(by_hand)
    pooled = design.pooled_panel(panel, events, ["C1", "C2", "T1", "T2"], 2, 0)
    assert estimate.twfe(pooled).estimate == pytest.approx(by_hand)


def _staggered_panel() -> tuple[pl.DataFrame, pl.DataFrame]:
    """No noise: council + period effects, and an effect of e + 1 at event time e >= 0.

    A is treated in period 3, B in period 5; N1..N3 never. Ten periods.
    """
    rows = []
    g = {"A": 3, "B": 5}
    for n, code in enumerate(["A", "B", "N1", "N2", "N3"]):
        for period in range(10):
            since = period - g.get(code, 99)
            effect = since + 1 if since >= 0 else 0
            rows.append((code, period, 2.0 * n + 0.5 * period + effect))
    panel = pl.DataFrame(
        rows,
        schema={"authority_code": pl.String, "period": pl.Int64, "value": pl.Float64},
        orient="row",
    )
    return panel, _events(A=3, B=5)


def test_stacked_recovers_a_growing_effect_with_staggered_timing_where_twfe_does_not():
    panel, events = _staggered_panel()
    live = events.select("authority_code", pl.col("g").alias("first_period"),
                         pl.col("g").alias("last_period"))  # fmt: skip
    candidates = _candidates(events, ["A", "B", "N1", "N2", "N3"])
    matches = design.match_comparisons(events, candidates, live, events, pre=2, post=1)
    # B (treated in 5) is not yet treated in A's window (1 to 4), so it is a clean
    # comparison for A; A (treated in 3) is treated by the end of B's window: not for B.
    assert set(matches.filter(pl.col("stack") == "A")["authority_code"]) == {"B", "N1", "N2", "N3"}
    assert set(matches.filter(pl.col("stack") == "B")["authority_code"]) == {"N1", "N2", "N3"}
    stacks = design.stack_panel(panel, events, matches, pre=2, post=1)
    # The effect is 1 at event time 0 and 2 at event time 1: on average 1.5 in the window.
    assert estimate.stacked(stacks).estimate == pytest.approx(1.5)
    pooled = design.pooled_panel(panel, events, ["A", "B", "N1", "N2", "N3"], 2, 1)
    assert estimate.twfe(pooled).estimate != pytest.approx(1.5, abs=0.05)


def test_stacked_event_study_gives_each_periods_effect_and_zero_before():
    panel, events = _staggered_panel()
    matches = design.match_comparisons(
        events, _candidates(events, ["N1", "N2", "N3"]), NO_LIVE, events, pre=3, post=2
    )
    stacks = design.stack_panel(panel, events, matches, pre=3, post=2)
    coefficients, _ = estimate.stacked_event_study(stacks)
    found = dict(zip(coefficients["event_time"], coefficients["estimate"], strict=True))
    assert found == pytest.approx({-3: 0.0, -2: 0.0, -1: 0.0, 0: 1.0, 1: 2.0, 2: 3.0}, abs=1e-8)


def test_pre_trend_test_flags_councils_already_diverging_before_compliance():
    scenario = Scenario(0.0, units=120, treated_share=0.4)
    sim = simulate_panel(np.random.default_rng(1), scenario)
    # Treated councils drift up by 0.4 a period, from well before compliance.
    drift = sim.panel.join(sim.firsts, on="authority_code", how="left").with_columns(
        (pl.col("value") + pl.when(pl.col("g").is_not_null()).then(0.4 * pl.col("period"))
         .otherwise(0.0)).alias("value")
    ).drop("g")  # fmt: skip
    candidates = _candidates(sim.firsts, list(sim.order))
    matches = design.match_comparisons(sim.firsts, candidates, sim.live, sim.firsts, 4, 4)
    stacks = design.stack_panel(drift, sim.firsts, matches, 4, 4)
    _, pre_trend = estimate.stacked_event_study(stacks)
    assert pre_trend is not None and pre_trend.p_value < 0.01
    _, clean = estimate.stacked_event_study(
        design.stack_panel(sim.panel, sim.firsts, matches, 4, 4)
    )
    assert clean is not None and clean.p_value > 0.01


def test_treatment_events_keep_only_councils_with_their_whole_window_in_the_data():
    live = pl.DataFrame(
        {
            "authority_code": ["A", "A", "B", "C"],
            "first_period": [3, 7, 0, 8],
            "last_period": [4, 8, 1, 9],
            "completed_period": [4, 8, 1, 9],
            "completed_date": [date(2021, 1, 5), date(2022, 1, 5), date(2020, 4, 9),
                               date(2022, 4, 1)],
        }
    )  # fmt: skip
    firsts, usable = design.treatment_events(live, first=0, last=10, pre=2, post=2)
    assert dict(zip(firsts["authority_code"], firsts["g"], strict=True)) == {"A": 4, "B": 1, "C": 9}
    assert usable["authority_code"].to_list() == ["A"]  # B too early, C too late


def test_complaint_panel_counts_rates_and_shares_per_quarter():
    complaints = pl.DataFrame(
        {
            "authority_code": ["E06000047"] * 4,
            "stage": [1, 1, 1, 2],
            "received_date": [date(2024, 4, 2), date(2024, 4, 3), date(2024, 7, 1),
                              date(2024, 5, 1)],
            "acknowledged_date": [date(2024, 4, 3)] * 2 + [date(2024, 7, 2), None],
            "responded_date": [date(2024, 4, 10), date(2024, 6, 28), date(2024, 7, 5), None],
            "extension_working_days": [0, 0, 0, None],
            "acceptance": ["accepted"] * 4,
            "outcome": ["upheld", "not_upheld", "partly_upheld", None],
        }
    )  # fmt: skip
    reporting = pl.DataFrame({"authority_code": ["E06000047"] * 3, "period": [8097, 8098, 8099]})
    rate = complaint_panel(complaints, reporting, "complaints")
    population = 522_069  # County Durham, Census 2021
    assert rate["numerator"].to_list() == [2.0, 1.0, 0.0]  # a reporting quarter with none is 0
    assert rate["value"][0] == pytest.approx(2 / population * 10_000)
    upheld = complaint_panel(complaints, reporting, "upheld")
    assert upheld["value"].to_list() == pytest.approx([50.0, 100.0])
    on_time = complaint_panel(complaints, reporting, "on_time")
    assert on_time["value"].to_list() == pytest.approx([50.0, 100.0])  # 28 June is late


def test_quarters_are_numbered_and_named_as_financial_quarters():
    index = pl.select(design.period_of(pl.lit(date(2024, 5, 17)), "quarter")).item()
    assert design.period_text(index, "quarter") == "2024-25 Q1"
    assert design.period_text(index + 3, "quarter") == "2024-25 Q4"
    assert design.period_text(2024, "year") == "2024"


def test_shipped_ehc_figures_are_current_councils_with_consistent_shares():
    from scrutiny.reference.authorities import current_codes

    panel = ehc_panel()
    assert set(panel["authority_code"]) <= set(current_codes())
    assert panel["period"].min() == 2019 and panel["period"].max() == 2024
    counted = panel.drop_nulls("value")
    assert (
        (counted["numerator"] / counted["denominator"] * 100 - counted["value"]).abs() <= 0.05
    ).all()


def test_building_ehc_figures_maps_former_codes_and_drops_split_counties(tmp_path: Path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "scripts"))
    from build_reference_data import EHC_TIMELINESS, build_ehc_timeliness

    header = "time_period,geographic_level,new_la_code,old_la_code,la_name,breakdown_topic,"
    header += "plans_issued_den,plans_issued_within_20_weeks\n"
    rows = [
        "2021,Local authority,E10000023,815,North Yorkshire,All EHC plans issued,400,300",
        "2021,Local authority,E10000006,909,Cumbria,All EHC plans issued,200,100",
        "2021,Local authority,E06000047,840,County Durham,All EHC plans issued,x,x",
        "2021,National,,,,All EHC plans issued,60000,30000",
    ]
    (tmp_path / EHC_TIMELINESS).write_text(header + "\n".join(rows) + "\n")
    built = build_ehc_timeliness(tmp_path)
    assert built.rows() == [
        ("E06000047", 2021, None, None, None),
        ("E06000065", 2021, 400, 300, 75.0),
    ]


def test_validation_on_simulated_panels_recovers_the_effect_with_honest_intervals():
    scenarios = [Scenario(0.0, units=100), Scenario(0.5, units=100)]
    summary = summarise(run_validation(scenarios, repetitions=25, seed=11))
    stacked = summary.filter(pl.col("estimator") == "stacked")
    for row in stacked.iter_rows(named=True):
        # 25 repetitions: allow three Monte Carlo standard errors of bias.
        assert abs(row["bias"]) < 3 * row["bias_mc_error"] + 0.02, row
        assert 0.8 <= row["coverage"] <= 1.0, row
    assert stacked.filter(pl.col("effect") == 0.5)["power"][0] > 0.5
