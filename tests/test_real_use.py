"""The service in its first month of real use (issue 15): one council's early, partial
return for a new year, reports for years with little or no data, and odd dates."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import pytest

from conftest import make_client, make_complaints
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY, DEMO_PASSWORD
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def early_return(request, demo_copy, tmp_path_factory):
    """A copy of the demo after Durham sent 2 complaints for 2025-26, as the whole year."""
    with demo_copy(request.param) as url:
        path = tmp_path_factory.mktemp("early") / "durham-2025-26.csv"
        make_complaints(2, first_received=date(2025, 4, 14), ref_prefix="NEW").write_csv(path)
        engine = make_engine(url)
        result = submit_return(
            path, Settings(database_url=url), engine, submitted_by="t", period="2025-26"
        )
        assert result.stored and result.saved, result.report.to_text()
        engine.dispose()
        with make_client(url) as client:
            yield client


@contextmanager
def signed_in(client: Any, email: str) -> Iterator[None]:
    """CLIENT signed in as EMAIL for the block, signed out after it."""
    client.sign_in(email, DEMO_PASSWORD)
    try:
        yield
    finally:
        client.cookies.clear()


def selected_period(html: str) -> str:
    """The period chosen in the page's period select."""
    select = html.split('id="period"', 1)[1].split("</select>", 1)[0]
    return select.split("selected>", 1)[1].split("<", 1)[0].strip()


def test_one_councils_partial_return_leaves_every_page_on_the_latest_complete_year(
    early_return,
):
    # What was seen: "Councils with a figure: 1" and England 0.00 for 2025-26 everywhere.
    home = early_return.get("/")
    assert home.status_code == 200
    assert selected_period(home.text) == "2024-25"
    note = home.text.split('id="data-note">', 1)[1].split("</p>", 1)[0]
    assert "Data up to 31 March 2026" in note and "Figures for 2024-25" in note
    assert "more than half of the councils that send returns" in note
    # What was seen: the decisions and recommendations under "2024-25" were all five years'.
    council = early_return.get(f"/councils/{DEMO_AUTHORITY}").text
    assert "every year's, not only 2024-25: decisions dated from " in council
    assert "Every year's recommendations, not only 2024-25: agreed from " in council
    for path in (f"/councils/{DEMO_AUTHORITY}", f"/councils/{DEMO_OTHER_AUTHORITY}", "/compare"):
        page = early_return.get(path)
        assert page.status_code == 200, path
        assert selected_period(page.text) == "2024-25", path


def test_the_partial_year_can_still_be_chosen_and_says_what_it_holds(early_return):
    page = early_return.get("/?period=2025-26")
    assert page.status_code == 200
    assert selected_period(page.text) == "2025-26"
    assert "Figures for 2025-26." in page.text
    assert "unless you choose another period" not in page.text


def test_councillors_see_their_own_latest_complete_year_not_the_partial_one(early_return):
    with signed_in(early_return, "councillor@demo.scrutiny"):
        page = early_return.get(f"/council/{DEMO_AUTHORITY}/scrutiny")
        assert page.status_code == 200
        assert "2024-25" in page.text and "Figures for 2024-25" in page.text


@pytest.mark.parametrize("kind", ["html", "pdf"])
def test_a_report_for_a_year_with_answers_but_no_complaints_received_is_made(early_return, kind):
    # What was seen: ColumnNotFoundError "stage1_received" (a 500) for every other council,
    # which in 2025-26 has only answers to complaints received in March 2025.
    page = early_return.get(f"/councils/{DEMO_OTHER_AUTHORITY}/reports/annual/2025-26.{kind}")
    assert page.status_code == 200, page.text[:500]


@pytest.mark.parametrize(
    ("year", "message"), [("2031-32", "has not begun"), ("2011-12", "No council has sent returns")]
)
def test_reports_and_pages_for_a_year_not_begun_or_not_reported_are_404(
    early_return, year, message
):
    for path in (
        f"/councils/{DEMO_AUTHORITY}/reports/annual/{year}.html",
        f"/?period={year}",
        f"/councils/{DEMO_AUTHORITY}?period={year}",
    ):
        page = early_return.get(path)
        assert page.status_code == 404, path
        assert message in page.text, path


@pytest.mark.parametrize("as_of", ["0001-01-01", "1999-12-31", "2999-01-01"])
def test_a_watchlist_date_outside_the_data_is_a_404_that_says_why(early_return, as_of):
    with signed_in(early_return, "analyst@demo.scrutiny"):
        page = early_return.get(f"/ombudsman/watchlist?as_of={as_of}")
        assert page.status_code == 404
        assert "in the future" in page.text or "There were no returns" in page.text


def test_the_watchlist_stays_on_the_latest_quarter_most_councils_cover(early_return):
    # What was seen: the watchlist defaulted to "1 May 2025" with no "data up to".
    with signed_in(early_return, "analyst@demo.scrutiny"):
        page = early_return.get("/ombudsman/watchlist")
        assert page.status_code == 200
        note = page.text.split('id="data-note">', 1)[1].split("</p>", 1)[0]
        assert note == (
            "Data up to 31 March 2026. This page shows it as it stood on 31 March 2025."
        )
        quality = early_return.get("/ombudsman/data-quality").text
        assert 'id="data-note">Data up to 31 March 2026.' in quality


def test_every_api_answer_says_what_the_data_runs_up_to(early_return):
    for path in ("/api/v1/authorities", "/api/v1/benchmarks/E06000047", "/api/v1/nothing"):
        assert early_return.get(path).headers["data-up-to"] == "2026-03-31", path
    assert "data-up-to" not in early_return.get("/").headers  # pages say it in words
