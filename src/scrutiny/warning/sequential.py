"""Sequential detectors: CUSUMs on each council's own series, with a stated false-alert rate.

A Shewhart-type rule (an XmR point, a quarter against the year before) looks at one period
at a time, so a slow, sustained change slips under it. A cumulative sum (CUSUM) adds up
the evidence period by period: each period adds its log-likelihood ratio of "shifted"
against "as usual", and the sum is floored at zero, so periods that look usual wear it
back down. The council is signalled when the sum passes a threshold h.

- Proportions (answered on time, upheld, escalated: x successes out of n in a period),
  for a shift from the usual proportion p0 to p1 (below p0 when a fall is worse, above
  when a rise is): x log(p1/p0) + (n - x) log((1 - p1)/(1 - p0)).
- Volumes and rates (x cases over an exposure E, such as a population in 10,000s), for a
  shift from the usual rate r0 to r1 per unit of exposure: x log(r1/r0) - E (r1 - r0).

A period with no cases (n or E of 0) adds nothing. After a signal the sum starts again
from zero, so a council that stays worse signals again rather than sitting above its
limit. Every council is run at once: the recursion loops over periods, with one numpy
array across the councils.

h is set by simulation (calibrate), so that at most a stated share of in-control
council-years (one in 100 by default) have a signal; the achieved share comes with an
exact 95% interval, and the average run length says how fast the tuned shift is found.
Councils with too few cases for a CUSUM to mean much get a beta-binomial check instead
(small_numbers_check), which says plainly when there is too little data to judge.

This module is statistics only: scrutiny.warning.signals decides which indicators it
watches, and scrutiny.warning.signals.cusums writes the sentence and evidence of each signal
(CusumRun.climbs says when each climb began).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import stats

if TYPE_CHECKING:
    # only for the type: the signals will import this module, so a run-time import of
    # their package from here would be circular
    from scrutiny.warning.signals.model import Worse

Array = NDArray[np.float64]
NO_PERIOD = -1  # in an index array: no such period (no signal, or never zero before it)
SIMULATIONS = 20_000
CONFIDENCE = 0.95
# An out-of-control series that has not signalled by then counts as found then: the
# average run length is a lower bound when any were cut off (Calibration.censored says).
MAX_RUN_YEARS = 20


@dataclass(frozen=True)
class _Shift:
    """A shift from the usual level (BASELINE) to the level a detector is tuned to find."""

    baseline: float
    shifted: float

    @property
    def worse(self) -> Worse:
        """Which way is worse: the way the tuned shift goes."""
        return "down" if self.shifted < self.baseline else "up"

    def level(self, out_of_control: bool) -> float:
        """The level a simulated council has: the shifted one when OUT_OF_CONTROL."""
        return self.shifted if out_of_control else self.baseline


@dataclass(frozen=True)
class BinomialShift(_Shift):
    """A shift in a proportion from the usual BASELINE (p0) to SHIFTED (p1)."""

    def __post_init__(self) -> None:
        p0, p1 = self.baseline, self.shifted
        if not (0 < p0 < 1 and 0 < p1 < 1) or p0 == p1:
            raise ValueError(f"p0 and p1 must differ and lie strictly between 0 and 1: {self}")

    def increments(self, successes: ArrayLike, trials: ArrayLike) -> Array:
        """Each period's log-likelihood ratio of p1 against p0."""
        x, n = _present(successes, trials)
        p0, p1 = self.baseline, self.shifted
        return x * math.log(p1 / p0) + (n - x) * math.log((1 - p1) / (1 - p0))

    def draw(
        self, rng: np.random.Generator, size: float, shape: tuple[int, int], out_of_control: bool
    ) -> Array:
        """Simulated successes out of SIZE cases a period."""
        return rng.binomial(int(size), self.level(out_of_control), shape).astype(np.float64)


@dataclass(frozen=True)
class PoissonShift(_Shift):
    """A shift in a rate per unit of exposure, from BASELINE (r0) to SHIFTED (r1)."""

    def __post_init__(self) -> None:
        if self.baseline <= 0 or self.shifted <= 0 or self.baseline == self.shifted:
            raise ValueError(f"r0 and r1 must differ and be above 0: {self}")

    def increments(self, counts: ArrayLike, exposure: ArrayLike) -> Array:
        """Each period's log-likelihood ratio of r1 against r0."""
        x, e = _present(counts, exposure)
        r0, r1 = self.baseline, self.shifted
        return x * math.log(r1 / r0) - e * (r1 - r0)

    def draw(
        self, rng: np.random.Generator, size: float, shape: tuple[int, int], out_of_control: bool
    ) -> Array:
        """Simulated counts over an exposure of SIZE a period."""
        return rng.poisson(size * self.level(out_of_control), shape).astype(np.float64)


Shift = BinomialShift | PoissonShift


@dataclass(frozen=True)
class CusumRun:
    """A CUSUM over councils (rows) and periods (columns), and where it signalled."""

    sums: Array  # the sum at each period's end (above the threshold where it signalled)
    signals: NDArray[np.bool_]  # the sum passed the threshold this period (then restarted)
    threshold: float

    @property
    def first_signal(self) -> NDArray[np.int64]:
        """Each council's first signalled period, or NO_PERIOD."""
        return np.where(self.signals.any(axis=1), self.signals.argmax(axis=1), NO_PERIOD)

    @property
    def last_zero(self) -> NDArray[np.int64]:
        """The last period the sum was zero before each council's first signal, or NO_PERIOD.

        The climb starts the period after; NO_PERIOD with a signal means it climbed from the
        first period, and without one that there was no signal.
        """
        first = self.first_signal
        periods = np.arange(self.sums.shape[1])
        zero_before = (self.sums == 0) & (periods[None, :] < first[:, None])
        last = self.sums.shape[1] - 1 - zero_before[:, ::-1].argmax(axis=1)
        return np.where(zero_before.any(axis=1), last, NO_PERIOD)

    def climbs(self) -> list[tuple[int, int, int]]:
        """Every signal as (council row, period it signalled in, period its climb began).

        The climb begins the period after the sum was last zero, or was restarted by an
        earlier signal; at the first period when it never was.
        """
        restarted = (self.sums == 0) | self.signals
        found = []
        for row, column in zip(*np.nonzero(self.signals), strict=True):
            before = np.flatnonzero(restarted[row, :column])
            found.append((int(row), int(column), int(before[-1]) + 1 if before.size else 0))
        return found


def cusum(increments: ArrayLike, threshold: float | ArrayLike) -> CusumRun:
    """The CUSUM of each row of INCREMENTS (councils by periods), floored at zero.

    THRESHOLD is one h for every council and period, or an array that broadcasts to
    INCREMENTS' shape (one h per council, or per council and period); the run's threshold
    is then the largest.
    """
    steps = np.atleast_2d(np.asarray(increments, dtype=np.float64))
    limits = np.broadcast_to(np.asarray(threshold, dtype=np.float64), steps.shape)
    sums = np.zeros_like(steps)
    signals = np.zeros(steps.shape, dtype=bool)
    total = np.zeros(steps.shape[0])
    for t in range(steps.shape[1]):
        total = np.maximum(total + steps[:, t], 0.0)
        sums[:, t] = total
        signals[:, t] = total > limits[:, t]
        total = np.where(signals[:, t], 0.0, total)
    return CusumRun(sums=sums, signals=signals, threshold=float(limits.max(initial=0.0)))


def binomial_cusum(
    successes: ArrayLike, trials: ArrayLike, p0: float, p1: float, threshold: float
) -> CusumRun:
    """The binomial CUSUM for a shift from P0 to P1, councils by periods."""
    return cusum(BinomialShift(p0, p1).increments(successes, trials), threshold)


def poisson_cusum(
    counts: ArrayLike, exposure: ArrayLike, rate0: float, rate1: float, threshold: float
) -> CusumRun:
    """The Poisson CUSUM for a shift from RATE0 to RATE1 per unit of exposure."""
    return cusum(PoissonShift(rate0, rate1).increments(counts, exposure), threshold)


@dataclass(frozen=True)
class Calibration:
    """A threshold set by simulation, with what it achieves in and out of control."""

    threshold: float
    target_rate: float  # the false-alert rate per council-year asked for
    false_alert_rate: float  # the share of simulated in-control council-years with a signal
    interval: tuple[float, float]  # its exact (Clopper-Pearson) 95% interval
    simulations: int
    seed: int
    periods_per_year: int
    average_run_length: float  # periods from the shift to the signal, from a zero sum
    detected_within_year: float  # the share of shifted series found within a year
    censored: float  # the share of shifted series not found in MAX_RUN_YEARS


def calibrate(
    shift: Shift,
    size_per_period: float,
    periods_per_year: int,
    false_alert_rate_per_year: float = 0.01,
    simulations: int = SIMULATIONS,
    seed: int = 0,
) -> Calibration:
    """The lowest threshold at which at most the stated share of in-control council-years signal.

    The simulation: SIMULATIONS in-control councils, each with SIZE_PER_PERIOD cases (or
    exposure) a period, run for a warm-up year and then the year that is counted, so the
    sum enters the year as it would for a council monitored all along (a fresh start at
    zero would understate the rate; the warm-up is run without restarts, which if anything
    overstates it). A council-year has a signal when its sum passes h in any of its
    periods, so h is the order statistic of the yearly maxima that leaves at most
    FALSE_ALERT_RATE_PER_YEAR of them above it. Then SIMULATIONS shifted councils are run
    from a zero sum until they signal, for the average run length.
    """
    if not 0 < false_alert_rate_per_year < 1:
        raise ValueError("the false-alert rate per year must lie strictly between 0 and 1")
    rng = np.random.default_rng(seed)
    shape = (simulations, 2 * periods_per_year)
    steps = shift.increments(
        shift.draw(rng, size_per_period, shape, out_of_control=False), size_per_period
    )
    run = cusum(steps, math.inf)
    maxima = np.sort(run.sums[:, periods_per_year:].max(axis=1))
    keep = math.ceil((1 - false_alert_rate_per_year) * simulations)
    threshold = float(maxima[keep - 1])
    alerts = int((maxima > threshold).sum())
    ci = stats.binomtest(alerts, simulations).proportion_ci(CONFIDENCE, method="exact")
    lengths = _run_lengths(shift, size_per_period, periods_per_year, threshold, simulations, rng)
    limit = MAX_RUN_YEARS * periods_per_year
    return Calibration(
        threshold=threshold,
        target_rate=false_alert_rate_per_year,
        false_alert_rate=alerts / simulations,
        interval=(float(ci.low), float(ci.high)),
        simulations=simulations,
        seed=seed,
        periods_per_year=periods_per_year,
        average_run_length=float(lengths.mean()),
        detected_within_year=float((lengths <= periods_per_year).mean()),
        censored=float((lengths > limit).mean()),
    )


class SimulationOptions(TypedDict, total=False):
    """calibrate's settings, which calibrate_threshold passes on: see calibrate's defaults."""

    false_alert_rate_per_year: float
    simulations: int
    seed: int


def calibrate_threshold(
    p0: float,
    p1: float,
    n_per_period: int,
    periods_per_year: int,
    **options: Unpack[SimulationOptions],
) -> Calibration:
    """calibrate for the binomial CUSUM: a shift from P0 to P1 with N_PER_PERIOD cases a period."""
    return calibrate(BinomialShift(p0, p1), n_per_period, periods_per_year, **options)


def _run_lengths(
    shift: Shift,
    size: float,
    periods_per_year: int,
    threshold: float,
    simulations: int,
    rng: np.random.Generator,
) -> Array:
    """Periods to the first signal of shifted series from a zero sum (a year at a time)."""
    lengths = np.full(simulations, math.inf)
    total = np.zeros(simulations)
    for year in range(MAX_RUN_YEARS):
        steps = shift.increments(
            shift.draw(rng, size, (simulations, periods_per_year), out_of_control=True), size
        )
        for t in range(periods_per_year):
            total = np.maximum(total + steps[:, t], 0.0)
            found = (total > threshold) & np.isinf(lengths)
            lengths[found] = year * periods_per_year + t + 1
        if not np.isinf(lengths).any():
            break
    return np.where(np.isinf(lengths), MAX_RUN_YEARS * periods_per_year + 1, lengths)


def _present(counts: ArrayLike, sizes: ArrayLike) -> tuple[Array, Array]:
    """COUNTS and SIZES with missing periods (either not a number, or no size) as 0 and 0."""
    x, n = np.broadcast_arrays(
        np.asarray(counts, dtype=np.float64), np.asarray(sizes, dtype=np.float64)
    )
    missing = np.isnan(x) | np.isnan(n) | (n <= 0)
    return np.where(missing, 0.0, x), np.where(missing, 0.0, n)


# Small numbers: a beta-binomial check. With a handful of cases a CUSUM (or a z-test)
# cannot reach its limit however badly things go, and silence would read as "fine".
JEFFREYS = (0.5, 0.5)  # the prior: Beta(1/2, 1/2), which lets the few cases speak for themselves
ALERT_PROBABILITY = 0.9  # "worse" when the posterior puts at least this much beyond p1
Verdict = Literal["worse", "too little data", "no sign of a shift"]


@dataclass(frozen=True)
class SmallNumbersCheck:
    """What a handful of cases says about each council's proportion (arrays across councils)."""

    probability_worse: Array  # the posterior probability the proportion is at or beyond p1
    lower: Array  # the central 95% credible interval
    upper: Array
    verdict: NDArray[np.str_]
    prior: tuple[float, float]


def small_numbers_check(
    successes: ArrayLike,
    trials: ArrayLike,
    p0: float,
    p1: float,
    prior: tuple[float, float] = JEFFREYS,
    alert_probability: float = ALERT_PROBABILITY,
) -> SmallNumbersCheck:
    """Whether each council's proportion is worse than the usual P0 by the shift to P1.

    With a Beta(a, b) PRIOR (Jeffreys' by default) and x successes out of n, the
    proportion's posterior is Beta(a + x, b + n - x). The verdict:

    - "worse" when the posterior probability that the proportion is at or beyond P1 (on
      the worse side) is at least ALERT_PROBABILITY: few cases can still be clear, as when
      all three of three recommendations are late against a usual 90% on time;
    - otherwise "too little data" when the central 95% credible interval is wider than
      twice the shift |P0 - P1|: too wide to tell the usual proportion from the shifted
      one, so no verdict of "fine" is given either;
    - otherwise "no sign of a shift".
    """
    shift = BinomialShift(p0, p1)
    x, n = _present(successes, trials)
    a, b = prior[0] + x, prior[1] + n - x
    below = stats.beta.cdf(p1, a, b)
    probability = below if shift.worse == "down" else 1 - below
    lower, upper = (
        stats.beta.ppf((1 - CONFIDENCE) / 2, a, b),
        stats.beta.ppf((1 + CONFIDENCE) / 2, a, b),
    )
    wide = (upper - lower) > 2 * abs(p0 - p1)
    verdict = np.where(
        probability >= alert_probability,
        "worse",
        np.where(wide, "too little data", "no sign of a shift"),
    )
    return SmallNumbersCheck(
        probability_worse=np.asarray(probability, dtype=np.float64),
        lower=np.asarray(lower, dtype=np.float64),
        upper=np.asarray(upper, dtype=np.float64),
        verdict=verdict,
        prior=prior,
    )
