"""Statistics at the edges on the demo: no page, report, API response or signal calls a
council at 100% an outlier where chance explains it, and a council with no like-for-like
group is compared with a stated fallback (docs/methods.md, 1.5 and 3.1)."""

from __future__ import annotations

import html
import json
import re
from datetime import date

import polars as pl
import pytest

from scrutiny.measures.funnel_plot import funnel_plot
from scrutiny.measures.indicators import compute_indicators
from scrutiny.measures.words import POSITIONS
from scrutiny.publish.reports.national import indicator_spreads
from scrutiny.recommendations import measures
from scrutiny.standard.indicators import indicator
from scrutiny.store.db import make_engine
from scrutiny.warning.signals import compute_signals

COMPLIANCE = "compliance_rate"
CITY_OF_LONDON = "E09000001"
TAIL = {"alert": 0.025, "alarm": 0.001}


@pytest.fixture(scope="module")
def years(demo_url):
    """The demo's financial-year indicators, and the years whose compliance funnel pools a
    target below 100% with councils at 100% on it: where 100% used to be 'above' it."""
    engine = make_engine(demo_url)
    rows = compute_indicators(engine, "financial_year")
    engine.dispose()
    found = []
    for start in rows.filter(pl.col("indicator") == COMPLIANCE)["period_start"].unique().sort():
        plot = funnel_plot(rows, COMPLIANCE, start)
        if plot and plot.target < 100 and (plot.points["value"] == 100).sum() >= 10:
            found.append(start)
    assert found, "the demo has no year in which a council failed to comply"
    return rows, found


def label(start: date) -> str:
    return f"{start.year}-{(start.year + 1) % 100:02d}"


def test_the_national_compliance_funnel_puts_no_council_at_100_percent_above_it(demo_client, years):
    _, starts = years
    for start in starts:
        page = demo_client.get(f"/?indicator={COMPLIANCE}&period={label(start)}").text
        above = re.search(rf"(\d+) are {re.escape(POSITIONS['high_alarm'])}", page)
        assert above and above.group(1) == "0"


def test_the_api_funnel_of_compliance_flags_no_council_at_100_percent(demo_client, years):
    _, starts = years
    for start in starts:
        body = demo_client.get(f"/api/v1/funnel/{COMPLIANCE}?period={label(start)}").json()
        at_top = [p for p in body["points"] if p["value"] == 100]
        assert at_top
        assert {p["flag"] for p in at_top} == {"within"}
        assert all(p["upper_99_8"] <= 100 for p in body["points"])


def test_the_national_report_counts_no_council_at_100_percent_beyond_the_limits(years):
    rows, starts = years
    for start in starts:
        spread = next(s for s in indicator_spreads(rows, start) if s.code == COMPLIANCE)
        assert spread.high == 0 and spread.outside_99_8 == 0


def test_no_funnel_signal_calls_a_value_at_a_bound_unusual_unless_chance_makes_it_rare(
    demo_url,
):
    engine = make_engine(demo_url)
    signals = compute_signals(engine, date(2025, 4, 30))
    engine.dispose()
    outliers = signals.filter(pl.col("signal") == "peer_outlier")
    assert outliers.height
    for row in outliers.iter_rows(named=True):
        evidence = json.loads(row["evidence"])
        if indicator(evidence["indicator"]).kind != "proportion":
            continue
        share, n = evidence["target"] / 100, evidence["denominator"]
        rare = TAIL[evidence["flag"].split("_")[1]]
        if evidence["value"] == 100:
            assert evidence["upper_limit"] < 100 and share**n <= rare, row["sentence"]
        if evidence["value"] == 0:
            assert evidence["lower_limit"] > 0 and (1 - share) ** n < rare, row["sentence"]


def test_city_of_london_is_compared_with_its_nearest_councils_and_says_so(demo_client):
    page = demo_client.get(f"/councils/{CITY_OF_LONDON}").text
    assert "all city of london councils" not in page
    assert "has no other council of its type to compare with" in page
    assert "the 15 councils of any type nearest to" in page


def test_the_council_page_shows_overdue_recommendations_in_the_compliance_headline(
    demo_client, demo_url
):
    engine = make_engine(demo_url)
    found = measures(engine).filter(
        (pl.col("overdue_now") > 0) & (pl.col("authority_code") != "England")
    )
    engine.dispose()
    assert found.height, "the demo has no council with an overdue recommendation"
    row = found.row(0, named=True)
    page = demo_client.get(f"/councils/{row['authority_code']}").text
    assert f"; {row['overdue_now']} overdue" in row["compliance_headline"]
    assert html.escape(row["compliance_headline"]) in page
    body = demo_client.get(f"/api/v1/benchmarks/{row['authority_code']}").json()
    assert body["compliance"] == row["compliance_headline"]
