"""The command line's shared parts: the app, its groups, the console and common options."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from scrutiny.core.errors import ScrutinyError
from scrutiny.core.log import configure_logging
from scrutiny.settings import Settings

if TYPE_CHECKING:
    import polars as pl

# The exit status for a ScrutinyError (an unknown council, a file or period that cannot be
# used, a refused request): 2, as for other input a person can correct.
ERROR_EXIT = 2


class _Commands(TyperGroup):
    """The top-level command group: turns any ScrutinyError into a message and an exit."""

    def invoke(self, ctx: Any) -> Any:  # typer's own click Context, which it keeps private
        try:
            return super().invoke(ctx)
        except ScrutinyError as error:
            fail(str(error), code=ERROR_EXIT)
            raise  # unreachable: fail() exits


app = typer.Typer(
    cls=_Commands,
    help="Oversight of how English councils handle complaints.",
    no_args_is_help=True,
)
standard_app = typer.Typer(help="The Complaint Handling Performance Data Standard.")
calendar_app = typer.Typer(help="England-and-Wales working days.")
db_app = typer.Typer(help="The database: SQLite by default, PostgreSQL by URL.")
submissions_app = typer.Typer(help="Returns stored so far.")
ombudsman_app = typer.Typer(help="Real Ombudsman decisions, converted to the standard.")
app.add_typer(standard_app, name="standard")
app.add_typer(calendar_app, name="calendar")
app.add_typer(db_app, name="db")
app.add_typer(submissions_app, name="submissions")
app.add_typer(ombudsman_app, name="ombudsman")
report_app = typer.Typer(help="Reports: the annual report, councillor packs, national overview.")
app.add_typer(report_app, name="report")
console = Console()


def version_line() -> str:
    """The version of scrutiny and of the data standard, as `scrutiny version` prints them."""
    from scrutiny import __version__, standard

    return f"scrutiny {__version__}, data standard {standard.load_standard().version}"


def _print_version(requested: bool) -> None:
    if requested:
        console.print(version_line(), highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the version of scrutiny and of the data standard, then stop.",
        ),
    ] = False,
) -> None:
    """Oversight of how English councils handle complaints."""
    # Every command logs the same way: to standard error, as SCRUTINY_LOG_FORMAT says,
    # so that standard output stays the command's own (JSON and CSV stay parseable).
    try:
        configure_logging(Settings.from_env().log_format)
    except ValueError as error:
        fail(str(error), code=2)


DateArg = Annotated[date, typer.Argument(formats=["%Y-%m-%d"], help="A date, YYYY-MM-DD.")]
DateOption = Annotated[
    datetime | None, typer.Option(formats=["%Y-%m-%d"], help="A date, YYYY-MM-DD.")
]


def fail(message: str, code: int = 1) -> None:
    """Print MESSAGE as an error and exit with status CODE."""
    console.print(f"[bold red]Error:[/] {message}", highlight=False)
    raise typer.Exit(code)


TableOption = Annotated[
    str | None,
    typer.Option("--table", help="Which table of the standard the file is (default: guess)."),
]
MappingOption = Annotated[
    Path | None,
    typer.Option("--mapping", help="YAML file mapping your column headers to the standard's."),
]
SheetOption = Annotated[
    str | None,
    typer.Option("--sheet", help="The sheet of a workbook to read (default: the first visible)."),
]
HeaderRowOption = Annotated[
    int | None,
    typer.Option(
        "--header-row",
        min=1,
        help="The row holding the column headers, as the spreadsheet numbers it (default: "
        "the first row that is mostly headers, so a title block above it is passed over).",
    ),
]


FORMATS = ("text", "json", "csv")


def check_format(output_format: str) -> None:
    """Exit with status 2 unless OUTPUT_FORMAT is text, json or csv."""
    if output_format not in FORMATS:
        fail("--format must be text, json or csv", code=2)


def print_frame(
    frame: pl.DataFrame, output_format: str, title: str, columns: Sequence[str] | None = None
) -> None:
    """FRAME as JSON (every column), CSV (every column) or a table of COLUMNS (default all)."""
    if output_format == "json":
        typer.echo(json.dumps(frame.to_dicts(), default=str, indent=1))
    elif output_format == "csv":
        typer.echo(frame.write_csv(), nl=False)
    else:
        shown = list(columns or frame.columns)
        table = Table(title=title)
        for name in shown:
            table.add_column(name.replace("_", " "))
        for row in frame.select(shown).iter_rows():
            table.add_row(
                *["" if v is None else f"{v:,.1f}" if isinstance(v, float) else str(v) for v in row]
            )
        console.print(table)
