"""OHID/Fingertips funnel limits for ratios and rates: exact below 10 events, Byar's from 10.

PHEindicatormethods calls a ratio O/E significant when the confidence interval of the
observed count O excludes the expected count: exact chi-square limits for O < 10, Byar's
approximation for O >= 10 (methods note 1.3):

    lower(O) = O (1 - 1/(9O) - z/(3 sqrt O))^3
    upper(O) = (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3

The funnel limit at expected count mu is the count O* whose interval just touches mu, over
the denominator, so a unit lies outside the funnel exactly when its own interval excludes
mu. Byar's formula cannot be inverted in closed form, so O* is found by Newton's method
(bisection on the exact part), vectorised over units.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from scrutiny.measures.funnel.arrays import Array

EXACT_BELOW = 10.0  # counts below this use exact chi-square limits, as PHEindicatormethods
BISECTIONS = 80
NEWTON_STEPS = 50


def byar_limit(theta: float, denominator: Array, p: float) -> Array:
    """The OHID ratio/rate limit at tail probability P, mean THETA*denominator."""
    denominator = np.asarray(denominator, dtype=np.float64)
    mu = theta * denominator
    count = touching_count(mu, p)
    return count / denominator


def touching_count(mu: Array, p: float) -> Array:
    """The observed count whose interval just reaches MU: the funnel limit as a count.

    A lower limit (p < 0.5) is where the interval's upper end, a function of O + 1, reaches
    mu; an upper limit is where its lower end, a function of O, does. Both are written as
    g(O + shift) with g(a) = gammaincinv(a, 1 - p) below 10 events and Byar's from 10.
    """
    mu = np.asarray(mu, dtype=np.float64)
    shift = 1.0 if p < 0.5 else 0.0
    exact_top = float(special.gammaincinv(EXACT_BELOW + shift, 1.0 - p))
    byar_bottom = float(_byar(np.array(EXACT_BELOW + shift), p))
    count = np.maximum(EXACT_BELOW, _invert_byar(mu, p, shift))
    exact = mu < min(exact_top, byar_bottom)
    if exact.any():
        count[exact] = _invert_exact(mu[exact], p, shift)
    return count


def _byar(m: Array, p: float) -> Array:
    """Byar's end of the interval for count m (m = O + 1 for the upper end)."""
    z = float(special.ndtri(p))
    return np.asarray(m * (1.0 - 1.0 / (9.0 * m) - z / (3.0 * np.sqrt(m))) ** 3)


def _invert_byar(mu: Array, p: float, shift: float) -> Array:
    """Solve Byar(O + shift) = mu for O, in w = (O + shift)^(1/6) where it is smooth.

    Taking cube roots, w^2 - w^-4/9 - (z/3) w^-1 = mu^(1/3), increasing for w above the
    bound below. Iterates are held at the bound, so a mu below Byar's range returns O = 10.
    """
    z = float(special.ndtri(p))
    target = np.cbrt(mu)
    bound = (EXACT_BELOW + shift) ** (1.0 / 6.0)

    def h(w: Array) -> Array:
        return np.asarray(w * w - w**-4 / 9.0 - (z / 3.0) / w)

    # Where even the bound overshoots, the root lies below Byar's range: leave it there.
    free = h(np.array(bound)) < target
    w = np.where(free, np.maximum(np.sqrt(target), bound), bound)
    for _ in range(NEWTON_STEPS):
        slope = 2.0 * w + (4.0 / 9.0) * w**-5 + (z / 3.0) * w**-2
        step = (h(w) - target) / slope
        w = np.maximum(w - step, bound)
        if np.all(np.abs(step[free]) <= 1e-14 * w[free]):
            break
    return np.asarray(w**6 - shift)


def _invert_exact(mu: Array, p: float, shift: float) -> Array:
    """Solve gammaincinv(O + shift, 1 - p) = mu for O in [0, 10] by bisection.

    gammaincinv(a, q) = mu exactly when gammainc(a, mu) = q, which falls as a rises. A lower
    limit below the smallest reachable mu is 0: no count is low enough to be an outlier.
    """
    low = np.full(mu.shape, shift)
    high = np.full(mu.shape, EXACT_BELOW + shift)
    for _ in range(BISECTIONS):
        middle = 0.5 * (low + high)
        above = special.gammainc(middle, mu) > 1.0 - p
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
    return np.asarray(0.5 * (low + high) - shift)
