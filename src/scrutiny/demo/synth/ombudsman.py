"""Synthetic Local Government and Social Care Ombudsman decisions about every council.

Calibrated to the LGSCO's national figures:

- 15,488 complaints and enquiries received in 2022-23, 17,937 in 2023-24 and more than
  20,000 in 2024-25; 4,003 detailed investigations in 2023-24 and 4,441 in 2024-25, so
  about one case in five is investigated;
- 58% of investigations upheld in 2018-19, 80% in 2023-24, 83% in 2024-25;
- 6.2 upheld decisions a year per 100,000 residents in 2024-25.

Sources: Buckinghamshire Council, Ombudsman annual review 2022-23 and 2023-24
(buckinghamshire.gov.uk, quoting the LGSCO's national figures); LGSCO bulletin 2018-19
(content.govdelivery.com/accounts/UKLGO/bulletins/2551480); LGSCO news, July 2025
(lgo.org.uk/information-centre/news/2025/jul/children-s-complaints-still-dominate-
ombudsman-casework-in-2024-25-but-housing-has-overtaken-adult-services); LGSCO Annual
Report and Accounts 2024-25, as reported by wired-gov.net.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.effects import Effects
from scrutiny.demo.synth.services import AREAS, SUBAREA_CODES, pick_subareas
from scrutiny.demo.synth.timeline import Timeline, logistic
from scrutiny.reference.authorities import TIER_SERVICES

# Decisions a year per 100,000 residents in 2023-24 terms, by tier, so that the national
# total comes to about 18,000. Buckinghamshire (unitary, 553,000) had 104 to 160 a year
# from 2020-21 to 2023-24; Maidstone (district, 176,000) 23 in 2022-23; West Lindsey
# (district, 96,000) 14 or 15 a year.
PER_100K = {"county": 22.0, "district": 11.0}
ALL_PURPOSE_PER_100K = 28.5
# Decisions by financial year relative to 2023-24 (15,488 in 2022-23, 17,937 in 2023-24,
# over 20,000 in 2024-25; 2020-21 and 2021-22 lower after the pandemic).
YEAR_FACTOR = np.array([0.72, 0.88, 0.86, 1.0, 1.15])
# The LGSCO suspended casework in the first COVID-19 lockdown (late March to the end of
# June 2020), so few decisions then.
PAUSE_END, PAUSE = date(2020, 7, 1), 0.3

INVESTIGATED = 0.21
# Share of investigations upheld by year: 80% (2023-24) and 83% (2024-25) as published,
# earlier years rising from 58% (2018-19) and jumping after 2022-23, when the LGSCO
# stopped investigating borderline cases (Buckinghamshire's 2022-23 annual review).
UPHELD_SHARE = np.array([0.67, 0.68, 0.74, 0.80, 0.83])
# Fault found by service, against 83% overall in 2024-25: SEND and education 91%,
# housing 85%, adult care 78%; planning decisions are less often found at fault.
AREA_UPHOLD = dict.fromkeys(AREAS, 0.0) | {
    "education_and_childrens_services": 0.7,
    "housing": 0.15,
    "adult_care_services": -0.3,
    "planning_and_development": -0.7,
}
# Caseload by service, 2024-25: education and children's 27%, housing 17%, adult care 13%;
# the rest split by assumption. Councils keep only the services their tier delivers.
CASELOAD = {
    "adult_care_services": 0.13,
    "benefits_and_tax": 0.08,
    "corporate_and_other_services": 0.06,
    "education_and_childrens_services": 0.27,
    "environment_and_public_protection": 0.09,
    "highways_and_transport": 0.10,
    "housing": 0.17,
    "planning_and_development": 0.10,
}
# Cases closed without investigation, as at West Lindsey in 2022-23 (8 closed after
# initial enquiries, 2 referred back for local resolution, 1 incomplete or invalid).
CLOSED_EARLY = ("closed_after_initial_enquiries", "referred_back_for_local_resolution",
                "incomplete_or_invalid", "advice_given")  # fmt: skip
CLOSED_EARLY_SHARES = np.array([0.58, 0.28, 0.08, 0.06])
OUTCOMES = ("upheld", "not_upheld", *CLOSED_EARLY)
HANDLING_FAULT = -0.85  # log-odds: about 30% of upheld cases (assumption)
# The council had already put things right in 6% (Buckinghamshire), 8% (Birmingham) and
# 18% (Cornwall) of upheld cases in 2023-24.
SATISFACTORY_REMEDY = 0.10
# 27 public-interest reports in 2023-24 among about 3,200 upheld cases; more where a
# council is failing (effects.public_interest, in log-odds).
PUBLIC_INTEREST = 0.008


@dataclass
class Decisions:
    """The decisions table and, for each row, the council and day it belongs to."""

    frame: pl.DataFrame
    council: np.ndarray
    day: np.ndarray
    area: np.ndarray
    upheld: np.ndarray
    remedied: np.ndarray  # satisfactory remedy already provided by the council
    public_interest: np.ndarray


def _counts(
    rng: np.random.Generator,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Council and day index of every decision: decisions are issued on working days."""
    working = (timeline.arrivals >= 0.9).astype(np.float64)  # weekdays that are not holidays
    per_year = np.bincount(timeline.year, weights=working)
    daily = working / per_year[timeline.year] * YEAR_FACTOR[timeline.year]
    daily = np.where(timeline.days < np.datetime64(PAUSE_END, "D"), PAUSE, 1.0) * daily
    rate = np.array([PER_100K.get(t, ALL_PURPOSE_PER_100K) for t in councils.types])
    annual = councils.population / 100_000 * rate * councils.ombudsman_volume * scale
    expected = annual[:, None] * daily[None, :] * effects.ombudsman_volume
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    return cell // timeline.size, cell % timeline.size


def _areas(rng: np.random.Generator, councils: Councils, council: np.ndarray) -> np.ndarray:
    caseload = np.array([CASELOAD[a] for a in AREAS])
    delivered = np.array([[a in TIER_SERVICES[t] for a in AREAS] for t in councils.types])
    cumulative = np.cumsum(caseload[None, :] * delivered, axis=1)
    u = rng.random(council.size) * cumulative[council, -1]
    return np.asarray((u[:, None] > cumulative[council]).sum(axis=1).astype(np.int8))


def _references(
    rng: np.random.Generator, decided: np.ndarray, investigated: np.ndarray
) -> pl.Series:
    """LGSCO-style references, NN NNN NNN: the year the LGSCO received the case, then a
    number counting up through that year (lgo.org.uk/decisions)."""
    lag = np.where(
        investigated, 60 + rng.geometric(1 / 120, decided.size), rng.geometric(1 / 35, decided.size)
    )
    received = decided - lag.astype("timedelta64[D]")
    year = received.astype("datetime64[Y]").astype(np.int64) + 1970
    order = np.lexsort((rng.random(decided.size), received))
    gaps = rng.integers(1, 4, decided.size)  # other bodies' cases take numbers in between
    number = np.empty(decided.size, dtype=np.int64)
    ordered_year = year[order]
    running = np.cumsum(gaps)
    first = np.searchsorted(ordered_year, ordered_year)
    number[order] = running - running[first] + gaps[first]
    if number.max() >= 1_000_000:  # only at enormous scales: plain sequence numbers
        number[order] = np.arange(decided.size) - first + 1
    return pl.DataFrame({"y": year % 100, "n": number}).select(
        pl.format(
            "{} {} {}",
            pl.col("y").cast(pl.String).str.zfill(2),
            (pl.col("n") // 1000).cast(pl.String).str.zfill(3),
            (pl.col("n") % 1000).cast(pl.String).str.zfill(3),
        ).alias("ref")
    )["ref"]


def generate_decisions(
    rng: np.random.Generator,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
    scale: float,
) -> Decisions:
    """Ombudsman decisions about every council across the five years."""
    council, day = _counts(rng, councils, timeline, effects, scale)
    n = council.size
    year = timeline.year[day]
    area = _areas(rng, councils, council)
    investigated = rng.random(n) < INVESTIGATED
    uphold_odds = (
        np.log(UPHELD_SHARE / (1 - UPHELD_SHARE))[year]
        + councils.ombudsman_uphold[council]
        + np.array(list(AREA_UPHOLD.values()))[area]
        + effects.ombudsman_uphold[council, day]
    )
    upheld = investigated & (rng.random(n) < logistic(uphold_odds))
    early = CLOSED_EARLY_SHARES[None, :] * np.ones((n, 1))
    early[:, 1] *= np.exp(effects.premature[council, day])
    cumulative = np.cumsum(early, axis=1)
    u = rng.random(n) * cumulative[:, -1]
    closed_how = 2 + (u[:, None] > cumulative).sum(axis=1)
    outcome = np.where(investigated, np.where(upheld, 0, 1), closed_how)
    handling = upheld & (
        rng.random(n) < logistic(HANDLING_FAULT + effects.handling_fault[council, day])
    )
    remedied = upheld & (rng.random(n) < SATISFACTORY_REMEDY)
    public_interest_odds = np.log(PUBLIC_INTEREST / (1 - PUBLIC_INTEREST))
    public_interest = (
        upheld
        & ~remedied
        & (rng.random(n) < logistic(public_interest_odds + effects.public_interest[council, day]))
    )
    subarea = pick_subareas(rng, area, np.zeros(n, dtype=bool))
    decided = timeline.days[day]
    known = pl.Series(investigated)
    frame = pl.DataFrame(
        {
            "ombudsman": pl.Series(["lgsco"]).gather(np.zeros(n, dtype=np.int64)),
            "decision_ref": _references(rng, decided, investigated),
            "finding_element": pl.Series([None], dtype=pl.String).gather(
                np.zeros(n, dtype=np.int64)
            ),
            "authority_code": pl.Series(councils.codes).gather(council),
            "decision_date": pl.Series(decided).cast(pl.Date),
            "category": pl.Series(AREAS).gather(area),
            "subcategory": pl.Series(SUBAREA_CODES).gather(subarea).str.replace_all("_", "-"),
            "outcome": pl.Series(OUTCOMES).gather(outcome),
            "fault_found": upheld,
            "complaint_handling_fault": handling,
            "satisfactory_remedy_by_authority": remedied,
            "public_interest_report": public_interest,
            "housing_ombudsman_finding": pl.Series([None], dtype=pl.String).gather(
                np.zeros(n, dtype=np.int64)
            ),
        }
    ).with_columns(
        # Only an investigation finds fault or no fault; other closures leave them blank.
        pl.when(known).then(pl.col(name)).alias(name)
        for name in ("fault_found", "complaint_handling_fault", "satisfactory_remedy_by_authority")
    )
    return Decisions(frame, council, day, area, upheld, remedied, public_interest)
