"""How a council handles each complaint at a stage: dates on the Code clock, outcome, remedies.

Deadlines follow the Complaint Handling Code (acknowledge in 5 working days, respond in
10 at stage 1 or 20 at stage 2 after acknowledgement, plus an agreed extension of up to
10 or 20), and every date is counted in England-and-Wales working days with
scrutiny.reference.calendar, so a Christmas or Easter complaint is answered after the holiday.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.effects import Effects
from scrutiny.demo.synth.services import AREAS, FINANCIAL, REMEDY_CHANCE, SUBAREA_CODES
from scrutiny.demo.synth.timeline import AS_OF, Timeline, logistic
from scrutiny.reference.calendar import offset_working_days

PROCESSES = (
    None,  # blank: the Complaint Handling Code
    "housing_complaint_handling_code",
    "adult_social_care_statutory",
    "childrens_statutory",
)
CODE, HOUSING_CODE, ADULT_STATUTORY, CHILDRENS_STATUTORY = range(4)
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn", None)
UPHELD, PARTLY, NOT_UPHELD, WITHDRAWN, NO_OUTCOME = range(5)
REFUSAL_REASONS = (
    "service_request", "outside_time_limit", "statutory_appeal_route", "already_considered",
    "legal_proceedings", "other",
)  # fmt: skip
REFUSAL_SHARES = {1: [0.45, 0.15, 0.15, 0.1, 0.05, 0.1], 2: [0.1, 0.35, 0.1, 0.35, 0.05, 0.05]}
WITHDRAWN_SHARE = 0.02

# National drift by financial year, in log-odds: timeliness slips a little as volumes
# grow; councils uphold slightly more each year. (Modelling assumptions.)
NATIONAL_TIMELINESS = np.array([0.1, 0.05, 0.0, -0.1, -0.1])
NATIONAL_UPHOLD = np.array([-0.1, -0.05, 0.0, 0.05, 0.1])
# Services where more complaints are upheld (SEND and repairs) or fewer (planning, where
# many complaints are disagreement with a lawful decision). Assumption, in the direction
# of the LGSCO's 2024-25 fault rates: SEND 94%, housing 85%, all services 83%.
AREA_UPHOLD = dict.fromkeys(AREAS, 0.0) | {
    "education_and_childrens_services": 0.3,
    "housing": 0.25,
    "planning_and_development": -0.6,
    "benefits_and_tax": -0.1,
}
STAGE_TWO = {"on_time": -0.3, "uphold": -0.9, "extension": 0.3}
# Working days to acknowledge when on time (0 is an automatic same-day acknowledgement).
ACK_DAYS = np.array([0, 1, 2, 3, 4, 5])
ACK_SHARES = np.array([0.12, 0.3, 0.22, 0.16, 0.1, 0.1])
EXTENSIONS = {
    1: ([5, 10, 3, 7], [0.4, 0.45, 0.05, 0.1]),
    2: ([10, 20, 15, 5], [0.45, 0.35, 0.1, 0.1]),
}
# Payments at stage 1 are small goodwill and time-and-trouble sums; larger at stage 2.
PAYMENT_MEDIAN = {1: 100.0, 2: 250.0}


@dataclass
class Cases:
    """The complaints being handled at one stage, one array entry per row."""

    council: np.ndarray
    day: np.ndarray  # index into the timeline of the received date
    received: np.ndarray  # datetime64[D]
    area: np.ndarray
    subarea: np.ndarray
    process: np.ndarray


@dataclass
class Handled:
    """What happened to each case at the stage."""

    acknowledged: np.ndarray
    extension: np.ndarray
    responded: np.ndarray  # NaT while open, or when withdrawn
    refused: np.ndarray
    refusal_reason: np.ndarray  # index into REFUSAL_REASONS, len() when accepted
    outcome: np.ndarray  # index into OUTCOMES
    late: np.ndarray  # responded after the Code's deadline
    remedies: np.ndarray  # bit mask over REMEDIES
    payment: np.ndarray  # pounds, NaN without a financial remedy
    improvement: np.ndarray  # 1 true, 0 false, -1 blank
    adjustments: np.ndarray


def _geometric_days(rng: np.random.Generator, mean: float, size: int) -> np.ndarray:
    return rng.geometric(1.0 / mean, size)


def handle(
    rng: np.random.Generator,
    stage: int,
    cases: Cases,
    councils: Councils,
    timeline: Timeline,
    effects: Effects,
) -> Handled:
    """Acknowledge, perhaps extend, answer and decide every case at STAGE."""
    n = cases.council.size
    c, d = cases.council, cases.day
    second = stage == 2
    shift = effects.timeliness[c, d] + timeline.slowness[d]
    year, quarter = timeline.year[d], timeline.quarter[d]

    refused = rng.random(n) < logistic(councils.refusal[c] + effects.refusal[c, d] + 0.3 * second)
    reason = rng.choice(len(REFUSAL_REASONS), n, p=REFUSAL_SHARES[stage])
    reason = np.where(refused, reason, len(REFUSAL_REASONS))

    ack_on_time = rng.random(n) < logistic(councils.acknowledge[c] + 0.6 * shift)
    ack_days = np.where(
        ack_on_time,
        rng.choice(ACK_DAYS, n, p=ACK_SHARES),
        5 + np.minimum(_geometric_days(rng, 4, n), 25),
    )
    acknowledged = offset_working_days(cases.received, ack_days)

    statutory = (cases.process == ADULT_STATUTORY) | (cases.process == CHILDRENS_STATUTORY)
    extends = (
        ~refused
        & ~statutory
        & (
            rng.random(n)
            < logistic(
                councils.extension[c]
                - 0.3 * effects.timeliness[c, d]
                + STAGE_TWO["extension"] * second
            )
        )
    )
    lengths, shares = EXTENSIONS[stage]
    extension = np.where(extends, rng.choice(lengths, n, p=shares), 0)

    deadline = (20 if second else 10) + extension
    on_time_odds = (
        councils.on_time[c]
        + councils.on_time_drift[c, quarter]
        + NATIONAL_TIMELINESS[year]
        + shift
        + STAGE_TWO["on_time"] * second
        - 0.5 * (cases.process == CHILDRENS_STATUTORY)
    )
    on_time = rng.random(n) < logistic(on_time_odds)
    # On time: most answers come in the last few days before the deadline.
    prompt = 1 + np.floor(deadline * rng.beta(2.5, 1.3, n)).astype(np.int64)
    overdue = deadline + np.minimum(_geometric_days(rng, 10, n), 120)
    answer_days = np.where(on_time, np.minimum(prompt, deadline), overdue)
    # Adult social care statutory complaints have no fixed limit: weeks to months.
    answer_days = np.where(
        cases.process == ADULT_STATUTORY,
        5 + np.minimum(_geometric_days(rng, 25, n), 130),
        answer_days,
    )
    answer_days = np.where(refused, rng.integers(1, 9, n), answer_days)
    responded = offset_working_days(acknowledged, answer_days)

    uphold_odds = (
        councils.uphold[c]
        + councils.uphold_drift[c, quarter]
        + NATIONAL_UPHOLD[year]
        + np.array(list(AREA_UPHOLD.values()))[cases.area]
        + effects.uphold[c, d]
        + STAGE_TWO["uphold"] * second
    )
    upheld = rng.random(n) < logistic(uphold_odds)
    outcome = np.where(upheld, np.where(rng.random(n) < 0.45, PARTLY, UPHELD), NOT_UPHELD)
    withdrawn = ~refused & (rng.random(n) < WITHDRAWN_SHARE)
    outcome = np.where(withdrawn, WITHDRAWN, outcome)
    # Whatever would happen after the extract was taken is not known yet.
    as_of = np.datetime64(AS_OF, "D")
    still_open = responded > as_of
    outcome = np.where(refused | (still_open & ~withdrawn), NO_OUTCOME, outcome)
    responded = np.where(withdrawn | still_open, np.datetime64("NaT"), responded)
    acknowledged = np.where(acknowledged > as_of, np.datetime64("NaT"), acknowledged)

    remedies, payment = _remedies(rng, stage, outcome, cases.subarea)
    decided = outcome <= NOT_UPHELD
    improved = (outcome <= PARTLY) & (rng.random(n) < logistic(councils.improvement[c]))
    return Handled(
        acknowledged=acknowledged,
        extension=extension,
        responded=responded,
        refused=refused,
        refusal_reason=reason,
        outcome=outcome.astype(np.int8),
        late=decided & ~on_time & ~statutory,
        remedies=remedies,
        payment=payment,
        improvement=np.where(decided, improved.astype(np.int8), -1),
        adjustments=rng.random(n) < 0.03,
    )


REPAIRS = SUBAREA_CODES.index("council_housing_repairs")


def _remedies(
    rng: np.random.Generator, stage: int, outcome: np.ndarray, subarea: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A bit mask of remedies for each decided case, and the payment where there is one."""
    n = outcome.size
    decided = outcome <= NOT_UPHELD
    chance = REMEDY_CHANCE[np.minimum(outcome, NOT_UPHELD)]  # (n, remedies)
    # Disrepair and stage 2 complaints end in payments more often.
    boost = np.where(subarea == REPAIRS, 3.0, 1.0) * (2.0 if stage == 2 else 1.0)
    chance[:, FINANCIAL] = np.minimum(chance[:, FINANCIAL] * boost, 0.9)
    granted = (rng.random(chance.shape) < chance) & decided[:, None]
    mask = (granted * (1 << np.arange(chance.shape[1]))).sum(axis=1)
    mask = np.where((outcome <= PARTLY) & (mask == 0), 1, mask)  # at least an apology
    paid = (mask >> FINANCIAL) & 1 == 1
    amount = np.exp(rng.normal(np.log(PAYMENT_MEDIAN[stage]), 0.8, n))
    amount = np.clip(np.round(amount / 5) * 5, 25, 5000)
    return mask, np.where(paid, amount, np.nan)
