"""Committee follow-up in the demo: synthetic committees assigning and reviewing the open
Ombudsman recommendations of a few councils, so the councillor dashboard, the pack, the
annual report and the overdue_not_reviewed signal have something to show.

Dates are set from TODAY so the demo always has meetings held and to come: reviews at
meetings about eleven and six months ago, and a next meeting in about five weeks. Each
assignment and review is made as it would have been then (the library's today), and
every conclusion says it is a synthetic example.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from scrutiny.recommendations import read_register
from scrutiny.recommendations.follow_up import assign_follow_up, record_review

COMMITTEES = ("Overview and Scrutiny Committee", "Audit and Governance Committee")
CONCLUSIONS = (
    "Synthetic example: the committee noted the remedy is late and asked the service "
    "director to report back at its next meeting with a date for completion.",
    "Synthetic example: the committee was assured the payment has been approved and "
    "asked for confirmation once it is made.",
    "Synthetic example: the committee asked why the procedure change had not been made and "
    "referred it to the Cabinet Member for a response.",
)
EARLIER, LATER, NEXT = timedelta(days=330), timedelta(days=170), timedelta(days=38)
# Besides the demo council: councils whose committees review everything, and councils
# whose committees have not reviewed any of their overdue recommendations.
THOROUGH, SILENT = 2, 2


def add_follow_up(
    engine: Engine, authority_code: str, *, by: str, today: date | None = None
) -> int:
    """Assign and review open recommendations of AUTHORITY_CODE and a few other councils;
    how many assignments and reviews were made."""
    today = today or date.today()
    open_ = (
        read_register(engine, today)
        .filter(pl.col("status") == "pending")
        .sort("authority_code", "due_date", "decision_ref", "recommendation_number")
    )
    counts = (
        open_.filter(pl.col("authority_code") != authority_code)
        .group_by("authority_code")
        .len()
        .filter(pl.col("len") >= 3)
        .sort(["len", "authority_code"], descending=[True, False])
    )
    others = counts["authority_code"].to_list()
    plans = {authority_code: "mixed"}
    plans.update(dict.fromkeys(others[:THOROUGH], "thorough"))
    plans.update(dict.fromkeys(others[THOROUGH : THOROUGH + SILENT], "silent"))
    made = 0
    for code, plan in plans.items():
        keys = open_.filter(pl.col("authority_code") == code).select(
            "decision_ref", "recommendation_number", "agreed_date"
        )
        for index, (ref, number, agreed) in enumerate(keys.iter_rows()):
            made += _follow(engine, code, ref, number, agreed, plan, index, by, today)
    return made


def _follow(
    engine: Engine,
    code: str,
    ref: str,
    number: int,
    agreed: date,
    plan: str,
    index: int,
    by: str,
    today: date,
) -> int:
    """One recommendation's synthetic follow-up under PLAN; the records made."""
    committee = COMMITTEES[index % 2 if plan == "thorough" else 0]
    conclusion = CONCLUSIONS[index % len(CONCLUSIONS)]
    coming = today + NEXT
    if plan == "silent":
        # Put on a meeting to come, never yet reviewed.
        return _assign(engine, code, ref, number, committee, coming, by, today)
    if plan == "mixed" and index % 3 == 2:
        return 0  # not assigned to any committee
    if plan == "mixed" and index % 3 == 1:
        return _assign(engine, code, ref, number, committee, coming, by, today)
    made = 0
    for held in (today - EARLIER, today - LATER):
        if held < agreed:
            continue
        made += _assign(engine, code, ref, number, committee, held, by, held - timedelta(days=21))
        record_review(
            engine,
            ref,
            number,
            authority_code=code,
            conclusion=conclusion,
            by=by,
            today=held + timedelta(days=2),
        )
        made += 1
    if plan == "mixed" and index == 0:
        # Reviewed, and put on the next agenda again: its history keeps both.
        made += _assign(engine, code, ref, number, committee, coming, by, today)
    return made


def _assign(
    engine: Engine,
    code: str,
    ref: str,
    number: int,
    committee: str,
    meeting: date,
    by: str,
    on: date,
) -> int:
    assign_follow_up(
        engine,
        ref,
        number,
        authority_code=code,
        committee=committee,
        meeting_date=meeting,
        by=by,
        today=on,
    )
    return 1
