"""The annual report command: the Code's annual complaints performance and service
improvement report for one council, or for every council at once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.base import console, fail, report_app
from scrutiny.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from scrutiny.publish.reports.annual_batch import BatchResult


@report_app.command("annual")
def annual_command(
    year: Annotated[str, typer.Option("--year", help="The financial year, like 2024-25.")],
    output: Annotated[
        Path, typer.Option("--output", help="The file to write (a folder with --all).")
    ],
    authority: Annotated[
        str | None, typer.Option("--authority", help="The council's GSS code, like E06000047.")
    ] = None,
    every_council: Annotated[
        bool, typer.Option("--all", help="Every current council, one file each, into --output.")
    ] = False,
    output_format: Annotated[str, typer.Option("--format", help="pdf or html.")] = "pdf",
    jobs: Annotated[int, typer.Option("--jobs", help="Reports written at once with --all.")] = 2,
) -> None:
    """Write the Code's annual complaints performance and service improvement report.

    Examples: scrutiny report annual --authority E06000047 --year 2024-25 --output durham.pdf;
    scrutiny report annual --all --year 2024-25 --output reports/
    """
    from scrutiny.publish.reports.annual_batch import FORMATS, write_report
    from scrutiny.store.db import make_engine

    if output_format not in FORMATS:
        fail("--format must be pdf or html", code=2)
    if every_council == (authority is not None):
        fail("give either --authority CODE or --all", code=2)
    engine = make_engine(Settings.from_env())
    try:
        if authority is not None:
            written = write_report(engine, authority, year, output, output_format)
            console.print(f"Wrote {written}", highlight=False)
            return
        result = _write_all(engine, year, output, output_format, jobs)
    finally:
        engine.dispose()
    console.print(f"Wrote {len(result.written)} reports into {output}", highlight=False)
    for code, reason in sorted(result.failed.items()):
        console.print(f"[bold red]Failed:[/] {code}: {reason}", highlight=False)
    if result.failed:
        raise typer.Exit(1)


def _write_all(
    engine: Engine, year: str, output: Path, output_format: str, jobs: int
) -> BatchResult:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from scrutiny.publish.reports.annual_batch import write_all_reports

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("computing figures for every council", total=None)

        def advance(done: int, total: int, code: str) -> None:
            progress.update(task, description=f"writing reports ({code})", completed=done)
            progress.update(task, total=total)

        return write_all_reports(engine, year, output, output_format, jobs=jobs, progress=advance)
