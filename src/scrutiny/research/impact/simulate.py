"""Validation on known truth: synthetic panels with a set effect of compliance.

Each panel has UNITS councils over PERIODS quarters: council effects, a common trend, and
noise that carries over from quarter to quarter (AR(1), so clustering matters). A share
of councils is treated, each at its own quarter (staggered timing, every window inside
the data); the rest never are. The effect after compliance is either constant (EFFECT
from event time 0 on) or grows (EFFECT x (e + 1) / (POST + 1) at event time e, without
limit), the case that biases two-way fixed effects. The panels go through the same design
and estimators as real data (scrutiny.research.impact.design and .estimate), with comparisons
drawn in a random order instead of by nearest neighbour.

The truth each estimate is scored against is the average effect over event times 0 to
POST: EFFECT when constant, EFFECT x (POST + 2) / (2 x (POST + 1)) when growing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from scrutiny.research.impact.design import match_comparisons, pooled_panel, stack_panel
from scrutiny.research.impact.estimate import stacked, twfe


@dataclass(frozen=True)
class Scenario:
    """One simulated world: how big the effect is and how it unfolds."""

    effect: float
    dynamic: bool = False  # the effect grows with time since compliance
    units: int = 150
    periods: int = 20
    treated_share: float = 0.3
    pre: int = 4
    post: int = 4
    k: int = 10
    noise: float = 1.0
    rho: float = 0.5  # carry-over of noise from one quarter to the next

    @property
    def truth(self) -> float:
        """The average effect over event times 0 to POST."""
        if not self.dynamic:
            return self.effect
        return self.effect * (self.post + 2) / (2 * (self.post + 1))

    @property
    def name(self) -> str:
        return f"{'growing' if self.dynamic else 'constant'} effect {self.effect:g}"


@dataclass(frozen=True)
class SimulatedPanel:
    """A panel in the study's shapes: the panel, first compliances, live recommendations."""

    panel: pl.DataFrame  # authority_code, period, value
    firsts: pl.DataFrame  # authority_code, g
    live: pl.DataFrame  # authority_code, first_period, last_period
    order: np.ndarray  # a random order of every council, for choosing comparisons


def simulate_panel(rng: np.random.Generator, scenario: Scenario) -> SimulatedPanel:
    """One synthetic panel for SCENARIO, drawn with RNG."""
    n, t = scenario.units, scenario.periods
    codes = np.array([f"S{i:04d}" for i in range(n)])
    council = rng.normal(0.0, 1.0, n)
    trend = np.cumsum(rng.normal(0.0, 0.3, t))
    shocks = rng.normal(0.0, scenario.noise, (n, t))
    noise = np.empty((n, t))
    noise[:, 0] = shocks[:, 0]
    carry = np.sqrt(1 - scenario.rho**2)
    for period in range(1, t):  # an AR(1) in time: a loop over 20 columns, not rows
        noise[:, period] = scenario.rho * noise[:, period - 1] + carry * shocks[:, period]
    treated = rng.random(n) < scenario.treated_share
    g = np.where(treated, rng.integers(scenario.pre, t - scenario.post, n), -1)
    since = np.arange(t)[None, :] - g[:, None]
    after = treated[:, None] & (since >= 0)
    size = (since + 1) / (scenario.post + 1) if scenario.dynamic else np.ones((n, t))
    value = council[:, None] + trend[None, :] + noise + scenario.effect * size * after
    panel = pl.DataFrame(
        {
            "authority_code": np.repeat(codes, t),
            "period": np.tile(np.arange(t, dtype=np.int64), n),
            "value": value.ravel(),
        }
    )
    firsts = pl.DataFrame({"authority_code": codes[treated], "g": g[treated].astype(np.int64)})
    # The Ombudsman's decision comes a quarter before compliance: both are "live".
    live = firsts.select(
        "authority_code",
        (pl.col("g") - 1).alias("first_period"),
        pl.col("g").alias("last_period"),
    )
    return SimulatedPanel(panel, firsts, live, rng.permutation(codes))


def fit_once(
    rng: np.random.Generator, scenario: Scenario
) -> list[tuple[str, float, float, float, float, float]]:
    """Both estimates on one simulated panel: (estimator, estimate, se, low, high, p)."""
    sim = simulate_panel(rng, scenario)
    events = sim.firsts
    order = pl.DataFrame(
        {"authority_code": sim.order, "rank": np.arange(sim.order.size, dtype=np.int64)}
    )
    candidates = events.select(pl.col("authority_code").alias("stack")).join(order, how="cross")
    matches = match_comparisons(
        events, candidates, sim.live, events, scenario.pre, scenario.post, scenario.k
    )
    stacks = stack_panel(sim.panel, events, matches, scenario.pre, scenario.post)
    codes = sorted(set(stacks.get_column("authority_code").to_list()))
    pooled = pooled_panel(sim.panel, events, codes, scenario.pre, scenario.post)
    found = []
    for estimate in (stacked(stacks), twfe(pooled)):
        found.append(
            (
                estimate.estimator,
                estimate.estimate,
                estimate.std_error,
                estimate.ci_low,
                estimate.ci_high,
                estimate.p_value,
            )
        )
    return found


def run_validation(
    scenarios: Sequence[Scenario],
    repetitions: int,
    seed: int = 2025,
    progress: Callable[[int], None] | None = None,
) -> pl.DataFrame:
    """Every estimate from REPETITIONS panels of each scenario, with the truth."""
    rows = []
    for number, scenario in enumerate(scenarios):
        for repetition in range(repetitions):
            rng = np.random.default_rng([seed, number, repetition])
            for fitted in fit_once(rng, scenario):
                rows.append((scenario.name, scenario.effect, scenario.dynamic, scenario.truth,
                             repetition, *fitted))  # fmt: skip
            if progress is not None:
                progress(1)
    return pl.DataFrame(
        rows,
        schema={
            "scenario": pl.String,
            "effect": pl.Float64,
            "dynamic": pl.Boolean,
            "truth": pl.Float64,
            "repetition": pl.Int64,
            "estimator": pl.String,
            "estimate": pl.Float64,
            "std_error": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "p_value": pl.Float64,
        },
        orient="row",
    )


def summarise(estimates: pl.DataFrame) -> pl.DataFrame:
    """Bias, its Monte Carlo error, coverage of 95% intervals and power, per scenario.

    relative_bias is bias over the truth (blank when the truth is 0); power is the share
    of 95% intervals that leave out zero (for a zero effect, the false-positive rate).
    """
    error = pl.col("estimate") - pl.col("truth")
    return (
        estimates.group_by("scenario", "estimator", maintain_order=True)
        .agg(
            pl.col("effect").first(),
            pl.col("dynamic").first(),
            pl.col("truth").first(),
            pl.len().alias("repetitions"),
            error.mean().alias("bias"),
            (error.std() / pl.len().sqrt()).alias("bias_mc_error"),
            pl.col("estimate").std().alias("sd_estimate"),
            pl.col("std_error").mean().alias("mean_std_error"),
            ((pl.col("ci_low") <= pl.col("truth")) & (pl.col("truth") <= pl.col("ci_high")))
            .mean()
            .alias("coverage"),
            ((pl.col("ci_low") > 0) | (pl.col("ci_high") < 0)).mean().alias("power"),
        )
        .with_columns(
            pl.when(pl.col("truth") != 0)
            .then(pl.col("bias") / pl.col("truth"))
            .alias("relative_bias")
        )
    )


def default_scenarios() -> list[Scenario]:
    """Zero and three sizes of constant effect (in noise standard deviations), and a
    growing effect with staggered timing."""
    return [
        Scenario(0.0),
        Scenario(0.25),
        Scenario(0.5),
        Scenario(1.0),
        Scenario(1.0, dynamic=True),
    ]
