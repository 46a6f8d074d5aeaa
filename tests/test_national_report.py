"""The national overview for the Ombudsman: every indicator, the watchlist, compliance, gaps."""

from __future__ import annotations

import html
import statistics
import subprocess
from datetime import date

import pytest
from typer.testing import CliRunner

from conftest import RSH_YEARS, council_landlord_rates
from scrutiny.cli import app
from scrutiny.measures.headlines import national_headlines
from scrutiny.measures.indicators import compute_indicators
from scrutiny.publish.licences import OGL_ATTRIBUTION
from scrutiny.publish.reports.national import national_html, national_pdf, national_report
from scrutiny.recommendations import measures
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.standard.indicators import load_indicators
from scrutiny.store.db import make_engine
from scrutiny.warning.watchlist import watchlist

YEAR = "2024-25"
AS_OF = date(2025, 4, 30)  # a month after the year ends: the report's default


@pytest.fixture(scope="module")
def made(demo_url):
    engine = make_engine(demo_url)
    report = national_report(engine, YEAR)
    yield engine, report
    engine.dispose()


def test_every_indicator_is_spread_with_the_national_figures(made):
    engine, report = made
    assert report.as_of == AS_OF
    assert [s.code for s in report.spreads] == [item.code for item in load_indicators()]
    headlines = national_headlines(compute_indicators(engine, "financial_year"), date(2024, 4, 1))
    for spread, head in zip(report.spreads, headlines.iter_rows(named=True), strict=True):
        assert spread.median == pytest.approx(head["median"], nan_ok=True)
        assert spread.councils == spread.values.height
    on_time = next(s for s in report.spreads if s.code == "stage1_on_time")
    assert on_time.outside_95 is not None and on_time.outside_99_8 <= on_time.outside_95
    assert next(s for s in report.spreads if s.code == "stage1_median_days").outside_95 is None
    page = html.unescape(national_html(report))
    for item in load_indicators():
        assert item.name in page
        assert f'id="chart-{item.code}"' in page  # every indicator has a histogram...
    assert page.count("<img ") == page.count('alt="Histogram of ')  # ...with alt text


def test_council_landlords_real_figures_come_first_with_their_source(made):
    engine, report = made
    landlords = report.landlords
    assert landlords.years == ["2023-24", "2024-25"]
    # Every council landlord RSH published is matched to a council (README: 157 and 159).
    assert [(c.year, c.councils, c.matched) for c in landlords.counts] == [
        ("2023-24", 157, 157),
        ("2024-25", 159, 159),
    ]
    assert all(c.associations >= 200 for c in landlords.counts)
    stored = read_landlord_measures(engine)
    for measure in landlords.measures:
        item = measure.indicator
        top, bottom = item.numerator["tsm"], item.denominator["tsm"]
        for year, start in zip(measure.years, (date(2023, 4, 1), date(2024, 4, 1)), strict=True):
            rates = council_landlord_rates(stored, start, top, bottom, item.multiplier)
            assert year.peers == len(rates), (item.code, year.year)
            assert year.peer_median == pytest.approx(statistics.median(rates)), (
                item.code,
                year.year,
            )
    page = html.unescape(national_html(report))
    real = page.index("Housing complaints by council landlords: real figures")
    assert real < page.index("Every indicator across councils")
    section = page[real : page.index("Every indicator across councils")]
    assert "Table 1: council landlords the Regulator of Social Housing published" in section
    assert "157 of 157" in section and "159 of 159" in section
    assert "Table 2: every council landlord's complaint measures" in section
    assert all(source in section for source in RSH_YEARS) and OGL_ATTRIBUTION in section


def test_the_watchlist_is_a_list_by_name_with_reasons_not_a_league_table(made):
    engine, report = made
    expected = watchlist(engine, AS_OF, top=1000).filter("on_watch")
    assert {w.authority_code for w in report.watched} == set(expected["authority_code"])
    names = [w.name for w in report.watched]
    assert names == sorted(names)
    assert all(w.reasons for w in report.watched)
    page = national_html(report)
    assert "not a league table" in page and ">Rank<" not in page


def test_compliance_is_englands_measures_for_recommendations_due_in_the_year(made):
    engine, report = made
    england = measures(engine, today=AS_OF, due_from=date(2024, 4, 1), due_to=date(2025, 3, 31))
    row = england.filter(england["authority_code"] == "England").row(0, named=True)
    assert report.compliance["recommendations"] == row["recommendations"]
    assert report.compliance["compliance_rate"] == pytest.approx(row["compliance_rate"])
    assert [g.quarter for g in report.gaps] == [f"{YEAR} Q{n}" for n in (1, 2, 3, 4)]


def test_the_pdf_has_real_text_naming_every_indicator_and_watched_council(made, tmp_path):
    _, report = made
    path = tmp_path / "national.pdf"
    path.write_bytes(national_pdf(report))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert "Tagged:          yes" in info.stdout
    found = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True)
    shown = " ".join(found.stdout.split())
    for item in load_indicators():
        assert item.name in shown
    for watched in report.watched:
        assert watched.name in shown
    assert "Compliance with Ombudsman recommendations" in shown
    assert RSH_YEARS[1] in shown


def test_an_empty_database_gives_a_report_that_says_there_is_nothing(engine):
    report = national_report(engine, YEAR, as_of=AS_OF)
    assert report.watched == () and report.compliance == {}
    assert all(s.councils == 0 for s in report.spreads)
    page = html.unescape(national_html(report))
    assert "No Ombudsman recommendations were due in 2024-25" in page
    assert "No council's signals reached the threshold" in page
    assert "holds no Tenant Satisfaction Measures from the Regulator of Social Housing" in page


def test_the_command_refuses_a_period_that_is_not_a_year(tmp_path, demo_url):
    args = ["report", "national", "--year", "2024-25 Q1", "--output", str(tmp_path / "n.pdf")]
    result = CliRunner().invoke(app, args, env={"SCRUTINY_DATABASE_URL": demo_url})
    assert result.exit_code == 2 and "covers a financial year" in result.output
