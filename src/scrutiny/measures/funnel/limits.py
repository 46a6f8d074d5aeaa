"""Unadjusted funnel limits for proportions and for ratios and rates (methods note 1.2-1.3).

Limits come in two levels: 95% (tail probabilities 0.025 and 0.975, the "alert" lines) and
99.8% (0.001 and 0.999, the "alarm" lines). Every function works on arrays of denominators.

Ratios and rates share one formulation: the numerator is a Poisson count with mean
theta * denominator. For an indirectly standardised ratio O/E the denominator is E and
theta is 1; for a rate it is the population and theta the target rate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import special

from scrutiny.measures.funnel.arrays import Array, Values
from scrutiny.measures.funnel.byar import byar_limit
from scrutiny.measures.funnel.exact import binomial_limit, poisson_limit

ProportionMethod = Literal["exact", "normal", "wilson"]
RatioMethod = Literal["exact", "chisq", "byar", "normal"]
PROPORTION_METHODS: tuple[str, ...] = ("exact", "normal", "wilson")
RATIO_METHODS: tuple[str, ...] = ("exact", "chisq", "byar", "normal")
# (lower, upper) tail probabilities of the two levels, in the order of Limits' fields.
TAILS = (0.025, 0.975, 0.001, 0.999)


@dataclass(frozen=True)
class Limits:
    """Lower and upper funnel limits at 95% and 99.8%, one value per denominator."""

    lower_95: Array
    upper_95: Array
    lower_99_8: Array
    upper_99_8: Array

    def map(self, change: Callable[[Array, float], Array]) -> Limits:
        """Apply CHANGE(limit, tail probability) to each of the four limits."""
        return Limits(*(change(limit, p) for limit, p in zip(self.as_tuple(), TAILS, strict=True)))

    def clip(self, low: float, high: float) -> Limits:
        """The limits held within [LOW, HIGH], e.g. [0, 1] for proportions."""
        return self.map(lambda limit, _: np.clip(limit, low, high))

    def outside(self, other: Limits) -> Limits:
        """The wider of these limits and OTHER's at each denominator."""
        lower_95, upper_95, lower_99_8, upper_99_8 = other.as_tuple()
        return Limits(
            np.minimum(self.lower_95, lower_95),
            np.maximum(self.upper_95, upper_95),
            np.minimum(self.lower_99_8, lower_99_8),
            np.maximum(self.upper_99_8, upper_99_8),
        )

    def as_tuple(self) -> tuple[Array, Array, Array, Array]:
        """The four limits in field order."""
        return (self.lower_95, self.upper_95, self.lower_99_8, self.upper_99_8)


def limits_from(limit: Callable[[float], Array]) -> Limits:
    """Limits from LIMIT(tail probability), evaluated at each of the four tails."""
    lower_95, upper_95, lower_99_8, upper_99_8 = (limit(p) for p in TAILS)
    return Limits(lower_95, upper_95, lower_99_8, upper_99_8)


def proportion_limits(
    target: float, denominator: Values, method: ProportionMethod = "exact", *, clip: bool = True
) -> Limits:
    """Funnel limits for a proportion with target THETA0 at each denominator n.

    exact: binomial with Spiegelhalter's interpolation (needs whole-number n); normal:
    theta0 +/- z sqrt(theta0 (1 - theta0) / n); wilson: the OHID/Fingertips method, the
    proportions whose Wilson score interval just touches the target, which turn out to be
    the normal limits (see wilson_limit). CLIP=False keeps the
    raw values outside [0, 1], which the multiplicative over-dispersion adjustment needs.
    """
    n = np.asarray(denominator, dtype=np.float64)
    if method == "exact":
        if np.any(n != np.round(n)):
            raise ValueError("exact binomial limits need whole-number denominators")
        limits = limits_from(lambda p: binomial_limit(target, n, p))
    elif method == "normal":
        sd = np.sqrt(target * (1.0 - target) / n)
        limits = limits_from(lambda p: target + float(special.ndtri(p)) * sd)
    elif method == "wilson":
        limits = limits_from(lambda p: wilson_limit(target, n, p))
    else:
        raise ValueError(f"unknown proportion method {method!r}: use one of {PROPORTION_METHODS}")
    return limits.clip(0.0, 1.0) if clip else limits


def ratio_limits(
    target: float, denominator: Values, method: RatioMethod = "exact", *, clip: bool = True
) -> Limits:
    """Funnel limits for a ratio O/E (target 1) or a rate O/population (target rate).

    exact: Poisson with Spiegelhalter's interpolation; chisq: FunnelPlotR's unadjusted
    limits qchisq(p, 2 mu)/2 and qchisq(p, 2 (mu + 1))/2 over the denominator; byar: the
    OHID method (exact below 10 events, Byar's from 10); normal: theta0 +/- z sqrt(theta0/E).
    CLIP=False keeps negative lower limits, which the multiplicative adjustment needs.
    """
    d = np.asarray(denominator, dtype=np.float64)
    if method == "exact":
        limits = limits_from(lambda p: poisson_limit(target, d, p))
    elif method == "chisq":
        limits = limits_from(lambda p: chisq_limit(target, d, p))
    elif method == "byar":
        limits = limits_from(lambda p: byar_limit(target, d, p))
    elif method == "normal":
        sd = np.sqrt(target / d)
        limits = limits_from(lambda p: target + float(special.ndtri(p)) * sd)
    else:
        raise ValueError(f"unknown ratio method {method!r}: use one of {RATIO_METHODS}")
    return limits.clip(0.0, np.inf) if clip else limits


def wilson_limit(target: float, n: Array, p: float) -> Array:
    """The proportion whose Wilson score interval at level P just touches TARGET.

    The methods note (1.2) gives OHID's closed form as the root of a quadratic. The Wilson
    interval of y is every a with |y - a| <= z sqrt(a (1 - a) / n), the score test
    inverted, so the y whose interval ends at the target is target +/- z sqrt(target
    (1 - target) / n): the normal limits, with the standard error at the target. That form
    is used here because the quadratic loses digits near 0 and 1; the tests check the two
    agree and reproduce OHID's published funnel.
    """
    return np.asarray(target + float(special.ndtri(p)) * np.sqrt(target * (1.0 - target) / n))


def chisq_limit(target: float, denominator: Array, p: float) -> Array:
    """FunnelPlotR's unadjusted Poisson limit: the exact interval of a count equal to mu."""
    mu = target * denominator
    # qchisq(p, 2k) / 2 is the regularised incomplete gamma inverse at shape k.
    shape = mu if p < 0.5 else mu + 1.0
    return np.asarray(special.gammaincinv(shape, p) / denominator)
