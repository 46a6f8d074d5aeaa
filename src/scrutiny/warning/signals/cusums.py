"""Sustained changes: a CUSUM on each council's own quarterly series, adjusted for its peers.

XmR rules and the sudden-change test look at one quarter at a time, so a slow, sustained
change (an uphold rate creeping up over a year, volumes easing down) slips under them. A
cumulative sum adds up the evidence quarter by quarter (scrutiny.warning.sequential), and
its limit is set by simulation for a stated false-alert rate per council-year.

For each indicator a signal watches through SEQUENTIAL, and each council and quarter:

- **Expected**: the council's own pooled previous BASELINE_QUARTERS quarters (at least
  MIN_BASELINE_QUARTERS), moved by how much its peers (the rest of its peer group) changed
  between those quarters and this one: on the log-odds scale for proportions, as a ratio
  for volumes. So a change every council shares (a national backlog) is not one council's
  failure, and a council is judged against its own usual level rather than the peers'.
- **Tuned to find**: a shift of LOG_ODDS_SHIFT on the log-odds scale on the worse side
  (from 84% on time to 76%; from 40% upheld to 52%) or, for volumes, a fall to
  RATE_RATIO of the expected count.
- **Increment**: the quarter's log-likelihood ratio of the shifted level against the
  expected one, divided by the peer group's overdispersion (quarters vary more than a
  binomial or Poisson count would: phi is the median squared Pearson residual over the
  group's council-quarters so far, over its median under pure chance, at least 1).
- **Limit h**: read from CALIBRATION (cusum_limits.json), set by simulation for at most
  FALSE_ALERTS_PER_YEAR in-control council-years with a signal at the council's
  information per quarter (its cases a quarter, weighted as the test weighs them, over
  phi). `python -m scrutiny.warning.cusum_limits` runs the simulation again and rewrites
  the file, with the date, seed and number of simulations.

Ombudsman recommendations missed by their due date (compliance_drift) are watched the
same way, per quarter of due date, tuned to a larger shift (COMPLIANCE_SHIFT): few fall
due a quarter, and a CUSUM adds up what single quarters are too small to show.

A signal restarts the sum, so a council that stays worse signals again a few quarters
later. Each quarter is judged with what was known at its end: no look-ahead.
"""

from __future__ import annotations

import json
import math
import warnings
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from numpy.typing import NDArray
from scipy import special, stats

from scrutiny.core.periods import quarter_label
from scrutiny.standard.indicators import indicator
from scrutiny.warning.sequential import (
    SIMULATIONS,
    BinomialShift,
    CusumRun,
    PoissonShift,
    calibrate,
    cusum,
)
from scrutiny.warning.signals.compliance import COMPLIANCE_SHIFT, quarterly_counts
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs, Worse, watched
from scrutiny.warning.signals.rows import empty, frame, number
from scrutiny.warning.signals.small_numbers import SMALL, small_numbers_signals

Array = NDArray[np.float64]
BASELINE_QUARTERS = 4
MIN_BASELINE_QUARTERS = 2
LOG_ODDS_SHIFT = 0.5
RATE_RATIO = 0.75  # a quarter fewer complaints than expected
VOLUME = "stage1_per_10k"  # counted complaints over a fixed population: a Poisson series
FALSE_ALERTS_PER_YEAR = 0.01  # one in 100 in-control council-years
CALIBRATION = Path(__file__).with_name("cusum_limits.json")
CALIBRATION_SEED = 19
# Information per quarter at which h is simulated: for proportions n p (1 - p) / phi, for
# volumes the expected count over phi. Between them h is read off a straight line in log
# information; beyond them, the nearest end.
INFORMATION = (0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512)
CHI2_MEDIAN = float(stats.chi2.median(1))  # a squared Pearson residual's median by chance


@dataclass(frozen=True)
class Limits:
    """The thresholds the simulation set, for one kind of series."""

    information: tuple[float, ...]
    threshold: tuple[float, ...]

    def at(self, information: Array) -> Array:
        """h for each information per quarter."""
        with np.errstate(divide="ignore"):
            return np.interp(np.log(information), np.log(self.information), self.threshold)


KINDS = ("binomial", "poisson", "compliance")


def _shifts(kind: str) -> tuple[BinomialShift | PoissonShift, float]:
    """The shift simulated for KIND (binomial, poisson or compliance), and the size per
    quarter per unit of information: at p = 1/2 a proportion's information is n/4."""
    if kind == "poisson":
        return PoissonShift(1.0, RATE_RATIO), 1.0
    shift = COMPLIANCE_SHIFT if kind == "compliance" else LOG_ODDS_SHIFT
    return BinomialShift(0.5, float(special.expit(shift))), 4.0


def simulate_limits(simulations: int = SIMULATIONS, seed: int = CALIBRATION_SEED) -> dict[str, Any]:
    """Every threshold in CALIBRATION, set again by simulation (a minute or so)."""
    found: dict[str, Any] = {
        "made": date.today().isoformat(),
        "seed": seed,
        "simulations": simulations,
        "false_alert_rate_per_year": FALSE_ALERTS_PER_YEAR,
        "periods_per_year": 4,
        "log_odds_shift": LOG_ODDS_SHIFT,
        "compliance_log_odds_shift": COMPLIANCE_SHIFT,
        "rate_ratio": RATE_RATIO,
    }
    for kind in KINDS:
        shift, per_unit = _shifts(kind)
        rows = [
            calibrate(shift, per_unit * level, 4, FALSE_ALERTS_PER_YEAR, simulations, seed)
            for level in INFORMATION
        ]
        found[kind] = {
            "information": list(INFORMATION),
            "threshold": [round(c.threshold, 6) for c in rows],
            "false_alert_rate": [c.false_alert_rate for c in rows],
            "interval": [[round(v, 5) for v in c.interval] for c in rows],
            "average_run_length_quarters": [round(c.average_run_length, 2) for c in rows],
            "found_within_a_year": [round(c.detected_within_year, 4) for c in rows],
        }
    return found


@cache
def calibration() -> dict[str, Any]:
    """The frozen calibration: thresholds with the simulation that set them."""
    loaded: dict[str, Any] = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    return loaded


def limits(kind: str) -> Limits:
    table = calibration()[kind]
    return Limits(tuple(table["information"]), tuple(table["threshold"]))


@dataclass(frozen=True)
class _Series:
    """One indicator as councils by quarters, with what each council is compared with."""

    codes: list[str]
    starts: list[date]
    ends: list[date]
    x: Array  # numerators (nan: no figure)
    n: Array  # denominators (proportions) or nan
    values: Array
    groups: NDArray[np.int64]  # each council's peer group, as an index


def _series(rows: pl.DataFrame, groups: pl.DataFrame) -> _Series:
    rows = rows.join(groups, on="authority_code", how="left").with_columns(
        pl.col("peer_group").fill_null(pl.col("authority_code"))
    )
    codes = sorted(set(rows["authority_code"].to_list()))
    quarters = rows.select("period_start", "period_end").unique().sort("period_start")
    starts, ends = quarters["period_start"].to_list(), quarters["period_end"].to_list()
    row = rows["authority_code"].replace_strict({c: i for i, c in enumerate(codes)}).to_numpy()
    col = rows["period_start"].replace_strict({s: i for i, s in enumerate(starts)}).to_numpy()
    shape = (len(codes), len(starts))
    x, n, values = (np.full(shape, np.nan) for _ in range(3))
    x[row, col] = rows["numerator"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    n[row, col] = rows["denominator"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    values[row, col] = rows["value"].cast(pl.Float64).fill_null(np.nan).to_numpy()
    by_council = dict(zip(rows["authority_code"], rows["peer_group"], strict=True))
    names = sorted(set(by_council.values()))
    group = np.array([names.index(by_council[c]) for c in codes], dtype=np.int64)
    return _Series(codes, starts, ends, x, n, values, group)


def _trailing(a: Array, k: int = BASELINE_QUARTERS) -> Array:
    """Each column's sum over the K columns before it (missing as 0)."""
    c = np.concatenate([np.zeros((a.shape[0], 1)), np.nancumsum(a, axis=1)], axis=1)
    t = np.arange(a.shape[1])
    return np.asarray(c[:, t] - c[:, np.maximum(t - k, 0)], dtype=np.float64)


def _others(a: Array, groups: NDArray[np.int64]) -> Array:
    """For each council, the sum of A over the rest of its peer group (missing as 0)."""
    filled = np.nan_to_num(a)
    totals = np.zeros((groups.max() + 1, a.shape[1]))
    np.add.at(totals, groups, filled)
    return totals[groups] - filled


def _expected(s: _Series, volume: bool) -> tuple[Array, NDArray[np.bool_]]:
    """The expected level (proportion, or count) each quarter, and whether it can be judged."""
    present = ~np.isnan(s.x) & ~np.isnan(s.n) & (s.n > 0)
    x, n = np.where(present, s.x, np.nan), np.where(present, s.n, np.nan)
    quarters = _trailing(present.astype(np.float64))
    own_x, own_n = _trailing(x), _trailing(n)
    peer_x, peer_n = _others(x, s.groups), _others(n, s.groups)
    peer_x_before, peer_n_before = _trailing(peer_x), _trailing(peer_n)
    judged = present & (quarters >= MIN_BASELINE_QUARTERS)
    with np.errstate(divide="ignore", invalid="ignore"):
        if volume:
            usual = own_x / np.maximum(quarters, 1)
            moved = (peer_x / peer_n) / (peer_x_before / peer_n_before)
            moved = np.where(np.isfinite(moved) & (moved > 0), moved, 1.0)
            expected = usual * moved * (n / (own_n / np.maximum(quarters, 1)))
            judged &= np.isfinite(expected) & (expected > 0)
        else:
            own = special.logit((own_x + 0.5) / (own_n + 1))
            peers_now = special.logit((peer_x + 0.5) / (peer_n + 1))
            peers_before = special.logit((peer_x_before + 0.5) / (peer_n_before + 1))
            moved = np.where(np.isfinite(peers_now - peers_before), peers_now - peers_before, 0)
            expected = special.expit(own + moved)
    return np.where(judged, expected, np.nan), judged


def _overdispersion(residuals: Array, groups: NDArray[np.int64]) -> Array:
    """phi per council and quarter: its group's median squared residual so far, over chance's."""
    phi = np.ones_like(residuals)
    for g in np.unique(groups):
        members = groups == g
        with warnings.catch_warnings():  # a quarter no member could be judged in: nan
            warnings.simplefilter("ignore", RuntimeWarning)
            medians = np.nanmedian(np.where(members[:, None], residuals, np.nan), axis=0)
        seen = ~np.isnan(medians)
        running = np.cumsum(np.where(seen, medians, 0)) / np.maximum(np.cumsum(seen), 1)
        phi[members] = np.maximum(running / CHI2_MEDIAN, 1.0)[None, :]
    return phi


@dataclass(frozen=True)
class Measure:
    """A series a CUSUM watches: how its sentence names it and which simulation set h."""

    code: str  # the indicator, or "recommendations_missed"
    name: str
    kind: str  # binomial, poisson (complaint counts) or compliance (recommendations missed)
    worse: Worse
    unit: str = "percent"
    multiplier: float = 100.0

    @property
    def volume(self) -> bool:
        return self.kind == "poisson"

    @property
    def log_odds_shift(self) -> float:
        return COMPLIANCE_SHIFT if self.kind == "compliance" else LOG_ODDS_SHIFT

    def figure(self, value: float) -> str:
        """A level of this measure as a sentence gives it: 84%, or 1,250 complaints."""
        if self.volume:
            return f"{value:,.0f} complaints"
        return number(value * self.multiplier, self.unit)


def measure_of(code: str, worse: Worse) -> Measure:
    """The Measure for indicator CODE."""
    item = indicator(code)
    kind = "poisson" if code == VOLUME else "binomial"
    return Measure(code, item.name, kind, worse, item.unit, item.multiplier)


MISSED = Measure(
    "recommendations_missed",
    "Ombudsman recommendations missed by their due date",
    "compliance",
    "up",
)


@dataclass(frozen=True)
class _Run:
    measure: Measure
    series: _Series
    expected: Array
    shifted: Array
    phi: Array
    information: Array
    limit: Array  # h for each council and quarter
    run: CusumRun


def _cusum(s: _Series, m: Measure) -> _Run:
    expected, judged = _expected(s, m.volume)
    x, n = np.nan_to_num(s.x), np.nan_to_num(s.n)
    sign = -1.0 if m.worse == "down" else 1.0
    with np.errstate(all="ignore"):
        if m.volume:
            ratio = RATE_RATIO if m.worse == "down" else 1 / RATE_RATIO
            shifted = expected * ratio
            llr = x * math.log(ratio) - expected * (ratio - 1)
            residual = (x - expected) ** 2 / expected
            raw_information = expected
        else:
            shifted = special.expit(special.logit(expected) + sign * m.log_odds_shift)
            llr = x * np.log(shifted / expected) + (n - x) * np.log((1 - shifted) / (1 - expected))
            spread = n * expected * (1 - expected)
            residual = (x - n * expected) ** 2 / spread
            raw_information = spread
    residual = np.where(judged & np.isfinite(residual), residual, np.nan)
    phi = _overdispersion(residual, s.groups)
    information = np.where(judged, raw_information / phi, np.nan)
    seen = ~np.isnan(information)
    # h from the council's information per quarter so far: its quarters are all judged
    # against one limit, as the simulation that set it ran them
    mean_information = np.cumsum(np.nan_to_num(information), axis=1) / np.maximum(
        np.cumsum(seen, axis=1), 1
    )
    h = limits(m.kind).at(np.maximum(mean_information, 1e-9))
    h = np.where(seen.cumsum(axis=1) > 0, h, np.inf)
    steps = np.where(judged & np.isfinite(llr), llr / phi, 0.0)
    return _Run(m, s, expected, shifted, phi, information, h, cusum(steps, h))


def sustained_signals(
    values: pl.DataFrame, groups: pl.DataFrame, watching: dict[str, tuple[Worse, str]]
) -> pl.DataFrame:
    """Signals where a watched indicator's CUSUM passed its limit, for every council-quarter."""
    found = []
    for code, (worse, signal) in watching.items():
        rows = values.filter(pl.col("indicator") == code)
        if rows.height:
            found.append(_rows(_cusum(_series(rows, groups), measure_of(code, worse)), signal))
    found = [f for f in found if f.height]
    return pl.concat(found) if found else empty()


def compliance_drift_signals(recommendations: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """Signals where the CUSUM of recommendations missed by their due date passed its limit."""
    if recommendations.is_empty():
        return empty()
    counts = quarterly_counts(recommendations).select(
        "authority_code",
        "period_start",
        "period_end",
        pl.col("missed").alias("numerator"),
        pl.col("due").alias("denominator"),
        (pl.col("missed") / pl.col("due")).alias("value"),
    )
    return _rows(_cusum(_series(counts, groups), MISSED), "compliance_drift")


def _rows(r: _Run, signal: str) -> pl.DataFrame:
    m, s, run = r.measure, r.series, r.run
    settings = calibration()
    rows: list[dict[str, Any]] = []
    for i, t, began in run.climbs():  # the quarters that signalled
        since = s.starts[began]
        limit = float(r.limit[i, t])
        side = "below" if (r.shifted[i, t] < r.expected[i, t]) else "above"
        now = m.figure(s.x[i, t] if m.volume else s.values[i, t])
        if m.kind == "compliance":
            now = f"{s.x[i, t]:,.0f} of {s.n[i, t]:,.0f} ({now})"
        climb = "in that quarter alone" if since == s.starts[t] else f"since {quarter_label(since)}"
        sentence = (
            f"{m.name}: {now} in {quarter_label(s.starts[t])}, against "
            f"{m.figure(r.expected[i, t])} expected from the council's own record and its "
            f"peers' change. It has been running {side} that {climb}, and a council "
            "whose handling had not changed would add up this much evidence in fewer than "
            f"1 year in {1 / FALSE_ALERTS_PER_YEAR:.0f}."
        )
        scale = 1.0 if m.volume else m.multiplier
        rule = (
            f"Poisson CUSUM for a fall to {RATE_RATIO:.0%} of the expected count"
            if m.volume
            else f"binomial CUSUM for a log-odds shift of {m.log_odds_shift:g}"
        )
        rows.append(
            {
                "authority_code": s.codes[i],
                "period_start": s.starts[t],
                "period_end": s.ends[t],
                "signal": signal,
                "severity": 2 if run.sums[i, t] >= 2 * limit else 1,
                "sentence": sentence,
                "evidence": {
                    "indicator": m.code,
                    "value": _plain(s.values[i, t]),
                    "numerator": _plain(s.x[i, t]),
                    "denominator": _plain(s.n[i, t]),
                    "expected": round(float(r.expected[i, t]) * scale, 4),
                    "shift_tuned_to_detect": round(float(r.shifted[i, t]) * scale, 4),
                    "climbing_since": quarter_label(since),
                    "sum": round(float(run.sums[i, t]), 3),
                    "threshold": round(limit, 3),
                    "overdispersion": round(float(r.phi[i, t]), 3),
                    "information_per_quarter": round(float(r.information[i, t]), 2),
                    "false_alert_rate_per_year": FALSE_ALERTS_PER_YEAR,
                    "calibrated": f"{settings['made']}, seed {settings['seed']}, "
                    f"{settings['simulations']:,} simulations",
                    "rule": f"{rule} against the council's own previous {BASELINE_QUARTERS} "
                    "quarters, moved with its peers",
                },
            }
        )
    return frame(rows)


def _plain(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return sustained_signals(inputs.peer_values, inputs.groups, watched(entries))


SEQUENTIAL = Detector(
    "A CUSUM of each quarter against the council's own previous year, moved with its peers, "
    f"with limits set by simulation for {FALSE_ALERTS_PER_YEAR:.0%} false alerts per "
    "council-year",
    _detect,
    reads_watches=True,
)


def _detect_compliance(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    """The CUSUM's signals, and for councils with few recommendations the year's check
    (scrutiny.warning.signals.small_numbers); one per council and quarter, the CUSUM's first."""
    found = pl.concat(
        [
            compliance_drift_signals(inputs.recommendations, inputs.groups),
            small_numbers_signals(inputs.recommendations),
        ]
    )
    return found.unique(
        ["authority_code", "period_start", "signal"], keep="first", maintain_order=True
    )


COMPLIANCE_CUSUM = Detector(
    "A CUSUM of the recommendations missed by their due date each quarter against the "
    "council's own previous year, moved with its peers, with limits set by simulation for "
    f"{FALSE_ALERTS_PER_YEAR:.0%} false alerts per council-year; councils with fewer than "
    f"{SMALL} due in a year are judged on the year together (beta-binomial)",
    _detect_compliance,
)
