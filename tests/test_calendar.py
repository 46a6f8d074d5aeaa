import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scrutiny.reference.calendar import (
    OTHER_YEARS_NAME,
    CalendarError,
    add_working_days,
    bank_holidays,
    feed_path,
    feed_years,
    is_working_day,
    other_years_holidays,
    parse_feed,
    refresh_feed,
    working_days_between,
)

dates = st.dates(min_value=date(1995, 1, 1), max_value=date(2095, 12, 31))
steps = st.integers(min_value=-400, max_value=400)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # The Code-cycle vectors in docs/methods.md section 5 (England and Wales 2023-24).
        (date(2023, 12, 18), 5, date(2023, 12, 27)),
        (date(2023, 12, 27), 10, date(2024, 1, 11)),
        (date(2023, 12, 27), 20, date(2024, 1, 25)),
        (date(2024, 3, 22), 5, date(2024, 4, 2)),
        (date(2024, 4, 2), 20, date(2024, 4, 30)),
        (date(2024, 4, 2), 40, date(2024, 5, 30)),
        # Weekend starts: Saturday is day zero, so one working day later is Monday.
        (date(2024, 1, 6), 1, date(2024, 1, 8)),
        (date(2024, 1, 7), 5, date(2024, 1, 12)),
        (date(2024, 1, 8), 0, date(2024, 1, 8)),
        (date(2024, 1, 8), -1, date(2024, 1, 5)),
        # The 2022 Platinum Jubilee holidays (2 and 3 June) and the Queen's funeral (19 Sep).
        (date(2022, 6, 1), 1, date(2022, 6, 6)),
        (date(2022, 9, 16), 1, date(2022, 9, 20)),
    ],
)
def test_add_working_days_matches_worked_examples(start, n, expected):
    assert add_working_days(start, n) == expected


def test_working_days_between_counts_days_after_start_up_to_and_including_end():
    assert working_days_between(date(2023, 12, 18), date(2023, 12, 27)) == 5
    assert working_days_between(date(2024, 1, 5), date(2024, 1, 8)) == 1
    assert working_days_between(date(2024, 1, 8), date(2024, 1, 8)) == 0
    assert working_days_between(date(2024, 1, 8), date(2024, 1, 5)) == -1


def test_years_beyond_the_feed_still_skip_bank_holidays():
    first, last = feed_years()
    assert (first, last) == (2012, 2028)
    # Christmas Day and Boxing Day 2030 (Wednesday, Thursday) come from the holidays package.
    assert add_working_days(date(2030, 12, 24), 1) == date(2030, 12, 27)
    assert date(2030, 12, 25) in bank_holidays()
    assert date(2010, 4, 5) in bank_holidays()  # Easter Monday 2010, before the feed


def test_feed_years_use_the_feed_not_the_holidays_package():
    # 2020's early May bank holiday moved to Friday 8 May for VE Day; only the feed knows.
    assert not is_working_day(date(2020, 5, 8))
    assert is_working_day(date(2020, 5, 4))


def test_dates_outside_the_calendar_are_refused():
    with pytest.raises(CalendarError, match="outside the calendar"):
        add_working_days(date(1850, 1, 1), 3)


@given(dates, st.integers(min_value=-400, max_value=400))
def test_adding_n_then_counting_back_gives_n(start, n):
    assert working_days_between(start, add_working_days(start, n)) == n


@given(dates, steps.filter(lambda n: n != 0))
def test_no_deadline_lands_on_a_weekend_or_bank_holiday(start, n):
    deadline = add_working_days(start, n)
    assert deadline.weekday() < 5
    assert deadline not in bank_holidays()


@given(dates, steps, steps)
def test_deadlines_are_monotonic_in_n(start, a, b):
    low, high = sorted((a, b))
    assert add_working_days(start, low) <= add_working_days(start, high)


@given(dates, st.integers(min_value=0, max_value=60))
def test_counting_matches_a_day_by_day_walk(start, span):
    end = start + timedelta(days=span)
    walked = sum(is_working_day(start + timedelta(days=k)) for k in range(1, span + 1))
    assert working_days_between(start, end) == walked


def test_refresh_rejects_a_file_that_is_not_the_feed_and_changes_nothing(tmp_path):
    target = tmp_path / "bank-holidays.json"
    target.write_text("original", encoding="utf-8")
    bad = tmp_path / "bad.json"
    bad.write_text('{"scotland": {"events": []}}', encoding="utf-8")
    with pytest.raises(CalendarError, match=r"not a GOV\.UK bank-holidays feed"):
        refresh_feed(bad, target)
    assert target.read_text(encoding="utf-8") == "original"


def test_refresh_writes_a_valid_feed(tmp_path):
    source = tmp_path / "new.json"
    source.write_text(
        '{"england-and-wales": {"division": "england-and-wales", "events": ['
        '{"title": "New Year", "date": "2029-01-01", "notes": "", "bunting": true}]}}',
        encoding="utf-8",
    )
    target = tmp_path / "bank-holidays.json"
    assert refresh_feed(source, target) == (2029, 2029)
    assert Path(target).read_text(encoding="utf-8") == source.read_text(encoding="utf-8")


def test_shipped_other_years_are_what_the_holidays_package_gives():
    # The years the GOV.UK feed does not cover are shipped, not computed at run time;
    # rebuilding them from the package (as refresh_feed does) gives the same days.
    feed = parse_feed(feed_path().read_text(encoding="utf-8"))
    covered = {day.year for day in feed}
    shipped = {day for day in bank_holidays() if day.year not in covered}
    assert shipped == set(other_years_holidays(feed))
    assert date(2035, 12, 25) in shipped and date(1995, 5, 8) in shipped  # VE Day 50th


def test_refreshing_the_feed_writes_the_other_years_beside_it(tmp_path):
    source = tmp_path / "feed.json"
    source.write_text(feed_path().read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / "bank-holidays.json"
    refresh_feed(source, target)
    written = json.loads((tmp_path / OTHER_YEARS_NAME).read_text(encoding="utf-8"))
    assert date(2030, 12, 25).isoformat() in written["dates"]
    assert not any(day.startswith("2020-") for day in written["dates"])  # the feed's year
