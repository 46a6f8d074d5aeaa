"""The Complaint Handling Code clock: deadlines and on-time flags for every complaint row.

Timescales (LGSCO Complaint Handling Code, February 2024, section 6; the Housing
Ombudsman's Code has the same):

- acknowledge within 5 working days of receipt (stage 2: of the escalation request);
- respond within 10 working days of acknowledgement at stage 1, 20 at stage 2;
- an agreed extension adds up to 10 working days at stage 1 and up to 20 at stage 2.

The response deadline counts the extension only up to the Code's limit; a longer
extension is flagged in ``extension_over_limit`` rather than silently accepted. When
the acknowledgement date is missing, the response clock runs from the acknowledgement
due date. Everything is computed on whole columns with numpy's business-day functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from scrutiny.core.errors import Invalid
from scrutiny.reference.calendar import count_working_days, offset_working_days


@dataclass(frozen=True)
class Timescales:
    """Working-day limits of the Code, per stage."""

    acknowledge: int = 5
    respond: tuple[int, int] = (10, 20)
    extension_limit: tuple[int, int] = (10, 20)


CODE_TIMESCALES = Timescales()

INPUT_COLUMNS = ("stage", "received_date", "acknowledged_date", "responded_date")
OUTPUT_COLUMNS = (
    "acknowledgement_due_date",
    "acknowledged_on_time",
    "working_days_to_acknowledge",
    "response_due_date",
    "extension_over_limit",
    "responded_within_timescale",
    "responded_on_time",
    "working_days_to_respond",
    "overdue",
    "working_days_overdue",
)


class ClockError(Invalid, ValueError):
    """The rows cannot be put on the clock (missing columns, bad stages)."""


def _dates(frame: pl.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.full(frame.height, np.datetime64("NaT"), dtype="datetime64[D]")
    return frame.get_column(name).cast(pl.Date).to_numpy().astype("datetime64[D]")


def _nullable(values: np.ndarray, missing: np.ndarray, dtype: pl.DataType) -> pl.Series:
    return pl.Series(values, dtype=dtype).set(pl.Series(missing), None)


def code_clock(
    frame: pl.DataFrame, as_of: date, timescales: Timescales = CODE_TIMESCALES
) -> pl.DataFrame:
    """FRAME with the Code clock columns added, judged as of the date AS_OF.

    Needs ``stage`` and ``received_date``; reads ``acknowledged_date``,
    ``responded_date``, ``extension_working_days`` and ``outcome`` where present.
    Flags are null when they cannot be known yet (an open complaint not yet due).
    """
    missing_columns = [name for name in ("stage", "received_date") if name not in frame.columns]
    if missing_columns:
        raise ClockError(f"the clock needs the columns {missing_columns}")
    stage = frame.get_column("stage").cast(pl.Int64).to_numpy()
    if frame.get_column("stage").null_count() or not np.isin(stage, (1, 2)).all():
        raise ClockError("every row needs stage 1 or 2")
    received = _dates(frame, "received_date")
    if np.isnat(received).any():
        raise ClockError("every row needs a received_date")
    acknowledged = _dates(frame, "acknowledged_date")
    responded = _dates(frame, "responded_date")
    today = np.datetime64(as_of, "D")
    if "extension_working_days" in frame.columns:
        extension_column = frame.get_column("extension_working_days").cast(pl.Int64)
        extension = extension_column.fill_null(0).to_numpy()
    else:
        extension = np.zeros(frame.height, dtype=np.int64)
    withdrawn = (
        (frame.get_column("outcome") == "withdrawn").fill_null(False).to_numpy()
        if "outcome" in frame.columns
        else np.zeros(frame.height, dtype=bool)
    )

    is_stage_two = stage == 2
    limit = np.where(is_stage_two, timescales.extension_limit[1], timescales.extension_limit[0])
    base = np.where(is_stage_two, timescales.respond[1], timescales.respond[0])
    allowed_extension = np.minimum(extension, limit)

    ack_due = offset_working_days(received, np.full(frame.height, timescales.acknowledge))
    has_ack = ~np.isnat(acknowledged)
    has_response = ~np.isnat(responded)
    clock_start = np.where(has_ack, acknowledged, ack_due)
    response_due = offset_working_days(clock_start, base + allowed_extension)
    base_due = offset_working_days(clock_start, base)

    # Acknowledged on time: by the acknowledgement date, or by a full response that came
    # before the acknowledgement was due. Unknown while neither has happened and it is not due.
    ack_event = np.where(has_ack, acknowledged, responded)
    has_ack_event = has_ack | has_response
    ack_on_time = np.where(has_ack_event, ack_event <= ack_due, today <= ack_due)
    ack_unknown = ~has_ack_event & (today <= ack_due)

    responded_on_time = responded <= response_due
    open_now = ~has_response & ~withdrawn
    overdue = open_now & (today > response_due)
    respond_unknown = ~has_response & ~overdue

    days_to_ack = count_working_days(received, acknowledged)
    days_to_respond = count_working_days(received, responded)
    # Only open complaints past their deadline have days overdue: count just those.
    days_overdue = np.zeros(frame.height, dtype=np.int64)
    days_overdue[overdue] = count_working_days(
        response_due[overdue], np.full(int(overdue.sum()), today)
    )

    return frame.with_columns(
        pl.Series("acknowledgement_due_date", ack_due, dtype=pl.Date),
        _nullable(ack_on_time, ack_unknown, pl.Boolean()).alias("acknowledged_on_time"),
        _nullable(days_to_ack, ~has_ack, pl.Int64()).alias("working_days_to_acknowledge"),
        pl.Series("response_due_date", response_due, dtype=pl.Date),
        pl.Series("extension_over_limit", extension > limit, dtype=pl.Boolean),
        # Within 10 (stage 1) or 20 (stage 2) working days, counting no extension.
        _nullable(responded <= base_due, ~has_response, pl.Boolean()).alias(
            "responded_within_timescale"
        ),
        _nullable(responded_on_time & has_response, respond_unknown, pl.Boolean()).alias(
            "responded_on_time"
        ),
        _nullable(days_to_respond, ~has_response, pl.Int64()).alias("working_days_to_respond"),
        pl.Series("overdue", overdue, dtype=pl.Boolean),
        _nullable(days_overdue, ~overdue, pl.Int64()).alias("working_days_overdue"),
    )
