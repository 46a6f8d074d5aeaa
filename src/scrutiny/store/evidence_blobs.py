"""Where the bytes of evidence files are kept: one file per content, named by its SHA-256.

The rows (scrutiny.store.evidence_files_tables) say who sent what; the bytes live in the
evidence directory (Settings.evidence_path), each under its digest, so the same bytes sent
twice are kept once and a row can never point at bytes other than those it was checked with.
The evidence files themselves (scrutiny.recommendations.evidence_files) and the backups
(scrutiny.store.backup_files) both keep blobs in this one layout.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def blob_path(directory: Path, digest: str) -> Path:
    """Where the bytes whose SHA-256 is DIGEST are kept: two levels of folders by its first
    characters, so no folder grows to hundreds of thousands of files."""
    return directory / digest[:2] / digest[2:4] / digest


def store_blob(directory: Path, digest: str, data: bytes) -> None:
    """Write DATA under DIGEST, atomically, unless the same bytes are there already."""
    path = blob_path(directory, digest)
    if path.exists() and path.stat().st_size == len(data):
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_blob(directory: Path, digest: str) -> bytes | None:
    """The bytes kept under DIGEST if they are there and still hash to it; None otherwise."""
    try:
        data = blob_path(directory, digest).read_bytes()
    except FileNotFoundError:
        return None
    return data if hashlib.sha256(data).hexdigest() == digest else None
