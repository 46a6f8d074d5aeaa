"""The impact command: what happens after councils comply with recommendations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.base import DateOption, app, console, fail
from scrutiny.settings import Settings

if TYPE_CHECKING:
    from scrutiny.research.impact import ImpactStudy

IMPACT_FORMATS = ("json", "csv", "html")


@app.command("impact")
def impact_command(
    service_area: Annotated[
        str, typer.Option("--service-area", help="send, adult_care, housing, planning, ...")
    ],
    outcome: Annotated[
        str, typer.Option(help="complaints, upheld, on_time or ehc_20_weeks (send only).")
    ] = "complaints",
    output_format: Annotated[str, typer.Option("--format", help="json, csv or html.")] = "json",
    output: Annotated[
        Path | None, typer.Option(help="Write the results here instead of printing them.")
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="Also write the exact analysis data (CSV) whose SHA-256 is reported."),
    ] = None,
    before: Annotated[
        int | None, typer.Option(help="Periods before compliance (default 4 quarters, 2 years).")
    ] = None,
    after: Annotated[
        int | None, typer.Option(help="Periods after compliance (default 4 quarters, 1 year).")
    ] = None,
    comparisons: Annotated[
        int, typer.Option(help="Comparison councils per treated council, nearest first.")
    ] = 10,
    today: DateOption = None,
) -> None:
    """Event study and difference-in-differences around compliance with recommendations.

    Compares councils after they complied with a service-improvement recommendation in a
    service area with similar councils (same type, nearest neighbours) that had none.

    Example: scrutiny impact --service-area send --outcome on_time --format html --output send.html
    """
    if output_format not in IMPACT_FORMATS:
        fail("--format must be json, csv or html", code=2)
    from scrutiny.research.impact import run_study
    from scrutiny.research.impact.export import to_csv, to_html, to_json
    from scrutiny.research.impact.study import analysis_data
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    try:
        with console.status("Starting", spinner="dots") as status:
            study = run_study(
                engine,
                service_area,
                outcome,
                pre=before,
                post=after,
                k=comparisons,
                today=today.date() if today else None,
                step=lambda text: status.update(f"{text}..."),
            )
            if output_format == "html":
                status.update("Drawing the chart...")
                text = to_html(study, _svg(study))
    finally:
        engine.dispose()
    if output_format == "json":
        text = json.dumps(to_json(study), indent=1, default=str)
    elif output_format == "csv":
        text = to_csv(study)
    if data is not None:
        data.write_bytes(analysis_data(study.stacks, study.pooled))
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output} (analysis data SHA-256 {study.data_sha256[:12]}...)")


def _svg(study: ImpactStudy) -> str:
    """The event-study chart as SVG."""
    from scrutiny.publish.charts import to_svg
    from scrutiny.research.impact.chart import event_study_chart

    return to_svg(
        event_study_chart(
            study.event_study,
            value_title=f"Difference ({study.measure.unit})",
            period_word=study.measure.grain,
        )
    )
