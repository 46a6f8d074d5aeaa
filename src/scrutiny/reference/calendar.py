"""Working days in England and Wales.

The convention is the one used by the Ministry of Justice correspondence tool and
mySociety's Alaveteli and FixMyStreet: the start date is day zero, and the deadline
N working days later is the Nth weekday after it that is not a bank holiday.

Bank holidays come from the GOV.UK feed shipped in ``scrutiny/reference/data/bank-holidays.json``
(https://www.gov.uk/bank-holidays.json, Open Government Licence v3.0). Years the feed
does not cover come from the ``holidays`` package (England subdivision), so a clock
for 2010 or 2035 still skips Christmas. Those are worked out once, when the feed is
refreshed, and shipped in ``bank-holidays-other-years.json``: importing the package and
computing a century of holidays took a second or two of every process's first deadline.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from scrutiny.core.errors import Invalid

DIVISION = "england-and-wales"
FEED_NAME = "bank-holidays.json"
OTHER_YEARS_NAME = "bank-holidays-other-years.json"
FIRST_YEAR = 1990
LAST_YEAR = 2100


class CalendarError(Invalid, ValueError):
    """A date outside the calendar, or a bank-holiday feed that cannot be used."""


def feed_path() -> Path:
    """Where the shipped copy of the GOV.UK bank-holidays feed lives."""
    return _data_path(FEED_NAME)


def parse_feed(text: str) -> list[date]:
    """England-and-Wales bank holidays from the text of a GOV.UK feed, checked for shape."""
    try:
        feed = json.loads(text)
        events = feed[DIVISION]["events"]
        days = sorted({date.fromisoformat(event["date"]) for event in events})
    except (ValueError, KeyError, TypeError) as error:
        raise CalendarError(
            f"not a GOV.UK bank-holidays feed ({error!r}); expected "
            f'{{"{DIVISION}": {{"events": [{{"date": "YYYY-MM-DD", ...}}]}}}}'
        ) from error
    if not days:
        raise CalendarError(f"the feed has no {DIVISION} events")
    return days


@cache
def bank_holidays() -> tuple[date, ...]:
    """Every England-and-Wales bank holiday from FIRST_YEAR to LAST_YEAR inclusive."""
    feed_days = parse_feed(feed_path().read_text(encoding="utf-8"))
    covered = {day.year for day in feed_days}
    shipped = json.loads(_data_path(OTHER_YEARS_NAME).read_text(encoding="utf-8"))
    extra = (date.fromisoformat(day) for day in shipped["dates"])
    return tuple(sorted(set(feed_days) | {day for day in extra if day.year not in covered}))


def other_years_holidays(feed_days: list[date]) -> list[date]:
    """Bank holidays in the years FEED_DAYS do not cover, from the ``holidays`` package."""
    import holidays  # slow to import: only when the shipped file is rebuilt or checked

    covered = {day.year for day in feed_days}
    years = [year for year in range(FIRST_YEAR, LAST_YEAR + 1) if year not in covered]
    return sorted(holidays.country_holidays("GB", subdiv="ENG", years=years).keys())


def _data_path(name: str) -> Path:
    return Path(str(resources.files("scrutiny.reference") / "data" / name))


@cache
def busday_calendar() -> np.busdaycalendar:
    """A numpy business-day calendar: Monday to Friday, less bank holidays."""
    return np.busdaycalendar(
        weekmask="1111100", holidays=np.array(bank_holidays(), dtype="datetime64[D]")
    )


def feed_years() -> tuple[int, int]:
    """First and last year the shipped GOV.UK feed covers."""
    days = parse_feed(feed_path().read_text(encoding="utf-8"))
    return days[0].year, days[-1].year


def refresh_feed(source: Path, target: Path | None = None) -> tuple[int, int]:
    """Replace the shipped feed (or TARGET) with a downloaded copy; returns the years covered.

    The new file is checked before anything is written, so a bad file changes nothing.
    """
    text = source.read_text(encoding="utf-8")
    days = parse_feed(text)
    other = {"source": "the holidays Python package (MIT), England subdivision"}
    other_text = json.dumps(
        {**other, "dates": [day.isoformat() for day in other_years_holidays(days)]}, indent=0
    )
    target = target or feed_path()
    target.write_text(text, encoding="utf-8")
    target.with_name(OTHER_YEARS_NAME).write_text(other_text + "\n", encoding="utf-8")
    bank_holidays.cache_clear()
    busday_calendar.cache_clear()
    return days[0].year, days[-1].year


def _check_range(*days: date) -> None:
    for day in days:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise CalendarError(f"{day} is outside the calendar ({FIRST_YEAR}–{LAST_YEAR})")


def is_working_day(day: date) -> bool:
    """True on a weekday that is not an England-and-Wales bank holiday."""
    _check_range(day)
    return bool(np.is_busday(np.datetime64(day, "D"), busdaycal=busday_calendar()))


def add_working_days(start: date, n: int) -> date:
    """The date N working days after START, counting START as day zero (negative N counts back)."""
    _check_range(start)
    if n == 0:
        return start
    result = offset_working_days(np.array([start], dtype="datetime64[D]"), np.array([n]))[0]
    return date.fromisoformat(str(result))


def working_days_between(start: date, end: date) -> int:
    """Working days after START up to and including END (negative when END is before START)."""
    _check_range(start, end)
    return int(
        count_working_days(
            np.array([start], dtype="datetime64[D]"), np.array([end], dtype="datetime64[D]")
        )[0]
    )


def offset_working_days(starts: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Vectorised add_working_days over datetime64[D] arrays; NaT stays NaT.

    Rolling a weekend or holiday start back to the working day before it makes both
    directions agree with working_days_between: Saturday + 1 is Monday, Saturday - 1 is
    Thursday. For N = 0 the start itself comes back, whatever day it is.
    """
    shifted = np.busday_offset(starts, n, roll="backward", busdaycal=busday_calendar())
    return np.where(np.asarray(n) == 0, starts, shifted)


def count_working_days(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Vectorised working_days_between over datetime64[D] arrays.

    Pairs with a NaT on either side count as 0: mask them with np.isnat before use.
    """
    missing = np.isnat(starts) | np.isnat(ends)
    filler = np.datetime64("2000-01-01")
    starts = np.where(missing, filler, starts)
    ends = np.where(missing, filler, ends)
    low, high = np.minimum(starts, ends), np.maximum(starts, ends)
    one = np.timedelta64(1, "D")
    counts = np.busday_count(low + one, high + one, busdaycal=busday_calendar())
    return np.asarray(np.where(ends >= starts, counts, -counts))
