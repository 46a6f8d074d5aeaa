"""Synthetic Ombudsman recommendations and whether each council complied with them.

Each upheld decision, unless the council had already put things right, carries one or
more recommendations. Personal remedies are due a month after the decision and service
improvements three months after (the LGSCO's usual timescales, quoted in councils'
compliance logs). Almost all are complied with in the end (99.7% in 2021-22 and 2024-25)
but 18% of remedies were late in 2021-22 (LGSCO bulletin,
content.govdelivery.com/accounts/UKLGO/bulletins/32581e6).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from scrutiny.demo.synth.councils import Councils
from scrutiny.demo.synth.effects import Effects
from scrutiny.demo.synth.ombudsman import Decisions
from scrutiny.demo.synth.texts import COMPLIANCE_EVIDENCE, WITHDRAWN_NOTES
from scrutiny.demo.synth.timeline import AS_OF, logistic

# Kinds, who they benefit, and the chance an upheld decision includes each. About 0.75
# wider-public recommendations per upheld case fits 1,848 service improvements in
# 2021-22 (LGSCO bulletin); 3,529 recommendations in 2015-16 came from about 2,000
# upheld cases, but remedies have grown since.
KINDS = (
    ("apology", "complainant", 0.75),
    ("financial_remedy", "complainant", 0.6),
    ("reconsider_decision", "complainant", 0.15),
    ("service_improvement", "wider_public", 0.35),
    ("procedure_review", "wider_public", 0.2),
    ("training", "wider_public", 0.2),
    ("other", "complainant", 0.05),
)
WIDER = np.array([beneficiary == "wider_public" for _, beneficiary, _ in KINDS])
FINANCIAL = 1
# Payments: mostly symbolic sums for distress and time and trouble (£100 to £1,500, often
# £250 to £500), with some large sums for lost provision, such as £1,300 for a child's
# missed education (LGSCO SEND decisions, quoted in the domain brief).
PAYMENT_MEDIAN, PAYMENT_SPREAD = 350.0, 0.7
LARGE_PAYMENT_SHARE, LARGE_PAYMENT = 0.06, (2_000, 15_000)
NOT_COMPLIED, WITHDRAWN = 0.003, 0.005
STATUSES = ("complied", "complied_late", "pending", "not_complied", "withdrawn")
COMPLIED, COMPLIED_LATE, PENDING, NOT_COMPLIED_STATUS, WITHDRAWN_STATUS = range(5)
LATE_DAYS = 25  # mean days late
WIDER_LATE = 0.4  # service improvements run late more often (log-odds)


def generate_recommendations(
    rng: np.random.Generator, decisions: Decisions, councils: Councils, effects: Effects
) -> pl.DataFrame:
    """Recommendations for the upheld decisions, with due dates and compliance."""
    needs = np.flatnonzero(decisions.upheld & ~decisions.remedied)
    chance = np.array([p for _, _, p in KINDS])[None, :] * np.ones((needs.size, 1))
    chance[decisions.public_interest[needs], 3:6] = 0.9  # reports always ask for change
    made = rng.random(chance.shape) < chance
    made[~made.any(axis=1), 0] = True  # at least an apology
    row, kind = np.nonzero(made)  # row-major: each decision's kinds in KINDS order
    decision = needs[row]
    number = np.arange(row.size) - np.searchsorted(row, row) + 1
    n = row.size
    council, day = decisions.council[decision], decisions.day[decision]
    wider = WIDER[kind]

    amount = np.exp(rng.normal(np.log(PAYMENT_MEDIAN), PAYMENT_SPREAD, n))
    amount = np.clip(np.round(amount / 50) * 50, 100, None)
    large = rng.random(n) < LARGE_PAYMENT_SHARE
    amount = np.where(large, np.round(rng.uniform(*LARGE_PAYMENT, n) / 100) * 100, amount)

    frame = pl.DataFrame(
        {
            "decision_ref": decisions.frame.get_column("decision_ref").gather(decision),
            "recommendation_number": number,
            "authority_code": decisions.frame.get_column("authority_code").gather(decision),
            "kind": pl.Series([k for k, _, _ in KINDS]).gather(kind),
            "beneficiary": pl.Series(["complainant", "wider_public"]).gather(wider.astype(np.int8)),
            "amount_gbp": np.where(kind == FINANCIAL, amount, np.nan),
            "agreed_date": decisions.frame.get_column("decision_date").gather(decision),
            "wider": wider,
        }
    ).with_columns(
        pl.col("amount_gbp").fill_nan(None).cast(pl.Int64),
        # One month for a personal remedy, three for a service improvement.
        due_date=pl.when("wider")
        .then(pl.col("agreed_date").dt.offset_by("3mo"))
        .otherwise(pl.col("agreed_date").dt.offset_by("1mo")),
    )
    agreed = frame.get_column("agreed_date").to_numpy().astype("datetime64[D]")
    due = frame.get_column("due_date").to_numpy().astype("datetime64[D]")

    late = rng.random(n) < logistic(
        councils.remedy_late[council] + WIDER_LATE * wider + effects.remedy_late[council, day]
    )
    allowed = (due - agreed).astype(np.int64)
    early = agreed + np.ceil(allowed * rng.uniform(0.2, 1.0, n)).astype("timedelta64[D]")
    overdue = due + (
        rng.geometric(1 / LATE_DAYS, n) * np.where(effects.remedy_late[council, day] > 0, 2, 1)
    ).astype("timedelta64[D]")
    completed = np.where(late, overdue, early)
    never = rng.random(n) < NOT_COMPLIED + effects.not_complied[council, day]
    withdrawn = ~never & (rng.random(n) < WITHDRAWN)
    as_of = np.datetime64(AS_OF, "D")
    # The Ombudsman closes a compliance check as not complied some weeks after the due date.
    never &= due + np.timedelta64(60, "D") <= as_of
    status = np.where(late, COMPLIED_LATE, COMPLIED)
    status[completed > as_of] = PENDING
    status[never] = NOT_COMPLIED_STATUS
    status[withdrawn] = WITHDRAWN_STATUS
    done = status <= COMPLIED_LATE
    evidence = np.where(done, kind, len(KINDS))
    note = rng.integers(0, len(WITHDRAWN_NOTES), n) + len(KINDS) + 1
    evidence = np.where(withdrawn, note, evidence)
    evidence_texts = (*(COMPLIANCE_EVIDENCE[k] for k, _, _ in KINDS), None, *WITHDRAWN_NOTES)
    return frame.drop("wider").with_columns(
        completed_date=pl.Series(np.where(done, completed, np.datetime64("NaT"))).cast(pl.Date),
        compliance_status=pl.Series(STATUSES).gather(status),
        evidence_note=pl.Series(evidence_texts, dtype=pl.String).gather(evidence),
    )
