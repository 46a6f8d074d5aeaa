"""Exact binomial and Poisson funnel limits with Spiegelhalter's interpolation.

Spiegelhalter (2005), Appendix A.1.1: take the discrete quantile r_p, the smallest r with
F(r) >= p, and interpolate between it and r_p - 1 so the limits form a smooth funnel:

    limit = (r_p - alpha) / n,   alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1))

The limit is continuous in p, so an off-by-one quantile at an exact tie gives the same limit.

At the top of a proportion's range the interpolation fails: when r_p = n, observing all n
is not unusual (P(X = n) > 1 - p), yet (n - alpha) / n sits just under 1, so every unit at
100% would lie "above" it (the cause of the demo's compliance funnel flagging 272 councils at
100%). The upper limit is then 1, the bound itself, as the lower limit is 0 (clipped) when
r_p = 0: the mirror image, the lower limit of the n - X failures, is 0 there too.
scipy's ``ppf`` would find r_p but costs about 2 microseconds a call; starting from a
Cornish-Fisher guess and stepping with the pmf needs one cdf call per unit, which is what
lets 10,000 units run in a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats

from scrutiny.measures.funnel.arrays import Array

# Cornish-Fisher starts within a step or two of r_p; this only stops a runaway loop.
MAX_STEPS = 10_000


def binomial_limit(theta: float, n: Array, p: float) -> Array:
    """Interpolated exact binomial limit at tail probability P for denominators N (untruncated)."""
    n = np.asarray(n, dtype=np.float64)
    if theta <= 0.0 or theta >= 1.0:
        # No variation is possible: every unit must sit on the target.
        return np.full(n.shape, float(theta))
    sd = np.sqrt(n * theta * (1.0 - theta))
    start = _cornish_fisher(n * theta, sd, (1.0 - 2.0 * theta) / sd, p)

    def cdf(r: Array, i: NDArray[np.intp]) -> Array:
        return np.asarray(stats.binom.cdf(r, n[i], theta), dtype=np.float64)

    def pmf(r: Array, i: NDArray[np.intp]) -> Array:
        # From logs rather than scipy's binom.pmf, which overflows for a tiny theta.
        m = n[i]
        log_choose = special.gammaln(m + 1) - special.gammaln(r + 1) - special.gammaln(m - r + 1)
        return np.asarray(
            np.exp(log_choose + special.xlogy(r, theta) + special.xlog1py(m - r, -theta))
        )

    r, cum, mass = _discrete_quantile(p, start, n, cdf, pmf)
    limit = (r - (cum - p) / mass) / n
    if p > 0.5:  # reaching every one of n is not unusual: nothing lies above the limit
        limit = np.where(r >= n, 1.0, limit)
    return np.asarray(limit)


def poisson_limit(theta: float, denominator: Array, p: float) -> Array:
    """Interpolated exact Poisson limit for the rate O/denominator, with mean THETA*denominator."""
    denominator = np.asarray(denominator, dtype=np.float64)
    mu = theta * denominator
    if theta <= 0.0:
        return np.zeros(denominator.shape)
    sd = np.sqrt(mu)
    start = _cornish_fisher(mu, sd, 1.0 / sd, p)

    def cdf(r: Array, i: NDArray[np.intp]) -> Array:
        return np.asarray(special.pdtr(r, mu[i]), dtype=np.float64)

    def pmf(r: Array, i: NDArray[np.intp]) -> Array:
        return np.asarray(stats.poisson.pmf(r, mu[i]), dtype=np.float64)

    r, cum, mass = _discrete_quantile(p, start, np.full(mu.shape, np.inf), cdf, pmf)
    return (r - (cum - p) / mass) / denominator


def _cornish_fisher(mean: Array, sd: Array, skew: Array, p: float) -> Array:
    """A starting guess for the p-quantile of a discrete distribution."""
    z = float(special.ndtri(p))
    return np.floor(mean + sd * (z + skew * (z * z - 1.0) / 6.0))


def _discrete_quantile(
    p: float,
    start: Array,
    top: Array,
    cdf: Callable[[Array, NDArray[np.intp]], Array],
    pmf: Callable[[Array, NDArray[np.intp]], Array],
) -> tuple[Array, Array, Array]:
    """The smallest r in [0, TOP] with F(r) >= P, with F(r) and f(r), stepping from START."""
    r = np.clip(start, 0.0, top)
    everyone = np.arange(r.size)
    cum = cdf(r, everyone)
    mass = pmf(r, everyone)
    # Up first, then down: a unit that has just stepped up cannot step straight back
    # except at a rounding tie, where either r gives the same interpolated limit.
    for _ in range(MAX_STEPS):
        (i,) = np.nonzero((cum < p) & (r < top))
        if i.size == 0:
            break
        r[i] += 1.0
        mass[i] = pmf(r[i], i)
        cum[i] += mass[i]
    else:
        raise RuntimeError("the discrete quantile search did not converge")
    for _ in range(MAX_STEPS):
        (i,) = np.nonzero((cum - mass >= p) & (r > 0.0))
        if i.size == 0:
            break
        cum[i] -= mass[i]
        r[i] -= 1.0
        mass[i] = pmf(r[i], i)
    else:
        raise RuntimeError("the discrete quantile search did not converge")
    return r, cum, mass
