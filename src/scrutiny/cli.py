"""The scrutiny command line: thin commands over the library."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from scrutiny import __version__, calendar, standard
from scrutiny.authorities import search_authorities
from scrutiny.code_clock import ClockError, code_clock
from scrutiny.ingest import FileUnreadable, load_mapping, read_file
from scrutiny.settings import Settings
from scrutiny.validation import Report, validate

app = typer.Typer(help="Oversight of how English councils handle complaints.", no_args_is_help=True)
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
console = Console()

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


def read_and_validate(file: Path, table: str | None, mapping: Path | None) -> Report:
    """Read and validate FILE, exiting with status 2 when it cannot be read."""
    settings = Settings.from_env()
    try:
        columns = load_mapping(mapping) if mapping else None
        raw = read_file(file, settings, table_name=table, mapping=columns, with_hash=False)
    except (FileUnreadable, KeyError) as error:
        fail(f"{file}: {error}", code=2)
        raise  # unreachable: fail() exits
    return validate(raw)


@app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX return.")],
    output_format: Annotated[
        str, typer.Option("--format", help="text, or json for a list of issue objects.")
    ] = "text",
    table: TableOption = None,
    mapping: MappingOption = None,
) -> None:
    """Check a return against the standard and list every problem with its row and column.

    Exits 0 when the file is valid (warnings allowed), 1 when it has errors, and 2 when it
    cannot be read at all.

    Example: scrutiny validate complaints-2025.csv --format json
    """
    if output_format not in ("text", "json"):
        fail("--format must be text or json", code=2)
    report = read_and_validate(file, table, mapping)
    if output_format == "json":
        typer.echo(report.to_json())
    else:
        typer.echo(report.to_text())
    raise typer.Exit(0 if report.valid else 1)


@app.command()
def version() -> None:
    """Print the version of scrutiny and of the data standard."""
    console.print(f"scrutiny {__version__}, data standard {standard.load_standard().version}")


@app.command()
def authorities(
    search: Annotated[str, typer.Argument(help="Part of a council's name or GSS code.")] = "",
) -> None:
    """List current English principal councils and their GSS codes.

    Example: scrutiny authorities cumberland
    """
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
    try:
        console.print(calendar.add_working_days(start, days).isoformat())
    except calendar.CalendarError as error:
        fail(str(error))


@calendar_app.command("between")
def calendar_between(start: DateArg, end: DateArg) -> None:
    """Print the working days after START up to and including END.

    Example: scrutiny calendar between 2023-12-18 2023-12-27
    """
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
    from scrutiny.housing_ombudsman import FindingsError, convert, read_findings, write_decisions

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


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or bring it up to the newest migration.

    Example: SCRUTINY_DATABASE_URL=sqlite:///scrutiny.db scrutiny db upgrade
    """
    from scrutiny.migrations import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    console.print(f"database at {settings.database_url} is up to date")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX return.")],
    table: TableOption = None,
    mapping: MappingOption = None,
    period_start: DateOption = None,
    period_end: DateOption = None,
) -> None:
    """Validate a return and, if it has no errors, store all of it in one transaction.

    A file with any error stores nothing (exit 1). The same file again changes nothing; a
    corrected file for the same council and period replaces the earlier one, which stays
    in the history. The period defaults to the financial years the dates span.

    Example: scrutiny import complaints-2025.csv
    """
    from rich.progress import Progress

    from scrutiny.db import make_engine
    from scrutiny.returns import submit_return
    from scrutiny.submissions import SubmissionError

    settings = Settings.from_env()
    engine = make_engine(settings)
    progress = Progress(console=console, transient=True)
    task = progress.add_task("storing rows", total=None)

    def validated(report: Report) -> None:
        if report.valid:
            console.print(
                f"{report.file_name}: valid, storing {report.rows:,} rows", highlight=False
            )
            progress.update(task, total=report.rows)
            progress.start()

    def stored(rows: int) -> None:
        progress.update(task, completed=rows)
        if not console.is_terminal:
            console.print(f"stored {rows:,} rows", highlight=False)

    try:
        columns = load_mapping(mapping) if mapping else None
        result = submit_return(
            file,
            settings,
            engine,
            submitted_by=settings.user,
            table_name=table,
            mapping=columns,
            period_start=period_start.date() if period_start else None,
            period_end=period_end.date() if period_end else None,
            on_validated=validated,
            progress=stored,
        )
    except (FileUnreadable, KeyError) as error:
        progress.stop()
        fail(f"{file}: {error}", code=2)
        return
    except SubmissionError as error:
        progress.stop()
        fail(f"{file}: nothing was stored: {error}")
        return
    progress.stop()
    if not result.stored:
        typer.echo(result.report.to_text())
        fail(f"{file}: nothing was stored; fix the errors above and import again")
    summary = Table(title=f"{file.name}: {result.report.table.name}")
    for heading in ("Authority", "Period", "Rows", "Outcome", "Submission"):
        summary.add_column(heading)
    for saved in result.saved:
        summary.add_row(
            saved.authority_code,
            f"{saved.period_start} to {saved.period_end}",
            f"{saved.rows:,}",
            saved.outcome,
            str(saved.submission_id),
        )
    console.print(summary)


@submissions_app.command("list")
def submissions_list(
    authority: Annotated[
        str | None, typer.Option(help="Only this council's submissions (GSS code).")
    ] = None,
) -> None:
    """List stored submissions, newest first.

    Example: scrutiny submissions list --authority E06000047
    """
    from scrutiny.db import make_engine
    from scrutiny.submissions import list_submissions

    engine = make_engine(Settings.from_env())
    found = list_submissions(engine, authority_code=authority)
    listing = Table(title=f"{len(found)} submissions")
    for heading in ("Id", "Authority", "Table", "Period", "Rows", "Status", "File", "By", "At"):
        listing.add_column(heading)
    for s in found:
        listing.add_row(
            str(s.id),
            s.authority_code,
            s.table_name,
            f"{s.period_start} to {s.period_end}",
            f"{s.row_count:,}",
            s.status,
            s.file_name,
            s.submitted_by,
            s.submitted_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(listing)


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

    from scrutiny.synth import generate_dataset

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


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Where to build it.")] = Path("build/demo"),
    seed: Annotated[int, typer.Option(help="Seed of the synthetic nation.")] = 2025,
    scale: Annotated[float, typer.Option(help="Multiplies the synthetic volumes.")] = 1.0,
) -> None:
    """Build the demo database: real councils and Housing Ombudsman decisions, synthetic returns.

    Everything goes through validation and the normal import path into a fresh SQLite
    database, DIRECTORY/scrutiny.db.

    Example: scrutiny demo build/demo
    """
    import time

    from scrutiny.demo import build_demo

    started = time.perf_counter()
    with console.status("building the demo database") as status:
        built = build_demo(directory, seed=seed, scale=scale, step=status.update)
    summary = Table(title=f"Demo database {built.database_url}")
    summary.add_column("Table")
    summary.add_column("Rows", justify="right")
    for table, rows in built.rows.items():
        summary.add_row(table, f"{rows:,}")
    console.print(summary)
    console.print(
        f"Real Housing Ombudsman findings matched to councils: {built.housing_matched_share:.1%}."
        f" Planted scenarios (never read by scrutiny): {built.ground_truth}."
        f" Built in {time.perf_counter() - started:.0f} s.",
        highlight=False,
    )
