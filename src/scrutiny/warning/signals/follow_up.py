"""A governance signal: Ombudsman recommendations overdue that no council committee has
reviewed (scrutiny.recommendations.follow_up).

Each quarter is judged at its end, by the data's own dates: a recommendation is overdue
when it was agreed by then, its due date had passed and it was not completed by then
(withdrawn ones are left out); it counts as reviewed when a committee reviewed it at a
meeting on or before the quarter's end. Quarters are judged from the first quarter of the
earliest meeting any recommendation in the store was assigned to: before any council
followed recommendations up through scrutiny there is nothing to judge, so history loaded
in bulk never fires it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import polars as pl

from scrutiny.core.periods import quarter_bounds, quarter_label
from scrutiny.recommendations import read_register
from scrutiny.recommendations.follow_up_lists import first_meeting, reviews_known
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs
from scrutiny.warning.signals.rows import frame

# At least this many overdue at a quarter's end before the share unreviewed is judged: one
# overdue recommendation may simply be between meetings.
MIN_OVERDUE = 2
# A warning when at least this share of them had not been reviewed; serious when none had.
MIN_UNREVIEWED_SHARE = 0.5
LISTED = 10  # recommendations named in a signal's evidence
KEY = ["decision_ref", "recommendation_number"]


def overdue_at_quarter_ends(
    register: pl.DataFrame, reviews: pl.DataFrame, began: date, as_of: date
) -> pl.DataFrame:
    """Per council and quarter from BEGAN's to the last ending by AS_OF: the overdue
    recommendations at its end and whether a committee had reviewed each by then."""
    quarters = []
    start, end = quarter_bounds(began)
    while end <= as_of:
        quarters.append((start, end))
        start, end = quarter_bounds(end + timedelta(days=1))
    if not quarters or register.is_empty():
        return pl.DataFrame()
    ends = pl.DataFrame(quarters, schema=["period_start", "period_end"], orient="row")
    done = pl.col("completed_date")
    overdue = (
        register.filter(pl.col("status") != "withdrawn")
        .select("authority_code", *KEY, "agreed_date", "due_date", "completed_date")
        .join(ends, how="cross")
        .filter(
            (pl.col("agreed_date") <= pl.col("period_end"))
            & (pl.col("due_date") < pl.col("period_end"))
            & (done.is_null() | (done > pl.col("period_end")))
        )
    )
    seen = (
        overdue.join(reviews.select(*KEY, "meeting_date"), on=KEY)
        .filter(pl.col("meeting_date") <= pl.col("period_end"))
        .select(*KEY, "period_start")
        .unique()
        .with_columns(pl.lit(True).alias("reviewed"))
    )
    return overdue.join(seen, on=[*KEY, "period_start"], how="left").with_columns(
        pl.col("reviewed").fill_null(False)
    )


def follow_up_signals(judged: pl.DataFrame) -> pl.DataFrame:
    """overdue_not_reviewed: MIN_OVERDUE or more overdue at a quarter's end and at least
    MIN_UNREVIEWED_SHARE of them not reviewed by a committee (serious when none was)."""
    if judged.is_empty():
        return frame([])
    counted = (
        judged.sort("due_date", *KEY)
        .group_by("authority_code", "period_start", "period_end")
        .agg(
            pl.len().alias("overdue"),
            pl.col("reviewed").sum().alias("reviewed"),
            (pl.col("decision_ref") + " #" + pl.col("recommendation_number").cast(pl.String))
            .filter(~pl.col("reviewed"))
            .alias("not_reviewed"),
        )
        .filter(
            (pl.col("overdue") >= MIN_OVERDUE)
            & ((pl.col("overdue") - pl.col("reviewed")) >= MIN_UNREVIEWED_SHARE * pl.col("overdue"))
        )
    )
    return frame(
        [
            _signal(row)
            for row in counted.sort("authority_code", "period_start").iter_rows(named=True)
        ]
    )


def _signal(row: dict[str, Any]) -> dict[str, Any]:
    label = quarter_label(row["period_start"])
    overdue, reviewed = row["overdue"], row["reviewed"]
    waiting = overdue - reviewed
    if reviewed == 0:
        sentence = (
            f"{overdue} Ombudsman recommendations were overdue at the end of {label} and no "
            "council committee had reviewed any of them."
        )
    else:
        sentence = (
            f"{overdue} Ombudsman recommendations were overdue at the end of {label} and "
            f"{waiting} of them had not been reviewed by a council committee "
            f"({reviewed} had)."
        )
    names = row["not_reviewed"]
    return {
        "authority_code": row["authority_code"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "signal": "overdue_not_reviewed",
        "severity": 2 if reviewed == 0 else 1,
        "sentence": sentence,
        "evidence": {
            "overdue": overdue,
            "reviewed": reviewed,
            "not_reviewed": waiting,
            "recommendations": names[:LISTED],
            "more": max(len(names) - LISTED, 0),
            "rule": f"at least {MIN_OVERDUE} recommendations overdue at the quarter's end and "
            f"at least {MIN_UNREVIEWED_SHARE:.0%} of them not reviewed at a committee meeting "
            "by then; serious when none was",
        },
    }


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    began = first_meeting(inputs.engine)
    if began is None or inputs.recommendations.is_empty():
        return frame([])
    # compute_signals narrows its recommendations to one council when asked for one: read
    # only that council's register then.
    councils = inputs.recommendations["authority_code"].unique()
    one = str(councils[0]) if councils.len() == 1 else None
    register = read_register(inputs.engine, inputs.as_of, authority_code=one)
    reviews = reviews_known(inputs.engine)
    return follow_up_signals(overdue_at_quarter_ends(register, reviews, began, inputs.as_of))


FOLLOW_UP = Detector(
    "Ombudsman recommendations overdue at each quarter's end, and the council committees' "
    "reviews of them by meeting date",
    _detect,
)
