"""Scenarios: councils whose complaint handling goes wrong (or recovers) on a known date.

About one council in ten gets a scenario, chosen by the seed, with onsets spread across
the five years. What happened is written to a separate ground-truth file (effects.py turns
each scenario into shifts and the file's rows) so early-warning methods can be scored
against it; nothing in scrutiny reads that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, get_args

import numpy as np

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.timeline import QUARTERS, quarter_start

Kind = Literal[
    "timeliness_collapse",
    "uphold_rising",
    "volume_falling",
    "compliance_failing",
    "recovery",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
RECOVERY: Kind = "recovery"  # a dip that recovers by itself: neither failing nor healthy

SHARE = 0.10
MIN_POPULATION = 50_000  # too few complaints below this to see anything
FIRST_ONSET, LAST_ONSET = 2, QUARTERS - 3  # leave at least two quarters before and after

DESCRIPTIONS: dict[Kind, str] = {
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


@dataclass(frozen=True)
class Scenario:
    """One council's scenario: what goes wrong, and from (and, for a recovery, to) when."""

    council: int  # index into Councils
    kind: Kind
    onset: date
    end: date | None  # only a recovery ends


def _kinds(count: int) -> list[Kind]:
    """COUNT kinds in equal numbers, compliance failures first: recommendations are few,
    and a failure only shows at a council with a steady flow of upheld Ombudsman cases, so
    those come from the larger half of the eligible councils before the others choose."""
    kinds = sorted((KINDS[i % len(KINDS)] for i in range(count)), key=KINDS.index)
    kinds.sort(key=lambda kind: kind != "compliance_failing")
    return kinds


def choose_scenarios(rng: np.random.Generator, councils: Councils) -> list[Scenario]:
    """Which councils get which scenario and when, in council order."""
    eligible = np.flatnonzero(councils.population >= MIN_POPULATION)
    if eligible.size == 0:
        eligible = np.arange(councils.size)
    count = min(eligible.size, max(1, round(SHARE * councils.size)))
    kinds = _kinds(count)
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
    scenarios = []
    for council, kind, onset in zip(chosen, kinds, onsets, strict=True):
        end = None
        if kind == RECOVERY:
            onset = min(onset, QUARTERS - 5)
            end = quarter_start(onset + int(rng.integers(2, 5)))
        scenarios.append(Scenario(council, kind, quarter_start(int(onset)), end))
    return sorted(scenarios, key=lambda s: s.council)
