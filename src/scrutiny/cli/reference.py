"""Commands about the standard, the councils, working days and the Code clock."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.table import Table

from scrutiny import standard
from scrutiny.cli.base import (
    DateArg,
    app,
    calendar_app,
    console,
    fail,
    standard_app,
    version_line,
)

# The working-day calendar and the Code clock load numpy, so each command below imports them
# itself: every other command (validate, say) starts without numpy.


@app.command()
def version() -> None:
    """Print the version of scrutiny and of the data standard."""
    console.print(version_line(), highlight=False)


@app.command()
def authorities(
    search: Annotated[str, typer.Argument(help="Part of a council's name or GSS code.")] = "",
) -> None:
    """List current English principal councils and their GSS codes.

    Example: scrutiny authorities cumberland
    """
    from scrutiny.reference.council_search import search_authorities

    found = search_authorities(search)
    listing = Table(title=f"{found.height} councils")
    for heading in ("GSS code", "Name", "Type", "Region"):
        listing.add_column(heading)
    for row in found.iter_rows():
        listing.add_row(*[str(cell) for cell in row])
    console.print(listing)


@standard_app.command("export")
def standard_export(
    directory: Annotated[Path, typer.Argument(help="Folder to write into (created if missing).")],
) -> None:
    """Write the datapackage, JSON Schemas, CSV templates and documentation page.

    Example: scrutiny standard export out/standard
    """
    for path in standard.export(directory):
        console.print(f"wrote {path}")


@calendar_app.command("refresh")
def calendar_refresh(
    feed: Annotated[Path, typer.Argument(help="A copy of https://www.gov.uk/bank-holidays.json")],
) -> None:
    """Replace the shipped bank-holidays feed with a newer copy of the GOV.UK file.

    Example: curl -o bank-holidays.json https://www.gov.uk/bank-holidays.json &&
    scrutiny calendar refresh bank-holidays.json
    """
    from scrutiny.reference import calendar

    try:
        first, last = calendar.refresh_feed(feed)
    except (OSError, calendar.CalendarError) as error:
        fail(str(error))
    console.print(f"bank holidays now from the GOV.UK feed for {first}–{last}")


@calendar_app.command("add")
def calendar_add(start: DateArg, days: int) -> None:
    """Print the date DAYS working days after START (START is day zero).

    Example: scrutiny calendar add 2023-12-18 5
    """
    from scrutiny.reference import calendar

    try:
        console.print(calendar.add_working_days(start, days).isoformat())
    except calendar.CalendarError as error:
        fail(str(error))


@calendar_app.command("between")
def calendar_between(start: DateArg, end: DateArg) -> None:
    """Print the working days after START up to and including END.

    Example: scrutiny calendar between 2023-12-18 2023-12-27
    """
    from scrutiny.reference import calendar

    try:
        console.print(str(calendar.working_days_between(start, end)))
    except calendar.CalendarError as error:
        fail(str(error))


@app.command()
def clock(
    complaints: Annotated[Path, typer.Argument(help="A complaints CSV in the standard's format.")],
    as_of: Annotated[
        str, typer.Option(help="Judge open complaints as of this date, YYYY-MM-DD.")
    ] = "",
    output: Annotated[
        Path | None, typer.Option(help="Write every row with its clock to this CSV.")
    ] = None,
) -> None:
    """Put each complaint on the Complaint Handling Code clock and summarise it.

    Example: scrutiny clock examples/complaints.csv --as-of 2025-06-30
    """
    from scrutiny.returns.code_clock import ClockError, code_clock

    try:
        when = date.fromisoformat(as_of) if as_of else date.today()
        frame = pl.read_csv(complaints, try_parse_dates=True, infer_schema_length=10_000)
        result = code_clock(frame, when)
    except (OSError, ValueError, ClockError, pl.exceptions.PolarsError) as error:
        fail(f"{complaints}: {error}")
        return
    if output:
        result.write_csv(output)
        console.print(f"wrote {output}")
    summary = Table(title=f"Code clock for {complaints.name}, as of {when.isoformat()}")
    for heading in ("Stage", "Rows", "Acknowledged on time", "Responded on time", "Overdue now"):
        summary.add_column(heading, justify="right")
    by_stage = (
        result.group_by("stage")
        .agg(
            pl.len().alias("rows"),
            pl.col("acknowledged_on_time").sum().alias("ack"),
            pl.col("acknowledged_on_time").count().alias("ack_known"),
            pl.col("responded_on_time").sum().alias("resp"),
            pl.col("responded_on_time").count().alias("resp_known"),
            pl.col("overdue").sum().alias("overdue"),
        )
        .sort("stage")
    )
    for row in by_stage.iter_rows(named=True):
        summary.add_row(
            str(row["stage"]),
            str(row["rows"]),
            f"{row['ack']} of {row['ack_known']}",
            f"{row['resp']} of {row['resp_known']}",
            str(row["overdue"]),
        )
    console.print(summary)
