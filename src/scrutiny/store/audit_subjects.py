"""Which council an audited record belongs to, where its audit entry does not say: a
submission (the entry saying it was superseded carries only ids) and an Ombudsman
recommendation's evidence or outcome (its entries name the decision)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, select

from scrutiny.store.db import recommendations, submissions


def submission_councils(engine: Engine, ids: Collection[int]) -> dict[int, str]:
    """The authority code of each submission in IDS (those that exist)."""
    if not ids:
        return {}
    query = select(submissions.c.id, submissions.c.authority_code).where(
        submissions.c.id.in_(sorted(ids))
    )
    with engine.connect() as connection:
        return {int(i): str(code) for i, code in connection.execute(query)}


def decision_councils(engine: Engine, decision_refs: Collection[str]) -> dict[str, str]:
    """The authority code of each Ombudsman decision in DECISION_REFS with recommendations."""
    if not decision_refs:
        return {}
    query = (
        select(recommendations.c.decision_ref, recommendations.c.authority_code)
        .where(recommendations.c.decision_ref.in_(sorted(decision_refs)))
        .distinct()
    )
    with engine.connect() as connection:
        return {str(ref): str(code) for ref, code in connection.execute(query)}
