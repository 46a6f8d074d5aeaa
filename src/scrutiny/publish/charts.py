"""The charts, declared once as Vega-Lite (through Altair) for the web and for reports.

Each function takes plain figures (polars frames computed elsewhere) and returns an
Altair chart; nothing here reads the database or knows about web pages. `to_svg` draws a
chart as a static SVG with vl-convert, for pages without JavaScript and for PDFs;
`warm_up` starts vl-convert early, so its start overlaps the caller's reading.

Colours are GOV.UK Design System colours; no meaning is carried by colour alone (the
highlighted council is also larger and labelled, special causes also have a different
shape), and every chart is published with its figures as a table.
"""

from __future__ import annotations

import json
import threading
from datetime import date
from functools import cache, lru_cache
from typing import Any

import altair as alt
import polars as pl
import vl_convert

from scrutiny.core.formatting import share
from scrutiny.measures.spc_rules import MINIMUM_POINTS, Variation
from scrutiny.measures.words import VARIATIONS

BLUE = "#1d70b8"
BLACK = "#0b0c0c"
GREY = "#505a5f"
LIGHT_GREY = "#b1b4b6"
ORANGE = "#f47738"
WIDTH = 600
HEIGHT = 320
FONT = "arial, sans-serif"
# Making Data Count's colours: improvement blue, concern orange, common cause grey.
VARIATION_COLOURS: dict[Variation, str] = {
    "improvement": BLUE,
    "concern": ORANGE,
    "neither": "#4c2c92",
    "common_cause": LIGHT_GREY,
}
LIMIT_WORDS = {
    "upper_99_8": "99.8% limits",
    "lower_99_8": "99.8% limits",
    "upper_95": "95% limits",
    "lower_95": "95% limits",
}


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (dates as ISO strings, NaN as null)."""
    rows = frame.to_dicts()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, date):
                row[key] = value.isoformat()
            elif isinstance(value, float) and value != value:
                row[key] = None
    return rows


def _named(datasets: dict[str, list[dict[str, Any]]], name: str, rows: list[dict[str, Any]]) -> Any:
    """Data by name, kept once at the top of the spec: Altair copies a chart's data each
    time a chart is changed, which for a few hundred rows costs tenths of a second."""
    datasets[name] = rows
    return alt.NamedData(name=name)


def _configured(chart: Any, title: str | None, datasets: dict[str, list[dict[str, Any]]]) -> Any:
    """Fonts and sizes for every chart, then its data; TITLE is left off where the page
    captions the chart."""
    if title:
        chart = chart.properties(title=title)
    configured = (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=13, titleFontSize=14, labelColor=BLACK, titleColor=BLACK)
        .configure_legend(labelFontSize=13, titleFontSize=14, orient="bottom", labelLimit=400)
        .configure_title(fontSize=16, anchor="start", color=BLACK)
        .configure_view(stroke=None)
    )
    configured.datasets = datasets  # set, not .properties(): no copy of the data
    return configured


def funnel_chart(
    points: pl.DataFrame,
    curve: pl.DataFrame,
    *,
    target: float,
    title: str | None = None,
    value_title: str,
    denominator_title: str,
    highlight: str | None = None,
) -> Any:
    """A funnel plot: each council's value against its denominator, with the target and
    the 95% and 99.8% limits drawn over a grid of denominators.

    POINTS: code, name, denominator, value (and anything else to show on hover).
    CURVE: denominator, lower_95, upper_95, lower_99_8, upper_99_8.
    HIGHLIGHT: the code of a council to draw larger and label.
    """
    data: dict[str, list[dict[str, Any]]] = {}
    shown = [c for c in ("code", "name", "denominator", "value", "position") if c in points.columns]
    marked = points.select(shown).with_columns(
        (pl.col("code") == (highlight or "")).alias("highlighted")
    )
    limits = curve.unpivot(
        index="denominator", variable_name="limit", value_name="value"
    ).with_columns(
        pl.col("limit").replace_strict(LIMIT_WORDS).alias("level"),
        pl.col("limit").str.starts_with("upper").alias("upper"),
    )
    x = alt.X("denominator:Q", title=denominator_title, scale=alt.Scale(zero=True))
    y = alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False))
    lines = (
        alt.Chart(_named(data, "limits", _records(limits)))
        .mark_line(strokeWidth=1.5)
        .encode(
            x=x,
            y=y,
            detail="limit:N",
            strokeDash=alt.StrokeDash(
                "level:N",
                title="Limits",
                scale=alt.Scale(domain=["95% limits", "99.8% limits"], range=[[6, 4], [1, 0]]),
            ),
            color=alt.value(GREY),
        )
    )
    centre = (
        alt.Chart(_named(data, "target", [{"target": target}]))
        .mark_rule(color=BLACK, strokeWidth=1)
        .encode(y="target:Q")
    )
    tooltip = [
        alt.Tooltip("name:N", title="Council"),
        alt.Tooltip("value:Q", title=value_title, format=",.1f"),
        alt.Tooltip("denominator:Q", title=denominator_title, format=",.0f"),
    ]
    if "position" in points.columns:
        tooltip.append(alt.Tooltip("position:N", title="Funnel position"))
    others = (
        alt.Chart(_named(data, "councils", _records(marked.filter(~pl.col("highlighted")))))
        .mark_circle(size=45, opacity=0.75, color=BLUE)
        .encode(x=x, y=y, tooltip=tooltip)
    )
    layers: list[Any] = [lines, centre, others]
    chosen = marked.filter(pl.col("highlighted"))
    if chosen.height:
        chosen_data = _named(data, "chosen", _records(chosen))
        layers.append(
            alt.Chart(chosen_data)
            .mark_point(size=160, filled=True, shape="diamond", color=BLACK)
            .encode(x=x, y=y, tooltip=tooltip)
        )
        # Labelled on the side with room, so a council at the right edge stays readable.
        denominators = marked.get_column("denominator").to_list()
        right = chosen.get_column("denominator")[0] > 0.6 * max(denominators)
        layers.append(
            alt.Chart(chosen_data)
            .mark_text(
                align="right" if right else "left",
                dx=-9 if right else 9,
                dy=-9,
                fontSize=13,
                fontWeight="bold",
                color=BLACK,
            )
            .encode(x=x, y=y, text="name:N")
        )
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)
    return _configured(chart, title, data)


def spc_chart(series: pl.DataFrame, *, value_title: str, title: str | None = None) -> Any:
    """An XmR (SPC) chart: values over time with the mean, the process limits and each
    point coloured by its variation (common cause or special cause).

    SERIES: period_start, period, value, mean, upper_limit, lower_limit (None when too few
    points for limits), variation (improvement, concern, neither, common_cause) and
    special_causes (the rules that flag the point, as words).
    """
    data: dict[str, list[dict[str, Any]]] = {}
    points_data = _named(data, "series", _records(series))
    x = alt.X("period_start:T", title="Quarter starting", axis=alt.Axis(format="%b %Y"))
    y = alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False))
    base = alt.Chart(points_data).encode(x=x)
    line = base.mark_line(color=GREY, strokeWidth=1.5).encode(y=y)
    mean = base.mark_line(color=BLACK, strokeWidth=1).encode(y="mean:Q")
    layers: list[Any] = [line, mean]
    if series.get_column("upper_limit").is_not_null().any():
        for column in ("upper_limit", "lower_limit"):
            layers.append(
                base.mark_line(color=GREY, strokeDash=[6, 4], strokeWidth=1).encode(
                    y=alt.Y(f"{column}:Q")
                )
            )
    words = series.with_columns(pl.col("variation").replace_strict(VARIATIONS))
    present = [VARIATIONS[v] for v in VARIATION_COLOURS if v in set(series["variation"])]
    colours = {VARIATIONS[v]: c for v, c in VARIATION_COLOURS.items()}
    points = (
        alt.Chart(_named(data, "points", _records(words)))
        .mark_point(size=70, filled=True)
        .encode(
            x=x,
            y=y,
            color=alt.Color(
                "variation:N",
                title="Variation",
                scale=alt.Scale(domain=present, range=[colours[p] for p in present]),
            ),
            shape=alt.Shape(
                "variation:N",
                title="Variation",
                scale=alt.Scale(
                    domain=present,
                    range=["circle" if p == "common cause" else "diamond" for p in present],
                ),
            ),
            tooltip=[
                alt.Tooltip("period:N", title="Quarter"),
                alt.Tooltip("value:Q", title=value_title, format=",.1f"),
                alt.Tooltip("variation:N", title="Variation"),
                alt.Tooltip("special_causes:N", title="Rules"),
            ],
        )
    )
    layers.append(points)
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)
    return _configured(chart, title, data)


SPC_CAPTION = (
    "A statistical process control (XmR) chart, drawn the Making Data Count way: the solid "
    "line is the mean, the dashed lines the process limits. Diamonds in colour are an "
    f"{VARIATIONS['neither']} (blue {VARIATIONS['improvement']}, orange "
    f"{VARIATIONS['concern']}); grey circles are {VARIATIONS['common_cause']}, the usual ups "
    "and downs."
)


def figure(value: object, unit: str, numerator: object = None, denominator: object = None) -> str:
    """An indicator's value for people: rates per resident to 2 places, others to 1, and a
    percentage with its count when given: 66.7% (2 of 3)."""
    if not isinstance(value, int | float) or value != value:
        return "–"
    if unit == "percent":
        return share(value, numerator, denominator)
    places = 2 if unit.startswith("per ") else 1
    return f"{value:,.{places}f}{'%' if unit == 'percent' else ''}"


def spc_alt(series: pl.DataFrame, name: str, unit: str, place: str) -> str:
    """The alt text of PLACE's SPC chart of indicator NAME (SERIES as spc_chart takes it,
    at least one row): its span, mean, limits and the latest quarter's variation."""
    first, last = series.row(0, named=True), series.row(-1, named=True)
    special = series.filter(pl.col("variation") != "common_cause").height
    limits = (
        f"process limits {figure(last['lower_limit'], unit)} to {figure(last['upper_limit'], unit)}"
        if last["upper_limit"] is not None
        else f"too few quarters for process limits ({MINIMUM_POINTS} are needed)"
    )
    return (
        f"SPC chart of {place}'s {name.lower()} for {series.height} quarters from "
        f"{first['period']} to {last['period']}: mean {figure(last['mean'], unit)}, "
        f"{limits}. {special} quarters show an {VARIATIONS['neither']}; the latest, "
        f"{last['period']} at {figure(last['value'], unit)}, is "
        f"{VARIATIONS[last['variation']]}."
    )


def trend_chart(series: pl.DataFrame, *, value_title: str, title: str | None = None) -> Any:
    """Lines over time, one per series (a council, its peers' median, England).

    SERIES: period_start, period, series, value.
    """
    data: dict[str, list[dict[str, Any]]] = {}
    names = list(dict.fromkeys(series.get_column("series").to_list()))
    palette = [BLACK, BLUE, ORANGE, GREY][: len(names)] or [BLACK]
    dashes = [[1, 0], [6, 4], [2, 2], [8, 2]][: len(names)] or [[1, 0]]
    chart = (
        alt.Chart(_named(data, "series", _records(series)))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("period_start:T", title="Period starting", axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title=value_title, scale=alt.Scale(zero=False)),
            color=alt.Color("series:N", title=None, scale=alt.Scale(domain=names, range=palette)),
            strokeDash=alt.StrokeDash(
                "series:N", title=None, scale=alt.Scale(domain=names, range=dashes)
            ),
            tooltip=[
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("period:N", title="Period"),
                alt.Tooltip("value:Q", title=value_title, format=",.1f"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _configured(chart, title, data)


def small_multiples_chart(series: pl.DataFrame, *, columns: int = 3) -> Any:
    """Small multiples: one small line chart per indicator over the same years, each on
    its own scale, titled with the indicator's name and unit.

    SERIES: indicator, panel (the panel's title: lines joined by "|"), period (the year,
    as people write it), value.
    """
    data: dict[str, list[dict[str, Any]]] = {}
    periods = sorted(set(series.get_column("period").to_list()))
    panels = list(dict.fromkeys(series.get_column("panel").to_list()))
    chart = (
        alt.Chart(_named(data, "series", _records(series.select("panel", "period", "value"))))
        .mark_line(point=alt.OverlayMarkDef(size=40, filled=True, color=BLACK), color=BLUE)
        .encode(
            x=alt.X("period:O", title=None, sort=periods, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("value:Q", title=None, scale=alt.Scale(zero=False, nice=True)),
            tooltip=[
                alt.Tooltip("panel:N", title="Indicator"),
                alt.Tooltip("period:N", title="Year"),
                alt.Tooltip("value:Q", title="Figure", format=",.1f"),
            ],
        )
        .properties(width=170, height=90)
        .facet(
            facet=alt.Facet(
                "panel:N",
                sort=panels,
                title=None,
                header=alt.Header(labelExpr="split(datum.label, '|')", labelFontSize=12),
            ),
            columns=columns,
        )
        # The years are labelled under each column only: an axis under every panel
        # would double the time vl-convert takes to draw the chart.
        .resolve_scale(y="independent")
    )
    return _configured(chart, None, data)


def distribution_chart(
    values: pl.DataFrame,
    *,
    title: str | None = None,
    value_title: str,
    highlight: str | None = None,
    bins: int = 20,
) -> Any:
    """A histogram of one indicator across councils, with the median marked and, when
    HIGHLIGHT names a council, a line at its value.

    VALUES: code, name, value.
    """
    data: dict[str, list[dict[str, Any]]] = {}
    present = values.filter(pl.col("value").is_not_null()).select("code", "name", "value")
    x = alt.X("value:Q", bin=alt.Bin(maxbins=bins), title=value_title)
    # The bars and their tooltips read the values alone: without each council's code and
    # name, vl-convert draws the same SVG in two thirds of the time.
    bars = (
        alt.Chart(_named(data, "councils", _records(present.select("value"))))
        .mark_bar(color=BLUE, opacity=0.85)
        .encode(
            x=x,
            y=alt.Y("count():Q", title="Councils"),
            tooltip=[
                alt.Tooltip("value:Q", bin=alt.Bin(maxbins=bins), title=value_title),
                alt.Tooltip("count():Q", title="Councils"),
            ],
        )
    )
    median = present.get_column("value").median()
    layers: list[Any] = [bars]
    if median is not None:
        layers.append(
            alt.Chart(_named(data, "median", [{"value": median, "label": "Median"}]))
            .mark_rule(color=BLACK, strokeDash=[6, 4], strokeWidth=2)
            .encode(x="value:Q", tooltip=[alt.Tooltip("value:Q", title="Median", format=",.1f")])
        )
    chosen = present.filter(pl.col("code") == (highlight or ""))
    if chosen.height:
        chosen_data = _named(data, "chosen", _records(chosen))
        layers.append(
            alt.Chart(chosen_data)
            .mark_rule(color=ORANGE, strokeWidth=3)
            .encode(
                x="value:Q",
                tooltip=[
                    alt.Tooltip("name:N", title="Council"),
                    alt.Tooltip("value:Q", title=value_title, format=",.1f"),
                ],
            )
        )
        layers.append(
            alt.Chart(chosen_data)
            .mark_text(align="left", dx=5, y=8, fontSize=13, fontWeight="bold", color=BLACK)
            .encode(x="value:Q", text="name:N")
        )
    chart = alt.layer(*layers).properties(width=WIDTH, height=HEIGHT)
    return _configured(chart, title, data)


def to_spec(chart: Any) -> dict[str, Any]:
    """The chart's Vega-Lite specification (a JSON-ready dict)."""
    # Validated in the tests; against the schema here it would cost ~0.1 s a chart.
    spec: dict[str, Any] = chart.to_dict(validate=False)
    return spec


def to_svg(chart: Any) -> str:
    """The chart drawn as SVG (a chart object or its Vega-Lite dict). The same chart is
    drawn once a process: a report read as a page and then as a PDF draws nothing again."""
    spec = chart if isinstance(chart, dict) else to_spec(chart)
    try:
        text = json.dumps(spec, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError):  # not JSON as it is (a NaN): vl-convert's to judge
        return str(vl_convert.vegalite_to_svg(spec))
    return _drawn(text)


# A national overview draws twenty charts, a council's report two: room for several of each.
@lru_cache(maxsize=128)
def _drawn(spec: str) -> str:
    """The Vega-Lite SPEC (JSON text) drawn as SVG."""
    return str(vl_convert.vegalite_to_svg(spec))


# The smallest chart: drawing it starts vl-convert's JavaScript engine and loads Vega.
_FIRST_DRAWING = {
    "mark": "point",
    "data": {"values": [{"x": 0}]},
    "encoding": {"x": {"field": "x"}},
}


@cache
def warm_up() -> threading.Thread:
    """Start vl-convert on a thread of its own, once per process, and return the thread.

    A process's first drawing waits about half a second for V8 and Vega to load (later
    ones take hundredths). vl-convert lets go of the GIL while it works, so started before
    the figures are read, that wait overlaps the reading on the second core; to_svg then
    finds the engine running.
    """
    thread = threading.Thread(
        target=vl_convert.vegalite_to_svg, args=(_FIRST_DRAWING,), name="vl-convert", daemon=True
    )
    thread.start()
    return thread
