"""Dates as returns write them: ISO or day first, with or without a time of day after.

Case systems export date-times (`01/04/2025 09:32`, `2025-04-01T09:32:00`, and a
workbook's date-time cells arrive as `2025-04-01 09:32:00`). A return needs only the
date, so a time of day after it is dropped; something shaped like a time that is not one
(`25:99`) makes the cell an error, as does a date that only makes sense month first.
Every function here is a polars expression, run on whole columns.
"""

from __future__ import annotations

import polars as pl

ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
UK_DATE = r"\d{1,2}/\d{1,2}/\d{4}"
# Anything shaped like a clock, 24-hour or 12-hour: whether it is a real time of day is
# checked apart, so that '25:99' is called a wrong time rather than "not a date".
CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?[AaPp][Mm])?"
DATE_AND_TIME = rf"^({ISO_DATE}|{UK_DATE})(?:(?:T|\s+)({CLOCK}))?$"
SECONDS = r"(?::[0-5]\d(?:\.\d+)?)?"
TIME_OF_DAY = (
    rf"^(?:(?:[01]?\d|2[0-3]):[0-5]\d{SECONDS}|(?:0?[1-9]|1[0-2]):[0-5]\d{SECONDS}\s?[AaPp][Mm])$"
)


def _parts(text: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """The date and the clock (null when there is none) of each cell of TEXT."""
    parts = text.str.extract_groups(DATE_AND_TIME)
    return parts.struct.field("1"), parts.struct.field("2")


def clock(text: pl.Expr) -> pl.Expr:
    """The time written after each date of TEXT, or null when there is none."""
    return _parts(text)[1]


def wrong_time(text: pl.Expr) -> pl.Expr:
    """True where a date is followed by something shaped like a time that is not a time
    of day (25:99, 13:05 PM); never null."""
    time = clock(text)
    return (time.is_not_null() & ~time.str.contains(TIME_OF_DAY)).fill_null(False)


def parse_date(text: pl.Expr) -> pl.Expr:
    """The date of each cell of TEXT (YYYY-MM-DD or DD/MM/YYYY, with or without a time of
    day after it), or null when it is not one."""
    day, time = _parts(text)
    from_iso = (
        pl.when(day.str.contains("-"))
        .then(day.str.strptime(pl.Date, "%Y-%m-%d", strict=False))
        .otherwise(None)
    )
    from_uk = (
        pl.when(day.str.contains("/"))
        .then(day.str.strptime(pl.Date, "%d/%m/%Y", strict=False))
        .otherwise(None)
    )
    real_time = time.is_null() | time.str.contains(TIME_OF_DAY)
    return pl.when(real_time).then(pl.coalesce(from_iso, from_uk)).otherwise(None)


def month_first(text: pl.Expr) -> pl.Expr:
    """True where the date of TEXT reads as a date only month first (04/25/2025); never
    null. Such a date is called out, never guessed."""
    day = _parts(text)[0]
    return day.str.strptime(pl.Date, "%m/%d/%Y", strict=False).is_not_null().fill_null(False)
