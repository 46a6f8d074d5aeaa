"""One council's figures for its public page: benchmarks, quarterly SPC, Ombudsman
decisions and service improvements.

Benchmarks and SPC read an indicator frame (scrutiny.measures.indicators.compute_indicators) that
the caller may have cached; decisions and service improvements read the store for one
council, through its authority index.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Engine, and_, case, func, select

from scrutiny.core.periods import quarter_label
from scrutiny.measures.benchmarking import BENCHMARK_SCHEMA, place_among_peers
from scrutiny.measures.headlines import periods_with_data
from scrutiny.measures.sources import source_label
from scrutiny.measures.spc import SeriesError, xmr_chart
from scrutiny.measures.spc_rules import Direction
from scrutiny.measures.words import RULES
from scrutiny.reference.peers import DEFAULT_K, PeerMethod, peer_group
from scrutiny.standard import load_standard
from scrutiny.standard.indicators import indicator, load_indicators
from scrutiny.store.db import DATA_TABLES, submissions
from scrutiny.store.read import read_frame

IMPROVEMENT: dict[str, Direction] = {
    "higher_better": "up",
    "lower_better": "down",
    "neither": "neither",
}
AREA_SCHEMA = {
    "ombudsman": pl.String,
    "service_area": pl.String,
    "label": pl.String,
    "data_source": pl.String,
    "source": pl.String,
    "decisions": pl.Int64,
    "investigated": pl.Int64,
    "upheld": pl.Int64,
    "uphold_rate": pl.Float64,
}
DECISION_COLUMNS = (
    "ombudsman",
    "decision_ref",
    "finding_element",
    "decision_date",
    "category",
    "subcategory",
    "outcome",
    "housing_ombudsman_finding",
)


def council_benchmark_from(
    rows: pl.DataFrame, code: str, start: date, peers: PeerMethod = "type", k: int = DEFAULT_K
) -> pl.DataFrame:
    """scrutiny.measures.benchmarking.council_benchmark over an indicator frame already computed:
    every indicator for council CODE in the period starting START, among its PEERS."""
    period = rows.filter(pl.col("period_start") == start)
    group = peer_group(code, peers, k=k)
    placed = [
        place_among_peers(item, group, period.filter(pl.col("indicator") == item.code))
        for item in load_indicators()
    ]
    return pl.DataFrame([p for p in placed if p], schema=BENCHMARK_SCHEMA, orient="row")


def spc_series(quarters: pl.DataFrame, code: str, indicator_code: str) -> pl.DataFrame:
    """Council CODE's quarterly INDICATOR_CODE as an XmR chart, one row per quarter up to
    the latest quarter with complaints received: the value, the mean and process limits,
    the point's variation and the special-cause rules that flag it.

    Quarters without a figure (nothing to divide by) are left out. Empty when there are
    fewer than two quarters.
    """
    item = indicator(indicator_code)
    periods = periods_with_data(quarters)
    until = periods[0] if periods else date.min
    series = quarters.filter(
        (pl.col("authority_code") == code)
        & (pl.col("indicator") == item.code)
        & (pl.col("period_start") <= until)
        & pl.col("value").is_not_null()
    ).sort("period_start")
    columns = ["period_start", "period", "numerator", "denominator", "value"]
    if series.height < 2:
        return pl.DataFrame(schema={**series.select(columns[0], *columns[2:]).schema})
    try:
        chart = xmr_chart(
            series.get_column("value").to_numpy(),
            improvement=IMPROVEMENT[item.direction],
            bounds=item.bounds,
        )
    except SeriesError:
        return pl.DataFrame()
    segment = chart.latest
    causes = chart.special_causes()
    return series.select(
        "period_start",
        pl.col("period_start").map_elements(quarter_label, return_dtype=pl.String).alias("period"),
        "numerator",
        "denominator",
        "value",
    ).with_columns(
        pl.lit(segment.mean).alias("mean"),
        pl.lit(segment.upper_limit, dtype=pl.Float64).alias("upper_limit"),
        pl.lit(segment.lower_limit, dtype=pl.Float64).alias("lower_limit"),
        pl.Series("variation", [v or "common_cause" for v in chart.point_variations()]),
        pl.Series("special_causes", ["; ".join(RULES[r] for r in rules) for rules in causes]),
    )


def ombudsman_decisions(engine: Engine, code: str | None = None) -> pl.DataFrame:
    """Ombudsman decisions (and Housing Ombudsman findings) about council CODE, or about
    every council, newest first, each with the data_source of the submission it came in
    (synthetic in the demo, except the real Housing Ombudsman findings)."""
    table = DATA_TABLES["ombudsman_decisions"]
    query = select(
        table.c.authority_code,
        *(table.c[name] for name in DECISION_COLUMNS),
        submissions.c.data_source,
    ).join_from(table, submissions, table.c.submission_id == submissions.c.id, isouter=True)
    if code is not None:
        query = query.where(table.c.authority_code == code)
    order = (table.c.decision_date.desc(), table.c.decision_ref, table.c.finding_element)
    return read_frame(engine, query.order_by(*order))


def decision_summary(decisions: pl.DataFrame) -> pl.DataFrame:
    """How many decisions (findings, for the Housing Ombudsman) each Ombudsman reached,
    by outcome and data_source, with the source in words."""
    return (
        decisions.group_by("ombudsman", "outcome", "data_source")
        .agg(pl.len().cast(pl.Int64).alias("decisions"))
        .with_columns(
            pl.col("data_source").map_elements(source_label, return_dtype=pl.String).alias("source")
        )
        .sort("ombudsman", "outcome", "data_source")
    )


def decisions_by_service_area(decisions: pl.DataFrame) -> pl.DataFrame:
    """How many decisions (findings, for the Housing Ombudsman) each Ombudsman reached in
    each service area, from each data_source (DECISIONS as ombudsman_decisions reads them):
    how many it investigated (upheld or not upheld) and upheld, and the uphold rate, upheld
    as a percentage of investigated (None when none were), with the area's label and the
    source in words; the busiest areas first."""
    if decisions.is_empty():
        return pl.DataFrame(schema=AREA_SCHEMA)
    upheld = pl.col("outcome") == "upheld"
    labels = {c.code: c.label for c in load_standard().code_lists["service_area"].codes}
    area = pl.col("category").alias("service_area")
    counted = decisions.group_by("ombudsman", "data_source", area).agg(
        pl.len().alias("decisions"),
        pl.col("outcome").is_in(["upheld", "not_upheld"]).sum().alias("investigated"),
        upheld.sum().alias("upheld"),
    )
    return (
        counted.with_columns(
            pl.col("service_area")
            .replace_strict(labels, default=pl.col("service_area"), return_dtype=pl.String)
            .alias("label"),
            pl.col("data_source")
            .map_elements(source_label, return_dtype=pl.String)
            .alias("source"),
            pl.when(pl.col("investigated") > 0)
            .then(pl.col("upheld") / pl.col("investigated") * 100)
            .otherwise(None)
            .alias("uphold_rate"),
        )
        .sort(["decisions", "ombudsman", "label"], descending=[True, False, False])
        .select(list(AREA_SCHEMA))
        .cast(AREA_SCHEMA)  # type: ignore[arg-type]
    )


def service_improvements(
    engine: Engine, start: date, end: date, code: str | None = None
) -> pl.DataFrame:
    """Complaints answered between START and END and how many led to a service
    improvement, per council and service area (case-level and aggregate returns together);
    only council CODE's when given."""
    complaints = DATA_TABLES["complaints"]
    improved = case((complaints.c.service_improvement.is_(True), 1), else_=0)
    cases = select(
        complaints.c.authority_code,
        complaints.c.service_area,
        func.count().label("answered"),
        func.sum(improved).label("improvements"),
    ).where(complaints.c.responded_date.between(start, end))
    returns = DATA_TABLES["aggregate_returns"]
    totals = select(
        returns.c.authority_code,
        returns.c.service_area,
        func.sum(returns.c.responded).label("answered"),
        func.sum(func.coalesce(returns.c.service_improvements, 0)).label("improvements"),
    ).where(
        returns.c.service_area.is_not(None),
        and_(returns.c.period_start >= start, returns.c.period_end <= end),
    )
    if code is not None:
        cases = cases.where(complaints.c.authority_code == code)
        totals = totals.where(returns.c.authority_code == code)
    keys = ("authority_code", "service_area")
    frames = [
        read_frame(engine, query.group_by(*(table.c[k] for k in keys))).select(
            *(pl.col(k).cast(pl.String) for k in keys),
            pl.col("answered").cast(pl.Int64),
            pl.col("improvements").cast(pl.Int64),
        )
        for query, table in ((cases, complaints), (totals, returns))
    ]
    labels = {c.code: c.label for c in load_standard().code_lists["service_area"].codes}
    return (
        pl.concat(frames)
        .group_by(*keys)
        .agg(pl.col("answered").sum(), pl.col("improvements").sum())
        .with_columns(
            pl.col("service_area")
            .replace_strict(labels, default=pl.col("service_area"), return_dtype=pl.String)
            .alias("label")
        )
        .select(*keys, "label", "answered", "improvements")
        .sort("authority_code", "label")
    )
