"""The period a return is for: the one its sender gives, or the one its dates fit.

Every return is for a period: a month (2025-06), a financial quarter (2025-26 Q1), a
financial year (2025-26) or, for a council loading its history, a run of whole years
(2020-21 to 2024-25). A sender may say which; otherwise the return is for the smallest
month, quarter or year that holds every date in the file. Stored rows of another period
are never touched by it (scrutiny.returns.submissions keys submissions by period).

Rows dated outside the period are errors that name the row, so one mistyped year cannot
stretch a return over decades: when no period is given and the dates span more than one
financial year, the rows outside the financial year most rows fall in are the errors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from scrutiny.core.errors import Invalid
from scrutiny.core.periods import (
    RETURN_PERIOD_ADVICE,
    covering_period,
    financial_year_bounds,
    financial_year_label,
    financial_year_of,
    parse_return_period,
    period_bounds,
    return_period_label,
)
from scrutiny.returns.validation import Report
from scrutiny.standard.rules import issue_rows

# The fields that place a row in time: (its first date, its last date).
DATE_FIELDS = {
    "complaints": ("received_date", "received_date"),
    "aggregate_returns": ("period_start", "period_end"),
    "ombudsman_decisions": ("decision_date", "decision_date"),
    "recommendations": ("agreed_date", "agreed_date"),
}
RULE = "return_period"
SHOWN_ROWS = 1000  # rows outside the period listed one by one; the message counts them all


class ReturnPeriodError(Invalid, ValueError):
    """The period given is not one scrutiny can read."""


@dataclass(frozen=True)
class ReturnPeriod:
    """The period a return is for, and whether its sender gave it."""

    label: str  # as people write it: 2025-26 Q1
    start: date
    end: date
    declared: bool


def declared_period(
    text: str | None = None, start: date | None = None, end: date | None = None
) -> ReturnPeriod | None:
    """The period a sender gave, as TEXT ('2025-26 Q1') or as START and END; None if none.

    ValueError when TEXT is not a period, naming the forms that are.
    """
    if text is not None and text.strip():
        try:
            label, first, last = parse_return_period(text.strip())
        except ValueError as error:
            raise ReturnPeriodError(str(error)) from None
        return ReturnPeriod(label, first, last, declared=True)
    if start is not None and end is not None:
        if start > end:
            raise ReturnPeriodError(f"the period starts ({start}) after it ends ({end})")
        return ReturnPeriod(return_period_label(start, end), start, end, declared=True)
    return None


def fit_period(report: Report, declared: ReturnPeriod | None) -> tuple[Report, ReturnPeriod | None]:
    """REPORT with an error for each row dated outside the return's period, and the period.

    The period is DECLARED, or the smallest standard one holding the file's dates (None
    for a file with no dated rows, or when rows fall outside it).
    """
    first, last = DATE_FIELDS[report.table.name]
    typed = report.typed.filter(pl.col(first).is_not_null() & pl.col(last).is_not_null())
    if typed.is_empty():
        return report, declared
    if declared is not None:
        period = declared
        why = f"is outside {declared.label}, the period this return is for"
        fix = (
            f"Correct the date, take the row out, or send it in the return for its own "
            f"period. This return is for {declared.label}."
        )
    else:
        low, high = typed[first].min(), typed[last].max()
        assert isinstance(low, date) and isinstance(high, date)
        found = covering_period(low, high)
        if found is not None:
            _, start, end = found
            return report, ReturnPeriod(return_period_label(start, end), start, end, False)
        # The dates span more than one financial year: most rows show which one was meant.
        year_start, _ = period_bounds(pl.col(first), "financial_year")
        modes = typed.select(year_start.mode().min()).item()
        year = financial_year_of(modes)
        start, end = financial_year_bounds(year)
        period = ReturnPeriod(financial_year_label(year), start, end, declared=False)
        why = f"puts the file over more than one financial year: most rows are in {period.label}"
        fix = (
            "Correct the date. If the file really covers several years, say which period "
            f"it is for (on the command line --period, in the API period): "
            f"{RETURN_PERIOD_ADVICE}."
        )
    mask = (pl.col(first) < period.start) | (pl.col(last) > period.end)
    value = pl.col(first) if first == last else pl.format("{} to {}", first, last)
    issues = issue_rows(
        typed, mask, first, value, "error", RULE, f"This date {why}.", fix
    ).collect()
    if issues.is_empty():
        return report, period
    if issues.height > SHOWN_ROWS:
        report.notes.append(
            f"{issues.height:,} rows are dated outside {period.label}; the first "
            f"{SHOWN_ROWS:,} are listed."
        )
    issues = issues.head(SHOWN_ROWS)
    return replace(report, issues=pl.concat([report.issues, issues])), None
