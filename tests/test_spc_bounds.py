"""XmR charts of a measure with bounds: lines held within what the measure can take."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.measures.council_figures import spc_series
from scrutiny.measures.spc import SeriesError, xmr_chart
from scrutiny.measures.spc_rules import RULES
from scrutiny.standard.indicators import indicator

PERCENT = (0.0, 100.0)


def test_a_percentage_near_100_gets_no_upper_limit_above_100():
    # City of London's quarters: mostly every complaint answered in time, a few dips.
    values = [100, 100, 90, 100, 100, 95, 100, 100, 100, 85, 100, 100, 100, 100]
    unbounded = xmr_chart(values, improvement="up")
    chart = xmr_chart(values, improvement="up", bounds=PERCENT)
    assert unbounded.upper_limit is not None and unbounded.upper_limit > 100
    assert chart.upper_limit == 100.0
    assert chart.upper_2sigma == 100.0
    assert chart.lower_limit == unbounded.lower_limit  # inside the bounds: unchanged
    assert not chart.flags("astronomical")[np.array(values) == 100].any()


def test_a_count_near_zero_gets_no_negative_lower_limit():
    values = [0, 1, 0, 0, 3, 0, 1, 0, 0, 2, 0, 0, 1, 0]
    chart = xmr_chart(values, improvement="down", bounds=(0.0, np.inf))
    assert chart.lower_limit == 0.0
    assert chart.lower_2sigma == 0.0
    assert not chart.low.any()


@pytest.mark.parametrize("level", [0.0, 100.0])
def test_a_flat_series_at_a_bound_flags_nothing(level):
    chart = xmr_chart([level] * 15, improvement="up", bounds=PERCENT)
    assert chart.upper_limit == chart.lower_limit == level
    assert not (chart.high.any() or chart.low.any())
    assert chart.variation == "common_cause"


def test_bounds_must_have_a_least_and_a_greater_value():
    with pytest.raises(SeriesError, match="bounds"):
        xmr_chart([1, 2, 3], bounds=(5.0, 5.0))


@settings(deadline=None, max_examples=150)
@given(
    values=st.lists(
        st.one_of(st.just(0.0), st.just(100.0), st.floats(0.0, 100.0)), min_size=2, max_size=40
    ),
    baseline=st.one_of(st.none(), st.integers(2, 20)),
    minimum=st.integers(2, 13),
)
def test_lines_stay_within_the_bounds_and_flags_do_not_change(values, baseline, minimum):
    bounded = xmr_chart(values, bounds=PERCENT, baseline=baseline, minimum_points=minimum)
    free = xmr_chart(values, baseline=baseline, minimum_points=minimum)
    for segment in bounded.segments:
        for line in (
            segment.upper_limit,
            segment.lower_limit,
            segment.upper_2sigma,
            segment.lower_2sigma,
        ):
            assert line is None or 0.0 <= line <= 100.0
    np.testing.assert_array_equal(bounded.high, free.high)
    np.testing.assert_array_equal(bounded.low, free.low)
    # A point at 100% is beyond the upper limit only where that limit is below 100%.
    above = bounded.high[RULES.index("astronomical")]
    for segment in bounded.segments:
        for i in range(segment.start, segment.stop):
            if values[i] == 100.0 and above[i]:
                assert segment.upper_limit is not None and segment.upper_limit < 100.0


def test_the_council_spc_series_holds_a_percentage_within_0_to_100():
    item = indicator("stage1_on_time")
    assert item.bounds == (0.0, 100.0)
    values = [100, 100, 90, 100, 100, 95, 100, 100, 100, 85, 100, 100, 100, 100]
    starts = pl.date_range(pl.date(2021, 4, 1), pl.date(2024, 7, 1), "3mo", eager=True)
    quarters = pl.DataFrame(
        {
            "authority_code": "E09000001",
            "indicator": item.code,
            "period_start": starts,
            "numerator": [v / 5 for v in values],
            "denominator": 20.0,
            "value": [float(v) for v in values],
        }
    ).with_columns(pl.col("period_start").dt.offset_by("3mo").alias("period_end"))
    series = spc_series(quarters, "E09000001", item.code)
    assert series.height == len(values)
    assert series["upper_limit"].max() == 100.0
    assert series["lower_limit"].min() >= 0.0
