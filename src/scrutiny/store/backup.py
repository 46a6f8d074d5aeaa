"""Backups of the database, and restoring one, safely while the service runs.

SQLite: SQLite's online backup API copies the database in one read transaction, so writers
carry on and the copy holds exactly what was committed when it began. A restore first copies
the backup to a temporary file beside the database and checks it there (it is a SQLite
file, every page reads, it is a scrutiny database of a migration this scrutiny has); only
then is it written into the database, again through the backup API, in one write
transaction. Replacing the database file itself would be quicker but unsafe: a running
service keeps writing to the file it has open, and the database's write-ahead log would be
replayed onto the new file.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot), and `pg_restore --clean
--if-exists` in one transaction, so a restore that fails part-way changes nothing.

Evidence files: given the evidence directory, a backup also copies the files its rows name
into a folder beside it, and a restore puts them back (scrutiny.store.backup_files). A file
missing or changed when the backup is made is named, and the backup refused unless its
caller says to make it without them.

A backup that cannot be used is refused before anything is changed, and so is a restore
over a database holding data unless its caller says to replace it.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from sqlalchemy import inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from scrutiny.core.errors import Conflict, Invalid
from scrutiny.store import backup_files
from scrutiny.store.db import SQLITE_BUSY_TIMEOUT_MS, make_engine, metadata
from scrutiny.store.evidence_blobs import read_blob
from scrutiny.store.evidence_files_tables import recommendation_evidence_files
from scrutiny.store.migrations import current_revision, head_revision, revisions
from scrutiny.store.postgres_tools import last_lines, libpq_target, run_tool

Backend = Literal["sqlite", "postgresql"]
# The first bytes of each kind of backup file.
MAGIC: dict[Backend, bytes] = {"sqlite": b"SQLite format 3\x00", "postgresql": b"PGDMP"}
TITLES: dict[Backend, str] = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
FORMATS: dict[Backend, str] = {
    "sqlite": "a SQLite database file",
    "postgresql": "a pg_dump archive in its custom format",
}
# Tables every scrutiny database has had since its first migration: what marks one.
MARKER_TABLES = ("alembic_version", "submissions", "audit_log")


class BackupError(Invalid):
    """A backup cannot be made, or a file cannot be restored; nothing was changed."""


class RestoreNotConfirmed(Conflict):
    """The database holds data, and its caller has not said to replace it with the backup."""


@dataclass(frozen=True)
class Backup:
    """A backup made or restored: its file, size, the migration it is at, how long it took,
    how many evidence files (and bytes of them) came with it, and the evidence files its
    database names that it lacks (each described)."""

    path: Path
    size_bytes: int
    revision: str
    seconds: float
    files: int = 0
    files_bytes: int = 0
    lacking: tuple[str, ...] = ()


def describe(database_url: str) -> str:
    """DATABASE_URL as it may be printed: any password hidden."""
    return unquote(make_url(database_url).render_as_string(hide_password=True))


def backup_database(
    database_url: str,
    path: Path,
    evidence_dir: Path | None = None,
    *,
    allow_missing_files: bool = False,
) -> Backup:
    """Back up the database at DATABASE_URL into PATH, a new file (refused if it exists),
    and, given EVIDENCE_DIR, the evidence files its rows name into PATH.evidence-files. A
    named file missing or changed is refused, naming it, unless ALLOW_MISSING_FILES."""
    started = time.perf_counter()
    folder = backup_files.folder_for(path)
    for taken in (path, folder):
        if taken.exists():
            raise BackupError(f"{taken} already exists: give the backup a new name")
    if not path.parent.is_dir():
        raise BackupError(f"There is no folder {path.parent} to write {path.name} into")
    partial = _beside(path, "partial")
    partial_folder = _beside(folder, "partial")
    source = describe(database_url)
    manifest = None
    try:
        if _backend(database_url) == "sqlite":
            _backup_sqlite(_sqlite_file(database_url), partial)
            revision = _checked_revision(_sqlite_revision(partial), source)
        else:
            with libpq_target(database_url) as target:
                done = run_tool("pg_dump", "--format=custom", f"--file={partial}", target)
            if done.returncode != 0:
                problem = last_lines(done.stderr)
                raise BackupError(f"pg_dump could not back up the database: {problem}")
            revision = _checked_revision(_archive_revision(partial), source)
        if evidence_dir is not None:
            manifest = _back_up_files(
                database_url, partial, path.name, partial_folder, evidence_dir, allow_missing_files
            )
            if manifest is not None:
                os.replace(partial_folder, folder)
        os.replace(partial, path)
    except OSError as error:  # a full disk, a folder it may not write in
        shutil.rmtree(folder, ignore_errors=True)
        raise BackupError(f"The backup could not be written to {path}: {error}") from None
    finally:
        _remove(partial)
        shutil.rmtree(partial_folder, ignore_errors=True)
    return Backup(
        path,
        path.stat().st_size,
        revision,
        time.perf_counter() - started,
        files=len(manifest.files) if manifest else 0,
        files_bytes=sum(f.size_bytes for f in manifest.files) if manifest else 0,
        lacking=tuple(f.describe() for f in manifest.lacking) if manifest else (),
    )


def _back_up_files(
    database_url: str,
    partial: Path,
    name: str,
    folder: Path,
    evidence_dir: Path,
    allow_missing: bool,
) -> backup_files.Manifest | None:
    """Copy the evidence files the database backup PARTIAL (to be called NAME) names into
    FOLDER (None: it names none); refused, naming them, when any is missing or changed,
    unless ALLOW_MISSING."""
    if _backend(database_url) == "postgresql":
        data = run_tool(
            "pg_restore", "--data-only", f"--table={backup_files.TABLE}", "--file=-", str(partial)
        )
        if data.returncode != 0:
            raise BackupError(f"pg_restore cannot read the backup: {last_lines(data.stderr)}")
        named = backup_files.named_in_copy(data.stdout)
    else:
        named = backup_files.named_in_sqlite(partial)
    if not named:
        return None
    manifest, problems = backup_files.copy_out(named, evidence_dir, folder, partial, name)
    if problems and not allow_missing:
        listed = "".join(f"\n  - {p.describe()}" for p in problems)
        raise BackupError(
            f"No backup was made: {len(problems)} of the {len(named)} evidence files the"
            f" database names cannot be copied from {evidence_dir}:{listed}\nPut them back"
            " (an earlier backup's .evidence-files folder holds each under the same name), or"
            " make the backup without them: scrutiny db backup FILE --allow-missing-files"
        )
    return manifest


def restore_database(
    database_url: str, path: Path, *, replace: bool = False, evidence_dir: Path | None = None
) -> Backup:
    """Restore the backup PATH into the database at DATABASE_URL, once it is checked to be a
    scrutiny backup for this kind of database, and, given EVIDENCE_DIR, the evidence files
    beside it into that directory. A database holding data is replaced only with REPLACE
    (RestoreNotConfirmed otherwise); on any failure the database is left as it was."""
    started = time.perf_counter()
    backend = _backend(database_url)
    _check_kind(path, backend)
    copied = 0
    if evidence_dir is not None:
        copied = _restore_files(database_url, path, evidence_dir, replace)
    if backend == "sqlite":
        revision = _restore_sqlite(_sqlite_file(database_url), path, replace, database_url)
    else:
        revision = _restore_postgresql(database_url, path, replace)
    lacking = _lacking(database_url, evidence_dir) if evidence_dir is not None else ()
    return Backup(
        path,
        path.stat().st_size,
        revision,
        time.perf_counter() - started,
        files=copied,
        lacking=lacking,
    )


def _restore_files(database_url: str, path: Path, evidence_dir: Path, replace: bool) -> int:
    """Check the evidence files beside the backup PATH, then copy them into EVIDENCE_DIR
    (before the database, so it never names a file not yet there); how many."""
    folder = backup_files.folder_for(path)
    if not folder.exists():
        return 0
    manifest = backup_files.read_manifest(folder)
    if manifest is None:
        raise BackupError(f"{folder / backup_files.MANIFEST} cannot be read: nothing was changed")
    problems = backup_files.check_folder(folder, manifest, path)
    if problems:
        listed = "".join(f"\n  - {problem}" for problem in problems)
        raise BackupError(f"The backup's evidence files are damaged; nothing was changed:{listed}")
    _confirm(database_url, replace)
    try:
        backup_files.copy_in(folder, manifest, evidence_dir)
    except OSError as error:
        raise BackupError(
            f"The evidence files could not be copied into {evidence_dir}, so the database was"
            f" not restored: {error}"
        ) from None
    return len(manifest.files)


def _lacking(database_url: str, evidence_dir: Path) -> tuple[str, ...]:
    """The evidence files the database names whose bytes EVIDENCE_DIR lacks (or holds changed),
    described."""
    table = recommendation_evidence_files
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table(table.name):
                return ()
            columns = [table.c[name] for name in backup_files.COLUMNS]
            rows = connection.execute(select(*columns).order_by(table.c.id)).mappings()
            named = [backup_files.NamedFile(**dict(row)) for row in rows]
    finally:
        engine.dispose()
    return tuple(f.describe() for f in named if read_blob(evidence_dir, f.sha256) is None)


def has_data(database_url: str) -> bool:
    """Whether any of scrutiny's tables in the database holds a row (a missing SQLite file, or
    a database with no tables or only empty ones, holds none)."""
    if _backend(database_url) == "sqlite" and not _sqlite_file(database_url).exists():
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            present = set(inspect(connection).get_table_names())
            return any(
                connection.execute(select(1).select_from(table).limit(1)).first() is not None
                for table in metadata.sorted_tables
                if table.name in present
            )
    except SQLAlchemyError as error:
        raise BackupError(f"The database cannot be read: {_first_line(error)}") from None
    finally:
        engine.dispose()


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_file(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("Only a SQLite database in a file can be backed up or restored")
    return Path(database)


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)


def _backup_sqlite(database: Path, partial: Path) -> None:
    if not database.is_file():
        raise BackupError(f"There is no database at {database} to back up")
    with closing(_connect(database)) as source, closing(_connect(partial)) as copy:
        source.backup(copy)  # every page in one step: one read transaction, never restarted
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it


def _sqlite_revision(path: Path) -> str | None:
    """The migration of the scrutiny database in the SQLite file PATH (None: not scrutiny's)."""
    try:
        with closing(_connect(path)) as database:
            tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
            if not set(MARKER_TABLES) <= tables:
                return None
            found = database.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} cannot be read as a SQLite database: {error}") from None
    return str(found[0]) if found else None


def _restore_sqlite(database: Path, path: Path, replace: bool, database_url: str) -> str:
    staged = _beside(database, "restoring")
    try:
        shutil.copyfile(path, staged)
        try:
            with closing(_connect(staged)) as copy:
                problems = [row[0] for row in copy.execute("PRAGMA quick_check")]
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{path} is damaged and cannot be restored: {error}") from None
        if problems != ["ok"]:
            raise BackupError(f"{path} is damaged and cannot be restored: {problems[0]}")
        revision = _checked_revision(_sqlite_revision(staged), str(path))
        _confirm(database_url, replace)
        # One write transaction on the database: other connections wait, then see all of it.
        with closing(_connect(staged)) as copy, closing(_connect(database)) as live:
            copy.backup(live)
    except (sqlite3.Error, OSError) as error:
        raise BackupError(f"The restore failed and changed nothing: {error}") from None
    finally:
        _remove(staged)
    return revision


# --- PostgreSQL -----------------------------------------------------------------------------


def _archive_revision(path: Path) -> str | None:
    """The migration of the scrutiny database in the pg_dump archive PATH (None: not scrutiny's)."""
    listing = run_tool("pg_restore", "--list", str(path))
    if listing.returncode != 0:
        raise BackupError(
            f"{path} cannot be read as a pg_dump archive: {last_lines(listing.stderr, 1)}"
        )
    for table in MARKER_TABLES:
        if not re.search(rf" TABLE \S+ {table} ", listing.stdout):
            return None
    data = run_tool("pg_restore", "--data-only", "--table=alembic_version", "--file=-", str(path))
    lines = data.stdout.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("COPY ")]
    if data.returncode != 0 or not starts or starts[0] + 1 >= len(lines):
        return None
    found = lines[starts[0] + 1]
    return None if found == "\\." else found.strip()


def _restore_postgresql(database_url: str, path: Path, replace: bool) -> str:
    revision = _checked_revision(_archive_revision(path), str(path))
    try:
        current = current_revision(database_url)
    except SQLAlchemyError as error:
        raise BackupError(f"The database cannot be reached: {_first_line(error)}") from None
    known = revisions()
    if current is not None and (
        current not in known or known.index(current) > known.index(revision)
    ):
        # pg_restore --clean drops only the backup's own tables: later ones would stay.
        raise BackupError(
            f"The database is at migration {current}, later than the backup's {revision}: "
            f"first run `scrutiny db downgrade {revision}`, then restore"
        )
    _confirm(database_url, replace)
    with libpq_target(database_url) as target:
        done = run_tool(
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target}",
            str(path),
        )
    if done.returncode != 0:
        raise BackupError(
            f"pg_restore failed, so nothing was changed (it runs in one transaction): "
            f"{last_lines(done.stderr)}"
        )
    return revision


# --- Shared checks --------------------------------------------------------------------------


def _backend(database_url: str) -> Backend:
    name = make_url(database_url).get_backend_name()
    if name not in MAGIC:
        raise BackupError(f"Backups are for SQLite and PostgreSQL databases, not {name}")
    return "sqlite" if name == "sqlite" else "postgresql"


def _check_kind(path: Path, backend: Backend) -> None:
    """Refuse PATH unless it starts as a backup for BACKEND does, saying what it is instead."""
    if not path.is_file():
        raise BackupError(f"There is no backup file {path}")
    with path.open("rb") as file:
        start = file.read(16)
    if start.startswith(MAGIC[backend]):
        return
    other = next((name for name, magic in MAGIC.items() if start.startswith(magic)), None)
    if other is not None:
        raise BackupError(
            f"{path} is a backup of a {TITLES[other]} database; this one is {TITLES[backend]}"
        )
    raise BackupError(f"{path} is not a backup made by `scrutiny db backup` ({FORMATS[backend]})")


def _checked_revision(revision: str | None, what: str) -> str:
    """REVISION, the migration of WHAT (a backup file or a database), if this scrutiny has it."""
    if revision is None:
        raise BackupError(f"{what} is not a scrutiny database: it lacks scrutiny's tables")
    if revision not in revisions():
        raise BackupError(
            f"{what} is at migration {revision}, which this scrutiny (up to {head_revision()}) "
            "does not have: use the newer scrutiny that migrated it"
        )
    return revision


def _confirm(database_url: str, replace: bool) -> None:
    if not replace and has_data(database_url):
        raise RestoreNotConfirmed(
            f"{describe(database_url)} holds data, which the backup would replace: "
            "say so to replace it (scrutiny db restore FILE --yes)"
        )


def _beside(path: Path, purpose: str) -> Path:
    """A temporary file in PATH's folder (the same disk), hidden, named for its PURPOSE."""
    return path.with_name(f".{path.name}.{purpose}-{os.getpid()}")


def _remove(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__
