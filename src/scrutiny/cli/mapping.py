"""Proposing a mapping for a council's own case-system export, from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.base import app, console, fail


@app.command("map")
def map_export(
    file: Annotated[Path, typer.Argument(help="Your case system's export (CSV or XLSX).")],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="Where to write the proposed mapping file.")
    ],
    table: Annotated[
        str | None, typer.Option("--table", help="The standard's table the export is for.")
    ] = None,
    sheet: Annotated[
        str | None, typer.Option("--sheet", help="The workbook's sheet to read, by name.")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace OUTPUT if it exists.")] = False,
) -> None:
    """Propose a mapping from your export's headers and values to the data standard, for
    you to check, correct and keep: then validate and import with --mapping OUTPUT.

    Headers are matched by name, by headers case systems commonly use, and by what their
    cells hold; each value of a coded column by the standard's spellings and common words.
    What cannot be matched is listed in the file for you to fill in, never guessed.
    Exits 2 when the export cannot be read or OUTPUT exists (without --force).

    Example: scrutiny map complaints-export.xlsx --output our-mapping.yaml
    """
    from scrutiny.returns.proposal import propose
    from scrutiny.returns.unreadable import FileUnreadable
    from scrutiny.settings import Settings

    if output.exists() and not force:
        fail(f"{output} exists: it may hold your own corrections. Use --force to replace it.", 2)
    try:
        proposal = propose(file, Settings.from_env(), table_name=table, sheet=sheet)
    except (FileUnreadable, KeyError) as error:
        fail(f"{file}: {str(error).strip(chr(34))}", code=2)
        return
    output.write_text(proposal.to_yaml(), encoding="utf-8")
    headers = [h for h in proposal.headers if h.field]
    values = [v for v in proposal.values if v.code]
    console.print(
        f"{file.name}: the {proposal.table.name} table. Proposed {len(headers)} of "
        f"{len(proposal.headers)} columns and {len(values)} of {len(proposal.values)} "
        f"distinct coded values; wrote {output}.",
        highlight=False,
    )
    for item in proposal.unmatched():
        console.print(f"  not matched, for you to fill in: {item}", highlight=False)
    console.print(
        f"Check the file, then: scrutiny validate {file} --mapping {output}", highlight=False
    )
