"""Periods: labels read back as the periods they name, every day is in exactly one quarter,
quarters are numbered consecutively, and no module but scrutiny.core.periods works any of
this out for itself."""

from __future__ import annotations

import ast
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.core import periods
from scrutiny.core.periods import (
    GRAINS,
    financial_year_bounds,
    financial_year_label,
    financial_year_of,
    last_complete_quarter,
    last_complete_year,
    parse_financial_year,
    parse_period,
    period_bounds,
    period_label,
    quarter_bounds,
    quarter_index,
    quarter_label,
    quarter_start,
)

SOURCE = Path(periods.__file__).parents[1]
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31))
years = st.integers(min_value=1900, max_value=2199)
grains = st.sampled_from(GRAINS)


def bounds_of(day: date, grain: str) -> tuple[date, date]:
    """The period holding DAY, worked out the long way round, by walking day by day."""
    same = {
        "month": lambda d: (d.year, d.month),
        "quarter": lambda d: quarter_label(d),
        "financial_year": lambda d: financial_year_of(d),
    }[grain]
    first = last = day
    while same(first - timedelta(days=1)) == same(day):
        first -= timedelta(days=1)
    while same(last + timedelta(days=1)) == same(day):
        last += timedelta(days=1)
    return first, last


@pytest.mark.parametrize(
    ("start", "grain", "label"),
    [
        (date(2024, 4, 1), "financial_year", "2024-25"),
        (date(2025, 3, 31), "financial_year", "2024-25"),
        (date(1999, 4, 1), "financial_year", "1999-00"),
        (date(2024, 4, 1), "quarter", "2024-25 Q1"),
        (date(2024, 7, 1), "quarter", "2024-25 Q2"),
        (date(2023, 7, 1), "quarter", "2023-24 Q2"),
        (date(2024, 12, 31), "quarter", "2024-25 Q3"),
        (date(2025, 1, 1), "quarter", "2024-25 Q4"),
        (date(2024, 6, 1), "month", "2024-06"),
    ],
)
def test_a_period_is_labelled_as_people_write_it(start, grain, label):
    assert period_label(start, grain) == label


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-25", ("financial_year", date(2024, 4, 1), date(2025, 3, 31))),
        (" 2024 25 ", ("financial_year", date(2024, 4, 1), date(2025, 3, 31))),
        ("2099-00", ("financial_year", date(2099, 4, 1), date(2100, 3, 31))),
        ("2024-25 Q1", ("quarter", date(2024, 4, 1), date(2024, 6, 30))),
        ("2024-25 q3", ("quarter", date(2024, 10, 1), date(2024, 12, 31))),
        ("2024-25 Q4", ("quarter", date(2025, 1, 1), date(2025, 3, 31))),
        ("2024-02", ("month", date(2024, 2, 1), date(2024, 2, 29))),
        # The first twelve months of a century are written like financial years: the year wins.
        ("2011-12", ("financial_year", date(2011, 4, 1), date(2012, 3, 31))),
    ],
)
def test_a_period_is_read_as_people_write_it(text, expected):
    assert parse_period(text) == expected


@pytest.mark.parametrize(
    "text", ["last year", "2024-26", "2024-25 Q5", "2024-13", "0000-01", "99999999999999999999-00"]
)
def test_a_period_that_cannot_be_read_is_refused_with_advice(text):
    with pytest.raises(ValueError, match="write a financial year as 2024-25"):
        parse_period(text)


@given(days, grains)
def test_every_label_reads_back_as_the_period_holding_the_day(day, grain):
    found, start, end = parse_period(period_label(day, grain))
    if grain == "month" and day.month == (day.year + 1) % 100:
        assert found == "financial_year"  # 2011-12 is the year, not December 2011
        return
    assert (found, (start, end)) == (grain, bounds_of(day, grain))
    assert period_label(start, grain) == period_label(end, grain) == period_label(day, grain)


@given(years)
def test_a_financial_year_label_reads_back_as_its_first_and_last_day(year):
    label = financial_year_label(year)
    assert parse_financial_year(label) == (label, *financial_year_bounds(year))
    assert parse_financial_year(f" {year} {label[-2:]} ")[0] == label


@pytest.mark.parametrize("text", ["2024-25 Q1", "2024-06", "last year"])
def test_a_quarter_or_month_is_not_a_financial_year(text):
    with pytest.raises(ValueError):
        parse_financial_year(text)


@given(days)
def test_every_day_falls_in_exactly_one_quarter_whose_bounds_hold_it(day):
    start, end = quarter_bounds(day)
    assert start <= day <= end
    assert (start.month, start.day) in {(1, 1), (4, 1), (7, 1), (10, 1)}
    assert quarter_bounds(start) == quarter_bounds(end) == (start, end)
    assert quarter_bounds(end + timedelta(days=1))[0] == end + timedelta(days=1)
    assert (start, end) == bounds_of(day, "quarter")
    assert start >= financial_year_bounds(financial_year_of(day))[0]
    assert end <= financial_year_bounds(financial_year_of(day))[1]


@given(days)
def test_quarter_indices_are_consecutive_and_name_the_quarter(day):
    start, end = quarter_bounds(day)
    index = quarter_index(day)
    assert quarter_index(start) == quarter_index(end) == index
    assert quarter_index(end + timedelta(days=1)) == index + 1
    assert quarter_start(index) == start
    assert quarter_label(quarter_start(index)) == quarter_label(day)


def test_quarters_are_counted_from_january_of_year_zero():
    assert quarter_index(date(2024, 1, 1)) == 4 * 2024
    assert quarter_index(date(2024, 4, 1)) == 4 * 2024 + 1
    assert quarter_label(quarter_start(4 * 2024 + 1)) == "2024-25 Q1"


@given(st.lists(days, min_size=1, max_size=50), grains)
def test_polars_bounds_and_indices_agree_with_the_day_by_day_ones(found, grain):
    frame = pl.DataFrame({"day": found}, schema={"day": pl.Date})
    start, end = period_bounds(pl.col("day"), grain)
    rows = frame.select(start.alias("start"), end.alias("end"), quarter_index(pl.col("day")))
    for day, (first, last, index) in zip(found, rows.iter_rows(), strict=True):
        assert (first, last) == bounds_of(day, grain)
        assert index == quarter_index(day)


@given(days)
def test_the_last_complete_quarter_and_year_are_the_latest_ended_by_the_day(day):
    start, end = last_complete_quarter(day)
    assert end <= day < quarter_bounds(end + timedelta(days=1))[1]
    assert quarter_bounds(start) == (start, end)
    year = last_complete_year(day)
    assert financial_year_bounds(year)[1] <= day < financial_year_bounds(year + 1)[1]


def test_an_unknown_grain_is_refused():
    with pytest.raises(ValueError, match="grain must be"):
        period_label(date(2024, 4, 1), "week")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="grain must be"):
        period_bounds(pl.col("day"), "week")  # type: ignore[arg-type]


# --- one home: no other module works out a period for itself ---------------------------

DEFINITIONS = {
    "period_label",
    "financial_year",
    "financial_year_label",
    "quarter_label",
    "quarter_index",
    "parse_period",
    "period_bounds",
}


MONTHS = {"month", "months", "first_month"}


def _mentions_month(node: ast.AST) -> bool:
    return any(
        (isinstance(n, ast.Attribute) and n.attr in MONTHS)
        or (isinstance(n, ast.Name) and n.id in MONTHS)
        for n in ast.walk(node)
    )


def _is(node: ast.AST, value: int) -> bool:
    return isinstance(node, ast.Constant) and node.value == value


def period_arithmetic(source: str) -> list[tuple[int, str]]:
    """Lines of SOURCE that define or compute a period word themselves, and what they do."""
    found = []
    for node in ast.walk(ast.parse(source)):
        what = None
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in DEFINITIONS:
            what = f"defines {node.name}"
        elif isinstance(node, ast.FormattedValue) and isinstance(node.value, ast.BinOp):
            if isinstance(node.value.op, ast.Mod) and _is(node.value.right, 100):
                what = "writes a financial-year label (year + 1) % 100"
        elif isinstance(node, ast.BinOp) and _mentions_month(node.left):
            if isinstance(node.op, ast.FloorDiv) and _is(node.right, 3):
                what = "numbers a quarter from its month (// 3)"
            elif isinstance(node.op, ast.Mod) and _is(node.right, 12):
                what = "numbers a financial quarter from its month (% 12)"
        elif (
            isinstance(node, ast.Compare)
            and _mentions_month(node.left)
            and any(_is(c, 4) for c in node.comparators)
        ):
            what = "finds a financial year from the month (month < 4)"
        if what:
            found.append((getattr(node, "lineno", 0), what))
    return found


@pytest.mark.parametrize(
    "copy",
    [  # the copies there were before scrutiny.core.periods
        'label = f"{year}-{(year + 1) % 100:02d} Q{(start.month - 4) % 12 // 3 + 1}"',
        "number = (start.month - 4) % 12 // 3 + 1",
        "index = day.dt.year().cast(pl.Int64) * 4 + (day.dt.month().cast(pl.Int64) - 1) // 3",
        "months = (day.dt.year() - 2000) * 12 + day.dt.month() - 4\nindex = months // 3",
        "year = start.year - (start.month < 4)",
        'year = pl.col("day").dt.year() - (pl.col("day").dt.month() < 4)',
        "def quarter_label(index: int) -> str: ...",
        "def financial_year(year: str) -> tuple[date, date]: ...",
    ],
)
def test_the_period_checker_finds_each_old_copy(copy):
    assert period_arithmetic(copy)


def test_periods_are_worked_out_only_in_core_periods():
    home = Path(periods.__file__)
    found = [
        f"{path.relative_to(SOURCE)}:{line}: {what}"
        for path in sorted(SOURCE.rglob("*.py"))
        if path != home
        for line, what in period_arithmetic(path.read_text())
    ]
    assert not found, "use scrutiny.core.periods instead:\n" + "\n".join(found)
