"""Funnel limits at the edges of what a measure can take (docs/methods.md, 1.5).

A proportion lies in [0, 1] and a ratio or rate is at least 0, so no limit may lie outside
those bounds, and a value at a bound is outside a limit only when the limit lies inside it:
no council at 100% is "above" a funnel whose target or whose limit is 100%.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from scrutiny.measures.funnel import classify, compare, proportion_limits
from scrutiny.measures.funnel.limits import Limits

PROPORTION_METHODS = ("exact", "normal", "wilson")
OVERDISPERSION = ("none", "multiplicative", "additive")


def test_councils_at_100_percent_are_not_above_a_compliance_funnel_pooled_below_100():
    # The demo's compliance funnel: nearly every council complied with every recommendation
    # and one did not, so the pooled target is 99.1%, phi is below 1 and the exact limits
    # are used unadjusted. Their interpolated upper limit used to sit just under 100%.
    denominators = np.array([10, 12, 8, 20, 15, 30, 9, 11])
    numerators = denominators.copy()
    numerators[3] = 19
    funnel = compare(numerators, denominators, kind="proportion", overdispersion="additive")
    assert not funnel.adjusted
    assert 0.99 < funnel.target < 1
    assert funnel.flags == ["within"] * 8
    assert np.all(funnel.limits.upper_99_8 == 1.0)
    assert np.all(funnel.limits.upper_95 == 1.0)


@pytest.mark.parametrize("overdispersion", OVERDISPERSION)
@pytest.mark.parametrize("method", PROPORTION_METHODS)
@pytest.mark.parametrize("share", [0.0, 1.0])
def test_every_council_at_0_or_100_percent_is_within_with_limits_at_the_bound(
    share, method, overdispersion
):
    denominators = np.array([1, 2, 5, 40, 300])
    numerators = denominators * share
    funnel = compare(
        numerators, denominators, kind="proportion", method=method, overdispersion=overdispersion
    )
    assert funnel.target == share
    assert funnel.flags == ["within"] * 5
    for limit in funnel.limits.as_tuple():
        assert np.all(limit == share)


@pytest.mark.parametrize("method", PROPORTION_METHODS)
def test_a_value_at_100_percent_with_a_100_percent_target_is_within(method):
    funnel = compare([3, 1, 2, 40], [3, 2, 4, 50], kind="proportion", method=method, target=1.0)
    assert funnel.flags[0] == "within"
    assert funnel.limits.upper_99_8[0] == 1.0


@pytest.mark.parametrize("overdispersion", OVERDISPERSION)
def test_tiny_denominators_of_one_and_two_raise_no_flag_that_chance_explains(overdispersion):
    # 0 of 2 and 2 of 2 against 79%: chance gives 4% and 62%, neither unusual at 95%.
    funnel = compare(
        [0, 2, 1, 60, 75, 80, 160],
        [2, 2, 1, 80, 90, 100, 200],
        kind="proportion",
        overdispersion=overdispersion,
    )
    assert funnel.flags[:3] == ["within"] * 3


def test_all_of_a_few_is_above_the_limit_only_when_chance_makes_it_rare():
    # 5 of 5 late when a quarter are late: 0.25^5 = 0.1%, below the 99.8% limit's 0.1% tail.
    denominators = [5, 40, 60, 80, 100, 120]
    funnel = compare([5, 10, 15, 20, 25, 30], denominators, kind="proportion", target=0.245)
    assert funnel.flags[0] == "high_alarm"
    assert funnel.limits.upper_99_8[0] < 1.0


def test_a_limit_within_rounding_of_the_bound_is_at_the_bound():
    at_bound = np.array([1.0 - 1e-12])
    limits = Limits(np.array([0.5]), at_bound, np.array([0.4]), at_bound)
    assert classify(np.array([1.0]), limits) == ["within"]
    inside = np.array([0.999])
    limits = Limits(np.array([0.5]), inside, np.array([0.4]), inside)
    assert classify(np.array([1.0]), limits) == ["high_alarm"]
    low = Limits(np.array([1e-12]), np.array([0.5]), np.array([1e-12]), np.array([0.6]))
    assert classify(np.array([0.0]), low, "ratio") == ["within"]


@st.composite
def any_units(draw, kind: str):
    """Any councils a return could give: denominators from 1, numerators 0 to all."""
    most = 1.0 if kind == "proportion" else 5.0
    unit = st.tuples(st.integers(1, 5000), st.floats(0.0, most))
    drawn = draw(st.lists(unit, min_size=3, max_size=25))
    return [round(d * share) for d, share in drawn], [d for d, _ in drawn]


@settings(deadline=None, max_examples=150)
@given(
    data=st.data(),
    kind=st.sampled_from(["proportion", "ratio"]),
    overdispersion=st.sampled_from(OVERDISPERSION),
)
def test_limits_stay_within_what_the_measure_can_take_for_any_councils(data, kind, overdispersion):
    numerators, denominators = data.draw(any_units(kind))
    if kind == "ratio" and sum(numerators) == 0:
        numerators[0] = 1  # a rate's target is the pooled rate, which must be above 0
    methods = PROPORTION_METHODS if kind == "proportion" else ("exact", "chisq", "byar", "normal")
    method = data.draw(st.sampled_from(methods))
    target = None if kind == "proportion" else sum(numerators) / sum(denominators)
    funnel = compare(
        numerators,
        denominators,
        kind=kind,
        method=method,
        overdispersion=overdispersion,
        target=target,
        scale="sqrt" if kind == "ratio" else None,
    )
    high = 1.0 if kind == "proportion" else np.inf
    for limits in (funnel.limits, funnel.limits_at(np.arange(1.0, 60.0))):
        for limit in limits.as_tuple():
            assert np.all((limit >= 0.0) & (limit <= high))
        assert np.all(limits.lower_99_8 <= limits.lower_95)
        assert np.all(limits.upper_95 <= limits.upper_99_8)
    tail = {"alert": 0.025, "alarm": 0.001}
    for flag, value, d in zip(funnel.flags, funnel.value, funnel.denominator, strict=True):
        if value == funnel.target:
            assert flag == "within"
        if flag == "within":
            continue
        # A council at a bound is flagged only when chance alone makes the bound rare.
        rare = tail[flag.split("_")[1]]
        if value == 0.0:
            target = funnel.target
            chance = (1 - target) ** d if kind == "proportion" else np.exp(-target * d)
            assert not flag.startswith("low") or chance < rare
        if kind == "proportion" and value == 1.0:
            assert funnel.target < 1.0
            assert not flag.startswith("high") or funnel.target**d <= rare


@settings(deadline=None, max_examples=200)
@given(n=st.integers(1, 3000), theta=st.floats(0.5, 0.9999), p=st.sampled_from([0.975, 0.999]))
def test_all_n_is_above_the_exact_upper_limit_exactly_when_chance_of_it_is_below_the_tail(
    n, theta, p
):
    upper = proportion_limits(theta, [n], "exact").as_tuple()[1 if p == 0.975 else 3][0]
    rare = stats.binom.pmf(n, n, theta) <= 1.0 - p
    assert (upper < 1.0) == rare
