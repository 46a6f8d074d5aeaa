"""The figures over every council that each annual report reads, computed once: indicators
by financial year and by quarter, compliance measures, and early-warning signals (every
council's, or those from the Ombudsman's records and returns, the rest per council)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl
from sqlalchemy import Engine

from scrutiny.aggregates import parse_period
from scrutiny.indicators import (
    complaint_counts_by_period,
    compute_indicators,
    decision_counts,
    indicators_from_counts,
    recommendation_counts,
)
from scrutiny.recommendations import measures

GRAIN = "financial_year"
PEERS = "type"


class ReportError(ValueError):
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
    # Every council's signals; or, when None, those from decisions, recommendations and
    # returns only (record_signals), the rest computed for each council.
    signals: pl.DataFrame | None = None
    record_signals: pl.DataFrame = field(default_factory=pl.DataFrame)


def financial_year(year: str) -> tuple[str, date, date]:
    """YEAR as people write it ("2024-25"), its first and last day; ReportError otherwise."""
    try:
        grain, start, end = parse_period(year)
    except ValueError as error:
        raise ReportError(str(error)) from None
    if grain != GRAIN:
        raise ReportError(f"{year!r} is not a financial year: write it like 2024-25")
    return f"{start.year}-{(start.year + 1) % 100:02d}", start, end


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
    from scrutiny.signals import compute_signals

    label, start, end = financial_year(year)
    counts = complaint_counts_by_period(engine, GRAIN)
    if indicators is None:
        indicators = indicators_from_counts(
            counts, decision_counts(engine, GRAIN), recommendation_counts(engine, GRAIN)
        )
    if quarters is None:
        quarters = compute_indicators(engine, "quarter")
    today = today or date.today()
    signals, records = None, pl.DataFrame()
    if every_council:
        signals = compute_signals(engine, end, peers=PEERS, indicators=quarters)
    else:  # no indicators: only the signals from the Ombudsman's records and returns
        records = compute_signals(engine, end, peers=PEERS, indicators=quarters.clear())
    return ReportInputs(
        year=label,
        start=start,
        end=end,
        today=today,
        counts=counts.filter(pl.col("period_start") == start) if counts.height else counts,
        indicators=indicators,
        quarters=quarters,
        measures=measures(engine, today=today, due_from=start, due_to=end),
        signals=signals,
        record_signals=records,
    )


def council_signals(engine: Engine, code: str, inputs: ReportInputs) -> pl.DataFrame:
    """The council's early-warning signals for quarters up to the year's end: what
    compute_signals finds for it, without charting every other council."""
    if inputs.signals is not None:
        return inputs.signals.filter(pl.col("authority_code") == code)
    from scrutiny.signals import peer_groups
    from scrutiny.signals.changes import change_signals
    from scrutiny.signals.charts import chart_signals
    from scrutiny.signals.funnels import funnel_signals

    # compute_signals charts every council it is given (24 ms each) and reads every
    # council's decisions and recommendations; the second half is done once, in
    # prepare_inputs (record_signals), and the first for this council and its peers here,
    # as compute_signals composes them.
    groups = peer_groups(PEERS)
    group = groups.filter(pl.col("authority_code") == code).get_column("peer_group")
    peers = groups.filter(pl.col("peer_group").is_in(group.to_list()))
    quarters = inputs.quarters.filter(pl.col("period_end") <= inputs.end)
    own = quarters.filter(pl.col("authority_code") == code)
    # Each quarter has its own funnel, so only the year's quarters need placing.
    among = quarters.filter(
        pl.col("authority_code").is_in(peers.get_column("authority_code").to_list())
        & (pl.col("period_start") >= inputs.start)
    )
    found = [
        funnel_signals(among, peers).filter(pl.col("authority_code") == code),
        chart_signals(own),
        change_signals(own),
        inputs.record_signals.filter(pl.col("authority_code") == code),
    ]
    return pl.concat([f for f in found if f.height] or [found[-1]]).sort(
        "period_start", "signal", "severity"
    )
