"""Commands that keep a council's saved mappings: save a mapping file, show it, list its
versions (scrutiny.returns.saved_mappings)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from scrutiny.cli.base import app, console
from scrutiny.returns.mapping import DEFAULT_NAME
from scrutiny.settings import Settings

mappings_app = typer.Typer(help="Councils' saved mappings of their case-system exports.")
app.add_typer(mappings_app, name="mappings")

AuthorityArg = Annotated[str, typer.Argument(help="The council's GSS code, such as E06000047.")]
NameOption = Annotated[
    str, typer.Option("--name", help="Which of the council's mappings (default: default).")
]


@mappings_app.command("save")
def mappings_save(
    authority: AuthorityArg,
    file: Annotated[Path, typer.Argument(help="A mapping file (YAML), as `scrutiny map` writes.")],
    name: NameOption = DEFAULT_NAME,
) -> None:
    """Check a mapping file and keep it as the council's next version of NAME.

    A wrong mapping stores nothing and names its line (exit 2); the same text as the
    current version changes nothing. Uploads on the web and through the API then read the
    council's files with its 'default' mapping.

    Example: scrutiny mappings save E06000047 case-export.yaml
    """
    from scrutiny.returns.mapping import load_mapping
    from scrutiny.returns.saved_mappings import current_mapping, save_mapping
    from scrutiny.store.db import make_engine

    load_mapping(file)  # its errors name the file, not the saved name
    settings = Settings.from_env()
    engine = make_engine(settings)
    try:
        before = current_mapping(engine, authority, name)
        saved = save_mapping(
            engine, authority, name, file.read_text(encoding="utf-8"), settings.user
        )
    finally:
        engine.dispose()
    if before == saved:
        console.print(f"{authority}'s {saved.label} is already this file: nothing changed")
    else:
        console.print(f"saved {file.name} as {authority}'s {saved.label}", highlight=False)


@mappings_app.command("show")
def mappings_show(
    authority: AuthorityArg,
    name: NameOption = DEFAULT_NAME,
    version: Annotated[
        int | None, typer.Option("--version", help="Which version (default: the current one).")
    ] = None,
) -> None:
    """Print a council's saved mapping as the YAML it was saved as.

    Example: scrutiny mappings show E06000047 --version 2 > mapping.yaml
    """
    from scrutiny.returns.saved_mappings import find_mapping
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    try:
        found = find_mapping(engine, authority, name, version)
    finally:
        engine.dispose()
    typer.echo(found.yaml, nl=not found.yaml.endswith("\n"))


@mappings_app.command("list")
def mappings_list(authority: AuthorityArg) -> None:
    """List a council's saved mappings, every version, newest first.

    Example: scrutiny mappings list E06000047
    """
    from scrutiny.returns.saved_mappings import mapping_versions
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    try:
        found = mapping_versions(engine, authority)
    finally:
        engine.dispose()
    listing = Table(title=f"{len(found)} saved mapping versions for {authority}")
    for heading in ("Name", "Version", "Current", "Saved by", "Saved at"):
        listing.add_column(heading)
    for n, one in enumerate(found):
        current = n == 0 or found[n - 1].name != one.name
        listing.add_row(
            one.name,
            str(one.version),
            "yes" if current else "",
            one.created_by,
            one.created_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(listing)
