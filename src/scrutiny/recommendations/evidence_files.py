"""Files attached to a council's evidence of compliance: attach, list, read, withdraw.

A file is checked before anything is written (evidence_file_types.identify: its kind from
its bytes, its size, its name agreeing with its content), then kept once under its
SHA-256 in the evidence directory (Settings.evidence_path), written to a temporary file
and renamed into place, so a reader never sees half a file and the same bytes sent twice
are one file. Its row (who, when, what) and its audit entry share one transaction.

A file belongs to one piece of evidence, and so to one council. It may be withdrawn, with a
reason, until the Ombudsman checks the evidence, never after; a withdrawn file stays in
the history as withdrawn and can no longer be read. Nothing replaces a file: sending a
different one adds a file. Every upload, download and withdrawal is in the audit log.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.engine import Connection, RowMapping

from scrutiny.core.errors import NotFound
from scrutiny.recommendations.evidence_file_types import (
    BY_MEDIA_TYPE,
    MAX_FILES_PER_EVIDENCE,
    EvidenceFileRefused,
    clean_name,
    identify,
)
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import as_utc, recommendation_evidence, recommendations, transaction
from scrutiny.store.evidence_blobs import blob_path, store_blob
from scrutiny.store.evidence_files_tables import recommendation_evidence_files as files

AUDIT_ENTITY = "recommendation_evidence_file"
CHUNK = 1024 * 1024


class EvidenceFileNotFound(NotFound):
    """No such file or evidence, or not the asking council's."""


@dataclass(frozen=True)
class EvidenceFile:
    """One file attached to evidence, as its row records it."""

    id: int
    evidence_id: int
    authority_code: str
    decision_ref: str
    recommendation_number: int
    original_name: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    withdrawn_by: str | None
    withdrawn_at: datetime | None
    withdrawn_reason: str | None

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def type_label(self) -> str:
        """What kind of file it is, as people say it ("PDF", "Word document")."""
        kind = BY_MEDIA_TYPE.get(self.media_type)
        return kind.label if kind else self.media_type


def read_upload(stream: IO[bytes], limit: int, name: str | None = None) -> bytes:
    """The bytes of an uploaded STREAM, read no further than one byte past LIMIT: a larger
    file is refused without being read whole (and nothing is stored)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        identify(name, data, limit=limit)  # refuses it, saying the limit
    return data


def attach_file(
    engine: Engine,
    directory: Path,
    evidence_id: int,
    *,
    name: str | None,
    data: bytes,
    by: str,
    limit: int,
    authority_code: str | None = None,
) -> EvidenceFile:
    """Attach the file NAME holding DATA to evidence EVIDENCE_ID (of AUTHORITY_CODE, when
    given); refused (nothing stored) unless it is a kind allowed, within LIMIT bytes, and
    the evidence still awaits its check."""
    kind = identify(name, data, limit=limit)
    digest = hashlib.sha256(data).hexdigest()
    now = datetime.now(UTC)
    with transaction(engine) as connection:
        evidence = _evidence(connection, evidence_id, authority_code)
        if evidence["check_result"] is not None:
            raise EvidenceFileRefused(
                f"evidence {evidence_id} was already checked ({evidence['check_result']} on"
                f" {evidence['checked_on']}): files cannot be added to it. Send new evidence"
                " with the file instead."
            )
        current = _current_files(connection, evidence_id)
        if len(current) >= MAX_FILES_PER_EVIDENCE:
            raise EvidenceFileRefused(
                f"evidence {evidence_id} already has {MAX_FILES_PER_EVIDENCE} files, the most"
                " one piece of evidence may have: withdraw one first, or combine them in a PDF"
            )
        if same := next((f for f in current if f["sha256"] == digest), None):
            raise EvidenceFileRefused(
                f"this file is already attached to evidence {evidence_id}, as"
                f" {same['original_name']}: nothing was stored"
            )
        store_blob(directory, digest, data)
        file_id = connection.execute(
            files.insert()
            .values(
                evidence_id=evidence_id,
                authority_code=evidence["authority_code"],
                original_name=clean_name(name),
                media_type=kind.media_type,
                size_bytes=len(data),
                sha256=digest,
                uploaded_by=by,
                uploaded_at=now,
            )
            .returning(files.c.id)
        ).scalar_one()
        detail = {"name": clean_name(name), "media_type": kind.media_type, "size": len(data)}
        _audit(connection, by, "upload_evidence_file", file_id, evidence, now, digest, detail)
        return _one(connection, int(file_id))


def list_evidence_files(
    engine: Engine, evidence_ids: list[int] | None = None, *, authority_code: str | None = None
) -> list[EvidenceFile]:
    """The files of the evidence in EVIDENCE_IDS (every file when None), oldest first,
    withdrawn ones included; only AUTHORITY_CODE's when given."""
    query = _select().order_by(files.c.id)
    if evidence_ids is not None:
        query = query.where(files.c.evidence_id.in_(evidence_ids))
    if authority_code is not None:
        query = query.where(files.c.authority_code == authority_code)
    with engine.connect() as connection:
        return [_file(row) for row in connection.execute(query).mappings()]


def files_by_evidence(engine: Engine, evidence_ids: list[int]) -> dict[int, list[EvidenceFile]]:
    """The files of each piece of evidence in EVIDENCE_IDS, for pages listing evidence."""
    found: dict[int, list[EvidenceFile]] = {i: [] for i in evidence_ids}
    for attached in list_evidence_files(engine, evidence_ids) if evidence_ids else []:
        found[attached.evidence_id].append(attached)
    return found


def find_file(engine: Engine, file_id: int, *, authority_code: str | None = None) -> EvidenceFile:
    """The file FILE_ID (AUTHORITY_CODE's only, when given), without its bytes."""
    with engine.connect() as connection:
        return _owned(connection, file_id, authority_code)


def evidence_of(
    engine: Engine, evidence_id: int, *, authority_code: str | None = None
) -> dict[str, Any]:
    """The evidence EVIDENCE_ID with its council's code (AUTHORITY_CODE's only, when given)."""
    with engine.connect() as connection:
        return dict(_evidence(connection, evidence_id, authority_code))


def awaiting_check(engine: Engine, decision_ref: str, number: int) -> int:
    """The id of the recommendation's evidence awaiting its check, to attach files to."""
    query = select(recommendation_evidence.c.id).where(
        recommendation_evidence.c.decision_ref == decision_ref,
        recommendation_evidence.c.recommendation_number == number,
        recommendation_evidence.c.check_result.is_(None),
    )
    with engine.connect() as connection:
        found = connection.execute(query).scalar()
    if found is None:
        raise EvidenceFileNotFound(
            f"recommendation {number} of decision {decision_ref} has no evidence awaiting a"
            " check: record the evidence first, then attach files to it"
        )
    return int(found)


def read_file(
    engine: Engine, directory: Path, file_id: int, *, by: str, authority_code: str | None = None
) -> tuple[EvidenceFile, bytes]:
    """The file FILE_ID and its bytes, checked against its SHA-256, for BY to download
    (written to the audit log); AUTHORITY_CODE's only, when given."""
    with transaction(engine) as connection:
        found = _owned(connection, file_id, authority_code)
        if found.withdrawn:
            raise EvidenceFileNotFound(
                f"{found.original_name} was withdrawn by {found.withdrawn_by} on"
                f" {found.withdrawn_at:%d %B %Y}: {found.withdrawn_reason}"
            )
        path = blob_path(directory, found.sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise EvidenceFileNotFound(
                f"the bytes of {found.original_name} are missing from the file store"
                f" ({path}): restore the evidence directory from its backup"
            ) from None
        if hashlib.sha256(data).hexdigest() != found.sha256:
            raise EvidenceFileNotFound(
                f"the stored copy of {found.original_name} ({path}) has changed since it was"
                " sent: restore it from the backup"
            )
        evidence = _evidence(connection, found.evidence_id, None)
        detail = {"name": found.original_name}
        now = datetime.now(UTC)
        _audit(
            connection, by, "download_evidence_file", file_id, evidence, now, found.sha256, detail
        )
    return found, data


def withdraw_file(
    engine: Engine, file_id: int, *, reason: str, by: str, authority_code: str | None = None
) -> EvidenceFile:
    """Withdraw file FILE_ID, saying why: only before its evidence is checked."""
    if not reason.strip():
        raise EvidenceFileRefused("a reason for withdrawing the file is required")
    now = datetime.now(UTC)
    with transaction(engine) as connection:
        found = _owned(connection, file_id, authority_code)
        evidence = _evidence(connection, found.evidence_id, None)
        if found.withdrawn:
            raise EvidenceFileRefused(
                f"{found.original_name} was already withdrawn on {found.withdrawn_at:%d %B %Y}"
            )
        if evidence["check_result"] is not None:
            raise EvidenceFileRefused(
                f"evidence {found.evidence_id} was checked ({evidence['check_result']} on"
                f" {evidence['checked_on']}): its files are part of that check and cannot be"
                " withdrawn"
            )
        changed = connection.execute(
            update(files)
            .where(files.c.id == file_id, files.c.withdrawn_at.is_(None))
            .values(withdrawn_by=by, withdrawn_at=now, withdrawn_reason=reason.strip())
        )
        if changed.rowcount != 1:  # withdrawn by someone else meanwhile
            raise EvidenceFileRefused(f"{found.original_name} was already withdrawn")
        detail = {"name": found.original_name, "reason": reason.strip()}
        _audit(
            connection, by, "withdraw_evidence_file", file_id, evidence, now, found.sha256, detail
        )
        return _one(connection, file_id)


def _select() -> Any:
    return select(
        files,
        recommendation_evidence.c.decision_ref,
        recommendation_evidence.c.recommendation_number,
    ).join(recommendation_evidence, recommendation_evidence.c.id == files.c.evidence_id)


def _file(row: RowMapping) -> EvidenceFile:
    values = dict(row)
    for moment in ("uploaded_at", "withdrawn_at"):
        values[moment] = as_utc(values[moment]) if values[moment] else None
    values["recommendation_number"] = int(values["recommendation_number"])
    return EvidenceFile(**values)


def _one(connection: Connection, file_id: int) -> EvidenceFile:
    return _file(connection.execute(_select().where(files.c.id == file_id)).mappings().one())


def _owned(connection: Connection, file_id: int, authority_code: str | None) -> EvidenceFile:
    row = connection.execute(_select().where(files.c.id == file_id)).mappings().first()
    if row is None or (authority_code is not None and row["authority_code"] != authority_code):
        raise EvidenceFileNotFound(f"there is no evidence file {file_id}")
    return _file(row)


def _evidence(connection: Connection, evidence_id: int, authority_code: str | None) -> RowMapping:
    """The evidence with its council's code; EvidenceFileNotFound unless AUTHORITY_CODE's."""
    council = (
        select(func.min(recommendations.c.authority_code))
        .where(recommendations.c.decision_ref == recommendation_evidence.c.decision_ref)
        .scalar_subquery()
    )
    row = (
        connection.execute(
            select(recommendation_evidence, council.label("authority_code")).where(
                recommendation_evidence.c.id == evidence_id
            )
        )
        .mappings()
        .first()
    )
    if row is None or (authority_code is not None and row["authority_code"] != authority_code):
        raise EvidenceFileNotFound(f"there is no evidence {evidence_id}")
    return row


def _current_files(connection: Connection, evidence_id: int) -> list[RowMapping]:
    query = select(files).where(files.c.evidence_id == evidence_id, files.c.withdrawn_at.is_(None))
    return list(connection.execute(query).mappings())


def _audit(
    connection: Connection,
    actor: str,
    action: str,
    file_id: int,
    evidence: RowMapping,
    at: datetime,
    digest: str,
    detail: dict[str, Any],
) -> None:
    record_audit_entry(
        connection,
        actor=actor,
        action=action,
        entity=AUDIT_ENTITY,
        entity_id=int(file_id),
        detail={
            "decision_ref": evidence["decision_ref"],
            "recommendation_number": int(evidence["recommendation_number"]),
            "evidence_id": int(evidence["id"]),
            "authority_code": evidence["authority_code"],
            "sha256": digest,
            **detail,
        },
        at=at,
    )
