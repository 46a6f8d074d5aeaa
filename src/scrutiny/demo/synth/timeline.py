"""The five financial years the demo data covers, day by day: weekdays, bank holidays, seasons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from scrutiny.core import periods
from scrutiny.reference.calendar import busday_calendar

FIRST_DAY = date(2020, 4, 1)
LAST_DAY = date(2025, 3, 31)  # the last day a complaint or decision can be dated
# The day the demo extract was taken: responses, compliance and stage 2 requests after it
# are not yet known, so complaints still being handled then are open.
AS_OF = date(2025, 4, 30)
YEARS = 5
QUARTERS = 4 * YEARS

# How many complaints arrive on a day, relative to an ordinary weekday. Online forms and
# emails keep coming at weekends and on bank holidays, but far fewer; the first working
# day after a bank holiday catches up. (Modelling assumption, no published source.)
WEEKDAY, SATURDAY, SUNDAY, BANK_HOLIDAY, CATCH_UP = 1.0, 0.3, 0.2, 0.25, 1.3

# Complaints by calendar month relative to an average month: more in winter (missed bin
# collections, damp and heating repairs, gritting) and in March (council tax bills), fewer
# in August and December (holidays). Modelling assumption; councils' annual reports show
# this shape but no national monthly series is published.
SEASON = {1: 1.12, 2: 1.06, 3: 1.08, 4: 0.98, 5: 0.97, 6: 0.98,
          7: 0.98, 8: 0.86, 9: 1.02, 10: 1.05, 11: 1.08, 12: 0.82}  # fmt: skip

# Months when complaints are answered more slowly: Christmas and New Year, the summer holiday.
SLOW_MONTHS = {12: -0.35, 1: -0.2, 8: -0.25}


@dataclass(frozen=True)
class Timeline:
    """Every day from FIRST_DAY to LAST_DAY with what the generators need to know about it."""

    days: np.ndarray  # datetime64[D]
    month: np.ndarray  # 1..12
    quarter: np.ndarray  # 0..19: financial quarters since April 2020
    year: np.ndarray  # 0..4: financial years since 2020-21
    arrivals: np.ndarray  # relative number of complaints arriving that day
    slowness: np.ndarray  # logit shift on answering on time, by season

    @property
    def size(self) -> int:
        """The number of days."""
        return int(self.days.size)


def build_timeline() -> Timeline:
    """The demo's days, with weekday, bank-holiday and seasonal weights."""
    days = np.arange(
        np.datetime64(FIRST_DAY, "D"), np.datetime64(LAST_DAY, "D") + 1, dtype="datetime64[D]"
    )
    months_since = days.astype("datetime64[M]").astype(np.int64) - np.datetime64(
        FIRST_DAY, "M"
    ).astype(np.int64)
    month = (months_since + 3) % 12 + 1
    weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    working = np.is_busday(days, busdaycal=busday_calendar())
    holiday = ~working & (weekday < 5)
    arrivals = np.where(weekday == 5, SATURDAY, np.where(weekday == 6, SUNDAY, WEEKDAY))
    arrivals = np.where(holiday, BANK_HOLIDAY, arrivals)
    # The first working day after a bank holiday (Tuesday after Easter Monday, 27 December):
    # a working day with a bank holiday between it and the working day before it.
    holidays_so_far = np.cumsum(holiday)
    open_days = np.flatnonzero(working)
    catch_up = open_days[1:][holidays_so_far[open_days[1:]] > holidays_so_far[open_days[:-1]]]
    arrivals[catch_up] = CATCH_UP
    season = np.array([SEASON[m] for m in range(1, 13)])[month - 1]
    slowness = np.array([SLOW_MONTHS.get(m, 0.0) for m in range(1, 13)])[month - 1]
    return Timeline(
        days=days,
        month=month,
        quarter=months_since // 3,
        year=months_since // 12,
        arrivals=arrivals * season,
        slowness=slowness,
    )


def quarter_start(quarter: int) -> date:
    """The first day of financial quarter QUARTER (0 is April 2020)."""
    return periods.quarter_start(periods.quarter_index(FIRST_DAY) + quarter)


def logistic(x: np.ndarray) -> np.ndarray:
    """The inverse of the logit: a probability from log-odds."""
    return np.asarray(1.0 / (1.0 + np.exp(-x)))
