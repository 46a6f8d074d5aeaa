"""Synthetic self-assessment answers for the demo, some better than the council's own data.

A few councils answer an item the data can speak to, each the way a council might: one
step better than its data reads, with an explanation (so scrutiny flags it to councillors
and the Ombudsman, scrutiny.councillor.better_than_data), and one answer that agrees with
the data (never flagged). On the full demo this gives the case from issue 21: County
Durham's item 6.3 reads "does not meet" from its data (76.9% of stage 1 responses on time
against 80% for "partly meets") and is answered "partly meets". Every answer's evidence
says it is synthetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Engine

from scrutiny.core.periods import financial_year_label, financial_year_of
from scrutiny.councillor.self_assessment import (
    STATUSES,
    prefill_from_data,
    save_self_assessment_item,
)
from scrutiny.demo.synth.timeline import LAST_DAY

LABEL = "Synthetic demo answer"
EXPLANATION = (
    f"{LABEL}: the council says it has done better since the new triage team started, and"
    " that late responses were agreed with the complainant."
)
AGREES = f"{LABEL}: the council agrees with what its complaints data shows."
ACTION = "Review every late response at the monthly performance meeting"
OWNER = "Head of Customer Services"


def answer_self_assessments(engine: Engine, councils: Sequence[str], actor: str) -> int:
    """For each of COUNCILS, in the last synthetic financial year: answer the first item
    its data reads below "meets" one step better, with an explanation (does-not-meet items
    first), and the next such item as the data reads it. How many answers are flagged."""
    year = financial_year_label(financial_year_of(LAST_DAY))
    flagged = 0
    for code in councils:
        below = sorted(
            (
                (item, data)
                for item, data in prefill_from_data(engine, code, year).items()
                if data.status != "meets"
            ),
            key=lambda pair: -STATUSES.index(pair[1].status),
        )
        if not below:
            continue
        (item, data), rest = below[0], below[1:]
        better = STATUSES[STATUSES.index(data.status) - 1]
        save_self_assessment_item(
            engine, code, year, item, status=better, evidence=EXPLANATION, actor=actor
        )
        flagged += 1
        for item, data in rest[:1]:
            save_self_assessment_item(
                engine,
                code,
                year,
                item,
                status=data.status,
                evidence=AGREES,
                action=ACTION,
                action_owner=OWNER,
                action_due=date(LAST_DAY.year, 9, 30),
                actor=actor,
            )
    return flagged
