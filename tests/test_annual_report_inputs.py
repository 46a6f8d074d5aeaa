"""One council's annual report read for it and its peers only (council_inputs) says exactly
what the report made from every council's figures (prepare_inputs) says."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scrutiny.measures.indicators import compute_indicators
from scrutiny.publish.reports.annual import annual_html, annual_report
from scrutiny.publish.reports.annual_inputs import council_inputs, prepare_inputs, report_peers
from scrutiny.recommendations import measures
from scrutiny.recommendations.measures import NATIONAL
from scrutiny.reference.authorities import load_authorities
from scrutiny.reference.peers import peer_group
from scrutiny.store.db import make_engine
from test_annual_report import DURHAM, YEAR, complaint, constructed, store

__all__ = ["constructed"]  # the fixture, shared with the annual report's own tests

TODAY = date(2025, 6, 1)
# A unitary council, a London borough (City of London: too few peers, so a fallback
# group), a district, a county and a metropolitan borough.
COUNCILS = ("E06000047", "E09000001", "E07000223", "E10000014", "E08000025")
ADUR = "E07000223"  # a district council: no peer of Durham's


def both_ways(engine, code: str) -> tuple[str, str]:
    """CODE's report as HTML from every council's figures and from its peers' only."""
    every = prepare_inputs(engine, YEAR, today=TODAY)
    own = council_inputs(engine, code, YEAR, today=TODAY)
    return (
        annual_html(engine, code, YEAR, report=annual_report(engine, code, YEAR, inputs=every)),
        annual_html(engine, code, YEAR, report=annual_report(engine, code, YEAR, inputs=own)),
    )


def test_a_report_read_for_one_council_is_the_report_read_for_every_council(demo_url):
    engine = make_engine(demo_url)
    try:
        for code in COUNCILS:
            everyone, own = both_ways(engine, code)
            assert own == everyone, code
            assert "Stage 1 complaints received" in own
    finally:
        engine.dispose()


def test_the_spc_chart_runs_to_englands_latest_quarter_when_the_peers_stop_earlier(constructed):
    # Durham and its peers received complaints only until the summer of 2024; a district
    # council (no peer of theirs) went on into 2025, which is where England's quarters end.
    later = [
        complaint(ADUR, n) | {"received_date": date(2025, 1, 6) + timedelta(days=n)}
        for n in range(12)
    ]
    for row in later:
        row["acknowledged_date"] = row["received_date"] + timedelta(days=1)
        row["responded_date"] = row["received_date"] + timedelta(days=10)
    store(constructed, "complaints", later, "adur.csv")
    everyone, own = both_ways(constructed, DURHAM)
    assert own == everyone
    report = annual_report(constructed, DURHAM, YEAR, today=TODAY)
    assert [chart.id for chart in report.charts] == ["chart-funnel", "chart-spc"]


def test_a_councils_report_peers_are_its_peer_group_and_its_signals_group():
    councils = load_authorities().filter("current")
    for code in COUNCILS:
        peers = report_peers(code)
        assert code in peers and set(peer_group(code, "type").codes) <= set(peers)
        kind = councils.filter(pl.col("gss_code") == code).get_column("type")[0]
        same = councils.filter(pl.col("type") == kind).get_column("gss_code").to_list()
        assert set(same) <= set(peers)


@pytest.mark.parametrize("grain", ["financial_year", "quarter"])
def test_indicators_read_for_some_councils_are_theirs_among_every_councils(demo_url, grain):
    engine = make_engine(demo_url)
    every = compute_indicators(engine, grain)
    codes = sorted(set(every.get_column("authority_code").to_list()))

    @settings(
        max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(st.lists(st.sampled_from(codes), max_size=12))
    def same(chosen: list[str]) -> None:
        theirs = compute_indicators(engine, grain, chosen)
        expected = every.filter(pl.col("authority_code").is_in(chosen))
        assert theirs.equals(expected)

    try:
        same()
    finally:
        engine.dispose()


def test_one_councils_compliance_measures_are_its_row_of_every_councils(demo_url):
    engine = make_engine(demo_url)
    every = measures(engine, today=TODAY, due_from=date(2024, 4, 1), due_to=date(2025, 3, 31))
    councils = every.filter(pl.col("authority_code") != NATIONAL)
    busiest = councils.sort("recommendations", descending=True)["authority_code"].head(4)
    try:
        for code in [*busiest.to_list(), DURHAM]:
            own = measures(
                engine,
                today=TODAY,
                authority_code=code,
                due_from=date(2024, 4, 1),
                due_to=date(2025, 3, 31),
            )
            assert own.equals(every.filter(pl.col("authority_code") == code)), code
    finally:
        engine.dispose()
