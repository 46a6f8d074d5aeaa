"""The sequential detectors: CUSUMs, their calibration, small numbers and alerts."""

from __future__ import annotations

import itertools
import math
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scrutiny.warning.sequential import (
    NO_PERIOD,
    BinomialShift,
    PoissonShift,
    binomial_cusum,
    calibrate,
    calibrate_threshold,
    poisson_cusum,
    small_numbers_check,
)

P0, P1, N, MONTHS = 0.84, 0.70, 30, 12


@pytest.fixture(scope="module")
def calibration():
    return calibrate_threshold(P0, P1, N, MONTHS, false_alert_rate_per_year=0.01, seed=1)


def months_from(first: date, count: int) -> list[date]:
    return [
        date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
        for i in range(count)
    ]


def reference_cusum(increments: list[float], threshold: float) -> tuple[list[float], list[bool]]:
    """One council's CUSUM the plain way: floored at zero, restarted after a signal."""
    sums, signals, total = [], [], 0.0
    for step in increments:
        total = max(0.0, total + step)
        sums.append(total)
        signals.append(total > threshold)
        if total > threshold:
            total = 0.0
    return sums, signals


def binomial_step(x: int, n: int, p0: float, p1: float) -> float:
    return x * math.log(p1 / p0) + (n - x) * math.log((1 - p1) / (1 - p0))


def test_calibration_keeps_the_simulated_false_alert_rate_at_or_below_the_target(calibration):
    assert calibration.false_alert_rate <= 0.01
    low, high = calibration.interval
    assert low <= calibration.false_alert_rate <= high
    assert calibration.threshold > 0
    assert calibration == calibrate_threshold(P0, P1, N, MONTHS, seed=1)


def test_in_control_councils_signal_at_about_the_calibrated_rate(calibration):
    # fresh councils, monitored for a year before the year that is counted
    rng = np.random.default_rng(2024)
    trials = np.full((20_000, 2 * MONTHS), N)
    run = binomial_cusum(rng.binomial(trials, P0), trials, P0, P1, calibration.threshold)
    rate = run.signals[:, MONTHS:].any(axis=1).mean()
    low, high = calibration.interval
    assert low <= rate <= high


def test_a_shift_of_the_size_tuned_for_is_found_within_months(calibration):
    assert calibration.average_run_length < 6
    assert calibration.detected_within_year > 0.95
    assert calibration.censored == 0


def test_a_planted_shift_is_found_and_its_climb_starts_at_or_just_after_the_onset(calibration):
    rng = np.random.default_rng(7)
    onset, months = 14, 36
    chance = np.full((2_000, months), P0)
    chance[:, onset:] = P1
    trials = np.full(chance.shape, N)
    run = binomial_cusum(rng.binomial(trials, chance), trials, P0, P1, calibration.threshold)
    first = run.first_signal
    after = first >= onset  # the few false alerts before the onset are another matter
    assert after.mean() > 0.95
    assert (first[after] < onset + MONTHS).mean() > 0.99
    climb = run.last_zero[after] + 1
    assert np.median(climb) == onset
    # chance can have the sum above zero when the shift begins, so a climb may start a
    # month or two early; measured: 61% at the onset, 88% from a month before to two after
    assert ((climb >= onset - 1) & (climb <= onset + 2)).mean() > 0.85
    assert (abs(climb - onset) <= 3).mean() > 0.95


def test_a_poisson_cusum_finds_falling_volumes_and_not_steady_ones():
    shift = PoissonShift(2.0, 1.4)
    exposure = 5.0  # 50,000 residents
    tuned = calibrate(shift, exposure, MONTHS, seed=3)
    assert tuned.false_alert_rate <= 0.01
    rng = np.random.default_rng(3)
    rates = np.full((4_000, 36), 2.0)
    rates[2_000:, 12:] = 1.4
    run = poisson_cusum(rng.poisson(rates * exposure), exposure, 2.0, 1.4, tuned.threshold)
    found = run.signals[:, 12:].any(axis=1)
    assert found[2_000:].mean() > 0.9
    assert found[:2_000].mean() < 0.05  # two years of steady councils, one in 100 a year


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), min_size=6, max_size=6),
        min_size=1,
        max_size=5,
    ),
    st.floats(0.05, 0.95),
    st.floats(0.05, 0.95),
    st.floats(0.5, 8.0),
)
def test_the_vectorised_cusum_equals_one_council_at_a_time(councils, p0, p1, threshold):
    if abs(p0 - p1) < 0.01:
        p1 = 0.99 if p0 < 0.5 else 0.01
    trials = np.array([[max(a, b) for a, b in row] for row in councils])
    successes = np.array([[min(a, b) for a, b in row] for row in councils])
    run = binomial_cusum(successes, trials, p0, p1, threshold)
    assert (run.sums >= 0).all()
    for row, pairs in enumerate(councils):
        steps = [
            binomial_step(min(a, b), max(a, b), p0, p1) if max(a, b) else 0.0 for a, b in pairs
        ]
        sums, signals = reference_cusum(steps, threshold)
        assert run.sums[row] == pytest.approx(sums, abs=1e-9)
        assert run.signals[row].tolist() == signals


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 30), min_size=8, max_size=8), min_size=1, max_size=4),
    st.floats(0.5, 5.0),
    st.floats(0.5, 5.0),
)
def test_the_poisson_cusum_equals_one_council_at_a_time_and_never_goes_below_zero(
    counts, rate0, rate1
):
    if abs(rate0 - rate1) < 0.01:
        rate1 = rate0 + 1
    exposure = 3.0
    run = poisson_cusum(np.array(counts), exposure, rate0, rate1, 4.0)
    assert (run.sums >= 0).all()
    for row, series in enumerate(counts):
        steps = [x * math.log(rate1 / rate0) - exposure * (rate1 - rate0) for x in series]
        sums, signals = reference_cusum(steps, 4.0)
        assert run.sums[row] == pytest.approx(sums, abs=1e-9)
        assert run.signals[row].tolist() == signals


def test_a_missing_period_leaves_the_sum_where_it_was():
    run = binomial_cusum([[20, np.nan, 20, 5]], [[30, 30, 0, np.nan]], P0, P1, 100.0)
    step = binomial_step(20, 30, P0, P1)
    assert run.sums[0].tolist() == pytest.approx([step, step, step, step])


def test_three_recommendations_are_too_little_data_rather_than_a_test_that_cannot_fire():
    usual, shifted = 0.9, 0.7  # recommendations met by their due date
    check = small_numbers_check([2], [3], usual, shifted)
    assert check.verdict.tolist() == ["too little data"]
    # a CUSUM could not fire on three, however they went: all three missed is below h
    tuned = calibrate_threshold(usual, shifted, 3, 4, seed=5)
    assert binomial_step(0, 3, usual, shifted) < tuned.threshold
    # but the beta-binomial check can: three missed out of three is clear enough
    assert small_numbers_check([0], [3], usual, shifted).verdict.tolist() == ["worse"]


def test_the_small_numbers_check_says_worse_only_when_the_posterior_is_mostly_beyond_the_shift():
    check = small_numbers_check([2, 3, 0, 25, 12, 0], [3, 3, 3, 30, 30, 0], 0.84, 0.70)
    assert check.verdict.tolist() == [
        "too little data",
        "too little data",
        "worse",
        "no sign of a shift",
        "worse",
        "too little data",  # no cases at all: the prior alone
    ]
    assert (
        (check.lower <= check.upper)
        & (check.probability_worse >= 0)
        & (check.probability_worse <= 1)
    ).all()


def test_a_rise_is_worse_when_the_shift_is_upwards():
    check = small_numbers_check([25, 10], [40, 40], 0.3, 0.45)  # upheld: a rise is worse
    assert check.verdict.tolist()[0] == "worse"
    assert check.probability_worse[0] > check.probability_worse[1]
    assert BinomialShift(0.3, 0.45).worse == "up"


def test_each_signal_says_when_its_climb_began():
    # 26 of 30 keeps the sum at zero; 20 of 30 from the twelfth month adds about 2.6 a month
    run = binomial_cusum([[26] * 11 + [20] * 4], [[30] * 15], P0, P1, 5.0)
    # the sum was last zero in month 11 (index 10), climbed from 12 and passed 5 in 13;
    # restarted, it climbed again from 14 and passed 5 in 15
    assert run.climbs() == [(0, 12, 11), (0, 14, 13)]
    assert run.last_zero.tolist() == [10] and run.first_signal.tolist() == [12]


def test_a_signal_restarts_the_sum_so_the_next_climb_begins_after_it():
    run = binomial_cusum([[10] * 6], [[30] * 6], P0, P1, 5.0)
    climbs = run.climbs()
    assert len(climbs) >= 2 and climbs[0][2] == 0
    for previous, following in itertools.pairwise(climbs):
        assert following[2] == previous[1] + 1


def test_a_council_that_never_signals_has_no_climb_and_no_period(calibration):
    run = binomial_cusum([[26] * 12], [[30] * 12], P0, P1, calibration.threshold)
    assert run.first_signal.tolist() == [NO_PERIOD]
    assert run.last_zero.tolist() == [NO_PERIOD]
    assert run.climbs() == []


@pytest.mark.parametrize(
    ("p0", "p1", "message"),
    [(0.8, 0.8, "differ"), (0.0, 0.5, "strictly"), (0.5, 1.0, "strictly")],
)
def test_a_shift_must_be_a_shift_between_proportions(p0, p1, message):
    with pytest.raises(ValueError, match=message):
        BinomialShift(p0, p1)
