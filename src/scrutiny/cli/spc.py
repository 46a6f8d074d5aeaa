"""The spc command: an XmR chart of one column of a CSV file, Making Data Count style."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from scrutiny.cli.base import app, fail
from scrutiny.measures.spc_rules import RULE_LENGTH

if TYPE_CHECKING:
    from scrutiny.measures.spc import Chart


@app.command("spc")
def spc_command(
    file: Annotated[Path, typer.Argument(help="A CSV file, one row per period, oldest first.")],
    value: Annotated[str, typer.Option("--value", help="The column to chart.")],
    rule_length: Annotated[
        int,
        typer.Option(help="Points in a shift or trend: 6 (Making Data Count) or 7 (plotthedots)."),
    ] = RULE_LENGTH,
    screen_outliers: Annotated[
        bool, typer.Option(help="Drop moving ranges of 3.267 × AMR or more before the limits.")
    ] = False,
    improvement: Annotated[
        str, typer.Option(help="Which way is better: up, down or neither.")
    ] = "neither",
    target: Annotated[float | None, typer.Option(help="A target, for the assurance icon.")] = None,
    baseline: Annotated[
        int | None, typer.Option(help="Fix the limits on the first N points.")
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text, or json.")] = "text",
) -> None:
    """Chart a measure over time: mean, process limits, special causes and the two icons.

    Rows are periods in time order with no gaps. Fewer than 13 points gives the mean only.

    Example: scrutiny spc quarters.csv --value upheld_rate --improvement down --format json
    """
    if output_format not in ("text", "json"):
        fail("--format must be text or json", code=2)
    if rule_length not in (6, 7):
        fail("--rule-length must be 6 or 7", code=2)
    if improvement not in ("up", "down", "neither"):
        fail("--improvement must be up, down or neither", code=2)
    from scrutiny.measures.spc import read_values, xmr_chart  # numpy: only when charting

    chart = xmr_chart(
        read_values(file, value),
        improvement=improvement,  # type: ignore[arg-type]  # checked above
        target=target,
        rule_length=rule_length,
        screen_outliers=screen_outliers,
        baseline=baseline,
    )
    if output_format == "json":
        typer.echo(json.dumps(chart_json(chart), indent=2))
    else:
        typer.echo(chart_text(chart, value))


def chart_json(chart: Chart) -> dict[str, Any]:
    """The chart as one JSON-ready object: lines, icons and each point's special causes."""
    return {
        "mean": chart.mean,
        "upper_limit": chart.upper_limit,
        "lower_limit": chart.lower_limit,
        "upper_2sigma": chart.upper_2sigma,
        "lower_2sigma": chart.lower_2sigma,
        "too_few_points": chart.too_few_points,
        "variation": chart.variation,
        "variation_side": chart.variation_side,
        "assurance": chart.assurance,
        "points": [
            {"value": float(value), "special_causes": causes, "variation": variation}
            for value, causes, variation in zip(
                chart.values, chart.special_causes(), chart.point_variations(), strict=True
            )
        ],
    }


def chart_text(chart: Chart, column: str) -> str:
    """The chart as a few lines of text: the lines, the icons and the flagged points."""
    lines = [f"{column}: {chart.values.size} points, mean {chart.mean:.4g}"]
    if chart.too_few_points:
        lines.append("too few points for process limits and icons (13 needed)")
        return "\n".join(lines)
    lines.append(
        f"process limits {chart.lower_limit:.4g} to {chart.upper_limit:.4g}, "
        f"two-sigma lines {chart.lower_2sigma:.4g} to {chart.upper_2sigma:.4g}"
    )
    side = f" ({chart.variation_side})" if chart.variation_side else ""
    lines.append(f"variation: {chart.variation}{side}; assurance: {chart.assurance or 'none'}")
    flagged = [
        f"  row {index + 2}: {value:g} {', '.join(causes)}"
        for index, (value, causes) in enumerate(
            zip(chart.values, chart.special_causes(), strict=True)
        )
        if causes
    ]
    lines.append(f"special causes at {len(flagged)} points" + (":" if flagged else ""))
    return "\n".join(lines + flagged)
