"""The database's upkeep: back it up, restore it, and see or move its migration.

`scrutiny db upgrade` is with the import commands (scrutiny.cli.returns); the rest of the
`db` group is here. The store is imported when a command runs, so that other commands start
without SQLAlchemy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scrutiny.cli.base import console, db_app
from scrutiny.core.formatting import file_size
from scrutiny.settings import Settings

YesOption = Annotated[
    bool, typer.Option("--yes", help="Do it without asking (for scripts): data may be lost.")
]


def _size(size_bytes: int) -> str:
    return file_size(size_bytes)


@db_app.command("backup")
def db_backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    allow_missing_files: Annotated[
        bool,
        typer.Option(
            "--allow-missing-files",
            help="Make the backup even if evidence files the database names are missing or"
            " changed (they are listed, and the restore lists them again).",
        ),
    ] = False,
) -> None:
    """Back up the database into FILE, and its evidence files beside it, safely while the
    service runs.

    The database: SQLite's online backup API, or pg_dump --format=custom for PostgreSQL.
    The evidence files (kept outside the database, in the evidence_dir setting's folder):
    every file the backed-up rows name, checked against its SHA-256, copied into the
    folder FILE.evidence-files beside FILE (none when no evidence has files). Keep the two
    together. A file missing or changed is named, and no backup is made unless
    --allow-missing-files.

    Example: scrutiny db backup backups/scrutiny-2026-12-07.db
    """
    from scrutiny.store.backup import backup_database, describe

    settings = Settings.from_env()
    made = backup_database(
        settings.database_url,
        file,
        settings.evidence_path,
        allow_missing_files=allow_missing_files,
    )
    files = (
        f" and {made.files} evidence files ({_size(made.files_bytes)}) to {file}.evidence-files"
        if made.files or made.lacking
        else ""
    )
    console.print(
        f"backed up {describe(settings.database_url)} (migration {made.revision}) to"
        f" {made.path}: {_size(made.size_bytes)}{files} in {made.seconds:.1f} s",
        highlight=False,
        soft_wrap=True,
    )
    _say_lacking("The backup lacks", made.lacking)


def _say_lacking(start: str, lacking: tuple[str, ...]) -> None:
    if lacking:
        listed = "".join(f"\n  - {file}" for file in lacking)
        console.print(
            f"{start} {len(lacking)} evidence files the database names:{listed}",
            highlight=False,
            soft_wrap=True,
        )


@db_app.command("restore")
def db_restore(
    file: Annotated[Path, typer.Argument(help="A backup made by `scrutiny db backup`.")],
    yes: YesOption = False,
) -> None:
    """Replace the database with the backup in FILE, once it is checked to be one, and put
    back the evidence files from the folder FILE.evidence-files beside it.

    A database holding data is replaced only with --yes. A file that is not a scrutiny
    backup for this kind of database is refused, and the database is left as it was; so
    is a restore that fails part-way, and one whose evidence files are missing or changed.
    The evidence files are added to the evidence_dir setting's folder (one already there
    is the same file: they are named by their content). Stop the service first, or restart
    it afterwards.

    Example: scrutiny db restore backups/scrutiny-2026-12-07.db --yes
    """
    from scrutiny.store.backup import describe, restore_database
    from scrutiny.store.migrations import head_revision

    settings = Settings.from_env()
    url = settings.database_url
    restored = restore_database(url, file, replace=yes, evidence_dir=settings.evidence_path)
    files = (
        f" with {restored.files} evidence files into {settings.evidence_path}"
        if restored.files
        else ""
    )
    console.print(
        f"restored {restored.path} into {describe(url)}{files} in {restored.seconds:.1f} s;"
        f" it is at migration {restored.revision}",
        highlight=False,
        soft_wrap=True,
    )
    _say_lacking(f"{settings.evidence_path} lacks", restored.lacking)
    if restored.revision != head_revision():
        console.print(
            f"This scrutiny's newest migration is {head_revision()}: run `scrutiny db upgrade`"
            " (`scrutiny serve` does it as it starts).",
            highlight=False,
        )


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration and this scrutiny's newest (the head).

    Example: scrutiny db current
    """
    from scrutiny.store.migrations import current_revision, head_revision, is_behind

    revision = current_revision(Settings.from_env().database_url)
    head = head_revision()
    typer.echo(f"database: {revision or 'none (no tables yet)'}")
    typer.echo(f"head:     {head}")
    if is_behind(revision):
        typer.echo("behind: run `scrutiny db upgrade`")
    elif revision != head:
        typer.echo("ahead: a newer scrutiny migrated this database")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help="The migration to go back to, or base.")],
    yes: YesOption = False,
) -> None:
    """Take the database back to an earlier migration, dropping what later ones added.

    Used before running an older scrutiny. Tables and columns the later migrations added
    are dropped with their data, so back up first. Asks first unless --yes.

    Example: scrutiny db downgrade 0004
    """
    from scrutiny.store.backup import describe
    from scrutiny.store.migrations import current_revision, downgrade

    url = Settings.from_env().database_url
    if not yes:
        typer.confirm(
            f"Take {describe(url)} from migration {current_revision(url)} back to {revision}?"
            " What later migrations added is dropped with its data",
            abort=True,
        )
    downgrade(url, revision)
    console.print(f"database at {describe(url)} is now at migration {revision}", highlight=False)
