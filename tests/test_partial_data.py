"""Every page, report and pack made from partial returns, drawn by hypothesis (issue 15):
a council with answers but no receipts in a year, a stage 2 with no stage 1 in the
period, one month only, one council only, a quarter with nothing in it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import copy_sqlite, make_client, make_complaint, typed_frame
from scrutiny.core.periods import financial_year_bounds, financial_year_of
from scrutiny.publish.reports.annual import annual_html
from scrutiny.publish.reports.pack import pack_html, scrutiny_pack
from scrutiny.returns.submissions import save_submission
from scrutiny.store.db import make_engine

COUNCILS = ("E06000047", "E08000025", "E09000007")
WINDOW = (date(2025, 1, 1), date(2025, 8, 31))  # across the turn of 2024-25 and 2025-26
YEARS = ("2024-25", "2025-26")


@st.composite
def complaint(draw: st.DrawFn, n: int) -> dict[str, Any]:
    received = draw(st.dates(*WINDOW))
    answered = draw(st.one_of(st.none(), st.integers(0, 80)))
    responded = received + timedelta(days=answered) if answered is not None else None
    return make_complaint(
        authority_code=draw(st.sampled_from(COUNCILS)),
        complaint_ref=f"P-{n:03d}",
        stage=draw(st.sampled_from([1, 1, 2])),  # a stage 2 may have no stage 1
        received_date=received,
        acknowledged_date=received + timedelta(days=1),
        responded_date=responded,
        outcome=draw(st.sampled_from(["upheld", "not_upheld"])) if responded else None,
        service_area=draw(st.sampled_from(["housing", "highways_and_transport"])),
        acceptance="accepted",
        process="complaint_handling_code",
    )


@st.composite
def partial_returns(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(0, 8))
    return [draw(complaint(n)) for n in range(count)]


def store(engine: Any, rows: list[dict[str, Any]]) -> None:
    """Each council's rows as one return per financial year they were received in."""
    by_return: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in rows:
        year = financial_year_of(row["received_date"])
        by_return.setdefault((row["authority_code"], year), []).append(row)
    for (code, year), mine in by_return.items():
        start, end = financial_year_bounds(year)
        save_submission(
            engine,
            table_name="complaints",
            frame=typed_frame("complaints", mine),
            file_name=f"{code}-{year}.csv",
            file_hash=f"{code}{year}".ljust(64, "0"),
            submitted_by="test",
            period_start=start,
            period_end=end,
        )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=partial_returns())
def test_every_page_report_and_pack_is_made_from_partial_returns(
    rows, migrated_sqlite: Path, tmp_path: Path
):
    url = copy_sqlite(migrated_sqlite, tmp_path / f"partial-{abs(hash(str(rows)))}.db")
    engine = make_engine(url)
    store(engine, rows)
    for code in COUNCILS:
        for year in YEARS:
            assert annual_html(engine, code, year)
            assert pack_html(scrutiny_pack(engine, code, year))
    with make_client(url) as client:
        paths = ["/", "/compare?codes=E06000047&codes=E08000025", "/data"]
        for code in COUNCILS:
            paths += [f"/councils/{code}"]
            paths += [f"/councils/{code}?period={year}" for year in YEARS]
            paths += [f"/councils/{code}?period={year} Q1" for year in YEARS]
            paths += [f"/councils/{code}/reports/annual/{year}.html" for year in YEARS]
        for path in paths:
            status = client.get(path).status_code
            # 404 only where the period has not begun or no return covers it.
            assert status in (200, 404), (path, status, rows)
    engine.dispose()
