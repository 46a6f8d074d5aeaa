"""An indicator's funnel plot over a group of councils, ready to draw and to tabulate.

The funnel is made exactly as scrutiny.measures.benchmarking places a council among its peers (the
same kind, over-dispersion, scale and target), so a council highlighted on the plot of its
own peer group sits where its benchmark says. The limits are also evaluated over a grid of
denominators, so the funnel can be drawn as curves rather than only at the councils.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from scrutiny.measures.benchmarking import FUNNEL_KINDS, peer_funnel
from scrutiny.measures.funnel import Funnel
from scrutiny.measures.headlines import council_names
from scrutiny.measures.words import position
from scrutiny.reference.peers import DEFAULT_K, PeerMethod, peer_group
from scrutiny.standard import load_standard
from scrutiny.standard.indicators import Indicator, indicator

GRID_POINTS = 120


@dataclass(frozen=True)
class FunnelPlot:
    """Councils on one funnel: the points, the limit curves and the centre line."""

    indicator: Indicator
    group: str  # who is on it, in words
    highlight: str | None
    target: float  # in the indicator's unit
    adjusted: bool  # limits widened for over-dispersion
    points: pl.DataFrame  # code, name, numerator, denominator, value, limits, flag, position
    curve: pl.DataFrame  # denominator, lower_95, upper_95, lower_99_8, upper_99_8
    noun: str = "council"  # what each point is


def denominator_words(item: Indicator) -> str:
    """What an indicator's denominator counts, for an axis title."""
    if item.denominator == "population":
        return "Residents (Census 2021)"
    assert isinstance(item.denominator, dict)
    kind, names = next(iter(item.denominator.items()))
    if kind == "tsm":  # a field of the landlord measures: its title says what it counts
        title = load_standard().tables["housing_landlord_measures"].field(str(names)).title
        return f"{title} (RSH)"
    listed = " or ".join(
        str(n).replace("_", " ") for n in (names if isinstance(names, list) else [names])
    )
    stage = f"stage {item.denominator['stage']} complaints " if "stage" in item.denominator else ""
    noun = {"count": "", "decisions": "Ombudsman decisions ", "recommendations": "recommendations "}
    return f"{stage}{noun.get(kind, '')}{listed}".strip().capitalize()


def funnel_plot(
    rows: pl.DataFrame,
    indicator_code: str,
    start: date,
    *,
    highlight: str | None = None,
    peers: PeerMethod = "type",
    k: int = DEFAULT_K,
) -> FunnelPlot | None:
    """INDICATOR_CODE's funnel for the period starting START, over ROWS (an indicator frame).

    With HIGHLIGHT, the council and its PEERS group (type, region or nearest); without,
    every council with a figure. None when the indicator is not a proportion or rate, or
    fewer than three councils have a figure.
    """
    item = indicator(indicator_code)
    kind = FUNNEL_KINDS.get(item.kind)
    if kind is None:
        return None
    period = rows.filter(
        (pl.col("indicator") == item.code)
        & (pl.col("period_start") == start)
        & (pl.col("denominator") > 0)
    )
    group = "every council with a figure"
    if highlight:
        chosen = peer_group(highlight, peers, k=k)
        period = period.filter(pl.col("authority_code").is_in([highlight, *chosen.codes]))
        group = f"{chosen.name}, with the council itself"
    if period.height < 3:
        return None
    funnel = peer_funnel(period, kind)
    if funnel is None:
        return None
    return FunnelPlot(
        indicator=item,
        group=group,
        highlight=highlight,
        target=funnel.target * item.multiplier,
        adjusted=funnel.adjusted,
        points=points_of(funnel, item, council_names().rename({"authority_code": "code"})),
        curve=curve_of(funnel, item),
    )


def points_of(funnel: Funnel, item: Indicator, names: pl.DataFrame) -> pl.DataFrame:
    """FUNNEL's points for ITEM, named from NAMES (code, name), in name order."""
    limits = funnel.limits
    return (
        pl.DataFrame(
            {
                "code": funnel.ids,
                "numerator": funnel.numerator,
                "denominator": funnel.denominator,
                "value": funnel.value * item.multiplier,
                "lower_95": limits.lower_95 * item.multiplier,
                "upper_95": limits.upper_95 * item.multiplier,
                "lower_99_8": limits.lower_99_8 * item.multiplier,
                "upper_99_8": limits.upper_99_8 * item.multiplier,
                "flag": funnel.flags,
            }
        )
        .join(names.unique("code"), on="code", how="left")
        .with_columns(
            pl.coalesce("name", "code").alias("name"),
            pl.col("flag")
            .map_elements(lambda flag: position(flag, item.direction), return_dtype=pl.String)
            .alias("position"),
        )
        .sort("name")
    )


def curve_of(funnel: Funnel, item: Indicator) -> pl.DataFrame:
    """The limits over a grid from the smallest to the largest denominator (whole numbers,
    which exact limits need), spaced evenly on a log scale where the funnel bends most."""
    low, high = float(funnel.denominator.min()), float(funnel.denominator.max())
    grid = np.unique(np.round(np.geomspace(max(low, 1.0), max(high, 2.0), GRID_POINTS)))
    limits = funnel.limits_at(grid)
    return pl.DataFrame(
        {
            "denominator": grid,
            "lower_95": limits.lower_95 * item.multiplier,
            "upper_95": limits.upper_95 * item.multiplier,
            "lower_99_8": limits.lower_99_8 * item.multiplier,
            "upper_99_8": limits.upper_99_8 * item.multiplier,
        }
    )
