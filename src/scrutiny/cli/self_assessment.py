"""Commands for a council's self-assessment against the Complaint Handling Code, as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.base import app, console, fail
from scrutiny.settings import Settings

self_assessment_app = typer.Typer(
    help="Self-assessment against the Complaint Handling Code, exported and imported as CSV.",
    no_args_is_help=True,
)
app.add_typer(self_assessment_app, name="self-assessment")

AuthorityOption = Annotated[str, typer.Option("--authority", help="The council's GSS code.")]
YearOption = Annotated[str, typer.Option("--year", help="The financial year, e.g. 2024-25.")]
OutputOption = Annotated[
    Path | None, typer.Option("--output", help="Write the CSV here (default: print it).")
]


@self_assessment_app.command("export")
def export(authority: AuthorityOption, year: YearOption, output: OutputOption = None) -> None:
    """The checklist with the council's answers, and pre-fills from its data, as CSV."""
    from scrutiny.councillor.self_assessment_csv import export_csv
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    try:
        text = export_csv(engine, authority, year)
    finally:
        engine.dispose()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}: {text.count(chr(10)) - 1} items", highlight=False)


@self_assessment_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A CSV file, as the export writes it.")],
    authority: AuthorityOption,
    year: YearOption,
) -> None:
    """Store the answers in FILE for the council and year: all of them, or none if any is wrong."""
    from scrutiny.councillor.self_assessment import SelfAssessmentError
    from scrutiny.councillor.self_assessment_csv import import_csv
    from scrutiny.store.db import make_engine

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        fail(f"{file}: cannot be read as UTF-8 text: {error}", code=2)
        return
    settings = Settings.from_env()
    engine = make_engine(settings)
    try:
        changed = import_csv(engine, authority, year, text, actor=settings.user)
    except SelfAssessmentError as error:
        fail(f"{file}: {error}")
        return
    finally:
        engine.dispose()
    listed = ", ".join(changed) if changed else "none: the file matches what is stored"
    items = "item" if len(changed) == 1 else "items"
    console.print(f"{file}: {len(changed)} {items} changed ({listed})", highlight=False)
