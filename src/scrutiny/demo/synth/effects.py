"""Effects: the shifts each council's scenario makes to its complaints and Ombudsman cases,
day by day, and the ground-truth rows that say what was planted.

Each kind of scenario has one planting function here, registered in PLANT. The generators
(complaints, handling, ombudsman, recommendations) read only the shifts in Effects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.scenarios import (
    DESCRIPTIONS,
    FAILING,
    MAGNITUDE,
    SLOWER,
    Kind,
    Scenario,
    choose_scenarios,
)
from scrutiny.demo.synth.timeline import Timeline

OMBUDSMAN_LAG = 120  # days for complaints to work their way to the Ombudsman
OMBUDSMAN_RAMP = 60  # days over which the Ombudsman's findings change after the lag
# Public interest reports, the Ombudsman's strongest sanction, follow serious failure:
# log-odds added to the chance of one on an upheld, unremedied decision (0.8% at healthy
# councils) once a large failure reaches the Ombudsman, so about 4%; about 2% for a
# medium failure and 1.1% for a small one. (Modelling assumption: the LGSCO's reports
# cluster at councils with repeated or systemic fault.)
PUBLIC_INTEREST_RISE = 1.6
PUBLIC_INTEREST_NOTE = " Public interest reports become likelier once cases reach the Ombudsman."


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
    public_interest: np.ndarray  # log-odds shift on a public interest report
    truth: pl.DataFrame = field(default_factory=pl.DataFrame)


def _ramp(days: np.ndarray, start: date, length: int) -> np.ndarray:
    """0 before START, rising linearly to 1 over LENGTH days, 1 after."""
    elapsed = (days - np.datetime64(start, "D")).astype(np.int64)
    return np.clip(elapsed / max(length, 1), 0.0, 1.0)


def _share(log_odds: float) -> float:
    """A probability from log-odds (the logistic function) for one number."""
    return float(1.0 / (1.0 + np.exp(-log_odds)))


def _months(days: int) -> str:
    """DAYS as words for a description: "a month", "7 months"."""
    months = round(days / 30.4)
    return "a month" if months <= 1 else f"{months} months"


@dataclass(frozen=True)
class Planting:
    """A scenario being planted at its council: what a planting function needs."""

    scenario: Scenario
    councils: Councils
    days: np.ndarray  # the timeline's days
    rng: np.random.Generator
    slower: int  # days added to every ramp of this scenario (its size's SLOWER)

    @property
    def c(self) -> int:
        return self.scenario.council

    @property
    def size(self) -> float:
        """The share of a large scenario's shifts this one makes."""
        return MAGNITUDE[self.scenario.size]

    def ramp(self, days: int) -> np.ndarray:
        """0 before onset, rising to 1 over DAYS (plus the scenario's slowness)."""
        return _ramp(self.days, self.scenario.onset, days + self.slower)

    def months(self, days: int) -> str:
        return _months(days + self.slower)

    def ombudsman(self) -> np.ndarray:
        """0 until the council's cases reach the Ombudsman after onset, then rising to 1."""
        return _ramp(self.days, self.scenario.onset + timedelta(days=OMBUDSMAN_LAG), OMBUDSMAN_RAMP)


Described = dict[str, float | str]  # the values a description is formatted with


def _timeliness_collapse(e: Effects, p: Planting) -> Described:
    drop = p.size * p.rng.uniform(2.2, 3.0)
    step, ombudsman = p.ramp(30), p.ombudsman()
    e.timeliness[p.c] -= drop * step
    e.escalation[p.c] += 0.6 * p.size * step
    e.ombudsman_volume[p.c] *= 1 + 0.3 * p.size * ombudsman
    e.handling_fault[p.c] += 1.0 * p.size * ombudsman
    on_time = float(p.councils.on_time[p.c])
    return {"before": _share(on_time), "after": _share(on_time - drop), "months": p.months(30)}


def _uphold_rising(e: Effects, p: Planting) -> Described:
    rise = p.size * p.rng.uniform(1.3, 1.9)
    ombudsman = p.ombudsman()
    e.uphold[p.c] += rise * p.ramp(365)
    e.ombudsman_uphold[p.c] += 1.0 * p.size * ombudsman
    e.ombudsman_volume[p.c] *= 1 + 0.2 * p.size * ombudsman
    uphold = float(p.councils.uphold[p.c])
    return {"before": _share(uphold), "after": _share(uphold + rise), "months": p.months(365)}


def _volume_falling(e: Effects, p: Planting) -> Described:
    fall = 0.65 * p.size
    ombudsman = p.ombudsman()
    e.volume[p.c] *= 1 - fall * p.ramp(120)
    e.refusal[p.c] += 1.5 * p.size * p.ramp(30)
    e.ombudsman_volume[p.c] *= 1 + 0.4 * p.size * ombudsman
    e.premature[p.c] += 1.2 * p.size * ombudsman
    return {"after": 1 - fall, "months": p.months(120)}


def _compliance_failing(e: Effects, p: Planting) -> Described:
    # By the date a recommendation is agreed, so a step at onset rather than a ramp.
    rise = 2.4 * p.size
    agreed_after = (p.days >= np.datetime64(p.scenario.onset, "D")).astype(np.float32)
    e.remedy_late[p.c] += rise * agreed_after
    e.not_complied[p.c] += 0.08 * p.size * agreed_after
    late = float(p.councils.remedy_late[p.c])
    return {"before": _share(late), "after": _share(late + rise)}


def _hollowing_out(e: Effects, p: Planting) -> Described:
    # Fewer people complain (they have given up, or are steered away), and those who do
    # are not satisfied at stage 1; the Ombudsman sees the handling.
    fall = p.size * p.rng.uniform(0.3, 0.45)
    rise = p.size * p.rng.uniform(0.8, 1.2)
    step, ombudsman = p.ramp(90), p.ombudsman()
    e.volume[p.c] *= 1 - fall * step
    e.escalation[p.c] += rise * step
    e.ombudsman_volume[p.c] *= 1 + 0.25 * p.size * ombudsman
    e.handling_fault[p.c] += 1.2 * p.size * ombudsman
    escalation = float(p.councils.escalation[p.c])
    return {
        "volume": 1 - fall,
        "before": _share(escalation),
        "after": _share(escalation + rise),
        "months": p.months(90),
    }


def _recovery(e: Effects, p: Planting) -> Described:
    # A dip within a month of onset whatever its size (a recovery is short), easing back
    # over the two months before the end date.
    assert p.scenario.end is not None
    dip = p.size * p.rng.uniform(1.6, 2.2)
    easing = 1 - _ramp(p.days, p.scenario.end - timedelta(days=60), 60)
    e.timeliness[p.c] -= dip * _ramp(p.days, p.scenario.onset, 30) * easing
    on_time = float(p.councils.on_time[p.c])
    return {"before": _share(on_time), "after": _share(on_time - dip)}


PLANT: dict[Kind, Callable[[Effects, Planting], Described]] = {
    "timeliness_collapse": _timeliness_collapse,
    "uphold_rising": _uphold_rising,
    "volume_falling": _volume_falling,
    "compliance_failing": _compliance_failing,
    "hollowing_out": _hollowing_out,
    "recovery": _recovery,
}


def no_effects(councils: int, days: int) -> Effects:
    """Effects that change nothing, for COUNCILS councils over DAYS days."""
    shape = (councils, days)

    def zeros() -> np.ndarray:
        return np.zeros(shape, dtype=np.float32)

    def ones() -> np.ndarray:
        return np.ones(shape, dtype=np.float32)

    return Effects(
        timeliness=zeros(),
        uphold=zeros(),
        volume=ones(),
        refusal=zeros(),
        escalation=zeros(),
        ombudsman_volume=ones(),
        ombudsman_uphold=zeros(),
        handling_fault=zeros(),
        premature=zeros(),
        remedy_late=zeros(),
        not_complied=zeros(),
        public_interest=zeros(),
    )


def build_effects(rng: np.random.Generator, councils: Councils, timeline: Timeline) -> Effects:
    """Choose the scenarios and turn them into per-council, per-day shifts."""
    effects = no_effects(councils.size, timeline.size)
    truth = []
    for scenario in choose_scenarios(rng, councils):
        slower = int(rng.integers(SLOWER[scenario.size][0], SLOWER[scenario.size][1] + 1))
        planting = Planting(scenario, councils, timeline.days, rng, slower)
        described = PLANT[scenario.kind](effects, planting)
        description = DESCRIPTIONS[scenario.kind].format(**described)
        if scenario.kind in FAILING:
            effects.public_interest[scenario.council] += (
                PUBLIC_INTEREST_RISE * planting.size * planting.ombudsman()
            )
            description += PUBLIC_INTEREST_NOTE
        truth.append(
            (
                councils.codes[scenario.council],
                scenario.kind,
                scenario.size,
                scenario.onset,
                scenario.end,
                description,
            )
        )
    effects.truth = pl.DataFrame(
        truth,
        schema={
            "authority_code": pl.String,
            "scenario": pl.String,
            "effect": pl.String,
            "onset_date": pl.Date,
            "end_date": pl.Date,
            "description": pl.String,
        },
        orient="row",
    )
    return effects
