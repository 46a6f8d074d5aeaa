"""Commands that validate, import and list returns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from scrutiny.cli.base import (
    HeaderRowOption,
    MappingOption,
    SheetOption,
    TableOption,
    app,
    console,
    db_app,
    fail,
    submissions_app,
)
from scrutiny.returns.ingest import read_file
from scrutiny.returns.mapping import Mapping, load_mapping
from scrutiny.returns.unreadable import FileUnreadable, unreadable_issue
from scrutiny.returns.validation import Report, validate
from scrutiny.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


def read_and_validate(
    file: Path,
    table: str | None,
    mapping: Path | None,
    as_json: bool = False,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
) -> Report:
    """Read and validate FILE, exiting with status 2 when it cannot be read (with AS_JSON,
    saying so as the same JSON list of issues a readable file gets)."""
    settings = Settings.from_env()
    try:
        columns = load_mapping(mapping) if mapping else None
        raw = read_file(
            file,
            settings,
            table_name=table,
            mapping=columns,
            with_hash=False,
            sheet=sheet,
            header_row=header_row,
        )
    except (FileUnreadable, KeyError) as error:
        if as_json:
            typer.echo(json.dumps([unreadable_issue(str(error))], ensure_ascii=False, indent=1))
            raise typer.Exit(2) from None
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
    sheet: SheetOption = None,
    header_row: HeaderRowOption = None,
) -> None:
    """Check a return against the standard and list every problem with its row and column.

    Exits 0 when the file is valid (warnings allowed), 1 when it has errors, and 2 when it
    cannot be read at all.

    Example: scrutiny validate complaints-2025.csv --format json
    """
    if output_format not in ("text", "json"):
        fail("--format must be text or json", code=2)
    report = read_and_validate(
        file,
        table,
        mapping,
        as_json=output_format == "json",
        sheet=sheet,
        header_row=header_row,
    )
    if output_format == "json":
        typer.echo(report.to_json())
    else:
        typer.echo(report.to_text())
    raise typer.Exit(0 if report.valid else 1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database, or bring it up to the newest migration.

    Example: SCRUTINY_DATABASE_URL=sqlite:///scrutiny.db scrutiny db upgrade
    """
    from scrutiny.store.migrations import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    console.print(f"database at {settings.database_url} is up to date")


@app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="A CSV or XLSX return.")],
    table: TableOption = None,
    mapping: MappingOption = None,
    sheet: SheetOption = None,
    header_row: HeaderRowOption = None,
    period: Annotated[
        str | None,
        typer.Option(
            help="The period the file is for: 2025-26, 2025-26 Q1, 2025-06, or a run of "
            "whole years such as 2020-21 to 2024-25. Default: the smallest month, quarter "
            "or financial year that holds every date in the file."
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a stored return for the same period.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Check the file and say what would be stored; store nothing."
        ),
    ] = False,
    saved_mapping: Annotated[
        str | None,
        typer.Option(
            "--saved-mapping",
            help="Read the file with the council's saved mapping of this name (such as "
            "default; see `scrutiny mappings`), instead of a --mapping file. Needs --authority.",
        ),
    ] = None,
    authority: Annotated[
        str | None,
        typer.Option(help="The council (GSS code) whose --saved-mapping to read the file with."),
    ] = None,
) -> None:
    """Validate a return and, if it has no errors, store all of it in one transaction.

    A file with any error stores nothing (exit 1); a row dated outside the period is an
    error. A return for another period (the next quarter) never touches this one. The
    same file again changes nothing; a corrected file for the same council and period
    replaces the earlier one (which stays in the history) only with --replace, and
    otherwise nothing is stored (exit 2).

    A council's own case-system export is read with a mapping: a file (--mapping) or the
    mapping the council saved (--saved-mapping default --authority E06000047).

    Example: scrutiny import complaints-q1.csv --period "2025-26 Q1"
    """
    from rich.progress import Progress

    from scrutiny.core.periods import return_period_label
    from scrutiny.returns.submissions import ReplaceNotConfirmed, SubmissionError
    from scrutiny.returns.submit import submit_return
    from scrutiny.store.db import make_engine
    from scrutiny.store.kept_tables import kept_names

    if saved_mapping and (mapping or not authority):
        fail("--saved-mapping needs --authority, and takes the place of --mapping", code=2)
    settings = Settings.from_env()
    engine = make_engine(settings)
    progress = Progress(console=console, transient=True)
    task = progress.add_task("storing rows", total=None)

    def validated(report: Report) -> None:
        if report.valid and dry_run:
            console.print(f"{report.file_name}: valid, {report.rows:,} rows", highlight=False)
        elif report.valid:
            console.print(
                f"{report.file_name}: valid, storing {report.rows:,} rows", highlight=False
            )
            progress.update(task, total=report.rows)
            progress.start()

    def stored(rows: int) -> None:
        progress.update(task, completed=rows)
        if not console.is_terminal:
            console.print(f"written {rows:,} rows (stored when all are written)", highlight=False)

    try:
        columns = _import_mapping(engine, mapping, saved_mapping, authority)
        result = submit_return(
            file,
            settings,
            engine,
            submitted_by=settings.user,
            table_name=table,
            mapping=columns,
            sheet=sheet,
            header_row=header_row,
            period=period,
            replace=replace,
            dry_run=dry_run,
            on_validated=validated,
            progress=stored,
        )
    except (FileUnreadable, KeyError) as error:
        fail(f"{file}: {error}", code=2)
        return
    except ReplaceNotConfirmed as error:
        fail(f"{file}: {error}", code=2)
        return
    except SubmissionError as error:
        fail(f"{file}: nothing was stored: {error}")
        return
    finally:
        progress.stop()
        engine.dispose()
    if not result.stored:
        typer.echo(result.report.to_text())
        fail(f"{file}: nothing was stored; fix the errors above and import again")
    if dry_run:
        plan = Table(title=f"{file.name}: {result.report.table.name}, checked only: nothing stored")
        for heading in ("Authority", "Period", "Rows", "Would replace"):
            plan.add_column(heading)
        for one in result.plan:
            earlier = one.replaces
            plan.add_row(
                one.authority_code,
                one.label,
                f"{one.rows:,}",
                "nothing (the same file)"
                if one.unchanged
                else one.describe(result.report.table.title)
                if earlier
                else "nothing",
            )
        console.print(plan)
        return
    summary = Table(title=f"{file.name}: {result.report.table.name}")
    for heading in ("Authority", "Period", "Rows", "Outcome", "Submission"):
        summary.add_column(heading)
    for saved in result.saved:
        summary.add_row(
            saved.authority_code,
            return_period_label(saved.period_start, saved.period_end),
            f"{saved.rows:,}",
            saved.outcome,
            str(saved.submission_id),
        )
    console.print(summary)
    try:  # only the figures already kept, and only for the councils this return changed
        if kept_names(engine):  # the early-warning code takes a second to load: only if so
            from scrutiny.warning import kept

            console.print(kept.refresh(engine, start=False).summary(), highlight=False)
    finally:
        engine.dispose()


def _import_mapping(
    engine: Engine, path: Path | None, saved: str | None, authority: str | None
) -> Mapping | None:
    """What an import reads its file with: the file PATH, the council's SAVED mapping, or none."""
    if path:
        return load_mapping(path)
    if not (saved and authority):
        return None
    from scrutiny.returns.saved_mappings import find_mapping

    found = find_mapping(engine, authority, saved)
    console.print(f"reading the file with {authority}'s {found.label}", highlight=False)
    return found.mapping


@submissions_app.command("list")
def submissions_list(
    authority: Annotated[
        str | None, typer.Option(help="Only this council's submissions (GSS code).")
    ] = None,
) -> None:
    """List stored submissions, newest first.

    Example: scrutiny submissions list --authority E06000047
    """
    from scrutiny.core.periods import return_period_label
    from scrutiny.returns.submissions import list_submissions
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    found = list_submissions(engine, authority_code=authority)
    engine.dispose()
    listing = Table(title=f"{len(found)} submissions")
    for heading in ("Id", "Authority", "Table", "Period", "Rows", "Status", "File", "By", "At"):
        listing.add_column(heading)
    for s in found:
        listing.add_row(
            str(s.id),
            s.authority_code,
            s.table_name,
            return_period_label(s.period_start, s.period_end),
            f"{s.row_count:,}",
            s.status,
            s.file_name,
            s.submitted_by,
            s.submitted_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(listing)
