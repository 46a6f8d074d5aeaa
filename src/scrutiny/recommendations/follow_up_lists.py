"""What a council's committees have to follow up, and what they have reviewed.

council_follow_up gives the councillor dashboard and the scrutiny pack their sections:
for each committee, the recommendations on the agenda of its next meeting (the first on
or after today); the recommendations reviewed, with the latest conclusion; and the open
recommendations no committee has reviewed, overdue first. reviewed_between gives the
annual report the reviews at meetings in its year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Engine, select

from scrutiny.recommendations.register import KEY, read_register
from scrutiny.store.follow_up_tables import follow_up_assignments, follow_up_reviews
from scrutiny.store.read import read_frame

_TYPES = {
    "decision_ref": pl.String,
    "recommendation_number": pl.Int64,
    "authority_code": pl.String,
    "committee": pl.String,
    "meeting_date": pl.Date,
    "current": pl.Boolean,
    "conclusion": pl.String,
}
_SHOWN = [
    *KEY,
    "kind",
    "amount_gbp",
    "due_date",
    "state",
    "overdue",
    "working_days_overdue",
]


@dataclass(frozen=True)
class Meeting:
    """A committee's next meeting and the recommendations on its agenda."""

    committee: str
    meeting_date: date
    items: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class FollowUp:
    """One council's scrutiny follow-up on TODAY."""

    today: date
    next_meetings: tuple[Meeting, ...]
    reviewed: tuple[dict[str, Any], ...]  # the latest review of each, newest meeting first
    not_reviewed: tuple[dict[str, Any], ...]  # open, never reviewed: overdue first

    @property
    def overdue_not_reviewed(self) -> int:
        return sum(1 for row in self.not_reviewed if row["overdue"])

    @property
    def on_next_agendas(self) -> int:
        return sum(len(m.items) for m in self.next_meetings)


def follow_up_frame(engine: Engine, authority_code: str | None = None) -> pl.DataFrame:
    """Every assignment (current or replaced) with its review's conclusion, if reviewed."""
    query = select(
        *(follow_up_assignments.c[n] for n in (*KEY, "authority_code", "committee")),
        follow_up_assignments.c.meeting_date,
        follow_up_assignments.c.replaced_by.is_(None).label("current"),
        follow_up_reviews.c.conclusion,
    ).join(
        follow_up_reviews,
        follow_up_reviews.c.assignment_id == follow_up_assignments.c.id,
        isouter=True,
    )
    if authority_code is not None:
        query = query.where(follow_up_assignments.c.authority_code == authority_code)
    frame = read_frame(engine, query.order_by(follow_up_assignments.c.id))
    if frame.is_empty():
        return pl.DataFrame(schema=_TYPES)
    return frame.cast(pl.Schema(_TYPES))


def council_follow_up(engine: Engine, authority_code: str, today: date | None = None) -> FollowUp:
    """AUTHORITY_CODE's committees' follow-up of its recommendations on TODAY."""
    today = today or date.today()
    register = read_register(engine, today, authority_code=authority_code).select(*_SHOWN, "status")
    records = follow_up_frame(engine, authority_code)
    current = records.filter("current").select(*KEY, "committee", "meeting_date")
    coming = current.filter(pl.col("meeting_date") >= today)
    nearest = coming.group_by("committee").agg(pl.col("meeting_date").min().alias("next"))
    agenda = (
        coming.join(nearest, on="committee")
        .filter(pl.col("meeting_date") == pl.col("next"))
        .join(register, on=KEY)
        .sort("meeting_date", "committee", "due_date", *KEY)
    )
    meetings = tuple(
        Meeting(
            str(group["committee"][0]),
            group["meeting_date"][0],
            tuple(group.drop("committee", "meeting_date", "next").to_dicts()),
        )
        for group in agenda.partition_by("meeting_date", "committee", maintain_order=True)
    )
    reviews = (
        records.filter(pl.col("conclusion").is_not_null())
        .sort("meeting_date")
        .unique(KEY, keep="last")
        .select(*KEY, "committee", "meeting_date", "conclusion")
    )
    reviewed = reviews.join(register, on=KEY).sort(
        ["meeting_date", *KEY], descending=[True, False, False]
    )
    unreviewed = (
        register.filter(pl.col("status") == "pending")
        .join(reviews, on=KEY, how="anti")
        .join(current, on=KEY, how="left")
        .sort(
            ["overdue", "working_days_overdue", "due_date", *KEY],
            descending=[True, True, False, False, False],
        )
    )
    return FollowUp(
        today=today,
        next_meetings=meetings,
        reviewed=tuple(reviewed.to_dicts()),
        not_reviewed=tuple(unreviewed.to_dicts()),
    )


def reviewed_between(
    engine: Engine, authority_code: str, start: date, end: date
) -> list[dict[str, Any]]:
    """Reviews of AUTHORITY_CODE's recommendations at meetings from START to END, in
    meeting order: decision_ref, recommendation_number, committee, meeting_date, conclusion."""
    records = follow_up_frame(engine, authority_code).filter(
        pl.col("conclusion").is_not_null() & pl.col("meeting_date").is_between(start, end)
    )
    return (
        records.sort("meeting_date", *KEY)
        .select(*KEY, "committee", "meeting_date", "conclusion")
        .to_dicts()
    )


def reviews_known(engine: Engine) -> pl.DataFrame:
    """Every review of every council's recommendations by meeting date (for the signal):
    authority_code, decision_ref, recommendation_number, meeting_date."""
    return (
        follow_up_frame(engine)
        .filter(pl.col("conclusion").is_not_null())
        .select("authority_code", *KEY, "meeting_date")
    )


def first_meeting(engine: Engine) -> date | None:
    """The earliest meeting any recommendation was assigned to: when the store's councils
    began following recommendations up through scrutiny (None before any did)."""
    dates = follow_up_frame(engine)["meeting_date"]
    found = dates.min() if dates.len() else None
    return found if isinstance(found, date) else None


@dataclass(frozen=True)
class YearFollowUp:
    """For the annual report: the reviews at committee meetings in the year, and the
    recommendations overdue on the day it is made that no committee has reviewed."""

    reviewed: tuple[dict[str, Any], ...]
    overdue_not_reviewed: tuple[dict[str, Any], ...]


def year_follow_up(
    engine: Engine, authority_code: str, start: date, end: date, today: date
) -> YearFollowUp:
    """AUTHORITY_CODE's committee follow-up for the year from START to END, made on TODAY."""
    now = council_follow_up(engine, authority_code, today)
    return YearFollowUp(
        reviewed=tuple(reviewed_between(engine, authority_code, start, end)),
        overdue_not_reviewed=tuple(r for r in now.not_reviewed if r["overdue"]),
    )
