"""The Regulator of Social Housing's Tenant Satisfaction Measures from the command line."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.base import app, console, fail

tsm_app = typer.Typer(help="The Regulator of Social Housing's Tenant Satisfaction Measures.")
app.add_typer(tsm_app, name="tsm")


@tsm_app.command("import")
def tsm_import(
    workbooks: Annotated[
        list[Path] | None,
        typer.Argument(help="RSH's full-data workbooks (default: the ones shipped with scrutiny)."),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a year already stored from another file.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Read and check only; store nothing.")
    ] = False,
) -> None:
    """Store every social landlord's complaint measures from RSH's TSM workbooks, a year
    per workbook, all or nothing; say how councils were matched and whom RSH left out.

    The same workbook again changes nothing. Exits 1 if the figures break the standard,
    2 if a file is not a TSM workbook or would replace a stored year without --replace.

    Example: scrutiny tsm import 2025_TSM_Full_Data_v1.0_FINAL.xlsx
    """
    import polars as pl

    from scrutiny.reference.landlords import shipped_workbooks
    from scrutiny.returns.source_imports import SourceInvalid, import_tsm
    from scrutiny.settings import Settings
    from scrutiny.store.db import make_engine

    settings = Settings.from_env()
    engine = make_engine(settings)
    try:
        for path in workbooks or shipped_workbooks():
            started = time.perf_counter()
            try:
                done = import_tsm(
                    path,
                    settings,
                    engine,
                    imported_by=settings.user,
                    replace=replace,
                    dry_run=dry_run,
                )
            except SourceInvalid as invalid:
                typer.echo(invalid.report.to_text())
                fail(str(invalid))
                return
            year, rows = done.year, done.year.rows
            councils = rows.filter(pl.col("landlord_type") == "council")
            landlords = rows.select("landlord_code", "landlord_type").unique()
            by_type = dict(landlords.group_by("landlord_type").len().iter_rows())
            console.print(
                f"{path.name}: {year.label}, {done.rows:,} rows: {by_type.get('council', 0)} "
                f"councils and {by_type.get('housing_association', 0)} housing associations; "
                f"{done.outcome} in {time.perf_counter() - started:.1f} s",
                highlight=False,
            )
            matched = councils.filter(pl.col("authority_code").is_not_null())
            console.print(
                f"  councils matched to a GSS code: "
                f"{matched.get_column('landlord_code').n_unique()} of "
                f"{councils.get_column('landlord_code').n_unique()}",
                highlight=False,
            )
            for landlord in year.unmatched:
                console.print(f"  not matched: {landlord}", highlight=False)
            for code, name, _ in year.left_out.iter_rows():
                console.print(f"  left out by RSH this year: {name} ({code})", highlight=False)
    finally:
        engine.dispose()
