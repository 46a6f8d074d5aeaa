"""Funnel plots against the methods note's section 1 and the reference implementations.

Values marked (C) in the methods note were computed by the research helper from the quoted
formulae rather than published by a source; they are tested to 1e-6 all the same and say
so. (P) values are published by a source: FunnelPlotR's tests and PHEindicatormethods'
test data.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from typer.testing import CliRunner

from scrutiny.cli import app
from scrutiny.measures.funnel import (
    FunnelError,
    additive_limits,
    classify,
    compare,
    estimate_dispersion,
    proportion_limits,
    ratio_limits,
    truncate,
    winsorise,
)
from scrutiny.measures.funnel.byar import touching_count
from scrutiny.measures.funnel.exact import binomial_limit, poisson_limit

TOLERANCE = 1e-6


def close(actual: object, expected: object, tolerance: float = TOLERANCE) -> None:
    np.testing.assert_allclose(actual, expected, rtol=0, atol=tolerance)  # type: ignore[call-overload]


def four(limits) -> np.ndarray:
    """Rows of [lower 95, upper 95, lower 99.8, upper 99.8], one per denominator."""
    return np.column_stack(limits.as_tuple())


# --- Proportions (methods note 1.2) ------------------------------------------------------

# (C) theta0 = 0.2: n, exact 95%, exact 99.8%, normal 95%, normal 99.8% (truncated at 0).
PROPORTIONS = [
    (20, [0.011684, 0.366115], [0.0, 0.489254], [0.024695, 0.375305], [0.0, 0.476399]),
    (50, [0.084405, 0.307094], [0.034776, 0.379144], [0.089128, 0.310872], [0.025190, 0.374810]),
    (100, [0.119742, 0.276476], [0.080978, 0.326766], [0.121601, 0.278399], [0.076391, 0.323609]),
    (500, [0.164495, 0.234646], [0.145490, 0.255895], [0.164939, 0.235061], [0.144720, 0.255280]),
]


@pytest.mark.parametrize(("n", "exact_95", "exact_998", "normal_95", "normal_998"), PROPORTIONS)
def test_proportion_limits_reproduce_the_methods_note_table_computed_not_published(
    n, exact_95, exact_998, normal_95, normal_998
):
    close(four(proportion_limits(0.2, [n], "exact"))[0], exact_95 + exact_998)
    close(four(proportion_limits(0.2, [n], "normal"))[0], normal_95 + normal_998)


def test_exact_proportion_limit_below_zero_is_truncated_to_zero():
    # (C) At n = 20 the interpolated 99.8% lower limit is -0.045663 before truncation.
    close(proportion_limits(0.2, [20], "exact", clip=False).lower_99_8, [-0.045663])
    close(proportion_limits(0.2, [20], "normal", clip=False).lower_99_8, [-0.076399])
    assert proportion_limits(0.2, [20], "exact").lower_99_8[0] == 0.0


# (P) PHEindicatormethods tests/testthat/testdata_funnel_prop_outputs.csv (commit 63894a9):
# population, 2s lower, 2s upper, 3s lower, 3s upper, as percentages around 80.642448%.
OHID_PROPORTIONS = [
    (1, 3.204264, 100, 0, 100),
    (2, 25.885383, 100, 0, 100),
    (3, 35.933491, 100, 10.150815, 100),
    (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497),
    (50, 69.691035, 91.593861, 63.375595, 97.909301),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578),
]


@pytest.mark.parametrize(("n", *"abcd"), OHID_PROPORTIONS)
def test_wilson_limits_reproduce_ohid_published_funnel(n, a, b, c, d):
    close(four(proportion_limits(0.80642448, [n], "wilson"))[0] * 100, [a, b, c, d], 2e-6)


def ohid_wilson_formula(a: float, n: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """The methods note's closed form for OHID's limits, written out as given there."""
    z = stats.norm.ppf(p)
    first = a * (n / z**2 + 1)
    adj = np.sqrt(
        (-8 * a * (n / z**2 + 1)) ** 2
        - 64 * (1 / z**2 + 1 / n) * a * (n * (a * (n / z**2 + 2) - 1) + z**2 * (a - 1))
    )
    last = 1 / z**2 + 1 / n
    return (first - adj / 8) / last / n, (first + adj / 8) / last / n


@pytest.mark.parametrize("a", [0.01, 0.2, 0.5, 0.80642448, 0.99])
def test_wilson_limits_equal_the_methods_note_formula_and_the_normal_limits(a):
    n = np.array([1.0, 7, 50, 1008, 110_000])
    limits = proportion_limits(a, n, "wilson", clip=False)
    for p, lower, upper in [
        (0.975, limits.lower_95, limits.upper_95),
        (0.999, limits.lower_99_8, limits.upper_99_8),
    ]:
        low, high = ohid_wilson_formula(a, n, p)
        close(lower, low, 1e-10)
        close(upper, high, 1e-10)
    close(four(limits), four(proportion_limits(a, n, "normal", clip=False)), 1e-15)


@settings(deadline=None)
@given(
    n=st.integers(1, 20_000),
    theta=st.floats(0.001, 0.999),
    p=st.sampled_from([0.001, 0.025, 0.975, 0.999]),
)
def test_exact_binomial_quantile_search_agrees_with_scipy(n, theta, p):
    r = stats.binom.ppf(p, n, theta)
    below = stats.binom.cdf(r - 1, n, theta)
    at = stats.binom.cdf(r, n, theta)
    expected = (r - (at - p) / (at - below)) / n
    if p > 0.5 and r == n:  # all n is not unusual: the upper limit is the bound
        expected = 1.0
    close(binomial_limit(theta, np.array([float(n)]), p), [expected], 1e-9)


@settings(deadline=None)
@given(mu=st.floats(0.01, 1e6), p=st.sampled_from([0.001, 0.025, 0.975, 0.999]))
def test_exact_poisson_quantile_search_agrees_with_scipy(mu, p):
    r = stats.poisson.ppf(p, mu)
    below = stats.poisson.cdf(r - 1, mu)
    at = stats.poisson.cdf(r, mu)
    expected = (r - (at - p) / (at - below)) / mu
    close(poisson_limit(1.0, np.array([mu]), p), [expected], 1e-9)


def test_exact_proportion_limits_need_whole_number_denominators():
    with pytest.raises(ValueError, match="whole-number"):
        proportion_limits(0.2, [10.5], "exact")


# --- Ratios and rates (methods note 1.3) -------------------------------------------------

# (C) Spiegelhalter interpolated Poisson: E, 95%, 99.8%, normal 95%.
POISSON_TABLE = [
    (15, [0.490659, 1.505544], [0.271604, 1.855808], [0.493939, 1.506061]),
    (20, [0.560250, 1.437288], [0.358459, 1.735676], [0.561739, 1.438261]),
    (30, [0.641104, 1.357215], [0.469242, 1.593737], [0.642161, 1.357839]),
    (100, [0.803663, 1.195809], [0.700653, 1.318048], [0.804004, 1.195996]),
]


@pytest.mark.parametrize(("e", "exact_95", "exact_998", "normal_95"), POISSON_TABLE)
def test_poisson_limits_reproduce_the_methods_note_table_computed_not_published(
    e, exact_95, exact_998, normal_95
):
    close(four(ratio_limits(1.0, [e], "exact"))[0], exact_95 + exact_998)
    close(four(ratio_limits(1.0, [e], "normal"))[0][:2], normal_95)


def test_chisq_limits_reproduce_funnelplotr_published_poisson_limits():
    # (P) FunnelPlotR tests/testthat/test-poisson_limits.R, E = 15, 20, 30.
    limits = ratio_limits(1.0, [15, 20, 30], "chisq")
    close(limits.lower_95, [0.5596924, 0.6108260, 0.6746958])
    close(limits.upper_95, [1.649348, 1.544419, 1.427562])
    close(limits.lower_99_8, [0.3862650, 0.4479107, 0.5289724])
    close(limits.upper_99_8, [2.082907, 1.902094, 1.702771])


def test_a_rate_with_a_target_scales_the_expected_count():
    # 30 complaints expected in a population of 10,000 at 3 per 1,000: same funnel as E = 30.
    for method in ("exact", "chisq", "byar", "normal"):
        rate = four(ratio_limits(0.003, [10_000], method))
        close(rate / 0.003, four(ratio_limits(1.0, [30], method)), 1e-9)


# (P) PHEindicatormethods tests/testthat/testdata_funnel_ratio_outputs.csv (commit 8ac28e5):
# observed events O and the expected counts at which O/E touches each limit. Below 10
# events OHID uses exact chi-square limits, so these reproduce; its bisection stops at a
# tolerance that leaves about 1e-6 relative error in the published E, so compare relatively.
OHID_RATIOS_BELOW_10 = [
    (1, 5.571644585, 0.025317898, 9.233410143, 0.001000547),
    (5, 11.6683331, 1.623486324, 16.45474478, 0.739371928),
    (9, 17.08479966, 4.11537405, 22.65737951, 2.452425215),
]


@pytest.mark.parametrize(("observed", *"abcd"), OHID_RATIOS_BELOW_10)
def test_byar_limits_below_ten_events_reproduce_ohid_published_funnel(observed, a, b, c, d):
    limits = ratio_limits(1.0, [a, b, c, d], "byar")
    at = [limits.lower_95[0], limits.upper_95[1], limits.lower_99_8[2], limits.upper_99_8[3]]
    assert at == pytest.approx([observed / e for e in (a, b, c, d)], rel=1e-5)


@pytest.mark.parametrize("observed", [10.0, 11.0, 50.0, 100.0, 716.0, 100_000.0])
@pytest.mark.parametrize("p", [0.025, 0.001])
def test_byar_limits_from_ten_events_invert_the_methods_note_formula(observed, p):
    # A unit whose Byar interval just reaches E sits exactly on the funnel at E.
    z = stats.norm.ppf(1 - p)
    o = observed
    upper_end = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    lower_end = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    assert touching_count(np.array([upper_end]), p)[0] == pytest.approx(o, rel=1e-12)
    assert touching_count(np.array([lower_end]), 1 - p)[0] == pytest.approx(o, rel=1e-12)


def test_byar_limits_from_ten_events_approximate_ohid_exact_funnel_lines():
    # (P) From 10 events PHEindicatormethods draws exact chi-square funnel lines but judges
    # significance by Byar's; Byar's limits sit within 0.1% of those lines at O = 100, 716.
    for observed, lower_95_at, upper_95_at in [
        (100, 121.6268111, 81.36400699),
        (716, 770.4222128, 664.5083011),
    ]:
        limits = ratio_limits(1.0, [lower_95_at, upper_95_at], "byar")
        assert limits.lower_95[0] == pytest.approx(observed / lower_95_at, rel=1e-3)
        assert limits.upper_95[1] == pytest.approx(observed / upper_95_at, rel=1e-3)


def test_byar_lower_limit_is_zero_when_no_count_could_be_low():
    # E below -log(0.025) = 3.69: even O = 0 has an interval reaching E.
    assert ratio_limits(1.0, [3.5], "byar").lower_95[0] == 0.0
    assert ratio_limits(1.0, [3.8], "byar").lower_95[0] > 0.0


# --- Properties of every method ----------------------------------------------------------

SMOOTH_PROPORTION = ["normal", "wilson"]
SMOOTH_RATIO = ["normal", "chisq"]


def contains(wide, narrow) -> bool:
    """Whether WIDE's limits hold NARROW's, elementwise, allowing for rounding."""
    slack = 1e-12
    return bool(
        np.all(wide.lower_95 <= narrow.lower_95 + slack)
        and np.all(wide.upper_95 >= narrow.upper_95 - slack)
        and np.all(wide.lower_99_8 <= narrow.lower_99_8 + slack)
        and np.all(wide.upper_99_8 >= narrow.upper_99_8 - slack)
    )


def nested(limits) -> bool:
    """Whether the 99.8% funnel holds the 95% funnel."""
    return bool(
        np.all(limits.lower_99_8 <= limits.lower_95 + 1e-12)
        and np.all(limits.upper_99_8 >= limits.upper_95 - 1e-12)
    )


@settings(deadline=None)
@given(
    theta=st.floats(0.01, 0.99),
    n=st.integers(1, 10_000),
    extra=st.integers(1, 10_000),
    method=st.sampled_from(SMOOTH_PROPORTION),
)
def test_smooth_proportion_limits_widen_as_the_denominator_shrinks(theta, n, extra, method):
    assert contains(
        proportion_limits(theta, [n], method), proportion_limits(theta, [n + extra], method)
    )


@settings(deadline=None)
@given(
    theta=st.floats(0.01, 0.99),
    n=st.integers(1, 5_000),
    factor=st.floats(2.0, 10.0),
)
def test_exact_proportion_limits_widen_when_the_denominator_halves(theta, n, factor):
    # Spiegelhalter's interpolated limits keep a small saw-tooth from n to n + 1, so the
    # property holds for halving, not for every step, once each side expects an event.
    if n * theta < 1 or n * (1 - theta) < 1:
        return
    bigger = int(np.ceil(n * factor))
    assert contains(
        proportion_limits(theta, [n], "exact"), proportion_limits(theta, [bigger], "exact")
    )


@settings(deadline=None)
@given(
    theta=st.floats(0.05, 20.0),
    d=st.floats(0.1, 10_000.0),
    factor=st.floats(1.0, 10.0),
    method=st.sampled_from(SMOOTH_RATIO),
)
def test_smooth_ratio_limits_widen_as_the_denominator_shrinks(theta, d, factor, method):
    assert contains(ratio_limits(theta, [d], method), ratio_limits(theta, [d * factor], method))


@settings(deadline=None)
@given(
    theta=st.floats(0.05, 20.0),
    d=st.floats(0.1, 10_000.0),
    factor=st.floats(2.0, 10.0),
    method=st.sampled_from(["exact", "byar"]),
)
def test_exact_and_byar_ratio_limits_widen_when_the_denominator_halves(theta, d, factor, method):
    # Both have small steps: exact from discreteness, OHID's where it switches from exact
    # to Byar's at 10 events.
    if theta * d < 1:
        return
    assert contains(ratio_limits(theta, [d], method), ratio_limits(theta, [d * factor], method))


@settings(deadline=None)
@given(
    theta=st.floats(0.0, 1.0),
    n=st.integers(1, 20_000),
    method=st.sampled_from(["exact", "normal", "wilson"]),
)
def test_the_998_proportion_funnel_contains_the_95_funnel(theta, n, method):
    assert nested(proportion_limits(theta, [n], method))


@settings(deadline=None)
@given(
    theta=st.floats(0.01, 20.0),
    d=st.floats(0.01, 100_000.0),
    method=st.sampled_from(["exact", "chisq", "byar", "normal"]),
)
def test_the_998_ratio_funnel_contains_the_95_funnel(theta, d, method):
    assert nested(ratio_limits(theta, [d], method))


def test_unknown_methods_are_refused():
    with pytest.raises(ValueError, match="unknown proportion method"):
        proportion_limits(0.2, [10], "poisson")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown ratio method"):
        ratio_limits(1.0, [10], "wilson")  # type: ignore[arg-type]


# --- Over-dispersion (methods note 1.4) ---------------------------------------------------

# FunnelPlotR's own test data (tests/testthat/test-funnel_plot.R): observed and expected.
SR_OBSERVED = [100, 150, 180, 80, 120, 225]
SR_EXPECTED = [108, 112, 165, 95, 100, 220]

# Synthetic "stage 1 answered in time" counts for 10 councils (methods note 1.4).
PR_ANSWERED = [45, 80, 150, 30, 210, 95, 60, 120, 20, 300]
PR_COMPLAINTS = [60, 100, 180, 50, 240, 110, 90, 150, 40, 330]


def test_shmi_dispersion_reproduces_the_methods_note_computed_not_published():
    # (C) SR, "SHMI": log scale, truncation keeps all 6 units.
    funnel = compare(SR_OBSERVED, SR_EXPECTED, kind="ratio", overdispersion="additive")
    dispersion = funnel.dispersion
    assert dispersion is not None
    assert dispersion.scale == "log" and dispersion.influence == "truncate"
    close(dispersion.z, [-0.7998026, 3.0916813, 1.1176814, -1.6749891, 1.8232156, 0.3333263])
    assert dispersion.n == 6
    close(funnel.phi, 2.948033)
    close(funnel.tau2, 0.01947753)
    assert funnel.adjusted


def test_shmi_additive_limits_at_e_100_and_220_reproduce_the_methods_note_computed_not_published():
    # (C) Over-dispersed limits exp(+/- z sqrt(1/E + tau2)).
    funnel = compare(SR_OBSERVED, SR_EXPECTED, kind="ratio", overdispersion="additive")
    close(
        four(funnel.limits_at([100, 220])),
        [[0.714261, 1.400048, 0.588274, 1.699888], [0.738022, 1.354973, 0.619424, 1.614404]],
    )
    # The unit with E = 220 carries those limits itself.
    close(four(funnel.limits)[5], [0.738022, 1.354973, 0.619424, 1.614404])


def test_cqc_dispersion_winsorises_and_reproduces_the_methods_note_computed_not_published():
    # (C) SR, "CQC": sqrt scale, winsorised at trim_by = 0.1.
    funnel = compare(
        SR_OBSERVED, SR_EXPECTED, kind="ratio", scale="sqrt", overdispersion="additive", trim=0.1
    )
    dispersion = funnel.dispersion
    assert dispersion is not None and dispersion.influence == "winsorise"
    close(dispersion.z, [-0.7846097, 3.3288869, 1.1423506, -1.6050449, 1.9089023, 0.3352061])
    close(
        dispersion.limited_z,
        [-0.7846097, 2.6188946, 1.1423506, -1.1948273, 1.9089023, 0.3352061],
    )
    close(funnel.phi, 2.327178)
    close(funnel.tau2, 0.003439780)


def test_cqc_additive_limits_keep_funnelplotr_quirk_of_not_squaring_back():
    # 1 +/- z sqrt(s^2 + tau2) with s = 1/(2 sqrt E), left on the square-root scale.
    tau2 = 0.003439780
    limits = additive_limits(1.0, np.array([100.0]), tau2, "sqrt")
    spread = np.sqrt(1 / 400 + tau2)
    close(limits.upper_95, [1 + stats.norm.ppf(0.975) * spread], 1e-12)


def test_proportion_dispersion_reproduces_the_methods_note_computed_not_published():
    # (C) PR: asin scale, winsorised.
    funnel = compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion", overdispersion="additive")
    dispersion = funnel.dispersion
    assert dispersion is not None
    close(funnel.target, 0.8222222)
    close(
        dispersion.z,
        [-1.368695, -0.567954, 0.394860, -3.528029, 2.289174, 1.196098, -3.419620, -0.695599,
         -4.429064, 4.685805],
    )  # fmt: skip
    close([dispersion.limited_z.min(), dispersion.limited_z.max()], [-3.618132, 2.528837])
    close(funnel.phi, 5.313332)
    close(funnel.tau2, 0.009528529)


def test_proportion_additive_limits_at_n_40_and_330_reproduce_the_methods_note_computed():
    # (C) sin^2(asin(sqrt(theta0)) +/- z sqrt(1/(4n) + tau2)), computed not published.
    funnel = compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion", overdispersion="additive")
    close(
        four(funnel.limits_at([40, 330])),
        [[0.603205, 0.964682, 0.462013, 0.997785], [0.649066, 0.945117, 0.536703, 0.985229]],
    )


def test_no_council_lies_outside_the_overdispersed_998_limits():
    # (C) Heavy over-dispersion widens the funnel: unadjusted, four councils are alarms.
    unadjusted = compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion")
    adjusted = compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion", overdispersion="additive")
    assert sum(flag.endswith("alarm") for flag in unadjusted.flags) == 4
    assert not any(flag.endswith("alarm") for flag in adjusted.flags)
    assert adjusted.flags.count("low_alert") == 2


def test_winsorising_uses_r_type_7_quantiles():
    z = np.array([-3.0, -1.0, 0.0, 0.5, 2.0, 9.0])
    # R: quantile(z, c(0.1, 0.9)) gives -2 and 5.5.
    close(winsorise(z, 0.1), [-2.0, -1.0, 0.0, 0.5, 2.0, 5.5], 1e-12)


def test_shmi_truncation_drops_the_outer_deciles_by_rank():
    z = np.arange(20.0)
    kept = truncate(z, 0.1)
    # floor(rank * 10 / 21): ranks 1-2 fall in group 0 and ranks 19-20 in group 9.
    assert kept.tolist() == [False, False] + [True] * 16 + [False, False]


def test_ratio_of_counts_follows_funnelplotr_transformed_zscore_and_its_limit_quirk():
    o, d = np.array(SR_OBSERVED, float), np.array(SR_EXPECTED, float)
    target = o.sum() / d.sum()
    dispersion = estimate_dispersion(o, d, scale="rc", target=target)
    s = np.sqrt(o / (o + 0.5) ** 2 + d / (d + 0.5) ** 2)
    close(dispersion.z, (np.log((o + 0.5) / (d + 0.5)) - np.log(target)) / s, 1e-12)
    assert dispersion.influence == "winsorise"
    # The limits use s = 1/(2 sqrt n), not the z-score's standard error.
    limits = additive_limits(target, d, dispersion.tau2, "rc")
    spread = np.sqrt(1 / (4 * d) + dispersion.tau2)
    close(limits.lower_99_8, target * np.exp(stats.norm.ppf(0.001) * spread), 1e-12)


def test_multiplicative_adjustment_inflates_the_normal_standard_error_by_root_phi():
    options: dict[str, Any] = {
        "kind": "proportion",
        "method": "normal",
        "overdispersion": "multiplicative",
    }
    funnel = compare(PR_ANSWERED, PR_COMPLAINTS, **options)
    theta, phi = funnel.target, funnel.phi
    assert phi is not None
    se = np.sqrt(theta * (1 - theta) / np.array(PR_COMPLAINTS))
    z = stats.norm.ppf(0.975)
    close(funnel.limits.lower_95, theta - z * np.sqrt(phi) * se, 1e-12)
    close(funnel.limits.upper_95, np.minimum(1, theta + z * np.sqrt(phi) * se), 1e-12)


def test_multiplicative_adjustment_of_exact_limits_moves_them_root_phi_further_out():
    plain = compare(SR_OBSERVED, SR_EXPECTED, kind="ratio")
    raw = ratio_limits(1.0, SR_EXPECTED, "exact", clip=False)
    inflated = compare(SR_OBSERVED, SR_EXPECTED, kind="ratio", overdispersion="multiplicative")
    assert inflated.phi is not None
    root_phi = np.sqrt(inflated.phi)
    close(inflated.limits.upper_99_8, 1 + root_phi * (raw.upper_99_8 - 1), 1e-12)
    assert contains(inflated.limits, plain.limits)


def test_no_adjustment_when_phi_is_at_most_one():
    # Counts close to what chance gives: phi < 1, so the unadjusted limits stand.
    observed = [98, 112, 165, 95, 101, 220]
    for overdispersion in ("multiplicative", "additive"):
        funnel = compare(observed, SR_EXPECTED, kind="ratio", overdispersion=overdispersion)
        assert funnel.phi is not None and funnel.phi <= 1
        assert not funnel.adjusted
        close(four(funnel.limits), four(ratio_limits(1.0, SR_EXPECTED)), 0)


def test_dispersion_needs_two_units_and_finite_z_scores():
    with pytest.raises(FunnelError, match="at least two"):
        compare([5], [10], kind="ratio", overdispersion="additive")
    with pytest.raises(FunnelError, match="sqrt scale"):
        compare([0, 5, 9], [4, 6, 8], kind="ratio", overdispersion="additive")
    # Without an adjustment asked for, phi is simply unknown.
    assert compare([5], [10], kind="ratio").phi is None
    assert compare([0, 5, 9], [4, 6, 8], kind="ratio", scale="sqrt").phi is not None


# --- Comparing units ---------------------------------------------------------------------


def test_a_value_on_a_limit_is_inside_and_strictly_outside_is_outside():
    limits = ratio_limits(1.0, [100.0] * 7)
    lo95, up95 = limits.lower_95[0], limits.upper_95[0]
    lo998, up998 = limits.lower_99_8[0], limits.upper_99_8[0]
    values = np.array([up998 + 1e-9, up998, up95 + 1e-9, 1.0, lo95, lo95 - 1e-9, lo998 - 1e-9])
    assert classify(values, limits) == [
        "high_alarm",
        "high_alert",
        "high_alert",
        "within",
        "within",
        "low_alert",
        "low_alarm",
    ]


def test_target_is_pooled_for_proportions_and_one_for_ratios_unless_given():
    assert compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion").target == pytest.approx(
        sum(PR_ANSWERED) / sum(PR_COMPLAINTS)
    )
    assert compare(SR_OBSERVED, SR_EXPECTED, kind="ratio").target == 1.0
    assert compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion", target=0.9).target == 0.9


def test_funnel_as_a_dict_has_one_row_per_unit_with_limits_and_flag():
    ids = [f"E0{i}" for i in range(10)]
    funnel = compare(PR_ANSWERED, PR_COMPLAINTS, kind="proportion", ids=ids)
    summary = funnel.to_dict()
    assert {"target", "phi", "tau2", "method", "rows"} <= set(summary)
    assert summary["method"] == "exact"
    assert [row["id"] for row in summary["rows"]] == ids
    assert set(summary["rows"][0]) == {
        "id", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "flag"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("numerator", "denominator", "kind", "message"),
    [
        ([1, 2], [3, 0], "ratio", "zero or negative denominator for b"),
        ([1, -2], [3, 4], "ratio", "negative numerator for b"),
        ([5, 2], [3, 4], "proportion", "numerator larger than the denominator for a"),
        ([1, float("nan")], [3, 4], "ratio", "missing or infinite"),
        ([1], [3, 4], "ratio", "same length"),
        ([], [], "ratio", "no units"),
    ],
)
def test_compare_refuses_data_it_cannot_use(numerator, denominator, kind, message):
    with pytest.raises(FunnelError, match=message):
        compare(numerator, denominator, kind=kind, ids=["a", "b"][: len(numerator)] or None)


def test_compare_refuses_options_that_do_not_fit_the_kind():
    with pytest.raises(FunnelError, match="unknown method"):
        compare([1, 2], [3, 4], kind="proportion", method="byar")
    with pytest.raises(FunnelError, match="log or sqrt"):
        compare([1, 2], [3, 4], kind="ratio", scale="asin")
    with pytest.raises(FunnelError, match="between 0 and 1"):
        compare([1, 2], [3, 4], kind="proportion", target=1.5)
    with pytest.raises(FunnelError, match="trim"):
        compare([1, 2], [3, 4], kind="ratio", trim=0.5)


@st.composite
def units(draw, kind: str):
    """Random councils: denominators and numerators with some spread between them."""
    size = draw(st.integers(3, 40))
    denominators = draw(st.lists(st.integers(5, 2000), min_size=size, max_size=size))
    if kind == "proportion":
        shares = draw(st.lists(st.floats(0.05, 0.95), min_size=size, max_size=size))
        numerators = [round(d * s) for d, s in zip(denominators, shares, strict=True)]
    else:
        ratios = draw(st.lists(st.floats(0.3, 3.0), min_size=size, max_size=size))
        numerators = [max(1, round(d * r)) for d, r in zip(denominators, ratios, strict=True)]
    return numerators, denominators


@settings(deadline=None, max_examples=60)
@given(data=st.data(), kind=st.sampled_from(["proportion", "ratio"]))
def test_multiplicative_limits_contain_unadjusted_ones_when_phi_exceeds_one(data, kind):
    numerators, denominators = data.draw(units(kind))
    methods = ("exact", "normal", "wilson") if kind == "proportion" else ("exact", "chisq", "byar")
    method = data.draw(st.sampled_from(methods))
    plain = compare(numerators, denominators, kind=kind, method=method)
    adjusted = compare(
        numerators, denominators, kind=kind, method=method, overdispersion="multiplicative"
    )
    assert adjusted.adjusted == (adjusted.phi is not None and adjusted.phi > 1)
    if adjusted.adjusted:
        assert contains(adjusted.limits, plain.limits)


@settings(deadline=None, max_examples=60)
@given(data=st.data(), kind=st.sampled_from(["proportion", "ratio"]))
def test_additive_limits_contain_their_own_scale_unadjusted_limits_when_phi_exceeds_one(data, kind):
    numerators, denominators = data.draw(units(kind))
    funnel = compare(numerators, denominators, kind=kind, overdispersion="additive")
    if funnel.adjusted:
        assert funnel.tau2 is not None and funnel.tau2 > 0
        d = np.asarray(denominators, dtype=float)
        unadjusted = additive_limits(funnel.target, d, 0.0, funnel.scale).clip(0, np.inf)
        assert contains(funnel.limits, unadjusted)


def test_additive_limits_can_sit_inside_exact_limits_at_small_denominators():
    # The additive limits are normal on the log scale; with little over-dispersion their
    # lower limit can sit above the exact (or FunnelPlotR's chi-square) one at a small E.
    additive = additive_limits(1.0, np.array([5.0]), 0.001, "log")
    assert additive.lower_95[0] > ratio_limits(1.0, [5.0], "exact").lower_95[0]
    assert additive.lower_95[0] > ratio_limits(1.0, [5.0], "chisq").lower_95[0]


# --- The command line ---------------------------------------------------------------------

runner = CliRunner()


def write_councils(path, numerators, denominators, header="council,answered,complaints"):
    pairs = zip(numerators, denominators, strict=True)
    rows = [f"E0600{i:04d},{n},{d}" for i, (n, d) in enumerate(pairs)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_funnel(path, *options):
    columns = ["--id", "council", "--numerator", "answered", "--denominator", "complaints"]
    return runner.invoke(app, ["funnel", str(path), *columns, *options])


def test_funnel_command_prints_one_json_object_with_a_row_per_council(tmp_path):
    csv = write_councils(tmp_path / "s1.csv", PR_ANSWERED, PR_COMPLAINTS)
    result = run_funnel(
        csv, "--kind", "proportion", "--overdispersion", "additive", "--format", "json"
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    close(summary["target"], 0.8222222)
    close(summary["phi"], 5.313332)
    close(summary["tau2"], 0.009528529)
    assert summary["method"] == "exact"
    rows = summary["rows"]
    assert [row["id"] for row in rows] == [f"E0600{i:04d}" for i in range(10)]
    # (C) The council with 40 complaints carries the over-dispersed limits at n = 40.
    close(
        [rows[8][k] for k in ("lower_95", "upper_95", "lower_99_8", "upper_99_8")],
        [0.603205, 0.964682, 0.462013, 0.997785],
    )
    assert rows[8]["value"] == 0.5 and rows[8]["flag"] == "low_alert"
    assert not any(row["flag"].endswith("alarm") for row in rows)


def test_funnel_command_takes_observed_and_expected_for_a_ratio(tmp_path):
    csv = write_councils(tmp_path / "sr.csv", SR_OBSERVED, SR_EXPECTED)
    result = run_funnel(csv, "--kind", "ratio", "--overdispersion", "additive", "--format", "json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["target"] == 1.0
    close([summary["phi"], summary["tau2"]], [2.948033, 0.01947753])
    close(summary["rows"][5]["upper_99_8"], 1.614404)  # E = 220


def test_funnel_command_passes_method_scale_trim_and_target_through(tmp_path):
    csv = write_councils(tmp_path / "sr.csv", SR_OBSERVED, SR_EXPECTED)
    result = run_funnel(
        csv, "--kind", "ratio", "--scale", "sqrt", "--trim", "0.1", "--method", "byar",
        "--target", "1.1", "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["method"] == "byar" and summary["target"] == 1.1
    assert summary["scale"] == "sqrt"
    expected = ratio_limits(1.1, SR_EXPECTED, "byar").upper_95
    close([row["upper_95"] for row in summary["rows"]], expected, 1e-12)


def test_funnel_command_prints_readable_text_by_default(tmp_path):
    csv = write_councils(tmp_path / "s1.csv", PR_ANSWERED, PR_COMPLAINTS)
    result = run_funnel(csv, "--kind", "proportion")
    assert result.exit_code == 0, result.output
    assert "10 councils" in result.output and "exact binomial" in result.output
    assert "try --overdispersion additive" in result.output
    assert "E06000009" in result.output and "low_alarm" in result.output
    assert "well below the range expected (outside 99.8%): 4" in result.output


@pytest.mark.parametrize(
    ("content", "options", "message"),
    [
        (None, [], "no such file"),
        ("council,answered,total\nA,1,2\n", [], "no column 'complaints'"),
        ("council,answered,complaints\nA,1,2\nB,x,5\n", [], "row 3 is 'x'"),
        ("council,answered,complaints\nA,1,2\nB,1,\n", [], "row 3 is blank"),
        ("council,answered,complaints\nA,1,2\nB,0,0\n", [], "zero or negative denominator for B"),
        ("council,answered,complaints\nA,1,2\n", ["--format", "xml"], "text or json"),
        ("council,answered,complaints\nA,1,2\n", ["--method", "byar"], "unknown method"),
        ("council,answered,complaints\nA,1,2\n", ["--overdispersion", "big"], "over-dispersion"),
    ],
)
def test_funnel_command_explains_bad_input_and_exits_2(tmp_path, content, options, message):
    csv = tmp_path / "in.csv"
    if content is not None:
        csv.write_text(content, encoding="utf-8")
    result = run_funnel(csv, "--kind", "proportion", *options)
    assert result.exit_code == 2, result.output
    assert "Error" in result.output and message in " ".join(result.output.split())
    assert "Traceback" not in result.output
