"""The figures each annual report reads: indicators by financial year and by quarter,
compliance measures, social landlords' Tenant Satisfaction Measures, and early-warning
signals. prepare_inputs computes them over every council once, for many reports;
council_inputs reads one council's and its peers' only, for one report from a fresh
process (the command line), with the same figures in its report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.errors import Invalid
from scrutiny.core.periods import Grain, parse_financial_year, quarter_bounds
from scrutiny.measures.headlines import RECEIVED, periods_with_data
from scrutiny.measures.indicators import (
    complaint_counts_by_period,
    compute_indicators,
    decision_counts,
    housing_finding_counts,
    indicators_from_counts,
    landlord_counts,
    recommendation_counts,
)
from scrutiny.recommendations import measures
from scrutiny.reference.peers import PeerMethod, peer_group
from scrutiny.returns.source_imports import read_landlord_measures

GRAIN: Grain = "financial_year"
PEERS: PeerMethod = "type"


class ReportError(Invalid, ValueError):
    """A report that cannot be made: an unknown council or a period that is not a year."""


@dataclass(frozen=True)
class ReportInputs:
    """Figures over every council for one financial year, computed once and shared by
    every council's report. SIGNALS is None to compute each council's own."""

    year: str
    start: date
    end: date
    today: date
    counts: pl.DataFrame  # complaint counts per council and stage, financial years
    indicators: pl.DataFrame  # every indicator per council, financial years
    quarters: pl.DataFrame  # every indicator per council, quarters
    measures: pl.DataFrame  # compliance measures of recommendations due in the year
    landlords: pl.DataFrame  # every social landlord's TSM figures (read_landlord_measures)
    # Every council's signals, or None to compute each council's own (under a second).
    signals: pl.DataFrame | None = None


def report_year(year: str) -> tuple[str, date, date]:
    """YEAR as people write it ("2024-25"), its first and last day; ReportError otherwise."""
    try:
        return parse_financial_year(year)
    except ValueError as error:
        raise ReportError(str(error)) from None


def prepare_inputs(
    engine: Engine,
    year: str,
    *,
    today: date | None = None,
    every_council: bool = False,
    indicators: pl.DataFrame | None = None,
    quarters: pl.DataFrame | None = None,
) -> ReportInputs:
    """The figures over every council that each report of YEAR reads. With EVERY_COUNCIL,
    the early-warning signals too (seconds: worth it only for many reports). INDICATORS
    and QUARTERS may pass compute_indicators' financial-year and quarterly frames already
    computed (the web app keeps them)."""
    from scrutiny.warning.signals import compute_signals

    end = report_year(year)[2]
    counts = complaint_counts_by_period(engine, GRAIN)
    if indicators is None:
        indicators = indicators_from_counts(
            counts,
            decision_counts(engine, GRAIN),
            recommendation_counts(engine, GRAIN),
            landlord_counts(engine, GRAIN),
            housing_finding_counts(engine, GRAIN),
        )
    if quarters is None:
        quarters = compute_indicators(engine, "quarter")
    signals = (
        compute_signals(engine, end, peers=PEERS, indicators=quarters) if every_council else None
    )
    return _inputs(engine, year, today, counts, indicators, quarters, signals=signals)


def _inputs(
    engine: Engine,
    year: str,
    today: date | None,
    counts: pl.DataFrame,
    indicators: pl.DataFrame,
    quarters: pl.DataFrame,
    *,
    authority_code: str | None = None,
    signals: pl.DataFrame | None = None,
) -> ReportInputs:
    """ReportInputs of YEAR from the figures given, with the compliance measures (for
    AUTHORITY_CODE only, when given) and the landlords' figures read here."""
    label, start, end = report_year(year)
    today = today or date.today()
    return ReportInputs(
        year=label,
        start=start,
        end=end,
        today=today,
        counts=counts.filter(pl.col("period_start") == start) if counts.height else counts,
        indicators=indicators,
        quarters=quarters,
        measures=measures(
            engine, today=today, authority_code=authority_code, due_from=start, due_to=end
        ),
        landlords=read_landlord_measures(engine),
        signals=signals,
    )


def report_peers(code: str) -> list[str]:
    """The councils whose figures council CODE's report compares it with: its peer group
    (the benchmark and funnel) and the early-warning signals' group, and itself."""
    from scrutiny.warning.signals import peer_groups

    groups = peer_groups(PEERS)
    group = groups.filter(pl.col("authority_code") == code).get_column("peer_group")
    signalled = groups.filter(pl.col("peer_group").is_in(group.to_list()))
    members = peer_group(code, PEERS).codes
    return sorted({code, *members, *signalled.get_column("authority_code").to_list()})


def council_inputs(
    engine: Engine, code: str, year: str, *, today: date | None = None
) -> ReportInputs:
    """The figures council CODE's report of YEAR reads, read for it and its peers only
    (report_peers): the same report as from prepare_inputs, without the rest of England.
    Its early-warning signals are computed from them (council_signals)."""
    end = report_year(year)[2]
    peers = report_peers(code)
    counts = complaint_counts_by_period(engine, GRAIN, code)
    quarters = compute_indicators(engine, "quarter", peers)
    if not _received_to(quarters, quarter_bounds(end)[0]):
        # The SPC chart runs to the latest quarter any council received complaints in
        # (periods_with_data): unless the peers received some in the year's last quarter
        # or later, England's quarters decide where it stops.
        quarters = compute_indicators(engine, "quarter")
    indicators = compute_indicators(engine, GRAIN, peers)
    return _inputs(engine, year, today, counts, indicators, quarters, authority_code=code)


def _received_to(quarters: pl.DataFrame, start: date) -> bool:
    """Whether QUARTERS say complaints were received in the quarter starting START or later."""
    received = quarters.filter((pl.col("indicator") == RECEIVED) & (pl.col("numerator") > 0))
    periods = periods_with_data(received)
    return bool(periods) and periods[0] >= start


def council_signals(engine: Engine, code: str, inputs: ReportInputs) -> pl.DataFrame:
    """The council's early-warning signals for quarters up to the year's end (from every
    council's, when they were computed for many reports)."""
    if inputs.signals is not None:
        return inputs.signals.filter(pl.col("authority_code") == code)
    from scrutiny.warning.signals import compute_signals

    signals = compute_signals(
        engine, inputs.end, peers=PEERS, indicators=inputs.quarters, authority_code=code
    )
    return signals.sort("period_start", "signal", "severity")
