"""Which periods the councils' returns cover, and so which is the latest complete one.

A council's returns cover a day when one of its current complaint or aggregate returns
(the tables councils send) is for a period holding that day. A period is *complete* for a
council when its returns cover every day of it, and *complete nationally* when it is
complete for more than half of the councils that send returns (COMPLETE_SHARE): one
council's early or partial return never moves the whole service to a nearly empty year.

The default period of national pages is the latest period complete nationally; of a
council's own pages, the latest period complete both for the council and nationally (so
that its figures always have peers to be read against). A period that has not begun, or
that no return covers at all, has no figures: pages answer 404 for it (NoFigures).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from scrutiny.core.errors import NotFound
from scrutiny.core.formatting import day
from scrutiny.core.periods import Grain, period_label, standard_bounds
from scrutiny.returns.submissions import Submission, list_submissions
from scrutiny.standard import COUNCIL_TABLES

COMPLETE_SHARE = 0.5  # more than this share of sending councils makes a period complete
RULE = (
    "the latest {grain} whose every day is covered by the returns of more than half of the "
    "councils that send returns"
)


class NoFigures(NotFound):
    """The period asked for has not begun, or no council's return covers any of it."""


@dataclass(frozen=True)
class Coverage:
    """The days each council's current returns cover, as merged (first, last) runs."""

    runs: dict[str, tuple[tuple[date, date], ...]]

    @property
    def councils(self) -> int:
        """How many councils send returns (have at least one current one)."""
        return len(self.runs)

    @property
    def first_day(self) -> date | None:
        """The first day any return covers."""
        return min((r[0][0] for r in self.runs.values()), default=None)

    @property
    def last_day(self) -> date | None:
        """The last day any return covers: the data runs up to here."""
        return max((r[-1][1] for r in self.runs.values()), default=None)

    def complete_for(self, code: str, start: date, end: date) -> bool:
        """True when council CODE's returns cover every day from START to END."""
        return any(first <= start and end <= last for first, last in self.runs.get(code, ()))

    def complete_count(self, start: date, end: date) -> int:
        """How many councils' returns cover every day from START to END."""
        return sum(self.complete_for(code, start, end) for code in self.runs)

    def complete_nationally(self, start: date, end: date) -> bool:
        """True when more than COMPLETE_SHARE of sending councils cover START to END."""
        return self.councils > 0 and self.complete_count(start, end) > COMPLETE_SHARE * (
            self.councils
        )

    def covers_any(self, start: date, end: date) -> bool:
        """True when some council's return covers at least one day from START to END."""
        return any(
            first <= end and start <= last for runs in self.runs.values() for first, last in runs
        )

    def latest_complete(
        self, grain: Grain, code: str | None = None, today: date | None = None
    ) -> tuple[date, date] | None:
        """The latest period of GRAIN complete nationally (and for council CODE, if given)
        that has ended by TODAY; None when there is none."""
        last = self.last_day
        if last is None:
            return None
        ended = min(last, today or date.today())
        start, end = standard_bounds(ended, grain)
        first = self.first_day or ended
        while end >= first:
            mine = code is None or self.complete_for(code, start, end)
            if end <= ended and mine and self.complete_nationally(start, end):
                return start, end
            start, end = standard_bounds(start - timedelta(days=1), grain)
        return None

    def check(self, start: date, end: date, grain: Grain, today: date | None = None) -> None:
        """Raise NoFigures when the period START to END has not begun or no return covers it."""
        label = period_label(start, grain)
        span = self.describe()
        if start > (today or date.today()):
            raise NoFigures(f"{label} has not begun, so there are no figures for it yet. {span}")
        if not self.covers_any(start, end):
            raise NoFigures(f"No council has sent returns covering {label}. {span}")

    def describe(self) -> str:
        """'Returns cover 1 April 2020 to 31 March 2025.' (or that there are none)."""
        if self.first_day is None or self.last_day is None:
            return "No returns have been sent yet."
        return f"Returns cover {day(self.first_day)} to {day(self.last_day)}."


def coverage_of(submissions: Iterable[Submission]) -> Coverage:
    """The coverage of the current council returns among SUBMISSIONS."""
    periods: dict[str, list[tuple[date, date]]] = {}
    for s in submissions:
        if s.status == "current" and s.table_name in COUNCIL_TABLES:
            periods.setdefault(s.authority_code, []).append((s.period_start, s.period_end))
    return Coverage({code: _merged(found) for code, found in sorted(periods.items())})


def read_coverage(engine: Engine) -> Coverage:
    """The coverage of the current council returns stored in ENGINE."""
    return coverage_of(list_submissions(engine))


def _merged(periods: list[tuple[date, date]]) -> tuple[tuple[date, date], ...]:
    """PERIODS as the fewest runs of consecutive days."""
    runs: list[tuple[date, date]] = []
    for start, end in sorted(periods):
        if runs and start <= runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], max(runs[-1][1], end))
        else:
            runs.append((start, end))
    return tuple(runs)
