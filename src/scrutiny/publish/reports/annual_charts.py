"""The annual report's charts: each an image with alt text that says what it shows, a
caption on how to read it, and its figures as a table (the report is read on paper, by
screen readers and by people who cannot tell the colours apart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from scrutiny.measures.council_figures import spc_series
from scrutiny.measures.funnel_plot import denominator_words, funnel_plot
from scrutiny.measures.words import POSITIONS, VARIATIONS
from scrutiny.publish.charts import (
    SPC_CAPTION,
    figure,
    funnel_chart,
    spc_alt,
    spc_chart,
)
from scrutiny.publish.reports.render import svg_data_uri
from scrutiny.reference.peers import PeerMethod
from scrutiny.standard.indicators import indicator

# The chart every council is asked about first: responding within the Code's timescale.
CHARTED = "stage1_on_time"


@dataclass(frozen=True)
class ChartFigure:
    """A chart as the report shows it: the image, its words and its figures."""

    id: str
    title: str
    caption: str
    alt: str
    src: str  # a data: URI of the SVG
    headings: list[str]
    rows: list[list[str]]


def funnel_figure(
    rows: pl.DataFrame, code: str, name: str, start: date, year: str, peers: PeerMethod = "type"
) -> ChartFigure | None:
    """The council on its peers' funnel for the year; None when there is no funnel."""
    plot = funnel_plot(rows, CHARTED, start, highlight=code, peers=peers)
    if plot is None or plot.points.filter(pl.col("code") == code).is_empty():
        return None
    item = plot.indicator
    points = plot.points
    own = points.filter(pl.col("code") == code).row(0, named=True)
    chart = funnel_chart(
        points,
        plot.curve,
        target=plot.target,
        value_title=item.unit.capitalize(),
        denominator_title=denominator_words(item),
        highlight=code,
    )
    flags = points.get_column("flag").to_list()
    bands = [(words, flags.count(flag)) for flag, words in POSITIONS.items()]
    widened = " widened for over-dispersion" if plot.adjusted else ""
    return ChartFigure(
        id="chart-funnel",
        src=svg_data_uri(chart),
        title=f"{item.name}, {year}: {name} among its peers",
        caption=(
            f"Each dot is a council ({plot.group}); {name} is the black diamond. The "
            f"horizontal line is the group's figure ({figure(plot.target, item.unit)}); the "
            f"dashed curves are 95% limits and the solid curves 99.8% limits{widened}. "
            "Outside the 99.8% limits a council differs from its peers by more than chance "
            "would explain. A funnel shows position, not rank."
        ),
        alt=(
            f"Funnel plot of {item.name.lower()} in {year} for {points.height} councils. "
            f"{name} answered {own['denominator']:,.0f} stage 1 complaints, "
            f"{figure(own['value'], item.unit)} on time, against the group's "
            f"{figure(plot.target, item.unit)}: {own['position']}. "
            + "; ".join(f"{count} councils {words}" for words, count in bands if count)
            + "."
        ),
        headings=["Funnel position", "Councils"],
        rows=[[words.capitalize(), f"{count:,}"] for words, count in bands]
        + [
            [f"{name}: value", figure(own["value"], item.unit)],
            [f"{name}: {denominator_words(item).lower()}", f"{own['denominator']:,.0f}"],
            [
                f"{name}: 95% limits",
                f"{figure(own['lower_95'], item.unit)} to {figure(own['upper_95'], item.unit)}",
            ],
            [
                f"{name}: 99.8% limits",
                f"{figure(own['lower_99_8'], item.unit)} to {figure(own['upper_99_8'], item.unit)}",
            ],
            ["Group's figure", figure(plot.target, item.unit)],
        ],
    )


def spc_figure(quarters: pl.DataFrame, code: str, name: str, end: date) -> ChartFigure | None:
    """The council's quarters up to the year's end on an XmR chart; None for fewer than two."""
    item = indicator(CHARTED)
    series = spc_series(quarters.filter(pl.col("period_end") <= end), code, item.code)
    if series.height < 2:
        return None
    return ChartFigure(
        id="chart-spc",
        src=svg_data_uri(spc_chart(series, value_title=item.unit.capitalize())),
        title=f"{item.name}: {name} quarter by quarter",
        caption=SPC_CAPTION,
        alt=spc_alt(series, item.name, item.unit, name),
        headings=["Quarter", "On time", "Answered", "Value", "Mean", "Limits", "Variation"],
        rows=[
            [
                row["period"],
                f"{row['numerator']:,.0f}",
                f"{row['denominator']:,.0f}",
                figure(row["value"], item.unit),
                figure(row["mean"], item.unit),
                f"{figure(row['lower_limit'], item.unit)} to "
                f"{figure(row['upper_limit'], item.unit)}",
                VARIATIONS[row["variation"]],
            ]
            for row in series.iter_rows(named=True)
        ],
    )
