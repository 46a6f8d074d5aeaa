"""Periods: months, financial quarters and financial years, their labels, bounds and order.

The financial year runs from 1 April to 31 March and is written 2024-25; its quarters
begin in April, July, October and January and are written 2024-25 Q1 to 2024-25 Q4; a
month is written 2024-06. Every module that names, reads, bounds or counts periods uses
these functions, so a label written in one place reads back the same in every other
(a test fails if a second copy appears).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import Literal, overload

import polars as pl

Grain = Literal["month", "quarter", "financial_year"]
GRAINS: tuple[Grain, ...] = ("month", "quarter", "financial_year")

FIRST_MONTH = 4  # the financial year begins in April
PERIOD_ADVICE = (
    "write a financial year as 2024-25, a quarter as 2024-25 Q1 (April to June) "
    "or a month as 2024-06"
)


def financial_year_of(day: date) -> int:
    """The year the financial year holding DAY begins in: 2024 for any day of 2024-25."""
    return day.year - (day.month < FIRST_MONTH)


def financial_year_label(year: int) -> str:
    """Financial year YEAR as people write it: 2024 is '2024-25'."""
    return f"{year}-{(year + 1) % 100:02d}"


def financial_year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of financial year YEAR: 1 April YEAR to 31 March YEAR + 1."""
    return date(year, FIRST_MONTH, 1), date(year + 1, 3, 31)


def last_complete_year(as_of: date) -> int:
    """The latest financial year that ended on or before AS_OF (2024 on 31 March 2025)."""
    return financial_year_of(as_of + timedelta(days=1)) - 1


def quarter_bounds(day: date) -> tuple[date, date]:
    """The first and last day of the financial quarter holding DAY.

    Financial quarters begin where calendar quarters do (January, April, July, October);
    only their numbering differs.
    """
    first_month = day.month - (day.month - 1) % 3
    last_month = first_month + 2
    return (
        date(day.year, first_month, 1),
        date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]),
    )


def last_complete_quarter(as_of: date) -> tuple[date, date]:
    """The latest financial quarter that ended on or before AS_OF."""
    start, end = quarter_bounds(as_of)
    if end == as_of:
        return start, end
    return quarter_bounds(start - timedelta(days=1))


def quarter_label(day: date) -> str:
    """The financial quarter holding DAY as people write it: July 2023 is '2023-24 Q2'."""
    number = (day.month - FIRST_MONTH) % 12 // 3 + 1
    return f"{financial_year_label(financial_year_of(day))} Q{number}"


@overload
def quarter_index(day: date) -> int: ...
@overload
def quarter_index(day: pl.Expr) -> pl.Expr: ...
def quarter_index(day: date | pl.Expr) -> int | pl.Expr:
    """The quarter holding DAY as a whole number: 4 x year + (month - 1) // 3.

    Index 0 is January to March of year 0, so 2024-25 Q1 (April 2024) is 8097. Consecutive
    quarters differ by one; quarter_start turns an index back into a date.
    """
    if isinstance(day, date):
        return 4 * day.year + (day.month - 1) // 3
    return day.dt.year().cast(pl.Int64) * 4 + (day.dt.month().cast(pl.Int64) - 1) // 3


def quarter_start(index: int) -> date:
    """The first day of the quarter numbered INDEX by quarter_index."""
    year, part = divmod(index, 4)
    return date(year, 3 * part + 1, 1)


def _month_bounds(day: date) -> tuple[date, date]:
    return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])


def period_label(start: date, grain: Grain) -> str:
    """The period of GRAIN holding START as people write it: 2024-25, 2024-25 Q1 or 2024-06.

    parse_period reads each label back.
    """
    if grain == "financial_year":
        return financial_year_label(financial_year_of(start))
    if grain == "quarter":
        return quarter_label(start)
    if grain == "month":
        return f"{start:%Y-%m}"
    raise _unknown(grain)


def parse_period(text: str) -> tuple[Grain, date, date]:
    """A period as people write it: '2024-25' (financial year), '2024-25 Q1' (its first
    quarter, April to June) or '2024-06' (a month). Returns (grain, first day, last day).

    A month written like a financial year ('2011-12') reads as the year, which is far
    more often meant."""
    cleaned = text.strip().upper().replace(" ", "-").replace("--", "-")
    parts = cleaned.split("-")
    try:
        if len(parts) == 2 and len(parts[1]) == 2 and int(parts[1]) == (int(parts[0]) + 1) % 100:
            start, end = financial_year_bounds(int(parts[0]))
            return "financial_year", start, end
        if len(parts) == 3 and parts[2] in ("Q1", "Q2", "Q3", "Q4"):
            year = int(parts[0])
            if int(parts[1]) != (year + 1) % 100:
                raise ValueError
            first_month = (FIRST_MONTH + 3 * (int(parts[2][1]) - 1) - 1) % 12 + 1
            start, end = quarter_bounds(date(year + (first_month < FIRST_MONTH), first_month, 1))
            return "quarter", start, end
        if len(parts) == 2 and len(parts[1]) == 2 and 1 <= int(parts[1]) <= 12:
            start, end = _month_bounds(date(int(parts[0]), int(parts[1]), 1))
            return "month", start, end
    except (ValueError, OverflowError):  # OverflowError: a year too large for a date
        pass
    raise ValueError(f"cannot read the period {text!r}: {PERIOD_ADVICE}")


def parse_financial_year(text: str) -> tuple[str, date, date]:
    """Financial year TEXT ('2024-25') as its label, first day and last day.

    ValueError when TEXT cannot be read or is a quarter or a month.
    """
    grain, start, end = parse_period(text)
    if grain != "financial_year":
        raise ValueError(f"{text!r} is not a financial year: write it like 2024-25")
    return financial_year_label(start.year), start, end


def period_bounds(day: pl.Expr, grain: Grain) -> tuple[pl.Expr, pl.Expr]:
    """First and last day of the month, financial quarter or financial year holding DAY."""
    if grain == "month":
        start = day.dt.month_start()
        return start, start.dt.month_end()
    if grain == "quarter":  # financial quarters begin where calendar quarters do
        start = day.dt.truncate("1q")
        return start, start.dt.offset_by("3mo").dt.offset_by("-1d")
    if grain == "financial_year":
        year = day.dt.year() - (day.dt.month() < FIRST_MONTH).cast(pl.Int32)
        start = pl.date(year, FIRST_MONTH, 1)
        return start, pl.date(year + 1, 3, 31)
    raise _unknown(grain)


def _unknown(grain: str) -> ValueError:
    return ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")


# A return (one file a council sends) is for one period, or for a run of whole financial
# years when a council loads its history: '2020-21 to 2024-25'.
RANGE_WORD = " to "
RETURN_PERIOD_ADVICE = (
    f"{PERIOD_ADVICE}; a file holding several whole years is for a run of them, "
    "as 2020-21 to 2024-25"
)


def covering_period(first: date, last: date) -> tuple[Grain, date, date] | None:
    """The smallest month, financial quarter or financial year holding every day from
    FIRST to LAST, as (grain, first day, last day); None when they span more than one
    financial year."""
    for grain in GRAINS:
        start, end = standard_bounds(first, grain)
        if last <= end:
            return grain, start, end
    return None


def standard_bounds(day: date, grain: Grain) -> tuple[date, date]:
    """First and last day of the month, financial quarter or financial year holding DAY."""
    if grain == "month":
        return _month_bounds(day)
    if grain == "quarter":
        return quarter_bounds(day)
    if grain == "financial_year":
        return financial_year_bounds(financial_year_of(day))
    raise _unknown(grain)


def parse_return_period(text: str) -> tuple[str, date, date]:
    """The period a return is for, as people write it: one period ('2025-26', '2025-26 Q1',
    '2025-06') or a run of them ('2020-21 to 2024-25'). Returns (label, first day, last day).
    """
    parts = text.split(RANGE_WORD) if RANGE_WORD in text else [text]
    try:
        if len(parts) == 1:
            grain, start, end = parse_period(parts[0])
            return period_label(start, grain), start, end
        if len(parts) == 2:
            _, start, _ = parse_period(parts[0])
            _, last_start, end = parse_period(parts[1])
            if start <= last_start:
                return return_period_label(start, end), start, end
    except ValueError:
        pass
    raise ValueError(f"cannot read the period {text!r}: {RETURN_PERIOD_ADVICE}")


def return_period_label(start: date, end: date) -> str:
    """START to END named as people write it: '2025-26 Q1' when it is one month, quarter
    or financial year, '2020-21 to 2024-25' for a run of them, else the two dates."""
    found = covering_period(start, end)
    if found is not None and found[1:] == (start, end):
        return period_label(start, found[0])
    for grain in reversed(GRAINS):
        first, _ = standard_bounds(start, grain)
        _, last = standard_bounds(end, grain)
        if (first, last) == (start, end):
            return f"{period_label(start, grain)}{RANGE_WORD}{period_label(end, grain)}"
    return f"{start:%-d %B %Y}{RANGE_WORD}{end:%-d %B %Y}"
