"""Figures, dates and code-list values as people read them, the same on a web page as in
a report: the web's and the reports' templates both use FILTERS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from scrutiny.core.periods import return_period_label

DASH = "–"  # what a table shows for nothing


def number(value: object, places: int = 1) -> str:
    """A figure for people: thousands separated, a dash for nothing."""
    if _missing(value):  # None or NaN
        return DASH
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{places}f}"
    return str(value)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def count(value: object) -> str:
    """A count for people: 1,234, with no decimals for a whole number held as a float."""
    if isinstance(value, float) and value == value and value.is_integer():
        return number(int(value))
    return number(value)


def share(
    value: object, numerator: object = None, denominator: object = None, places: int = 1
) -> str:
    """A percentage with the count behind it whenever that is known: 66.7% (2 of 3).

    A percentage alone hides how few cases it may rest on; a dash for no figure."""
    if _missing(value):
        return DASH
    shown = f"{number(value, places)}%"
    if _missing(numerator) or _missing(denominator) or not denominator:
        return shown
    return f"{shown} ({count(numerator)} of {count(denominator)})"


def score(value: object) -> str:
    """A watchlist score, the same on a page, in a report, a CSV and the command line: two
    decimal places, so a score of 3.25 is never shown as 3.2 in one place and 3.25 in another."""
    return number(float(value), 2) if isinstance(value, int | float) else number(value)


def day(value: object) -> str:
    """A date the GOV.UK way: 4 June 2025 (a datetime is a date too)."""
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return DASH if value is None else str(value)


def words(value: object) -> str:
    """A code-list value as words: not_upheld -> not upheld."""
    return DASH if value is None else str(value).replace("_", " ")


def period(start: date, end: date) -> str:
    """START to END as people write the period: 2025-26 Q1, 2020-21 to 2024-25."""
    return return_period_label(start, end)


def cell(value: object) -> str:
    """A table cell: a figure (one decimal place), yes or no, or a dash for nothing."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return number(value)


def file_size(size_bytes: int | float) -> str:
    """A size in bytes as people write it, in binary units: 512 MiB is "512 MB", as a
    computer shows it (dividing by a million made it "537 MB"); one decimal when not whole."""
    size = float(size_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            break
        size /= 1024
    if unit == "bytes":
        return f"{size_bytes:,.0f} bytes"
    return f"{size:,.1f}".removesuffix(".0") + f" {unit}"


# Template filters by name: {{ value | number(0) }}, {{ when | day }}, {{ code | words }},
# {{ start | period(end) }}, {{ rate | share(numerator, denominator) }}, {{ total | score }}.
FILTERS: dict[str, Callable[..., Any]] = {
    "number": number,
    "count": count,
    "share": share,
    "score": score,
    "day": day,
    "words": words,
    "period": period,
    "file_size": file_size,
}
