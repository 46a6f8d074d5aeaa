"""Scenarios: councils whose complaint handling goes wrong (or recovers) from a known day.

About one council in ten gets a scenario, chosen by the seed: a kind, an effect size and
an onset on any day of the middle four years. Sizes are dealt out evenly within each kind,
so the early-warning evaluation meets small failures as often as glaring ones. What
happened is written to a separate ground-truth file (effects.py turns each scenario into
shifts and the file's rows); only scrutiny.warning.evaluation reads that file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, get_args

import numpy as np

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.timeline import QUARTERS, quarter_start

Kind = Literal[
    "timeliness_collapse",
    "uphold_rising",
    "volume_falling",
    "compliance_failing",
    "hollowing_out",
    "recovery",
]
KINDS: tuple[Kind, ...] = get_args(Kind)
RECOVERY: Kind = "recovery"  # a dip that recovers by itself: neither failing nor healthy
FAILING: tuple[Kind, ...] = tuple(kind for kind in KINDS if kind != RECOVERY)
Size = Literal["small", "medium", "large"]
SIZES: tuple[Size, ...] = get_args(Size)
# How far a scenario moves things, as a share of a large one's shifts (log-odds shifts,
# and the fall or rise of a volume). Large is what every scenario did before sizes came
# in: at a council answering 84% of stage 1 complaints on time, a typical collapse takes
# it to about 27%. Medium (55%) takes the same council to about 56%; small (a fifth, on
# the log-odds scale) to about 76%, some eight to twelve points lower at any council
# answering between 75% and 85% on time, and an uphold rate up a few points in a year.
MAGNITUDE: dict[Size, float] = {"small": 0.2, "medium": 0.55, "large": 1.0}
# Days added to the time a scenario takes to reach its full size: smaller failures creep
# in over months (a small timeliness collapse over six months to a year, not one month).
SLOWER: dict[Size, tuple[int, int]] = {"small": (150, 335), "medium": (30, 150), "large": (0, 0)}

SHARE = 0.10
MIN_POPULATION = 50_000  # too few complaints below this to see anything
FIRST_ONSET, LAST_ONSET = 2, QUARTERS - 3  # leave at least two quarters before and after
LAST_RECOVERY_ONSET = QUARTERS - 5  # a recovery needs room for its end date after it
RECOVERY_DAYS = (182, 366)  # from onset to the end of a recovery: six months to a year

DESCRIPTIONS: dict[Kind, str] = {
    "timeliness_collapse": (
        "Stage 1 responses on time fall from about {before:.0%} to about {after:.0%} within "
        "{months} of onset; acknowledgements slip, extensions and escalations rise, and the "
        "Ombudsman finds complaint-handling fault more often."
    ),
    "uphold_rising": (
        "The share of stage 1 complaints upheld rises steadily for {months} after onset, "
        "from about {before:.0%} to about {after:.0%}; the Ombudsman finds fault more often."
    ),
    "volume_falling": (
        "Complaints received fall to about {after:.0%} of their earlier level within "
        "{months} of onset while refusals rise: people cannot get a complaint in. Ombudsman "
        "decisions rise, many referred back for local resolution."
    ),
    "compliance_failing": (
        "Ombudsman recommendations agreed after onset are completed late more often (about "
        "{after:.0%}, against about {before:.0%} before), and some are never complied with."
    ),
    "hollowing_out": (
        "Complaints received fall to about {volume:.0%} of their earlier level within "
        "{months} of onset while the share escalated to stage 2 rises from about "
        "{before:.0%} to about {after:.0%}: fewer people complain, and those who do are "
        "not satisfied. Ombudsman decisions rise and find complaint-handling fault more often."
    ),
    "recovery": (
        "Stage 1 responses on time dip from about {before:.0%} to about {after:.0%} from "
        "onset, then recover to their earlier level by the end date."
    ),
}


@dataclass(frozen=True)
class Scenario:
    """One council's scenario: what goes wrong, how badly, and from (and, for a recovery, to)
    which day."""

    council: int  # index into Councils
    kind: Kind
    size: Size
    onset: date
    end: date | None  # only a recovery ends


def _kinds(count: int) -> list[Kind]:
    """COUNT kinds in equal numbers, compliance failures first: recommendations are few,
    and a failure only shows at a council with a steady flow of upheld Ombudsman cases, so
    those come from the larger half of the eligible councils before the others choose."""
    kinds = sorted((KINDS[i % len(KINDS)] for i in range(count)), key=KINDS.index)
    kinds.sort(key=lambda kind: kind != "compliance_failing")
    return kinds


def _sizes(rng: np.random.Generator, kinds: list[Kind]) -> list[Size]:
    """An effect size for each of KINDS, dealt out evenly within each kind: the sizes in a
    shuffled order, cycled through."""
    dealt = {}
    for kind in KINDS:
        order = rng.permutation(len(SIZES))
        dealt[kind] = iter([SIZES[order[i % len(SIZES)]] for i in range(kinds.count(kind))])
    return [next(dealt[kind]) for kind in kinds]


def _onsets(rng: np.random.Generator, kinds: list[Kind]) -> list[date]:
    """An onset for each of KINDS on any day from the start of quarter FIRST_ONSET to the end
    of quarter LAST_ONSET (earlier for a recovery, which needs room to end).

    Each onset is a uniform day within its own equal slice of that span, and the slices
    are dealt out at random: every onset is equally likely on any day, but they are spread
    across the years rather than bunched by chance.
    """
    count = len(kinds)
    first = quarter_start(FIRST_ONSET)
    span = (quarter_start(LAST_ONSET + 1) - first).days
    recovery_span = (quarter_start(LAST_RECOVERY_ONSET + 1) - first).days
    edges = np.linspace(0.0, span, count + 1)
    offsets = np.floor(edges[:-1] + rng.random(count) * np.diff(edges)).astype(np.int64)
    offsets = offsets[rng.permutation(count)]
    return [
        first + timedelta(days=int(o * recovery_span // span if kind == RECOVERY else o))
        for kind, o in zip(kinds, offsets, strict=True)
    ]


def choose_scenarios(rng: np.random.Generator, councils: Councils) -> list[Scenario]:
    """Which councils get which scenario, how large and when, in council order."""
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
    sizes = _sizes(rng, kinds)
    onsets = _onsets(rng, kinds)
    scenarios = []
    for council, kind, size, onset in zip(chosen, kinds, sizes, onsets, strict=True):
        end = None
        if kind == RECOVERY:
            end = onset + timedelta(days=int(rng.integers(*RECOVERY_DAYS)))
        scenarios.append(Scenario(council, kind, size, onset, end))
    return sorted(scenarios, key=lambda s: s.council)
