"""National data quality: who has sent returns for recent quarters, late returns, warnings."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl
from sqlalchemy import update

from conftest import make_complaints
from scrutiny.returns.submissions import save_submission
from scrutiny.store.db import submissions
from scrutiny.warning.data_quality import (
    data_end,
    default_as_of,
    late_returns,
    missing_returns,
    recent_quarters,
    return_coverage,
    submission_warnings,
    warning_totals,
)

DURHAM, BIRMINGHAM = "E06000047", "E08000025"


def submit(engine, authority_code, start, end, *, warnings=0, first_received=None, digit="a"):
    """Store a small complaints return for AUTHORITY_CODE covering START to END."""
    return save_submission(
        engine,
        table_name="complaints",
        frame=make_complaints(
            3, authority_code=authority_code, first_received=first_received or start
        ),
        file_name=f"{authority_code}.csv",
        file_hash=digit * 64,
        submitted_by="officer@example.org",
        period_start=start,
        period_end=end,
        warning_count=warnings,
    )[0]


def arrived(engine, submission_id, day):
    """Pretend SUBMISSION_ID arrived on DAY (submissions are stamped with the real time)."""
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            update(submissions).where(submissions.c.id == submission_id).values(submitted_at=moment)
        )


def test_recent_quarters_are_the_complete_financial_quarters_before_the_date_newest_first():
    assert recent_quarters(date(2025, 5, 1), 3) == [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2024, 10, 1), date(2024, 12, 31)),
        (date(2024, 7, 1), date(2024, 9, 30)),
    ]
    assert recent_quarters(date(2025, 3, 31), 1) == [(date(2025, 1, 1), date(2025, 3, 31))]


def test_with_no_data_the_default_date_is_today(engine):
    assert data_end(engine) is None
    assert default_as_of(engine, today=date(2026, 11, 26)) == date(2026, 11, 26)


def test_a_council_has_submitted_for_the_quarters_its_return_covers(engine):
    submit(engine, DURHAM, date(2024, 4, 1), date(2025, 3, 31), warnings=2)
    assert default_as_of(engine) > date(2024, 4, 8)  # the day after the last complaint date
    coverage = return_coverage(engine, date(2025, 5, 1))
    councils = coverage.get_column("authority_code").n_unique()
    assert coverage.height == 4 * councils
    durham = coverage.filter(pl.col("authority_code") == DURHAM)
    assert durham.get_column("submitted").to_list() == [True] * 4
    assert durham.get_column("warnings").to_list() == [2] * 4
    missing = missing_returns(coverage)
    assert list(missing) == ["2024-25 Q4", "2024-25 Q3", "2024-25 Q2", "2024-25 Q1"]
    for frame in missing.values():
        assert BIRMINGHAM in frame.get_column("authority_code").to_list()
        assert DURHAM not in frame.get_column("authority_code").to_list()
        assert frame.height == councils - 1
    # The quarter before the return's period is not submitted.
    earlier = return_coverage(engine, date(2024, 4, 30), count=1)
    assert earlier.get_column("quarter").to_list()[0] == "2023-24 Q4"
    assert not earlier.filter(pl.col("authority_code") == DURHAM).get_column("submitted")[0]


def test_late_returns_reuse_the_return_overdue_signal(engine):
    # Birmingham's first return arrives in July 2024, so returns are expected from then on.
    first = submit(engine, BIRMINGHAM, date(2024, 1, 1), date(2024, 3, 31), digit="b")
    arrived(engine, first.submission_id, date(2024, 7, 1))
    late = submit(engine, DURHAM, date(2024, 4, 1), date(2024, 6, 30), digit="c")
    arrived(engine, late.submission_id, date(2024, 8, 15))  # due by 30 July
    found = late_returns(engine, today=date(2024, 9, 1))
    by_council = {row["authority_code"]: row for row in found.iter_rows(named=True)}
    assert by_council[DURHAM]["status"] == "arrived late"
    assert by_council[DURHAM]["quarter"] == "2024-25 Q1"
    assert "15 August 2024" in by_council[DURHAM]["sentence"]
    assert by_council[BIRMINGHAM]["status"] == "not arrived"


def test_submissions_with_warnings_are_listed_and_counted(engine):
    submit(engine, DURHAM, date(2024, 4, 1), date(2025, 3, 31), warnings=5)
    submit(engine, BIRMINGHAM, date(2024, 4, 1), date(2025, 3, 31), digit="b")
    warned = submission_warnings(engine)
    assert warned.select("authority_code", "warning_count", "name").rows() == [
        (DURHAM, 5, "Durham County Council")
    ]
    assert warning_totals(engine) == {"submissions": 2, "with_warnings": 1, "warnings": 5}
