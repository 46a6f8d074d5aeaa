"""Synthetic complaints: stage 1 arrivals for every council and day, then escalations to stage 2.

Volumes scale with each council's population and tier (councils.py), rise a little each
year and dip in the first COVID-19 lockdown, follow the seasons and the working week, and
fall where a scenario says people cannot complain. Everything is done on whole arrays.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.effects import Effects
from scrutiny.demo.synth.handling import (
    ADULT_STATUTORY,
    CHILDRENS_STATUTORY,
    CODE,
    HOUSING_CODE,
    NOT_UPHELD,
    OUTCOMES,
    PROCESSES,
    REFUSAL_REASONS,
    UPHELD,
    Cases,
    Handled,
    handle,
)
from scrutiny.demo.synth.services import (
    AREAS,
    CHANNEL_SHARES,
    CHANNEL_SHIFT,
    CHANNELS,
    SUBAREA_CODES,
    pick_subareas,
    remedy_texts,
)
from scrutiny.demo.synth.texts import EXTENSION_REASONS, IMPROVEMENTS
from scrutiny.demo.synth.timeline import FIRST_DAY, LAST_DAY, YEARS, Timeline, logistic

GROWTH = 1.04  # a year: LGSCO complaints rose from 15,488 (2022-23) to 17,937 (2023-24)
LOCKDOWN_END, LOCKDOWN = date(2020, 7, 1), 0.75  # fewer complaints while services paused
# Share of each service's complaints handled under a statutory procedure instead.
ADULT_STATUTORY_SHARE = 0.8
CHILDRENS_STATUTORY_SHARE = 0.75
# Escalation to stage 2, in log-odds by stage 1 outcome: people whose complaint was not
# upheld ask to escalate most. Broxtowe escalated 19% in 2024-25, Buckinghamshire 15% and
# Cornwall 12% in 2023-24 (sources as in councils.py); the default lands near 14%.
ESCALATION = {UPHELD: -0.5, 1: 0.0, NOT_UPHELD: 0.35}
ESCALATION_LATE = 0.4  # a late answer makes escalation likelier
ESCALATION_GAP_DAYS = 12  # mean calendar days from the stage 1 answer to the request


def arrivals(
    rng: np.random.Generator,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
    scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Council and day index of every stage 1 complaint: a Poisson count per council-day."""
    elapsed_years = (timeline.days - np.datetime64(FIRST_DAY, "D")).astype(np.int64) / 365.25
    national = timeline.arrivals * GROWTH**elapsed_years
    national = np.where(timeline.days < np.datetime64(LOCKDOWN_END, "D"), LOCKDOWN, 1.0) * national
    daily = national / (timeline.arrivals.sum() / YEARS)
    expected = (councils.stage_one_per_year * scale)[:, None] * daily[None, :] * effects.volume
    counts = rng.poisson(expected).ravel()
    cell = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    return (cell // timeline.size).astype(np.int64), (cell % timeline.size).astype(np.int64)


def _processes(rng: np.random.Generator, area: np.ndarray, subarea: np.ndarray) -> np.ndarray:
    """Which procedure each complaint is handled under (an index into PROCESSES)."""
    u = rng.random(area.size)
    code = {name: SUBAREA_CODES.index(name) for name in SUBAREA_CODES}
    adult = (area == AREAS.index("adult_care_services")) & (
        subarea != code["disabled_facilities_grants"]
    )
    children = (subarea == code["child_protection"]) | (subarea == code["children_in_care"])
    process = np.full(area.size, CODE, dtype=np.int8)
    process[subarea == code["council_housing_repairs"]] = HOUSING_CODE
    process[adult & (u < ADULT_STATUTORY_SHARE)] = ADULT_STATUTORY
    process[children & (u < CHILDRENS_STATUTORY_SHARE)] = CHILDRENS_STATUTORY
    return process


def _channels(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    shares = CHANNEL_SHARES[None, :] + np.arange(YEARS)[:, None] * CHANNEL_SHIFT[None, :]
    cumulative = np.cumsum(shares / shares.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(year.size) * cumulative[year, -1]
    return np.asarray((u[:, None] > cumulative[year]).sum(axis=1).astype(np.int8))


def stage_one(
    rng: np.random.Generator,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
    scale: float,
) -> tuple[Cases, np.ndarray, Handled]:
    """Every stage 1 complaint, its channel, and how it was handled."""
    council, day = arrivals(rng, councils, timeline, effects, scale)
    cumulative = np.cumsum(councils.mix, axis=1)
    u = rng.random(council.size) * cumulative[council, -1]
    area = (u[:, None] > cumulative[council]).sum(axis=1).astype(np.int8)
    subarea = pick_subareas(rng, area, councils.landlord[council])
    cases = Cases(
        council=council,
        day=day,
        received=timeline.days[day],
        area=area,
        subarea=subarea,
        process=_processes(rng, area, subarea),
    )
    channel = _channels(rng, timeline.year[day])
    return cases, channel, handle(rng, 1, cases, councils, timeline, effects)


def escalations(
    rng: np.random.Generator,
    cases: Cases,
    handled: Handled,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
) -> tuple[np.ndarray, Cases]:
    """Which stage 1 rows escalate (their indices) and the stage 2 cases they become."""
    c, d = cases.council, cases.day
    outcome = handled.outcome
    odds = (
        councils.escalation[c]
        + np.select([outcome == k for k in ESCALATION], list(ESCALATION.values()), 0.0)
        + ESCALATION_LATE * handled.late
        + effects.escalation[c, d]
    )
    can = (outcome <= NOT_UPHELD) & (cases.process != ADULT_STATUTORY)  # single-stage
    asks = can & (rng.random(c.size) < logistic(odds))
    gap = rng.geometric(1 / ESCALATION_GAP_DAYS, c.size).astype("timedelta64[D]")
    requested = handled.responded + gap
    asks &= requested <= np.datetime64(LAST_DAY, "D")
    parent = np.flatnonzero(asks)
    received = requested[parent]
    day = (received - timeline.days[0]).astype(np.int64)
    return parent, Cases(
        council=c[parent],
        day=day,
        received=received,
        area=cases.area[parent],
        subarea=cases.subarea[parent],
        process=cases.process[parent],
    )


def _text(values: tuple[str | None, ...], index: np.ndarray) -> pl.Series:
    """VALUES picked by INDEX, as a polars string column (vectorised gather)."""
    return pl.Series(values, dtype=pl.String).gather(index)


def _frame(
    rng: np.random.Generator,
    stage: int,
    cases: Cases,
    handled: Handled,
    councils: Councils,
    refs: pl.Series,
    channel: np.ndarray,
) -> pl.DataFrame:
    n = cases.council.size
    extended = handled.extension > 0
    no_text = len(EXTENSION_REASONS)
    reason = np.where(extended, rng.integers(0, no_text, n), no_text)
    improvement_texts = [t for area in AREAS for t in IMPROVEMENTS[area]]
    pick = cases.area.astype(np.int64) * 2 + rng.integers(0, 2, n)
    improvement_text = np.where(handled.improvement == 1, pick, len(improvement_texts))
    return pl.DataFrame(
        {
            "authority_code": _text(tuple(councils.codes), cases.council),
            "complaint_ref": refs,
            "stage": np.full(n, stage, dtype=np.int64),
            "process": _text(PROCESSES, cases.process),
            "received_date": cases.received,
            "acknowledged_date": handled.acknowledged,
            "extension_working_days": handled.extension,
            "extension_reason": _text((*EXTENSION_REASONS, None), reason),
            "responded_date": handled.responded,
            "acceptance": _text(("accepted", "refused"), handled.refused.astype(np.int8)),
            "refusal_reason": _text((*REFUSAL_REASONS, None), handled.refusal_reason),
            "outcome": _text(OUTCOMES, handled.outcome),
            "service_area": _text(AREAS, cases.area),
            "service_subarea": _text(SUBAREA_CODES, cases.subarea),
            "channel": _text(CHANNELS, channel),
            "remedies": _text(tuple(remedy_texts()), handled.remedies).replace("", None),
            "financial_remedy_gbp": pl.Series(handled.payment).fill_nan(None).cast(pl.Int64),
            "service_improvement": handled.improvement,
            "service_improvement_text": _text((*improvement_texts, None), improvement_text),
            "reasonable_adjustments": handled.adjustments,
        }
    ).with_columns(
        pl.col("^.*_date$").cast(pl.Date),
        service_improvement=pl.when(pl.col("service_improvement") >= 0).then(
            pl.col("service_improvement") == 1
        ),
    )


def generate_complaints(
    rng: np.random.Generator,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
    scale: float,
) -> pl.DataFrame:
    """The complaints table: stage 1 rows, each followed by its stage 2 row if escalated."""
    cases, channel, handled = stage_one(rng, councils, timeline, effects, scale)
    parent, second = escalations(rng, cases, handled, councils, timeline, effects)
    handled_two = handle(rng, 2, second, councils, timeline, effects)

    # References: the council's own case number, counting up within each financial year.
    year = timeline.year[cases.day]
    group = cases.council * YEARS + year  # non-decreasing: rows are in council, day order
    sequence = np.arange(group.size) - np.searchsorted(group, group) + 1
    refs = pl.DataFrame({"year": 2020 + year, "n": sequence}).select(
        pl.format("C{}-{}", "year", pl.col("n").cast(pl.String).str.zfill(6)).alias("ref")
    )["ref"]
    first = _frame(rng, 1, cases, handled, councils, refs, channel)
    escalated = _frame(rng, 2, second, handled_two, councils, refs.gather(parent), channel[parent])
    order = np.argsort(np.concatenate([np.arange(cases.council.size) * 2, parent * 2 + 1]))
    return pl.concat([first, escalated])[order]
