"""Scoring early warning against planted scenarios: how many failing councils are flagged,
how soon, and how often healthy councils are flagged for nothing.

The scenarios come from scrutiny.demo.synth's ground truth (authority_code, scenario,
onset_date, end_date). Failing councils are those given a scenario that deteriorates:
every kind but recovery (a dip that recovers by itself, neither failing nor healthy, so
left out of both). Healthy councils are those with no scenario.

- flagged: the share of failing councils flagged in their onset quarter or later;
- within two quarters: flagged in the onset quarter or the next one, so seen by six months
  after onset (signals are judged at each quarter's end);
- median delay: quarters from the onset quarter to the first flag, among those flagged;
- false alerts: the share of healthy council-years (financial years) with a flag.

For a signal, a flag is any signal of that code; for the combined score, a quarter whose
score reaches the threshold. Every quarter is judged with no look-ahead (see
scrutiny.warning.signals), so one computation as of the data's end serves every quarter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from scrutiny.core.periods import financial_year_of, period_bounds, quarter_index
from scrutiny.measures.indicators import compute_indicators
from scrutiny.reference.authorities import current_codes
from scrutiny.store.db import make_engine
from scrutiny.warning.signals import codes, compute_signals
from scrutiny.warning.watchlist import WATCH_THRESHOLD, default_weights, scores

COMBINED = "combined score"
RECOVERY = "recovery"


@dataclass(frozen=True)
class Figures:
    """How one signal (or the combined score) did against the ground truth."""

    name: str
    failing: int
    flagged: int
    within_two_quarters: int
    median_delay: float | None
    healthy_years: int
    false_alert_years: int

    @property
    def flagged_share(self) -> float:
        return self.flagged / self.failing if self.failing else 0.0

    @property
    def within_two_quarters_share(self) -> float:
        return self.within_two_quarters / self.failing if self.failing else 0.0

    @property
    def false_alert_rate(self) -> float:
        return self.false_alert_years / self.healthy_years if self.healthy_years else 0.0


@dataclass
class Evaluation:
    """The figures for each signal and the combined score, and how they were made."""

    as_of: date
    weights: dict[str, float]
    threshold: float
    figures: list[Figures] = field(default_factory=list)
    by_scenario: dict[str, tuple[int, int]] = field(default_factory=dict)  # within 2q, of
    seconds: float = 0.0

    @property
    def combined(self) -> Figures:
        return next(f for f in self.figures if f.name == COMBINED)


def evaluate_flags(
    flags: pl.DataFrame, truth: pl.DataFrame, as_of: date, name: str
) -> tuple[Figures, pl.DataFrame]:
    """Figures for FLAGS (authority_code, period_start of each flagged quarter) against TRUTH.

    Also returns each failing council's delay (null when never flagged).
    """
    failing = truth.filter(pl.col("scenario") != RECOVERY).select(
        "authority_code", "scenario", quarter_index(pl.col("onset_date")).alias("onset")
    )
    flagged = flags.select("authority_code", quarter_index(pl.col("period_start")).alias("q"))
    first = (
        failing.join(flagged, on="authority_code", how="left")
        .filter(pl.col("q") >= pl.col("onset"))
        .group_by("authority_code")
        .agg((pl.col("q").min() - pl.col("onset").first()).alias("delay"))
    )
    delays = failing.join(first, on="authority_code", how="left")
    scenario_codes = truth["authority_code"].to_list()
    healthy = [code for code in current_codes().to_list() if code not in scenario_codes]
    last_year = financial_year_of(as_of)
    years = pl.DataFrame({"authority_code": healthy}).join(
        pl.DataFrame({"year": list(range(last_year - 5, last_year))}), how="cross"
    )
    flagged_years = (
        flags.filter(pl.col("authority_code").is_in(healthy))
        .select(
            "authority_code",
            period_bounds(pl.col("period_start"), "financial_year")[0].dt.year().alias("year"),
        )
        .unique()
        .join(years, on=["authority_code", "year"])
    )
    delay = delays["delay"].drop_nulls()
    median = delay.median()
    figures = Figures(
        name=name,
        failing=failing.height,
        flagged=delay.len(),
        within_two_quarters=int((delay <= 1).sum()),
        median_delay=float(median) if median is not None else None,  # type: ignore[arg-type]
        healthy_years=years.height,
        false_alert_years=flagged_years.height,
    )
    return figures, delays


def evaluate(
    database_url: str,
    ground_truth: Path,
    *,
    as_of: date,
    weights: Mapping[str, float] | None = None,
    threshold: float = WATCH_THRESHOLD,
    signals: pl.DataFrame | None = None,
) -> Evaluation:
    """Score every signal and the combined score on the demo database at DATABASE_URL.

    AS_OF is the data's end (scrutiny.demo.synth.AS_OF for the demo); SIGNALS may pass signals
    already computed, to try other weights without computing them again.
    """
    import time

    started = time.perf_counter()
    truth = pl.read_csv(ground_truth, try_parse_dates=True)
    if signals is None:
        engine = make_engine(database_url)
        try:
            signals = compute_signals(
                engine, as_of, indicators=compute_indicators(engine, "quarter")
            )
        finally:
            engine.dispose()
    weights = dict(weights) if weights is not None else default_weights()
    result = Evaluation(as_of=as_of, weights=weights, threshold=threshold)
    for name in codes():
        figures, _ = evaluate_flags(signals.filter(pl.col("signal") == name), truth, as_of, name)
        result.figures.append(figures)
    scored = scores(signals, weights).filter(pl.col("score") >= threshold)
    combined, delays = evaluate_flags(scored, truth, as_of, COMBINED)
    result.figures.append(combined)
    for (scenario,), group in delays.partition_by("scenario", as_dict=True).items():
        within = int((group["delay"].drop_nulls() <= 1).sum())
        result.by_scenario[str(scenario)] = (within, group.height)
    result.seconds = time.perf_counter() - started
    return result


def tune(
    signals: pl.DataFrame,
    ground_truth: Path,
    *,
    as_of: date,
    trials: int = 1500,
    seed: int = 1,
    thresholds: tuple[float, ...] = (2.0, 3.0, 4.0, 5.0, 6.0, 7.0),
    false_alert_limit: float = 0.05,
) -> list[tuple[Figures, dict[str, float], float]]:
    """A seeded random search over weights and thresholds: the best first.

    Best means the most failing councils flagged within two quarters, then the fewest
    false alerts, among settings with at most FALSE_ALERT_LIMIT of healthy council-years
    flagged. This is how the registry's weights were set on the synthetic demo data.
    """
    import random

    truth = pl.read_csv(ground_truth, try_parse_dates=True)
    pick = random.Random(seed)
    choices = (0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0)
    found = []
    for _ in range(trials):
        weights = {name: pick.choice(choices) for name in codes()}
        weights["return_overdue"] = 1.0  # cannot be judged on data loaded in bulk
        scored = scores(signals, weights)
        for threshold in thresholds:
            flags = scored.filter(pl.col("score") >= threshold)
            figures, _ = evaluate_flags(flags, truth, as_of, COMBINED)
            if figures.false_alert_rate <= false_alert_limit:
                found.append((figures, weights, threshold))
    found.sort(key=lambda f: (-f[0].within_two_quarters_share, f[0].false_alert_rate))
    return found
