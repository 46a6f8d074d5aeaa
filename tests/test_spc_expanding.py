"""The one-pass last-point rules agree with drawing every prefix's chart."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.measures.spc import xmr_chart
from scrutiny.measures.spc_expanding import last_point_rules


def drawn_one_by_one(series: list[list[float]], minimum: int) -> tuple[np.ndarray, ...]:
    highs, lows, means, amrs = [], [], [], []
    for values in series:
        for last in range(len(values)):
            if last + 1 < minimum:
                highs.append(np.zeros(4, bool))
                lows.append(np.zeros(4, bool))
                means.append(np.nan)
                amrs.append(np.nan)
                continue
            chart = xmr_chart(values[: last + 1], minimum_points=minimum)
            highs.append(chart.high[:, -1])
            lows.append(chart.low[:, -1])
            means.append(chart.mean)
            amrs.append(chart.latest.average_moving_range or 0.0)
    return np.array(highs).T, np.array(lows).T, np.array(means), np.array(amrs)


def check(series: list[list[float]], minimum: int) -> None:
    values = np.array([v for s in series for v in s], dtype=np.float64)
    labels = np.repeat(np.arange(len(series)), [len(s) for s in series])
    found = last_point_rules(values, labels, minimum)
    high, low, mean, amr = drawn_one_by_one(series, minimum)
    np.testing.assert_array_equal(found.high, high)
    np.testing.assert_array_equal(found.low, low)
    np.testing.assert_allclose(found.mean, mean, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(found.average_moving_range, amr, rtol=1e-9, equal_nan=True)


# Small integers make ties, points on the mean, flat stretches and runs common.
points = st.lists(st.integers(0, 6).map(float), min_size=1, max_size=24)


@settings(max_examples=300, deadline=None)
@given(st.lists(points, min_size=1, max_size=5), st.integers(2, 10))
def test_agrees_with_a_chart_per_prefix(series: list[list[float]], minimum: int) -> None:
    check(series, minimum)


def test_each_rule_is_found_where_a_chart_finds_it() -> None:
    rng = np.random.default_rng(7)
    steady = list(rng.normal(50, 2, 12))
    series = [
        [*steady, 80.0],  # astronomical high
        [*steady, *(np.linspace(44, 46, 6))],  # a shift below
        [*steady, 40.0, 42.0, 44.0, 46.0, 48.0, 50.0],  # a trend up
        [*steady, 55.0, 50.0, 55.0],  # two of three near the top
        [float(v) for v in rng.normal(0, 1, 40)],
        [3.0] * 15,  # flat: no ranges at all
    ]
    check(series, 8)
    values = np.array([v for s in series for v in s])
    labels = np.repeat(np.arange(len(series)), [len(s) for s in series])
    found = last_point_rules(values, labels, 8)
    ends = np.cumsum([len(s) for s in series]) - 1
    assert found.high[0, ends[0]]  # astronomical
    assert found.low[1, ends[1]]  # shift
    assert found.high[2, ends[2]]  # trend
