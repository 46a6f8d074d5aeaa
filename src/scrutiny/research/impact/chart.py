"""The event-study chart: each period's estimate with its 95% interval, around compliance."""

from __future__ import annotations

from typing import Any

import altair as alt
import polars as pl

from scrutiny.publish.charts import BLACK, BLUE, FONT, GREY, HEIGHT, ORANGE, WIDTH

ESTIMATOR_WORDS = {
    "stacked": "Stacked comparison (headline)",
    "twfe": "Two-way fixed effects (check)",
}


def event_study_chart(coefficients: pl.DataFrame, *, value_title: str, period_word: str) -> Any:
    """Points and 95% interval bars by event time, one colour and shape per estimator.

    COEFFICIENTS: estimator, event_time, estimate, ci_low, ci_high. A dashed rule marks
    zero (no difference) and a vertical rule the period compliance falls in.
    """
    rows = coefficients.with_columns(
        pl.col("estimator").replace_strict(ESTIMATOR_WORDS, default=pl.col("estimator")),
        # Side by side, so the two estimators' intervals do not hide each other.
        (
            pl.col("event_time")
            + pl.when(pl.col("estimator") == "twfe").then(0.15).otherwise(-0.15)
        ).alias("x"),
    ).to_dicts()
    names = [ESTIMATOR_WORDS[e] for e in ESTIMATOR_WORDS if e in set(coefficients["estimator"])]
    colour = alt.Color(
        "estimator:N", title=None, scale=alt.Scale(domain=names, range=[BLUE, ORANGE])
    )
    x = alt.X(
        "x:Q",
        title=f"{period_word.capitalize()}s since compliance (0 = the {period_word} it falls in)",
        axis=alt.Axis(tickMinStep=1, format="d"),
    )
    base = alt.Chart(_data(rows))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=x, y=alt.Y("ci_low:Q", title=value_title), y2="ci_high:Q", color=colour
    )
    points = base.mark_point(filled=True, size=70).encode(
        x=x,
        y="estimate:Q",
        color=colour,
        shape=alt.Shape("estimator:N", title=None, scale=alt.Scale(domain=names)),
        tooltip=[
            alt.Tooltip("estimator:N", title="Estimator"),
            alt.Tooltip("event_time:Q", title=f"{period_word.capitalize()}s since compliance"),
            alt.Tooltip("estimate:Q", title="Difference", format=",.2f"),
            alt.Tooltip("ci_low:Q", title="95% interval from", format=",.2f"),
            alt.Tooltip("ci_high:Q", title="95% interval to", format=",.2f"),
        ],
    )
    zero = alt.Chart(_data([{"y": 0}])).mark_rule(color=GREY, strokeDash=[6, 4]).encode(y="y:Q")
    onset = alt.Chart(_data([{"x": -0.5}])).mark_rule(color=BLACK, strokeWidth=1).encode(x="x:Q")
    return (
        alt.layer(zero, onset, bars, points)
        .properties(width=WIDTH, height=HEIGHT)
        .configure(font=FONT)
        .configure_axis(labelFontSize=13, titleFontSize=14, labelColor=BLACK, titleColor=BLACK)
        .configure_legend(labelFontSize=13, orient="bottom", labelLimit=400)
        .configure_view(stroke=None)
    )


def _data(values: list[dict[str, Any]]) -> alt.Data:
    """Inline rows for a chart (Altair's Data is untyped)."""
    return alt.Data(values=values)  # type: ignore[no-untyped-call]
