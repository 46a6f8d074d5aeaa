"""Scenarios: councils whose complaint handling goes wrong (or recovers) on a known date.

About one council in ten gets a scenario, chosen by the seed, with onsets spread across
the five years. What happened is written to a separate ground-truth file so early-warning
methods can be scored against it; nothing in scrutiny reads that file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.timeline import QUARTERS, Timeline, quarter_start

SHARE = 0.10
KINDS = (
    "timeliness_collapse",
    "uphold_rising",
    "volume_falling",
    "compliance_failing",
    "recovery",
)
MIN_POPULATION = 50_000  # too few complaints below this to see anything
FIRST_ONSET, LAST_ONSET = 2, QUARTERS - 3  # leave at least two quarters before and after
OMBUDSMAN_LAG = 120  # days for complaints to work their way to the Ombudsman

DESCRIPTIONS = {
    "timeliness_collapse": (
        "Stage 1 responses on time fall from about {before:.0%} to about {after:.0%} within "
        "a month of onset; acknowledgements slip, extensions and escalations rise, and "
        "complaint-handling fault at the Ombudsman doubles."
    ),
    "uphold_rising": (
        "The share of stage 1 complaints upheld rises steadily for a year after onset, from "
        "about {before:.0%} to about {after:.0%}; the Ombudsman finds fault more often."
    ),
    "volume_falling": (
        "Complaints received fall to about a third within four months of onset while "
        "refusals rise: people cannot get a complaint in. Ombudsman decisions rise, many "
        "referred back for local resolution."
    ),
    "compliance_failing": (
        "Ombudsman recommendations agreed after onset are mostly completed late (about "
        "{after:.0%}, against about {before:.0%} before), and some are never complied with."
    ),
    "recovery": (
        "Stage 1 responses on time dip from about {before:.0%} to about {after:.0%} from "
        "onset, then recover to their earlier level by the end date."
    ),
}


@dataclass
class Effects:
    """Shifts each scenario makes, per council and day (councils x days arrays)."""

    timeliness: np.ndarray  # log-odds shift on responding and acknowledging on time
    uphold: np.ndarray  # log-odds shift on upholding at stage 1
    volume: np.ndarray  # multiplier on complaints received
    refusal: np.ndarray  # log-odds shift on refusing
    escalation: np.ndarray  # log-odds shift on escalating to stage 2
    ombudsman_volume: np.ndarray  # multiplier on Ombudsman decisions
    ombudsman_uphold: np.ndarray  # log-odds shift on the Ombudsman finding fault
    handling_fault: np.ndarray  # log-odds shift on complaint-handling fault
    premature: np.ndarray  # log-odds shift on referral back for local resolution
    remedy_late: np.ndarray  # log-odds shift on complying late, by agreed date
    not_complied: np.ndarray  # chance a recommendation is never complied with
    truth: pl.DataFrame = field(default_factory=pl.DataFrame)


def _ramp(days: np.ndarray, start: date, length: int) -> np.ndarray:
    """0 before START, rising linearly to 1 over LENGTH days, 1 after."""
    elapsed = (days - np.datetime64(start, "D")).astype(np.int64)
    return np.clip(elapsed / max(length, 1), 0.0, 1.0)


def choose_scenarios(rng: np.random.Generator, councils: Councils) -> pl.DataFrame:
    """Which councils get which scenario and when: council index, kind, onset and end."""
    eligible = np.flatnonzero(councils.population >= MIN_POPULATION)
    if eligible.size == 0:
        eligible = np.arange(councils.size)
    count = min(eligible.size, max(1, round(SHARE * councils.size)))
    # Equal numbers of each kind; compliance failures first, because recommendations are
    # few and a failure only shows at a council with a steady flow of upheld Ombudsman
    # cases, so those come from the larger half of the eligible councils.
    kinds = sorted((KINDS[i % len(KINDS)] for i in range(count)), key=KINDS.index)
    kinds.sort(key=lambda kind: kind != "compliance_failing")
    by_size = eligible[np.argsort(-councils.population[eligible], kind="stable")]
    larger = by_size[: max(1, by_size.size // 2)]
    chosen: list[int] = []
    for kind in kinds:
        pool = [
            c for c in (larger if kind == "compliance_failing" else eligible) if c not in chosen
        ]
        pool = pool or [c for c in eligible if c not in chosen]
        chosen.append(int(pool[rng.integers(len(pool))]))
    # Onsets evenly spread over the eligible quarters, dealt out at random.
    onsets = np.linspace(FIRST_ONSET, LAST_ONSET, count).round().astype(int)
    onsets = onsets[rng.permutation(count)]
    rows = []
    for council, kind, onset in zip(chosen, kinds, onsets, strict=True):
        end = None
        if kind == "recovery":
            onset = min(onset, QUARTERS - 5)
            end = quarter_start(onset + int(rng.integers(2, 5)))
        rows.append((council, kind, quarter_start(int(onset)), end))
    return pl.DataFrame(
        rows,
        schema={"council": pl.Int64, "scenario": pl.String, "onset": pl.Date, "end": pl.Date},
        orient="row",
    ).sort("council")


def build_effects(rng: np.random.Generator, councils: Councils, timeline: Timeline) -> Effects:
    """Choose the scenarios and turn them into per-council, per-day shifts."""
    shape = (councils.size, timeline.size)
    zeros = [np.zeros(shape, dtype=np.float32) for _ in range(7)]
    ones = [np.ones(shape, dtype=np.float32) for _ in range(2)]
    effects = Effects(
        timeliness=zeros[0],
        uphold=zeros[1],
        volume=ones[0],
        refusal=zeros[2],
        escalation=zeros[3],
        ombudsman_volume=ones[1],
        ombudsman_uphold=zeros[4],
        handling_fault=zeros[5],
        premature=zeros[6],
        remedy_late=np.zeros(shape, dtype=np.float32),
        not_complied=np.zeros(shape, dtype=np.float32),
    )
    chosen = choose_scenarios(rng, councils)
    days = timeline.days
    truth = []
    for c, kind, onset, end in chosen.iter_rows():
        later = onset + timedelta(days=OMBUDSMAN_LAG)
        step, ombudsman_step = _ramp(days, onset, 30), _ramp(days, later, 60)
        before = after = float(1 / (1 + np.exp(-councils.on_time[c])))
        if kind == "timeliness_collapse":
            drop = rng.uniform(2.2, 3.0)
            effects.timeliness[c] -= drop * step
            effects.escalation[c] += 0.6 * step
            effects.ombudsman_volume[c] *= 1 + 0.3 * ombudsman_step
            effects.handling_fault[c] += 1.0 * ombudsman_step
            after = float(1 / (1 + np.exp(-(councils.on_time[c] - drop))))
        elif kind == "uphold_rising":
            rise = rng.uniform(1.3, 1.9)
            effects.uphold[c] += rise * _ramp(days, onset, 365)
            effects.ombudsman_uphold[c] += 1.0 * ombudsman_step
            effects.ombudsman_volume[c] *= 1 + 0.2 * ombudsman_step
            before = float(1 / (1 + np.exp(-councils.uphold[c])))
            after = float(1 / (1 + np.exp(-(councils.uphold[c] + rise))))
        elif kind == "volume_falling":
            effects.volume[c] *= 1 - 0.65 * _ramp(days, onset, 120)
            effects.refusal[c] += 1.5 * step
            effects.ombudsman_volume[c] *= 1 + 0.4 * ombudsman_step
            effects.premature[c] += 1.2 * ombudsman_step
        elif kind == "compliance_failing":
            agreed_after = (days >= np.datetime64(onset, "D")).astype(np.float32)
            effects.remedy_late[c] += 2.4 * agreed_after
            effects.not_complied[c] += 0.08 * agreed_after
            before = float(1 / (1 + np.exp(-councils.remedy_late[c])))
            after = float(1 / (1 + np.exp(-(councils.remedy_late[c] + 2.4))))
        else:  # recovery: a dip from onset, easing back over the two months before END
            dip = rng.uniform(1.6, 2.2)
            easing = 1 - _ramp(days, end - timedelta(days=60), 60)
            effects.timeliness[c] -= dip * step * easing
            after = float(1 / (1 + np.exp(-(councils.on_time[c] - dip))))
        description = DESCRIPTIONS[kind].format(before=before, after=after)
        truth.append((councils.codes[c], kind, onset, end, description))
    effects.truth = pl.DataFrame(
        truth,
        schema={
            "authority_code": pl.String,
            "scenario": pl.String,
            "onset_date": pl.Date,
            "end_date": pl.Date,
            "description": pl.String,
        },
        orient="row",
    )
    return effects
