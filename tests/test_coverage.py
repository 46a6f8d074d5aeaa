"""Which periods councils' returns cover, and so the latest complete period (issue 15)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.core.periods import parse_period
from scrutiny.measures.coverage import NoFigures, coverage_of
from scrutiny.returns.submissions import Submission

TODAY = date(2026, 12, 7)


def sent(code: str, period: str, table: str = "complaints", status: str = "current") -> Submission:
    _, start, end = parse_period(period)
    return Submission(
        1, code, table, start, end, "f.csv", "h", 1, 0, status, None, "t", datetime.now(UTC)
    )


def years(*codes: str, period: str = "2024-25") -> list[Submission]:
    return [sent(code, period) for code in codes]


def test_one_councils_early_return_does_not_make_its_year_the_latest():
    found = coverage_of([*years("A", "B", "C"), sent("A", "2025-26")])
    assert found.latest_complete("financial_year", today=TODAY) == (
        date(2024, 4, 1),
        date(2025, 3, 31),
    )
    assert found.last_day == date(2026, 3, 31)


def test_a_year_is_the_latest_once_more_than_half_of_sending_councils_cover_it():
    two_of_three = coverage_of([*years("A", "B", "C"), *years("A", "B", period="2025-26")])
    assert two_of_three.latest_complete("financial_year", today=TODAY)[0] == date(2025, 4, 1)
    half = coverage_of([*years("A", "B", "C", "D"), *years("A", "B", period="2025-26")])
    assert half.latest_complete("financial_year", today=TODAY)[0] == date(2024, 4, 1)


def test_four_quarterly_returns_make_a_complete_year_and_a_missing_quarter_does_not():
    quarters = [sent("A", f"2025-26 Q{n}") for n in (1, 2, 3, 4)]
    gap = [sent("B", f"2025-26 Q{n}") for n in (1, 2, 4)]
    found = coverage_of([*years("A", "B"), *quarters, *gap])
    assert found.complete_for("A", date(2025, 4, 1), date(2026, 3, 31))
    assert not found.complete_for("B", date(2025, 4, 1), date(2026, 3, 31))
    assert found.latest_complete("quarter", "B", TODAY) == (date(2026, 1, 1), date(2026, 3, 31))
    assert not found.complete_for("B", date(2025, 10, 1), date(2025, 12, 31))


def test_a_councils_own_default_is_complete_for_it_and_nationally():
    found = coverage_of([*years("A", "B", "C"), *years("A", "B", period="2025-26")])
    assert found.latest_complete("financial_year", "A", TODAY)[0] == date(2025, 4, 1)
    assert found.latest_complete("financial_year", "C", TODAY)[0] == date(2024, 4, 1)


def test_superseded_returns_and_ombudsman_tables_cover_nothing():
    found = coverage_of(
        [
            sent("A", "2024-25", status="superseded"),
            sent("A", "2024-25", table="ombudsman_decisions"),
            sent("B", "2024-25", table="aggregate_returns"),
        ]
    )
    assert found.councils == 1 and not found.complete_for("A", date(2024, 4, 1), date(2025, 3, 31))


def test_a_period_not_begun_or_not_covered_has_no_figures_and_says_why():
    found = coverage_of(years("A", "B"))
    with pytest.raises(NoFigures, match="has not begun"):
        found.check(date(2031, 4, 1), date(2032, 3, 31), "financial_year", today=TODAY)
    with pytest.raises(NoFigures, match="No council has sent returns covering 2011-12"):
        found.check(date(2011, 4, 1), date(2012, 3, 31), "financial_year", today=TODAY)
    found.check(date(2024, 7, 1), date(2024, 9, 30), "quarter", today=TODAY)  # covered


def test_a_year_not_ended_by_today_is_never_the_latest_complete_one():
    found = coverage_of(years("A", "B", period="2026-27"))
    assert found.latest_complete("financial_year", today=TODAY) is None


@given(
    st.lists(
        st.tuples(st.sampled_from("ABCDE"), st.integers(2019, 2026), st.integers(0, 4)),
        max_size=30,
    )
)
def test_the_latest_complete_year_is_complete_for_a_majority_and_none_later_is(sends):
    # Quarter 0 stands for the whole year.
    found = coverage_of(
        sent(code, f"{y}-{(y + 1) % 100:02d}" + (f" Q{q}" if q else "")) for code, y, q in sends
    )
    latest = found.latest_complete("financial_year", today=TODAY)
    if latest is not None:
        assert found.complete_count(*latest) * 2 > found.councils
    for year in range(2019, 2026):
        start, end = date(year, 4, 1), date(year + 1, 3, 31)
        if latest is None or start > latest[0]:
            assert found.complete_count(start, end) * 2 <= found.councils
