"""The evidence files in a backup: the bytes its database names, kept beside it.

Evidence files are kept outside the database (scrutiny.store.evidence_blobs), so a backup of
the database alone would restore rows naming files that are gone. A backup FILE therefore
has a folder beside it, FILE.evidence-files, holding the blobs its backed-up rows name (read
from the backup itself, so exactly those rows), each checked against its SHA-256 as it is
copied, in the evidence directory's own layout, and a manifest: which files, and the
SHA-256 of FILE, so the folder cannot be restored with another backup's database.

A restore checks every blob in the folder before anything changes, then copies them into
the evidence directory (only adding: blobs are named by their content, so one already there
is the same file), and only then restores the database.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from contextlib import closing
from dataclasses import asdict, dataclass
from pathlib import Path

from scrutiny.store.evidence_blobs import blob_path, read_blob, store_blob
from scrutiny.store.evidence_files_tables import recommendation_evidence_files

TABLE = recommendation_evidence_files.name
COLUMNS = ("id", "evidence_id", "authority_code", "original_name", "sha256", "size_bytes")
SUFFIX = ".evidence-files"
MANIFEST = "manifest.json"
FORMAT = 1
COPY_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


@dataclass(frozen=True)
class NamedFile:
    """An evidence file a database row names: enough to find its bytes and to name it."""

    id: int
    evidence_id: int
    authority_code: str
    original_name: str
    sha256: str
    size_bytes: int

    def describe(self) -> str:
        return (
            f"evidence file {self.id} ({self.original_name}, evidence {self.evidence_id}"
            f" of {self.authority_code})"
        )


@dataclass(frozen=True)
class Problem:
    """A named file whose bytes are missing, or no longer hash to its SHA-256."""

    file: NamedFile
    kind: str  # "missing" or "changed"
    where: Path

    def describe(self) -> str:
        said = "is missing" if self.kind == "missing" else "has changed since it was sent"
        return f"{self.file.describe()}: {self.where} {said}"


@dataclass(frozen=True)
class Manifest:
    """What a backup's folder of evidence files holds, and what it lacks."""

    database_sha256: str
    files: tuple[NamedFile, ...]
    lacking: tuple[NamedFile, ...]


def folder_for(backup: Path) -> Path:
    """The folder of evidence files beside the database backup BACKUP."""
    return backup.with_name(backup.name + SUFFIX)


def named_in_sqlite(path: Path) -> list[NamedFile]:
    """The evidence files the SQLite database file PATH names (none before they existed)."""
    with closing(sqlite3.connect(path)) as database:
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
        if database.execute(found, (TABLE,)).fetchone() is None:
            return []
        rows = database.execute(f"SELECT {', '.join(COLUMNS)} FROM {TABLE} ORDER BY id")
        return [_named(dict(zip(COLUMNS, row, strict=True))) for row in rows]


def named_in_copy(text: str) -> list[NamedFile]:
    """The evidence files named by TEXT, pg_restore's COPY of the files' table (its data
    section in PostgreSQL's text format; no such section before the table existed)."""
    lines = text.split("\n")  # not splitlines: a name may hold a line separator of Unicode's
    start = next(
        (n for n, line in enumerate(lines) if re.match(rf"COPY \S*{TABLE} \(", line)), None
    )
    if start is None:
        return []
    header = lines[start]
    columns = [
        c.strip().strip('"') for c in header[header.index("(") + 1 : header.index(")")].split(",")
    ]
    named = []
    for line in lines[start + 1 :]:
        if line == "\\.":
            break
        values = dict(zip(columns, (_unescape(v) for v in line.split("\t")), strict=True))
        named.append(_named(values))
    return named


def copy_out(
    named: Iterable[NamedFile], evidence: Path, folder: Path, database_backup: Path, name: str
) -> tuple[Manifest, list[Problem]]:
    """Copy the bytes of the NAMED files from the EVIDENCE directory into FOLDER, each
    checked against its SHA-256, with the manifest of the DATABASE_BACKUP to be called NAME;
    the files that could not be copied."""
    copied: list[NamedFile] = []
    problems: list[Problem] = []
    for file in named:
        data = read_blob(evidence, file.sha256)
        if data is None:
            where = blob_path(evidence, file.sha256)
            problems.append(Problem(file, "changed" if where.exists() else "missing", where))
            continue
        store_blob(folder, file.sha256, data)
        copied.append(file)
    manifest = Manifest(_sha256(database_backup), tuple(copied), tuple(p.file for p in problems))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(
        json.dumps(
            {
                "format": FORMAT,
                "database_backup": name,
                "database_sha256": manifest.database_sha256,
                "files": [asdict(f) for f in manifest.files],
                "lacking": [asdict(f) for f in manifest.lacking],
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return manifest, problems


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of a backup's FOLDER of evidence files; None if it cannot be read."""
    try:
        raw = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return Manifest(
            str(raw["database_sha256"]),
            tuple(_named(f) for f in raw["files"]),
            tuple(_named(f) for f in raw["lacking"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def check_folder(folder: Path, manifest: Manifest, database_backup: Path) -> list[str]:
    """What is wrong with a backup's FOLDER of evidence files (nothing: an empty list)."""
    if _sha256(database_backup) != manifest.database_sha256:
        return [
            f"{folder} holds the evidence files of another backup than {database_backup}:"
            " restore a backup with its own folder"
        ]
    problems = []
    for file in manifest.files:
        if read_blob(folder, file.sha256) is None:
            where = blob_path(folder, file.sha256)
            problems.append(Problem(file, "changed" if where.exists() else "missing", where))
    return [p.describe() for p in problems]


def copy_in(folder: Path, manifest: Manifest, evidence: Path) -> None:
    """Copy every file of a checked backup FOLDER into the EVIDENCE directory (a file
    already there with the same bytes is left as it is)."""
    for file in manifest.files:
        if read_blob(evidence, file.sha256) is not None:
            continue
        data = read_blob(folder, file.sha256)
        if data is None:
            raise OSError(f"{blob_path(folder, file.sha256)} changed during the restore")
        blob_path(evidence, file.sha256).unlink(missing_ok=True)  # changed bytes: replaced
        store_blob(evidence, file.sha256, data)


def _named(values: Mapping[str, object]) -> NamedFile:
    return NamedFile(
        id=int(str(values["id"])),
        evidence_id=int(str(values["evidence_id"])),
        authority_code=str(values["authority_code"]),
        original_name=str(values["original_name"]),
        sha256=str(values["sha256"]),
        size_bytes=int(str(values["size_bytes"])),
    )


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: COPY_ESCAPES.get(m.group(1), m.group(1)), value)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
