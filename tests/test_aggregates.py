"""Counting complaints up into aggregate returns, and storing the counts at import."""

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import func, select

from conftest import complaints_frame, make_complaint
from scrutiny.core.periods import Grain, period_bounds
from scrutiny.returns.aggregates import aggregate_complaints
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.db import complaint_counts

AS_OF = date(2026, 11, 26)
RETURNS = Path(__file__).parent / "returns"


def test_periods_are_months_financial_quarters_and_financial_years():
    days = pl.DataFrame({"day": [date(2025, 3, 31), date(2025, 4, 1), date(2025, 12, 25)]})
    cases: list[tuple[Grain, list[tuple[date, date]]]] = [
        (
            "month",
            [
                (date(2025, 3, 1), date(2025, 3, 31)),
                (date(2025, 4, 1), date(2025, 4, 30)),
                (date(2025, 12, 1), date(2025, 12, 31)),
            ],
        ),
        (
            "quarter",
            [
                (date(2025, 1, 1), date(2025, 3, 31)),
                (date(2025, 4, 1), date(2025, 6, 30)),
                (date(2025, 10, 1), date(2025, 12, 31)),
            ],
        ),
        (
            "financial_year",
            [
                (date(2024, 4, 1), date(2025, 3, 31)),
                (date(2025, 4, 1), date(2026, 3, 31)),
                (date(2025, 4, 1), date(2026, 3, 31)),
            ],
        ),
    ]
    for grain, expected in cases:
        start, end = period_bounds(pl.col("day"), grain)
        assert days.select(start, end.alias("end")).rows() == expected, grain


def test_counts_follow_the_aggregate_return_definitions():
    frame = complaints_frame(
        # On time: received Mon 8 Jan 2024, acknowledged next day, answered in 8 days.
        make_complaint(complaint_ref="A", outcome="upheld"),
        # Late: answered 30 working days after acknowledgement, extended by 5.
        make_complaint(
            complaint_ref="B",
            extension_working_days=5,
            responded_date=date(2024, 2, 21),
            outcome="partly_upheld",
        ),
        # Received in January, still open.
        make_complaint(complaint_ref="C", responded_date=None, outcome=None),
        # Received in March, answered in April: counted in different quarters.
        make_complaint(
            complaint_ref="D",
            received_date=date(2024, 3, 25),
            acknowledged_date=date(2024, 3, 26),
            responded_date=date(2024, 4, 8),
        ),
    )
    frame = frame.with_columns(
        pl.lit("accepted").alias("acceptance"), pl.lit(False).alias("service_improvement")
    )
    counts = aggregate_complaints(frame, AS_OF, grains=("quarter",))
    january = counts.filter(pl.col("period_start") == date(2024, 1, 1)).row(0, named=True)
    assert (january["received"], january["acknowledged_on_time"]) == (4, 4)
    assert (january["responded"], january["upheld"], january["partly_upheld"]) == (2, 1, 1)
    assert january["responded_within_extended_timescale"] == 1
    assert january["extended"] == 1
    april = counts.filter(pl.col("period_start") == date(2024, 4, 1)).row(0, named=True)
    assert (april["received"], april["responded"], april["not_upheld"]) == (0, 1, 1)


def test_importing_complaints_stores_their_counts_and_replacing_them_replaces_the_counts(
    engine, database_url, tmp_path
):
    settings = Settings(database_url=database_url)
    submit_return(RETURNS / "valid_complaints.csv", settings, engine, submitted_by="t")
    with engine.connect() as connection:
        total = select(func.sum(complaint_counts.c.received)).where(
            complaint_counts.c.grain == "financial_year"
        )
        assert connection.execute(total).scalar_one() == 3
    fewer = tmp_path / "fewer.csv"
    fewer.write_text(
        "\n".join((RETURNS / "valid_complaints.csv").read_text().splitlines()[:3]) + "\n"
    )
    submit_return(fewer, settings, engine, submitted_by="t", replace=True)
    with engine.connect() as connection:
        assert connection.execute(total).scalar_one() == 2
