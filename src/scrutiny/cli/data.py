"""Commands that bring in real Ombudsman data and build the synthetic demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from scrutiny.cli.base import app, console, fail, ombudsman_app


@ombudsman_app.command("housing")
def ombudsman_housing(
    findings: Annotated[Path, typer.Argument(help="The Housing Ombudsman findings CSV.")],
    output: Annotated[Path, typer.Argument(help="Where to write the ombudsman_decisions CSV.")],
) -> None:
    """Convert Housing Ombudsman findings into a standard ombudsman_decisions file.

    Council landlords are matched to their authority by name; those that cannot be are
    listed. Import the result with `scrutiny import`.

    Example: scrutiny ombudsman housing findings.csv decisions.csv
    """
    from scrutiny.returns.housing_ombudsman import (
        FindingsError,
        convert,
        read_findings,
        write_decisions,
    )

    try:
        conversion = convert(read_findings(findings))
    except (OSError, FindingsError, pl.exceptions.PolarsError) as error:
        fail(f"{findings}: {error}", code=2)
        return
    write_decisions(conversion, output)
    console.print(
        f"wrote {conversion.decisions.height:,} findings to {output}; "
        f"{conversion.matched_share:.1%} of dated findings matched to an authority; "
        f"{conversion.undated} findings without a decision date left out",
        highlight=False,
    )
    for row in conversion.unmatched.iter_rows(named=True):
        console.print(f"  not matched: {row['landlord']} ({row['findings']} findings)")


# The database commands import the store when they run, so that `scrutiny validate`
# starts without loading SQLAlchemy.


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write into (created if missing).")],
    seed: Annotated[int, typer.Option(help="The same seed gives byte-identical files.")] = 2025,
    scale: Annotated[
        float, typer.Option(help="Multiplies every volume; 1.0 is about 2.5 million complaints.")
    ] = 1.0,
) -> None:
    """Write a synthetic national demo dataset: five years of complaints, Ombudsman decisions
    and recommendations for every council, plus ground_truth.csv of planted scenarios.

    Example: scrutiny synth build/demo/synth --seed 2025
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from scrutiny.demo.synth import generate_dataset

    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def advance(step: str, done: int, total: int) -> None:
            progress.update(task, description=step, completed=done, total=total)

        try:
            result = generate_dataset(out_dir, seed=seed, scale=scale, progress=advance)
        except (ValueError, OSError) as error:
            progress.stop()
            fail(str(error))
            return
    for name, path in result.files.items():
        console.print(f"wrote {path} ({result.rows[name]:,} rows)", highlight=False, soft_wrap=True)
    console.print(f"in {result.seconds:.1f} s, seed {seed}, scale {scale:g}", highlight=False)


# Where each demo table's rows come from, for the summary (the rest are synthetic).
DEMO_SOURCES = {
    "ombudsman_decisions": "real Housing Ombudsman findings and synthetic LGSCO decisions",
    "housing_landlord_measures": "real: Regulator of Social Housing, TSM 2023-24 and 2024-25",
}


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Where to build it.")] = Path("build/demo"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic nation.")] = 2025,
    scale: Annotated[float, typer.Option(help="Multiplies the synthetic volumes.")] = 1.0,
) -> None:
    """Build the demo database: real councils, Housing Ombudsman decisions and social
    landlords' Tenant Satisfaction Measures; synthetic council returns.

    Everything goes through validation and the normal import path into a fresh SQLite
    database, DIRECTORY/scrutiny.db.

    Example: scrutiny demo build/demo
    """
    import time

    from scrutiny.demo.build import build_demo

    started = time.perf_counter()
    with console.status("building the demo database") as status:
        built = build_demo(directory, seed=seed, scale=scale, step=status.update)
    summary = Table(title=f"Demo database {built.database_url}")
    summary.add_column("Table")
    summary.add_column("Rows", justify="right")
    summary.add_column("Source")
    for table, rows in built.rows.items():
        summary.add_row(table, f"{rows:,}", DEMO_SOURCES.get(table, "synthetic"))
    console.print(summary)
    console.print(
        f"Real Housing Ombudsman findings matched to councils: {built.housing_matched_share:.1%}."
        f" Planted scenarios (never read by scrutiny): {built.ground_truth}."
        f" Built in {time.perf_counter() - started:.0f} s.",
        highlight=False,
    )
