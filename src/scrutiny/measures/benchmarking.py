"""Benchmarking: each council's indicators against a named peer group, on a funnel plot.

No league tables: a council is never ranked. It is placed on a funnel plot of its peers,
with over-dispersion allowed for (Spiegelhalter 2005, as FunnelPlotR does it), and its
flag (high or low, alert or alarm, or within) is read against the indicator's direction, in
the words of scrutiny.measures.words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import parse_period
from scrutiny.measures.funnel import Funnel, FunnelError, FunnelKind, compare
from scrutiny.measures.indicators import RESULT_SCHEMA, compute_indicators
from scrutiny.measures.words import position
from scrutiny.reference.peers import DEFAULT_K, PeerGroup, PeerMethod, peer_group
from scrutiny.standard.indicators import (
    Indicator,
    IndicatorKind,
    indicator,
    load_indicators,
)

OVERDISPERSION: Literal["additive"] = "additive"
# The indicators that go on a funnel plot, and how: a rate (per population) as a ratio.
FUNNEL_KINDS: dict[IndicatorKind, FunnelKind] = {"proportion": "proportion", "rate": "ratio"}
BENCHMARK_SCHEMA = {
    **RESULT_SCHEMA,
    "peer_group": pl.String,
    "peers": pl.Int64,
    "peer_median": pl.Float64,
    "target": pl.Float64,
    "lower_95": pl.Float64,
    "upper_95": pl.Float64,
    "lower_99_8": pl.Float64,
    "upper_99_8": pl.Float64,
    "flag": pl.String,
    "reading": pl.String,
}


def _period_rows(engine: Engine, period: str) -> tuple[pl.DataFrame, date]:
    grain, start, _ = parse_period(period)
    rows = compute_indicators(engine, grain).filter(pl.col("period_start") == start)
    return rows, start


def peer_funnel(members: pl.DataFrame, kind: FunnelKind) -> Funnel | None:
    """The funnel of MEMBERS (authority_code, numerator, denominator) for a proportion or
    ratio indicator, as scrutiny draws it everywhere; None when it cannot be drawn."""
    target = None
    if kind == "ratio":  # a count per population: compared with the group's pooled rate
        target = float(members["numerator"].sum()) / float(members["denominator"].sum())
    try:
        return compare(
            members["numerator"].to_numpy(),
            members["denominator"].to_numpy(),
            kind=kind,
            overdispersion=OVERDISPERSION,
            target=target,
            # For counts, the square-root (CQC) scale copes with councils that have none,
            # where the log scale's z-scores would be infinite.
            scale="sqrt" if kind == "ratio" else None,
            ids=members["authority_code"].to_list(),
        )
    except FunnelError:
        return None


def place_among_peers(item: Indicator, group: PeerGroup, rows: pl.DataFrame) -> dict[str, object]:
    """One council's row of an indicator placed on the funnel of its peer group."""
    members = rows.filter(
        pl.col("authority_code").is_in([group.authority_code, *group.codes])
        & (pl.col("denominator") > 0)
    )
    own = rows.filter(pl.col("authority_code") == group.authority_code)
    if own.is_empty():
        return {}
    result = own.row(0, named=True) | {
        "peer_group": group.name,
        "peers": len(group.codes),
        "peer_median": members.filter(pl.col("authority_code") != group.authority_code)
        .get_column("value")
        .median(),
    }
    kind = FUNNEL_KINDS.get(item.kind)
    if kind is None or members.height < 3 or result["denominator"] == 0:
        return result | {"flag": None, "reading": position(None)}
    funnel = peer_funnel(members, kind)
    if funnel is None:
        return result | {"flag": None, "reading": position(None)}
    where = funnel.ids.index(group.authority_code)
    scale = item.multiplier
    limits = funnel.limits
    flag = funnel.flags[where]
    return result | {
        "target": funnel.target * scale,
        "lower_95": float(limits.lower_95[where]) * scale,
        "upper_95": float(limits.upper_95[where]) * scale,
        "lower_99_8": float(limits.lower_99_8[where]) * scale,
        "upper_99_8": float(limits.upper_99_8[where]) * scale,
        "flag": flag,
        "reading": position(flag, item.direction),
    }


def council_benchmark(
    engine: Engine,
    code: str,
    period: str,
    peers: PeerMethod = "type",
    k: int = DEFAULT_K,
    codes: Sequence[str] | None = None,
) -> pl.DataFrame:
    """Every indicator for council CODE in PERIOD, placed among its peers.

    PEERS is type, region, nearest, or custom with the peers' CODES (a licensed CIPFA
    list, say).
    """
    rows, _ = _period_rows(engine, period)
    group = peer_group(code, peers, k=k, codes=codes)
    placed = [
        place_among_peers(item, group, rows.filter(pl.col("indicator") == item.code))
        for item in load_indicators()
    ]
    return pl.DataFrame([p for p in placed if p], schema=BENCHMARK_SCHEMA, orient="row")


def indicator_benchmark(
    engine: Engine, code: str, period: str, peers: PeerMethod = "type", k: int = DEFAULT_K
) -> pl.DataFrame:
    """One indicator for every council in PERIOD, each placed among its own peers."""
    item = indicator(code)
    rows, _ = _period_rows(engine, period)
    rows = rows.filter(pl.col("indicator") == item.code)
    placed = [
        place_among_peers(item, peer_group(council, peers, k=k), rows)
        for council in rows.get_column("authority_code").to_list()
    ]
    return pl.DataFrame([p for p in placed if p], schema=BENCHMARK_SCHEMA, orient="row")
