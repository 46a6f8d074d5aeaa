"""The funnel command: councils compared with a target on a funnel plot, from a CSV file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.base import app, fail

if TYPE_CHECKING:  # the funnel module loads SciPy: it is imported when the command runs
    from scrutiny.measures.funnel import Funnel

METHOD_NAMES = {
    ("proportion", "exact"): "exact binomial limits (Spiegelhalter's interpolation)",
    ("proportion", "normal"): "normal approximation limits",
    ("proportion", "wilson"): "Wilson score limits (OHID)",
    ("ratio", "exact"): "exact Poisson limits (Spiegelhalter's interpolation)",
    ("ratio", "chisq"): "chi-square Poisson limits (FunnelPlotR)",
    ("ratio", "byar"): "exact and Byar's limits (OHID)",
    ("ratio", "normal"): "normal approximation limits",
}


@app.command("funnel")
def funnel_command(
    file: Annotated[Path, typer.Argument(help="A CSV file, one row per council.")],
    id_column: Annotated[str, typer.Option("--id", help="The column naming each council.")],
    numerator: Annotated[
        str, typer.Option(help="The column of events; for a ratio, the observed count.")
    ],
    denominator: Annotated[
        str, typer.Option(help="The column of totals; for a ratio, the expected count.")
    ],
    kind: Annotated[str, typer.Option(help="proportion, or ratio (also rates with --target).")],
    method: Annotated[
        str,
        typer.Option(
            help="Limits: exact (default), normal or wilson for proportions; "
            "exact, chisq, byar or normal for ratios."
        ),
    ] = "exact",
    overdispersion: Annotated[
        str,
        typer.Option(help="none, multiplicative or additive: widen the limits when phi > 1."),
    ] = "none",
    trim: Annotated[
        float, typer.Option(help="Share of z-scores winsorised or truncated at each end.")
    ] = 0.1,
    target: Annotated[
        float | None,
        typer.Option(help="The target: default the pooled proportion, or 1 for a ratio."),
    ] = None,
    scale: Annotated[
        str | None,
        typer.Option(help="For ratios: log (SHMI, the default) or sqrt (CQC), for phi."),
    ] = None,
    output_format: Annotated[str, typer.Option("--format", help="text, or json.")] = "text",
) -> None:
    """Compare councils with a target on a funnel plot and flag those outside the limits.

    Each row gets 95% and 99.8% limits at its own denominator, and a flag.
    Flags: high_alarm, high_alert, within, low_alert or low_alarm; on a limit is inside.

    Example: scrutiny funnel s1.csv --id code --numerator on_time --denominator n --kind proportion
    """
    if output_format not in ("text", "json"):
        fail("--format must be text or json", code=2)
    from scrutiny.measures.funnel import FunnelError, compare
    from scrutiny.measures.funnel.table import read_units

    try:
        units = read_units(file, id_column, numerator, denominator)
        funnel = compare(
            units.numerator,
            units.denominator,
            kind=kind,  # type: ignore[arg-type]  # compare checks it
            method=method,
            overdispersion=overdispersion,  # type: ignore[arg-type]
            target=target,
            scale=scale,  # type: ignore[arg-type]
            trim=trim,
            ids=units.ids,
        )
    except FunnelError as error:
        message = str(error)
        fail(message if message.startswith(str(file)) else f"{file}: {message}", code=2)
        return
    if output_format == "json":
        typer.echo(json.dumps(funnel.to_dict(), indent=2))
    else:
        typer.echo(funnel_text(funnel, f"{numerator} / {denominator}"))


def funnel_text(funnel: Funnel, measure: str) -> str:
    """The funnel as readable lines: the set-up, over-dispersion, then a row per council."""
    from scrutiny.measures.words import POSITIONS  # loads SciPy, like the funnel module

    method = METHOD_NAMES[(funnel.kind, funnel.method)]
    lines = [
        f"{measure}: {len(funnel.ids)} councils, {funnel.kind}s, {method}",
        f"target {funnel.target:.4g}; " + _dispersion_text(funnel),
    ]
    width = max(len("id"), *(len(unit) for unit in funnel.ids))
    lines.append(f"{'id':<{width}}  {'value':>8}  {'95% limits':>19}  {'99.8% limits':>19}  flag")
    limits = funnel.limits
    for i, unit in enumerate(funnel.ids):
        lines.append(
            f"{unit:<{width}}  {funnel.value[i]:>8.4f}  "
            f"{limits.lower_95[i]:>8.4f} to {limits.upper_95[i]:<7.4f}  "
            f"{limits.lower_99_8[i]:>8.4f} to {limits.upper_99_8[i]:<7.4f}  {funnel.flags[i]} "
            f"({POSITIONS[funnel.flags[i]]})"
        )
    alarms = sum(flag.endswith("alarm") for flag in funnel.flags)
    alerts = sum(flag.endswith("alert") for flag in funnel.flags)
    lines.append(
        f"{POSITIONS['high_alarm']} or {POSITIONS['low_alarm']} (outside 99.8%): {alarms}; "
        f"{POSITIONS['high_alert']} or {POSITIONS['low_alert']} (outside 95% only): {alerts}"
    )
    return "\n".join(lines)


def _dispersion_text(funnel: Funnel) -> str:
    if funnel.phi is None:
        return "over-dispersion cannot be estimated"
    text = f"phi {funnel.phi:.4g}, tau² {funnel.tau2:.4g}; "
    if funnel.adjusted:
        return text + f"limits widened ({funnel.overdispersion})"
    if funnel.overdispersion != "none":
        return text + "no over-dispersion, so the limits are not widened"
    if funnel.phi > 1:
        return text + "limits not widened (try --overdispersion additive)"
    return text + "limits not widened"
