"""Charts on pages: a chart from scrutiny.publish.charts with its words and figures, drawn once.

`templates/macros/charts.html` shows a ChartView as an SVG image (so it works without
JavaScript), the Vega-Lite spec for charts.mjs to make it interactive, a caption and the
figures as a table. Drawing an SVG costs tenths of a second for a funnel of 300 councils,
so a view is built once per data version and key, through the app's DataCache.
"""

from __future__ import annotations

import base64
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from scrutiny.core.formatting import cell
from scrutiny.measures.funnel_plot import FunnelPlot, denominator_words
from scrutiny.measures.trends import counts_words
from scrutiny.measures.words import POSITIONS, VARIATIONS
from scrutiny.publish.charts import (
    SPC_CAPTION,
    distribution_chart,
    figure,
    funnel_chart,
    small_multiples_chart,
    spc_alt,
    spc_chart,
    to_spec,
    to_svg,
)
from scrutiny.standard.indicators import Indicator, indicator


@dataclass(frozen=True)
class ChartView:
    """Everything the chart macro shows: ids must be unique on the page."""

    id: str
    title: str
    caption: str
    alt: str
    svg_base64: str
    spec: dict[str, Any]
    headings: list[str]
    rows: list[list[str]]


def chart_view(
    chart: Any,
    *,
    id: str,
    title: str,
    caption: str,
    alt: str,
    headings: Sequence[str],
    rows: Sequence[Sequence[object]],
) -> ChartView:
    """A ChartView of CHART (an Altair chart), with its figures as table ROWS."""
    # The description is what Vega labels its SVG with: without it the interactive chart
    # is announced as "Vega visualization" once scripts replace the image.
    spec = {**to_spec(chart), "description": alt}
    svg = to_svg(spec)
    return ChartView(
        id=id,
        title=title,
        caption=caption,
        alt=alt,
        svg_base64=base64.b64encode(svg.encode("utf-8")).decode("ascii"),
        spec=spec,
        headings=list(headings),
        rows=[[cell(value) for value in row] for row in rows],
    )


def funnel_view(plot: FunnelPlot, *, id: str, period: str) -> ChartView:
    """A funnel plot's ChartView, its table listing every council on it."""
    item = plot.indicator
    points = plot.points
    chart = funnel_chart(
        points,
        plot.curve,
        target=plot.target,
        value_title=item.unit.capitalize(),
        denominator_title=denominator_words(item),
        highlight=plot.highlight,
    )
    counts = points.get_column("flag").value_counts()
    counted = dict(zip(counts["flag"].to_list(), counts["count"].to_list(), strict=True))
    above = counted.get("high_alarm", 0)
    below = counted.get("low_alarm", 0)
    about = ""
    chosen = points.filter(pl.col("code") == (plot.highlight or ""))
    if chosen.height:
        row = chosen.row(0, named=True)
        about = f" {row['name']} is {row['position']}, at {figure(row['value'], item.unit)}."
    widened = " widened for over-dispersion" if plot.adjusted else ""
    return chart_view(
        chart,
        id=id,
        title=f"{item.name}, {period}: funnel plot",
        caption=(
            f"Each dot is a {plot.noun}: {plot.group}. The solid horizontal line is the "
            f"group's figure ({figure(plot.target, item.unit)}); the dashed curves are 95% "
            f"limits and the solid curves 99.8% limits{widened}. A {plot.noun} outside the "
            "99.8% limits differs from the group by more than chance would explain. "
            "Funnel plots show position, not rank."
        ),
        alt=(
            f"Funnel plot of {item.name.lower()} in {period} for {points.height} {plot.noun}s "
            f"({plot.group}) against {denominator_words(item).lower()}. {above} are "
            f"{POSITIONS['high_alarm']} and {below} {POSITIONS['low_alarm']}.{about}"
        ),
        headings=[
            plot.noun.capitalize(),
            item.unit.capitalize(),
            denominator_words(item),
            "Lower 99.8% limit",
            "Lower 95% limit",
            "Upper 95% limit",
            "Upper 99.8% limit",
            "Funnel position",
        ],
        rows=[
            [
                row["name"],
                figure(row["value"], item.unit),
                f"{row['denominator']:,.0f}",
                figure(row["lower_99_8"], item.unit),
                figure(row["lower_95"], item.unit),
                figure(row["upper_95"], item.unit),
                figure(row["upper_99_8"], item.unit),
                row["position"],
            ]
            for row in points.iter_rows(named=True)
        ],
    )


def distribution_view(
    values: pl.DataFrame,
    item: Indicator,
    *,
    id: str,
    period: str,
    highlight: str | None = None,
) -> ChartView | None:
    """A histogram of one indicator across councils; None when no council has a figure."""
    if values.is_empty():
        return None
    column = values.get_column("value")
    chosen = values.filter(pl.col("code") == (highlight or ""))
    about = ""
    if chosen.height:
        row = chosen.row(0, named=True)
        about = f" {row['name']}: {figure(row['value'], item.unit)} (orange line)."
    return chart_view(
        distribution_chart(values, value_title=item.unit.capitalize(), highlight=highlight),
        id=id,
        title=f"{item.name}, {period}: spread across councils",
        caption=(
            "Each bar counts the councils whose figure falls in its range; the dashed line "
            "is the median council."
            + (" The orange line marks the chosen council." if chosen.height else "")
        ),
        alt=(
            f"Histogram of {item.name.lower()} across {values.height} councils in {period}: "
            f"median {figure(column.median(), item.unit)}, the middle half between "
            f"{figure(column.quantile(0.25, 'linear'), item.unit)} and "
            f"{figure(column.quantile(0.75, 'linear'), item.unit)}, ranging from "
            f"{figure(column.min(), item.unit)} to {figure(column.max(), item.unit)}.{about}"
        ),
        headings=["Council", item.unit.capitalize(), "Numerator", "Denominator"],
        rows=[
            [
                row["name"],
                figure(row["value"], item.unit),
                f"{row['numerator']:,.0f}",
                f"{row['denominator']:,.0f}",
            ]
            for row in values.iter_rows(named=True)
        ],
    )


def spc_view(series: pl.DataFrame, item: Indicator, *, id: str, council: str) -> ChartView | None:
    """A council's quarterly SPC chart; None when it has fewer than two quarters."""
    if series.height < 2:
        return None
    return chart_view(
        spc_chart(series, value_title=item.unit.capitalize()),
        id=id,
        title=f"{item.name}: {council} quarter by quarter",
        caption=SPC_CAPTION,
        alt=spc_alt(series, item.name, item.unit, council),
        headings=[
            "Quarter",
            item.unit.capitalize(),
            "Mean",
            "Lower limit",
            "Upper limit",
            "Variation",
            "Special-cause rules",
        ],
        rows=[
            [
                row["period"],
                figure(row["value"], item.unit),
                figure(row["mean"], item.unit),
                figure(row["lower_limit"], item.unit),
                figure(row["upper_limit"], item.unit),
                VARIATIONS[row["variation"]],
                row["special_causes"] or "–",
            ]
            for row in series.iter_rows(named=True)
        ],
    )


def trends_view(
    trends: pl.DataFrame, years: list[str], sources: dict[str, str], *, id: str, council: str
) -> ChartView | None:
    """A council's trend in every indicator as small multiples, one per indicator, and as
    a table with the YEARS as columns, each figure with its counts, and each indicator's
    source (SOURCES, in words); None when it has no figure in any of the years."""
    if trends.is_empty():
        return None
    panels = trends.with_columns(
        pl.struct("name", "unit")
        .map_elements(
            lambda r: "|".join([*textwrap.wrap(r["name"], 30), f"({r['unit']})"]), pl.String
        )
        .alias("panel")
    )
    rows = []
    for code, figures in trends.group_by("indicator", maintain_order=True):
        item = indicator(str(code[0]))
        by_year = {row["period"]: row for row in figures.iter_rows(named=True)}
        cells = []
        for year in years:
            row = by_year.get(year)
            counts = counts_words(item, row["numerator"], row["denominator"]) if row else ""
            shown = figure(row["value"], item.unit) if row else "–"
            cells.append(f"{shown} ({counts})" if counts else shown)
        rows.append([f"{item.name} ({item.unit})", *cells, sources.get(item.code, "")])
    count = trends.get_column("indicator").n_unique()
    return chart_view(
        small_multiples_chart(panels),
        id=id,
        title=f"{council}: each indicator, {years[0]} to {years[-1]}",
        caption=(
            "One small chart per indicator, each on its own scale, so read the trend "
            "within a chart, not the heights across charts. A year with no dot had "
            "nothing to count. The table gives every figure with the counts behind it."
        ),
        alt=(
            f"Small multiples of {council}'s {count} indicators by financial year from "
            f"{years[0]} to {years[-1]}; every figure is in the table that follows."
        ),
        headings=["Indicator", *years, "Source"],
        rows=rows,
    )
