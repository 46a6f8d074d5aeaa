"""A year in the life: the synthetic nation's returns replayed as they would really arrive.

The years before the replayed one are loaded first, one return per table, as a council's
history would be. Then, week by week through the replayed financial year and the weeks
after it, what would have arrived that week is sent through the normal import path:

- each council's complaints return for each quarter, sent 0 to 6 weeks after the quarter
  ends; about one quarter in twenty is never sent, and about one return in ten is later
  corrected (sent again for the same quarter, with one complaint taken out, replacing it);
- the Ombudsman's decisions and recommendations for each month, a week after it ends.

A ledger keeps what was sent and what replaced what, so that after every week the stored
rows can be reconciled with it (ON_WEEK is called to check anything else, such as every
page). Synthetic data throughout: nothing here is real.

Simplification: a return holds each complaint as the synthetic data has it in the end
(its answer and outcome), even when it arrives before the answer was given, and is checked
against the real today rather than its arrival day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import (
    financial_year_bounds,
    period_label,
    quarter_bounds,
    return_period_label,
)
from scrutiny.demo.build import SYNTHETIC_TABLES
from scrutiny.returns.return_period import DATE_FIELDS
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.read import count_rows

# Where each table the replay sends places its rows in time (the column a return's period
# is about), as the import path itself reads them.
PLACED_BY = {table: DATE_FIELDS[table][0] for table in SYNTHETIC_TABLES}
MISSING_SHARE = 0.05  # quarters a council never sends
CORRECTED_SHARE = 0.10  # returns sent again, corrected
LATEST_DAYS = 42  # a return arrives up to six weeks after its quarter ends
MONTHLY_DELAY = 7  # the Ombudsman's files a week after each month
WEEKS_AFTER = 10  # weeks replayed after the year ends, for its last late returns


class ReplayError(RuntimeError):
    """What was stored does not reconcile with what was sent."""


@dataclass(frozen=True)
class Arrival:
    """One file arriving on DAY: TABLE's ROWS (as text) for PERIOD."""

    day: date
    table: str
    period: str
    rows: pl.DataFrame
    replace: bool = False
    authority: str | None = None


@dataclass
class Ledger:
    """What was sent and is current, by (table, authority, period): its row count."""

    current: dict[tuple[str, str | None, str], int] = field(default_factory=dict)
    sent: int = 0
    replaced: int = 0
    files: int = 0
    seconds: float = 0.0

    def expected(self, table: str) -> int:
        return sum(rows for (name, _, _), rows in self.current.items() if name == table)


def read_text(path: Path) -> pl.DataFrame:
    """A synthetic file as text, cell for cell (ISO dates sort as text)."""
    return pl.read_csv(path, infer_schema=False)


def arrivals(files: dict[str, Path], year: int, seed: int = 1) -> list[Arrival]:
    """Everything of financial YEAR (2024 for 2024-25) in FILES, as it would arrive."""
    rng = np.random.default_rng(seed)
    start, end = financial_year_bounds(year)
    found: list[Arrival] = []
    complaints = _within(read_text(files["complaints"]), "received_date", start, end)
    for code in sorted(set(complaints["authority_code"].to_list())):
        mine = complaints.filter(pl.col("authority_code") == code)
        quarter_start = start
        while quarter_start <= end:
            first, last = quarter_bounds(quarter_start)
            quarter_start = last + timedelta(days=1)
            rows = _within(mine, "received_date", first, last)
            if rows.is_empty() or rng.random() < MISSING_SHARE:
                continue
            label = period_label(first, "quarter")
            sent = last + timedelta(days=int(rng.integers(0, LATEST_DAYS + 1)))
            found.append(Arrival(sent, "complaints", label, rows, authority=code))
            if rng.random() < CORRECTED_SHARE and rows.height > 1:
                later = sent + timedelta(days=int(rng.integers(7, 43)))
                corrected = _one_fewer(rows)
                found.append(
                    Arrival(later, "complaints", label, corrected, replace=True, authority=code)
                )
    for table in ("ombudsman_decisions", "recommendations"):
        column = PLACED_BY[table]
        rows = _within(read_text(files[table]), column, start, end)
        month = start
        while month <= end:
            last = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            these = _within(rows, column, month, last)
            if these.height:
                day = last + timedelta(days=MONTHLY_DELAY)
                found.append(Arrival(day, table, period_label(month, "month"), these))
            month = last + timedelta(days=1)
    return sorted(found, key=lambda a: (a.day, a.table, a.authority or ""))


def load_history(
    engine: Engine, settings: Settings, files: dict[str, Path], before: int, directory: Path
) -> Ledger:
    """Every table's rows dated before financial year BEFORE, one return per table."""
    ledger = Ledger()
    for table, column in PLACED_BY.items():
        rows = read_text(files[table])
        first = rows[column].min()
        history = rows.filter(pl.col(column) < financial_year_bounds(before)[0].isoformat())
        if history.is_empty() or not isinstance(first, str):
            continue
        start = financial_year_bounds(int(first[:4]) - (int(first[5:7]) < 4))[0]
        period = return_period_label(start, financial_year_bounds(before - 1)[1])
        _send(engine, settings, Arrival(start, table, period, history), directory, ledger)
    return ledger


def replay(
    engine: Engine,
    settings: Settings,
    coming: list[Arrival],
    directory: Path,
    ledger: Ledger,
    on_week: Callable[[date, list[Arrival]], None] | None = None,
) -> int:
    """Send COMING week by week, reconciling the store with LEDGER after each week and
    then calling ON_WEEK(the week's last day, what arrived); returns the weeks replayed."""
    if not coming:
        return 0
    week_end = coming[0].day + timedelta(days=6 - coming[0].day.weekday())
    weeks = 0
    position = 0
    while position < len(coming):
        arrived = []
        while position < len(coming) and coming[position].day <= week_end:
            arrived.append(coming[position])
            _send(engine, settings, coming[position], directory, ledger)
            position += 1
        reconcile(engine, ledger)
        if on_week is not None:
            on_week(week_end, arrived)
        weeks += 1
        week_end += timedelta(days=7)
    return weeks


def reconcile(engine: Engine, ledger: Ledger) -> None:
    """Raise ReplayError unless every table holds exactly the rows the ledger says."""
    for table in PLACED_BY:
        stored, expected = count_rows(engine, table), ledger.expected(table)
        if stored != expected:
            raise ReplayError(f"{table}: {stored:,} rows stored, {expected:,} sent and current")


def _send(
    engine: Engine, settings: Settings, arrival: Arrival, directory: Path, ledger: Ledger
) -> None:
    path = directory / f"{arrival.table}-{arrival.authority or 'all'}-{ledger.files}.csv"
    arrival.rows.write_csv(path)
    started = time.perf_counter()
    result = submit_return(
        path,
        settings,
        engine,
        submitted_by="replay",
        period=arrival.period,
        replace=arrival.replace,
        data_source="synthetic",
    )
    ledger.seconds += time.perf_counter() - started
    if not result.stored:
        raise ReplayError(f"{path.name} did not validate:\n{result.report.to_text()[:3000]}")
    ledger.files += 1
    ledger.sent += arrival.rows.height
    for saved in result.saved:
        key = (arrival.table, saved.authority_code, arrival.period)
        ledger.replaced += ledger.current.get(key, 0) if saved.outcome == "replaced" else 0
        if saved.outcome != "unchanged":
            ledger.current[key] = saved.rows
    path.unlink()


def _within(rows: pl.DataFrame, column: str, first: date, last: date) -> pl.DataFrame:
    text = pl.col(column)
    return rows.filter((text >= first.isoformat()) & (text <= last.isoformat()))


def _one_fewer(rows: pl.DataFrame) -> pl.DataFrame:
    """ROWS less one stage 1 complaint that has no stage 2 in them (a correction)."""
    stage_two = set(rows.filter(pl.col("stage") == "2")["complaint_ref"].to_list())
    candidates = rows.with_row_index("n").filter(
        (pl.col("stage") == "1") & ~pl.col("complaint_ref").is_in(list(stage_two))
    )
    if candidates.is_empty():
        return rows
    drop = int(candidates["n"][-1])
    return rows.with_row_index("n").filter(pl.col("n") != drop).drop("n")
