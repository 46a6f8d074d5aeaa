"""XmR charts: methods.md section 2 reproduced, the rules as properties, and the spc command."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.measures.spc import SeriesError, read_values, xmr_chart
from scrutiny.measures.spc_rules import RULES

runner = CliRunner()

# methods.md 2.3 (C): '5,6' six times, limits fixed on those 12 points.
BASELINE = [5.0, 6.0] * 6
RISING_6 = [5.0, 5.3, 5.6, 5.9, 6.2, 6.5]


def flagged(chart) -> dict[str, list[int]]:
    """Rule -> flagged 0-based indices, for rules that flag anything."""
    return {
        rule: np.flatnonzero(chart.flags(rule)).tolist()
        for rule in RULES
        if chart.flags(rule).any()
    }


def span(first: int, last: int) -> list[int]:
    return list(range(first, last + 1))


@pytest.mark.parametrize(
    ("appended", "expected_6", "expected_7"),
    [
        ([6.5] * 7, {"shift": span(11, 18)}, {"shift": span(11, 18)}),
        ([6.5] * 5, {"shift": span(11, 16)}, {}),
        (RISING_6, {"trend": span(12, 17)}, {}),
        ([*RISING_6, 6.8], {"trend": span(12, 18)}, {"trend": span(12, 18)}),
        ([5.5, 7.5, 6.0, 7.6, 5.5], {"two_in_three": [13, 15]}, {"two_in_three": [13, 15]}),
        ([9.0, 5.5], {"astronomical": [12]}, {"astronomical": [12]}),
    ],
)
def test_rule_flags_reproduce_the_methods_table_for_runs_of_6_and_7(
    appended, expected_6, expected_7
):
    for rule_length, expected in ((6, expected_6), (7, expected_7)):
        chart = xmr_chart(BASELINE + appended, baseline=12, rule_length=rule_length)
        assert flagged(chart) == expected, rule_length


def test_limits_fixed_on_the_baseline_match_the_methods_note():
    chart = xmr_chart([*BASELINE, 9.0, 5.5], baseline=12)
    assert chart.latest.baseline_points == 12
    assert chart.mean == pytest.approx(5.5, abs=1e-6)
    assert chart.latest.average_moving_range == pytest.approx(1.0, abs=1e-6)
    assert chart.upper_limit == pytest.approx(8.16, abs=1e-6)
    assert chart.lower_limit == pytest.approx(2.84, abs=1e-6)
    assert chart.upper_2sigma == pytest.approx(7.273333, abs=1e-6)
    assert chart.lower_2sigma == pytest.approx(3.726667, abs=1e-6)


def test_limits_are_the_mean_plus_or_minus_2_66_average_moving_ranges():
    values = [10, 12, 11, 15, 13, 12, 14, 16, 13, 12, 11, 14, 13]
    mean, amr = 166 / 13, 23 / 12  # by hand: sum of values; the 12 moving ranges
    chart = xmr_chart(values)
    assert chart.mean == pytest.approx(mean, abs=1e-6)
    assert chart.latest.average_moving_range == pytest.approx(amr, abs=1e-6)
    assert chart.upper_limit == pytest.approx(mean + 2.66 * amr, abs=1e-6)
    assert chart.lower_limit == pytest.approx(mean - 2.66 * amr, abs=1e-6)
    assert chart.upper_2sigma == pytest.approx(mean + 2 / 3 * 2.66 * amr, abs=1e-6)
    # 2.66 is 3 / 1.128 rounded: within 0.03% of three sigma
    assert chart.upper_limit - mean == pytest.approx(3 * amr / 1.128, rel=3e-4)


def test_baseline_fixes_limits_on_the_first_points_and_extends_them():
    values = [*BASELINE, 20.0, 21.0, 22.0]
    fixed, free = xmr_chart(values, baseline=12), xmr_chart(values)
    assert fixed.mean == 5.5 and fixed.upper_limit == pytest.approx(8.16)
    assert free.mean == pytest.approx(sum(values) / 15)
    assert flagged(fixed)["astronomical"] == [12, 13, 14]


def test_screening_removes_moving_ranges_of_3_267_amr_and_recomputes():
    values = [10.0, 11.0] * 3 + [10.0, 30.0] + [10.0, 11.0] * 3
    # 13 moving ranges: eleven of 1 and two of 20, AMR 51/13; 20 >= 3.267 × 51/13 = 12.8
    plain = xmr_chart(values)
    screened = xmr_chart(values, screen_outliers=True)
    assert plain.latest.average_moving_range == pytest.approx(51 / 13)
    assert screened.latest.average_moving_range == pytest.approx(1.0)
    assert screened.latest.screened_ranges == 2 and plain.latest.screened_ranges == 0
    assert screened.mean == plain.mean == pytest.approx(166 / 14)  # the mean is not screened
    assert screened.upper_limit == pytest.approx(166 / 14 + 2.66)


def test_screening_keeps_a_flat_series_flat():
    chart = xmr_chart([4.0] * 13, screen_outliers=True)
    assert chart.latest.average_moving_range == 0.0
    assert chart.upper_limit == chart.lower_limit == 4.0
    assert flagged(chart) == {}


def test_recalculation_gives_each_segment_its_own_mean_and_limits():
    values = [10.0, 11.0] * 7 + [20.0, 21.0] * 7
    one = xmr_chart(values)
    two = xmr_chart(values, recalculate_at=[14])
    assert flagged(one)["shift"] == span(0, 27)
    assert [s.mean for s in two.segments] == [10.5, 20.5]
    assert [(s.start, s.stop) for s in two.segments] == [(0, 14), (14, 28)]
    assert two.mean == 20.5 and two.upper_limit == pytest.approx(20.5 + 2.66)
    assert flagged(two) == {}


def test_multi_point_rules_cross_a_recalculation_unless_told_not_to():
    # Each side of the recalculation ends/starts with three points above its own mean.
    first = [5.0, 6.0] * 5 + [5.0, 6.0, 6.0, 6.0]
    second = [6.0, 6.0, 6.0] + [5.0, 6.0] * 5
    values = first + second
    crossing = xmr_chart(values, recalculate_at=[len(first)])
    apart = xmr_chart(values, recalculate_at=[len(first)], rules_cross_recalculations=False)
    assert flagged(crossing) == {"shift": span(11, 16)}
    assert flagged(apart) == {}


def test_baseline_applies_within_each_segment():
    values = [*BASELINE, 9.0, 5.5, *[15.0, 16.0] * 6, 9.0]
    chart = xmr_chart(values, baseline=12, recalculate_at=[14])
    assert [s.baseline_points for s in chart.segments] == [12, 12]
    assert [s.mean for s in chart.segments] == [5.5, 15.5]
    assert flagged(chart) == {"astronomical": [12, 26]}


def test_twelve_points_give_the_mean_but_no_limits_rules_or_icons():
    values = [5.0, 6.0] * 5 + [50.0, 60.0]
    chart = xmr_chart(values, improvement="up", target=1.0)
    assert chart.too_few_points
    assert chart.mean == pytest.approx(sum(values) / 12)
    assert chart.upper_limit is None and chart.lower_2sigma is None
    assert flagged(chart) == {}
    assert chart.variation is None and chart.assurance is None
    assert chart.point_variations() == [None] * 12


def test_thirteen_points_are_enough_and_the_minimum_can_be_raised():
    values = [5.0, 6.0] * 6 + [5.0]
    assert not xmr_chart(values).too_few_points
    assert xmr_chart(values).upper_limit is not None
    assert xmr_chart(values, minimum_points=15).too_few_points


def test_a_short_last_segment_has_no_limits_while_earlier_ones_keep_theirs():
    chart = xmr_chart([*BASELINE, 5.0, 6.0, 40.0, 41.0], recalculate_at=[14])
    assert not chart.segments[0].too_few_points
    assert chart.too_few_points and chart.upper_limit is None and chart.variation is None
    assert not chart.flags("astronomical")[14:].any()


def test_a_point_on_the_limit_is_not_outside_it():
    chart = xmr_chart([*BASELINE, 8.16, 2.84], baseline=12)
    assert flagged(chart) == {}


def test_a_decimal_point_on_its_mean_breaks_a_shift():
    # mean (0.1 + 0.2 + ...) / n is not exactly 0.2 in binary; 0.2 still sits on it
    values = [0.1, 0.3] * 6 + [0.3] * 3 + [0.2] + [0.3] * 3
    chart = xmr_chart(values, baseline=12)
    assert chart.mean == pytest.approx(0.2)
    assert "shift" not in flagged(chart)


def test_a_large_level_with_a_small_spread_keeps_its_flags():
    values = [1e6 + v / 1000 for v in [*BASELINE, 9.0, 5.5, 5.4]]
    assert flagged(xmr_chart(values, baseline=12)) == {"astronomical": [12]}


def test_by_default_a_point_beyond_the_limits_does_not_count_for_two_in_three():
    values = [*BASELINE, 7.5, 9.0, 6.0]
    v5 = xmr_chart(values, baseline=12)
    november_2023 = xmr_chart(values, baseline=12, two_in_three_counts_outside=True)
    assert flagged(v5) == {"astronomical": [13]}
    assert flagged(november_2023) == {"astronomical": [13], "two_in_three": [12, 13]}


def test_two_in_three_needs_all_three_on_one_side_of_the_mean():
    assert flagged(xmr_chart([*BASELINE, 7.5, 5.0, 7.5], baseline=12)) == {}
    assert flagged(xmr_chart([*BASELINE, 3.5, 6.0, 3.0], baseline=12)) == {}
    low = xmr_chart([*BASELINE, 3.5, 5.4, 3.0], baseline=12)
    assert flagged(low) == {"two_in_three": [12, 14]}


def test_a_tie_breaks_a_trend():
    values = [*BASELINE, 5.0, 5.3, 5.6, 5.6, 5.9, 6.2, 6.5]
    assert "trend" not in flagged(xmr_chart(values, baseline=12))


def last_point_icons(values, improvement, **options):
    chart = xmr_chart(values, baseline=12, improvement=improvement, **options)
    return chart.variation, chart.variation_side


@pytest.mark.parametrize(
    ("last", "improvement", "expected"),
    [
        (9.0, "up", ("improvement", "high")),
        (9.0, "down", ("concern", "high")),
        (2.0, "up", ("concern", "low")),
        (2.0, "down", ("improvement", "low")),
        (9.0, "neither", ("neither", "high")),
        (2.0, "neither", ("neither", "low")),
        (6.0, "up", ("common_cause", None)),
    ],
)
def test_the_variation_icon_comes_from_the_last_point(last, improvement, expected):
    assert last_point_icons([*BASELINE, 5.0, last], improvement) == expected


def test_a_falling_trend_above_the_limits_is_a_concern_when_up_is_better():
    # Trend outranks the other rules for display (FDP order); MDC Excel shows improvement.
    values = [*BASELINE, 10.0, 9.5, 9.0, 8.8, 8.6, 8.4]
    chart = xmr_chart(values, baseline=12, improvement="up")
    assert set(flagged(chart)) == {"astronomical", "shift", "trend"}
    assert chart.variation == "concern"
    assert last_point_icons(values, "up", precedence=None) == ("improvement", "high")
    assert last_point_icons(values, "up", precedence=["astronomical"]) == ("improvement", "high")


def test_the_turn_between_two_trends_is_shown_as_an_improvement():
    values = [*BASELINE, 7.0, 6.8, 6.6, 6.4, 6.2, 6.0, 6.2, 6.4, 6.6, 6.8, 7.0]
    for improvement in ("up", "down"):
        chart = xmr_chart(values, baseline=12, improvement=improvement)
        assert chart.flags("trend")[12:].all()
        assert chart.point_variations()[17] == "improvement"
        assert chart.point_variations()[12] == ("concern" if improvement == "up" else "improvement")


@pytest.mark.parametrize(
    ("target", "improvement", "expected"),
    [
        (9.0, "up", "consistent_fail"),
        (9.0, "down", "consistent_pass"),
        (2.0, "up", "consistent_pass"),
        (2.0, "down", "consistent_fail"),
        (5.0, "up", "inconsistent"),
        (8.16, "up", "inconsistent"),  # on the limit is inside it
        (9.0, "neither", None),
        (None, "up", None),
    ],
)
def test_the_assurance_icon_compares_the_target_with_the_latest_limits(
    target, improvement, expected
):
    chart = xmr_chart([*BASELINE, 5.0], baseline=12, improvement=improvement, target=target)
    assert chart.assurance == expected


def test_assurance_uses_the_latest_segment():
    values = [*BASELINE, 5.0, *[15.0, 16.0] * 7]
    chart = xmr_chart(values, recalculate_at=[13], improvement="up", target=9.0)
    assert chart.assurance == "consistent_pass"


@pytest.mark.parametrize(
    ("values", "options", "message"),
    [
        ([], {}, "non-empty"),
        ([1.0, float("nan"), 2.0], {}, "no gaps"),
        ([1.0, 2.0], {"baseline": 1}, "baseline"),
        ([1.0, 2.0], {"rule_length": 1}, "rule length"),
        ([1.0, 2.0], {"recalculate_at": [2]}, "recalculations"),
        ([1.0, 2.0], {"improvement": "sideways"}, "improvement"),
    ],
)
def test_unchartable_input_raises_a_series_error(values, options, message):
    with pytest.raises(SeriesError, match=message):
        xmr_chart(values, **options)


# Properties. Integer data keeps exact ties (a point on its mean) exact after a shift.
series = st.lists(st.integers(-1000, 1000), min_size=13, max_size=60)
rule_lengths = st.sampled_from([6, 7])


def all_flags(chart) -> list[list[str]]:
    return chart.special_causes()


@given(series, rule_lengths, st.booleans())
def test_limits_are_symmetric_about_the_mean(values, rule_length, screen):
    chart = xmr_chart(values, rule_length=rule_length, screen_outliers=screen)
    mean = chart.mean
    assert chart.upper_limit - mean == pytest.approx(mean - chart.lower_limit, abs=1e-9)
    assert chart.upper_2sigma - mean == pytest.approx(mean - chart.lower_2sigma, abs=1e-9)
    assert chart.lower_limit <= chart.lower_2sigma <= mean <= chart.upper_2sigma


@given(series, st.integers(-10_000, 10_000), rule_lengths, st.booleans())
def test_adding_a_constant_shifts_the_lines_and_keeps_the_flags(values, constant, n, screen):
    chart = xmr_chart(values, rule_length=n, screen_outliers=screen)
    moved = xmr_chart([v + constant for v in values], rule_length=n, screen_outliers=screen)
    for line in ("mean", "upper_limit", "lower_limit", "upper_2sigma", "lower_2sigma"):
        assert getattr(moved, line) == pytest.approx(getattr(chart, line) + constant, abs=1e-6)
    assert all_flags(moved) == all_flags(chart)


@given(series, st.floats(1e-3, 1e3), rule_lengths, st.booleans())
def test_scaling_by_a_positive_factor_scales_the_lines_and_keeps_the_flags(
    values, factor, n, screen
):
    chart = xmr_chart(values, rule_length=n, screen_outliers=screen)
    scaled = xmr_chart([v * factor for v in values], rule_length=n, screen_outliers=screen)
    for line in ("mean", "upper_limit", "lower_limit", "upper_2sigma", "lower_2sigma"):
        assert getattr(scaled, line) == pytest.approx(getattr(chart, line) * factor, rel=1e-9)
    assert all_flags(scaled) == all_flags(chart)


def point_by_point(values, n, mean, upper, lower, upper2, lower2):
    """The four rules read literally, one point and one window at a time (the R package's way)."""
    size = len(values)
    side = [(v > mean) - (v < mean) for v in values]
    near = [(upper2 < v <= upper) or (lower <= v < lower2) for v in values]
    flags: list[set[str]] = [set() for _ in values]
    for i, v in enumerate(values):
        if v > upper or v < lower:
            flags[i].add("astronomical")
    for start in range(size - n + 1):
        window = range(start, start + n)
        if side[start] != 0 and all(side[i] == side[start] for i in window):
            for i in window:
                flags[i].add("shift")
        steps = [values[i + 1] - values[i] for i in window[:-1]]
        if all(s > 0 for s in steps) or all(s < 0 for s in steps):
            for i in window:
                flags[i].add("trend")
    for start in range(size - 2):
        window = range(start, start + 3)
        same = side[start] != 0 and all(side[i] == side[start] for i in window)
        if same and sum(near[i] for i in window) >= 2:
            for i in window:
                if near[i]:
                    flags[i].add("two_in_three")
    return [[rule for rule in RULES if rule in point] for point in flags]


@settings(max_examples=300)
@given(st.lists(st.integers(0, 12), min_size=13, max_size=80), rule_lengths)
def test_the_vectorised_rules_agree_with_reading_them_point_by_point(values, n):
    chart = xmr_chart(values, rule_length=n)
    lines = (chart.upper_limit, chart.lower_limit, chart.upper_2sigma, chart.lower_2sigma)
    assert chart.special_causes() == point_by_point(values, n, chart.mean, *lines)


# The spc command


def write_csv(path, values, column="rate"):
    rows = "".join(f"Q{i},{v}\n" for i, v in enumerate(values))
    path.write_text(f"quarter,{column}\n{rows}", encoding="utf-8")
    return path


def test_spc_json_prints_one_object_with_lines_icons_and_points(tmp_path):
    file = write_csv(tmp_path / "rates.csv", [*BASELINE, 5.5, 7.5, 6.0, 7.6, 9.5])
    result = runner.invoke(
        app,
        [
            *("spc", str(file), "--value", "rate", "--baseline", "12"),
            *("--improvement", "up", "--target", "9", "--format", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    chart = json.loads(result.output)
    assert chart["mean"] == 5.5 and chart["upper_limit"] == pytest.approx(8.16)
    assert chart["lower_limit"] == pytest.approx(2.84)
    assert chart["upper_2sigma"] == pytest.approx(7.273333, abs=1e-6)
    assert chart["lower_2sigma"] == pytest.approx(3.726667, abs=1e-6)
    assert chart["variation"] == "improvement" and chart["assurance"] == "consistent_fail"
    assert len(chart["points"]) == 17
    assert chart["points"][13] == {
        "value": 7.5,
        "special_causes": ["two_in_three"],
        "variation": "improvement",
    }
    assert chart["points"][16]["special_causes"] == ["astronomical"]


def test_spc_runs_of_seven_and_screening_reach_the_chart(tmp_path):
    file = write_csv(tmp_path / "rates.csv", [*BASELINE, *[6.5] * 5])
    base = ["spc", str(file), "--value", "rate", "--baseline", "12", "--format", "json"]
    six = json.loads(runner.invoke(app, base).output)
    seven = json.loads(runner.invoke(app, [*base, "--rule-length", "7"]).output)
    assert six["points"][11]["special_causes"] == ["shift"]
    assert all(p["special_causes"] == [] for p in seven["points"])
    spike = write_csv(tmp_path / "spike.csv", [10, 11] * 3 + [10, 30] + [10, 11] * 3)
    screened = runner.invoke(
        app, ["spc", str(spike), "--value", "rate", "--screen-outliers", "--format", "json"]
    )
    assert json.loads(screened.output)["upper_limit"] == pytest.approx(166 / 14 + 2.66)


def test_spc_text_lists_the_lines_icons_and_flagged_rows(tmp_path):
    file = write_csv(tmp_path / "rates.csv", [*BASELINE, 9.0, 5.5])
    result = runner.invoke(app, ["spc", str(file), "--value", "rate", "--baseline", "12"])
    assert result.exit_code == 0, result.output
    assert "process limits 2.84 to 8.16" in result.output
    assert "row 14: 9 astronomical" in result.output  # index 12 is spreadsheet row 14


def test_spc_with_too_few_points_says_so_rather_than_failing(tmp_path):
    file = write_csv(tmp_path / "rates.csv", [5, 6, 7])
    text = runner.invoke(app, ["spc", str(file), "--value", "rate"])
    assert text.exit_code == 0 and "too few points" in text.output
    result = runner.invoke(app, ["spc", str(file), "--value", "rate", "--format", "json"])
    chart = json.loads(result.output)
    assert chart["too_few_points"] and chart["upper_limit"] is None
    assert chart["variation"] is None and chart["mean"] == 6.0


@pytest.mark.parametrize(
    ("contents", "arguments", "message"),
    [
        (None, [], "no such file"),
        ("quarter,rate\nQ1,1\n", ["--value", "count"], "no column 'count'"),
        ("quarter,rate\nQ1,1\nQ2,lots\n", [], "row 3 is 'lots'"),
        ("quarter,rate\nQ1,1\nQ2,\nQ3,2\n", [], "row 3 is blank"),
        ("quarter,rate\n", [], "no rows to chart"),
        ("quarter,rate\nQ1,1\n", ["--rule-length", "8"], "--rule-length must be 6 or 7"),
        ("quarter,rate\nQ1,1\n", ["--improvement", "sideways"], "--improvement must be"),
        ("quarter,rate\nQ1,1\n", ["--format", "xml"], "--format must be"),
        ("quarter,rate\nQ1,1\nQ2,2\n", ["--baseline", "1"], "baseline needs at least 2"),
    ],
)
def test_spc_reports_bad_input_clearly_and_exits_2(tmp_path, contents, arguments, message):
    file = tmp_path / "rates.csv"
    if contents is not None:
        file.write_text(contents, encoding="utf-8")
    options = arguments if "--value" in arguments else ["--value", "rate", *arguments]
    result = runner.invoke(app, ["spc", str(file), *options])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_read_values_returns_the_column_in_row_order(tmp_path):
    file = write_csv(tmp_path / "rates.csv", [3, 1.5, " 2 "])
    assert read_values(file, "rate").tolist() == [3.0, 1.5, 2.0]
