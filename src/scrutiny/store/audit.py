"""The audit log: who did what to which record, and when. Entries are only ever added."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.engine import Connection

from scrutiny.store.db import as_utc, audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: int | None
    detail: dict[str, Any] | None


def record_audit_entry(
    connection: Connection,
    *,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Add one entry, inside the caller's transaction so it stands or falls with the change."""
    entry = {"actor": actor, "action": action, "entity": entity, "entity_id": entity_id}
    record_audit_entries(connection, [{**entry, "detail": detail, "at": at}])


def record_audit_entries(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Add several entries (dicts of actor, action, entity, entity_id, detail, at) at once."""
    if not entries:
        return
    now = datetime.now(UTC)
    rows = [
        {"entity_id": None, "detail": None, **entry, "at": entry.get("at") or now}
        for entry in entries
    ]
    connection.execute(insert(audit_log), rows)


def list_audit_entries(
    engine: Engine, *, entity: str | None = None, entity_id: int | None = None
) -> list[AuditEntry]:
    """Entries, oldest first, optionally only those about one ENTITY (and ENTITY_ID)."""
    query = select(audit_log).order_by(audit_log.c.id)
    if entity is not None:
        query = query.where(audit_log.c.entity == entity)
    if entity_id is not None:
        query = query.where(audit_log.c.entity_id == entity_id)
    with engine.connect() as connection:
        return [
            AuditEntry(**{**row._mapping, "at": as_utc(row.at)})
            for row in connection.execute(query)
        ]
