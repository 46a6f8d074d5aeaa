"""What happened to one recommendation: its evidence and its entries in the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from scrutiny.recommendations.lifecycle import EVIDENCE, OUTCOME
from scrutiny.store.audit import AuditEntry, list_audit_entries
from scrutiny.store.db import recommendation_evidence


def list_evidence(engine: Engine, decision_ref: str, number: int) -> list[dict[str, Any]]:
    """Every piece of evidence sent for one recommendation, oldest first."""
    query = (
        select(recommendation_evidence)
        .where(
            recommendation_evidence.c.decision_ref == decision_ref,
            recommendation_evidence.c.recommendation_number == number,
        )
        .order_by(recommendation_evidence.c.id)
    )
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def evidence_awaiting_check(engine: Engine) -> dict[tuple[str, int], dict[str, Any]]:
    """Each recommendation's evidence awaiting the Ombudsman's check (the oldest, should
    there be more), by (decision_ref, recommendation_number): one query for every list."""
    query = (
        select(recommendation_evidence)
        .where(recommendation_evidence.c.check_result.is_(None))
        .order_by(recommendation_evidence.c.id.desc())
    )
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    return {(row["decision_ref"], row["recommendation_number"]): row for row in rows}


def recommendation_history(engine: Engine, decision_ref: str, number: int) -> list[AuditEntry]:
    """The audit log's entries about one recommendation's lifecycle, oldest first."""
    key = {"decision_ref": decision_ref, "recommendation_number": number}
    entries = list_audit_entries(engine, entity=EVIDENCE) + list_audit_entries(
        engine, entity=OUTCOME
    )
    mine = [e for e in entries if e.detail and all(e.detail.get(k) == v for k, v in key.items())]
    return sorted(mine, key=lambda entry: entry.id)
