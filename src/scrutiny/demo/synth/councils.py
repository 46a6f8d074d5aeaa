"""The councils of the demo: who they are, how big, and how each one tends to behave.

Every council gets its own random effects (on the log-odds scale for rates, as a
multiplier for volumes), so on-time and uphold rates differ between councils as they do
in the LGSCO's annual letters, and a slow random walk by quarter so they drift over time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from scrutiny.demo.synth.services import HOUSING, LANDLORD_HOUSING, area_mix
from scrutiny.demo.synth.timeline import QUARTERS
from scrutiny.reference.authorities import load_authorities

# Stage 1 complaints a year per 1,000 residents for a council with an average effect and
# no council housing, by tier. Set so that the national demo has about 2.5 million rows
# over five years, within the range councils publish: Buckinghamshire 4.0 (2,199 for
# 553,000 residents, 2023-24), Cornwall 3.1 (1,773), Broxtowe 3.8 (429), and Birmingham
# 17 including its tenants' complaints (19,438). Sources: Buckinghamshire Council, "LGSCO
# complaints context and benchmarking" 2023-24 (buckinghamshire.gov.uk/your-council/
# contact-and-complaints/feedback-compliments-and-complaints-policy/compliments-complaints-
# annual-update-2023-24/lgsco-complaints-context-and-benchmarking), a table of several
# councils; Broxtowe Borough Council (democracy.broxtowe.gov.uk/ieDecisionDetails.aspx?ID=2165).
STAGE_ONE_PER_1000 = {"county": 3.4, "district": 4.0}
ALL_PURPOSE_PER_1000 = 5.0
# About half of districts and all-purpose councils still own council homes; the rest
# transferred them to housing associations. (Approximate; MHCLG local authority housing
# statistics list about 160 stock-holding councils.)
LANDLORD_SHARE = 0.55
# Residents per council by type, used only if authorities.csv has no population_2021.
TYPICAL_POPULATION = {
    "county": 880_000,
    "district": 114_000,
    "unitary": 216_000,
    "metropolitan_borough": 282_000,
    "london_borough": 283_000,
    "city_of_london": 8_600,
}


@dataclass(frozen=True)
class Councils:
    """Per-council attributes and random effects, one array entry per council."""

    codes: np.ndarray  # GSS codes (str)
    types: np.ndarray  # authorities.csv type (str)
    population: np.ndarray
    landlord: np.ndarray  # owns council homes
    mix: np.ndarray  # (councils, areas): expected shares of complaints by service area
    stage_one_per_year: np.ndarray  # expected stage 1 complaints a year before trends
    acknowledge: np.ndarray  # log-odds of acknowledging within 5 working days
    on_time: np.ndarray  # log-odds of a stage 1 response within the Code's timescale
    on_time_drift: np.ndarray  # (councils, quarters): added to on_time
    extension: np.ndarray  # log-odds of extending a response
    refusal: np.ndarray  # log-odds of refusing a complaint
    uphold: np.ndarray  # log-odds of upholding (fully or partly) at stage 1
    uphold_drift: np.ndarray  # (councils, quarters)
    escalation: np.ndarray  # log-odds of a stage 1 complainant escalating
    improvement: np.ndarray  # log-odds of recording a service improvement when upheld
    ombudsman_volume: np.ndarray  # multiplier on Ombudsman decisions
    ombudsman_uphold: np.ndarray  # shift in log-odds of the Ombudsman finding fault
    remedy_late: np.ndarray  # log-odds of complying with a recommendation late

    @property
    def size(self) -> int:
        """The number of councils."""
        return int(self.codes.size)


def current_councils(codes: Sequence[str] | None = None) -> pl.DataFrame:
    """Current councils (all, or those in CODES) with a population, sorted by GSS code."""
    found = load_authorities().filter("current")
    if codes is not None:
        unknown = sorted(set(codes) - set(found.get_column("gss_code").to_list()))
        if unknown:
            raise ValueError(f"not current councils: {', '.join(unknown)}")
        found = found.filter(pl.col("gss_code").is_in(list(codes)))
    if "population_2021" not in found.columns:  # reference data without populations yet
        found = found.with_columns(
            pl.col("type").replace_strict(TYPICAL_POPULATION).alias("population_2021")
        )
    return found.select("gss_code", "type", "population_2021").sort("gss_code")


def _walk(rng: np.random.Generator, councils: int, step: float) -> np.ndarray:
    """A random walk by quarter for each council, centred so it does not move the mean."""
    walk = np.cumsum(rng.normal(0.0, step, (councils, QUARTERS)), axis=1)
    return np.asarray(walk - walk.mean(axis=1, keepdims=True))


def build_councils(rng: np.random.Generator, codes: Sequence[str] | None = None) -> Councils:
    """The councils with their random effects, drawn from RNG."""
    frame = current_councils(codes)
    n = frame.height
    types = frame.get_column("type").to_numpy().astype(str)
    population = frame.get_column("population_2021").to_numpy().astype(np.float64)
    landlord = (types != "county") & (rng.random(n) < LANDLORD_SHARE)
    # Each council's mix wanders around its tier's (a Dirichlet draw), so peers differ.
    expected = np.array([area_mix(t, bool(h)) for t, h in zip(types, landlord, strict=True)])
    mix = np.zeros_like(expected)
    for i in range(n):
        delivered = expected[i] > 0
        mix[i, delivered] = rng.dirichlet(60.0 * expected[i, delivered])
    rate = np.array([STAGE_ONE_PER_1000.get(t, ALL_PURPOSE_PER_1000) for t in types])
    # A landlord's tenants add complaints on top of everything else it hears about.
    no_landlord = np.array([area_mix(t, False)[HOUSING] for t in types])
    rate = rate * np.where(landlord, 1 + (LANDLORD_HOUSING - 1) * no_landlord, 1.0)
    volume = np.exp(rng.normal(-(0.4**2) / 2, 0.4, n))  # lognormal, mean one
    ombudsman_volume = np.exp(rng.normal(-(0.35**2) / 2, 0.35, n))
    return Councils(
        codes=frame.get_column("gss_code").to_numpy().astype(str),
        types=types,
        population=population,
        landlord=landlord,
        mix=mix,
        stage_one_per_year=population / 1000 * rate * volume,
        acknowledge=rng.normal(2.3, 0.6, n),  # about 91% acknowledged on time
        on_time=rng.normal(1.3, 0.7, n),  # about 78% answered on time
        on_time_drift=_walk(rng, n, 0.08),
        extension=rng.normal(-2.4, 0.5, n),  # about 8% extended
        refusal=rng.normal(-3.2, 0.5, n),  # about 4% refused
        uphold=rng.normal(-0.2, 0.5, n),  # about 45% upheld or partly upheld
        uphold_drift=_walk(rng, n, 0.05),
        escalation=rng.normal(-1.75, 0.3, n),  # about 15% escalate
        improvement=rng.normal(-1.7, 0.5, n),
        ombudsman_volume=ombudsman_volume,
        ombudsman_uphold=rng.normal(0.0, 0.35, n),
        remedy_late=rng.normal(-1.55, 0.5, n),  # about 18% late (LGSCO 2021-22)
    )
