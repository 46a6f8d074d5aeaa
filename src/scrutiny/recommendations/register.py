"""The register of recommendations: every stored one with its derived state, and views of it.

One read of the store gives a frame of every current recommendation with its effective
status (a lifecycle outcome, else the imported compliance_status), its state on TODAY
and working-day counts; the views filter that frame. Working days are scrutiny.reference.calendar's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Engine, select, true

from scrutiny.reference.calendar import add_working_days, count_working_days
from scrutiny.store.db import (
    DATA_TABLES,
    recommendation_evidence,
    recommendation_outcomes,
    recommendations,
)
from scrutiny.store.read import read_frame

FINAL = ("complied", "complied_late", "not_complied", "withdrawn")
STATES = ("agreed", "due", "evidence_submitted", *FINAL)
FILTERS = ("authority_code", "kind", "decision_ref", "category", "beneficiary")
LIST_COLUMNS = [
    "authority_code",
    "decision_ref",
    "recommendation_number",
    "kind",
    "remedy_type",
    "category",
    "amount_gbp",
    "agreed_date",
    "due_date",
    "state",
    "evidence_id",
]
_RECOMMENDATION_TYPES = {
    "decision_ref": pl.String,
    "recommendation_number": pl.Int64,
    "authority_code": pl.String,
    "kind": pl.String,
    "beneficiary": pl.String,
    "amount_gbp": pl.Float64,
    "agreed_date": pl.Date,
    "due_date": pl.Date,
    "completed_date": pl.Date,
    "compliance_status": pl.String,
}
KEY = ["decision_ref", "recommendation_number"]
_OUTCOME_TYPES = {
    "outcome": pl.String,
    "outcome_completed_date": pl.Date,
    "evidence_claimed_date": pl.Date,
    "evidence_sent_on": pl.Date,
    "claimed_date_confirmed": pl.Boolean,
}


def read_register(
    engine: Engine, today: date | None = None, *, authority_code: str | None = None
) -> pl.DataFrame:
    """Every current recommendation with its status, state on TODAY and working-day counts.

    With AUTHORITY_CODE, that council's only, read from the database without the rest.

    status is the final outcome (a lifecycle outcome wins over the imported
    compliance_status) or 'pending'; state adds agreed, due and evidence_submitted;
    evidence_claimed_date and evidence_sent_on are the accepted evidence's two dates, and
    backdated says it was sent after the due date for an action dated by it (on time only
    when claimed_date_confirmed);
    remedy_type is service_improvement for the wider public, else personal_remedy;
    category is the Ombudsman decision's category, when that decision is stored.
    """
    today = today or date.today()
    query = select(*(recommendations.c[n] for n in _RECOMMENDATION_TYPES))
    decisions = DATA_TABLES["ombudsman_decisions"]
    categories_query = select(decisions.c.decision_ref, decisions.c.category)
    refs = select(recommendations.c.decision_ref).where(
        recommendations.c.authority_code == authority_code
    )

    def theirs(decision_ref: Any) -> Any:
        """Rows of the council's decisions (outcomes and evidence carry no council code)."""
        return true() if authority_code is None else decision_ref.in_(refs)

    if authority_code is not None:
        query = query.where(recommendations.c.authority_code == authority_code)
    categories_query = categories_query.where(theirs(decisions.c.decision_ref))
    rows = _typed(read_frame(engine, query), _RECOMMENDATION_TYPES)
    evidence = recommendation_evidence
    outcomes = _typed(
        read_frame(
            engine,
            select(
                *(recommendation_outcomes.c[n] for n in KEY),
                recommendation_outcomes.c.outcome,
                recommendation_outcomes.c.completed_date.label("outcome_completed_date"),
                evidence.c.evidence_date.label("evidence_claimed_date"),
                evidence.c.sent_on.label("evidence_sent_on"),
                evidence.c.claimed_date_confirmed,
            )
            .select_from(
                recommendation_outcomes.outerjoin(
                    evidence, evidence.c.id == recommendation_outcomes.c.evidence_id
                )
            )
            .where(theirs(recommendation_outcomes.c.decision_ref)),
        ),
        {**_key_types(), **_OUTCOME_TYPES},
    )
    waiting = _typed(
        read_frame(
            engine,
            select(*(recommendation_evidence.c[n] for n in KEY), recommendation_evidence.c.id)
            .where(recommendation_evidence.c.check_result.is_(None))
            .where(theirs(recommendation_evidence.c.decision_ref))
            .order_by(recommendation_evidence.c.id),
        ),
        {**_key_types(), "id": pl.Int64},
    ).rename({"id": "evidence_id"})
    categories = _typed(
        read_frame(engine, categories_query.order_by(decisions.c.id)),
        {"decision_ref": pl.String, "category": pl.String},
    ).unique("decision_ref", keep="first", maintain_order=True)
    joined = (
        rows.join(outcomes, on=KEY, how="left")
        .join(waiting.unique(KEY, keep="first"), on=KEY, how="left")
        .join(categories, on="decision_ref", how="left")
    )
    has_outcome = pl.col("outcome").is_not_null()
    status = pl.coalesce("outcome", "compliance_status")
    register = joined.with_columns(
        status.alias("status"),
        pl.when(has_outcome)
        .then(pl.col("outcome_completed_date"))
        .otherwise(pl.col("completed_date"))
        .alias("completed_date"),
        # Sent after the due date for an action dated on or before it (lifecycle.is_backdated)
        (
            (pl.col("evidence_claimed_date") <= pl.col("due_date"))
            & (pl.col("evidence_sent_on") > pl.col("due_date"))
        )
        .fill_null(False)
        .alias("backdated"),
        pl.when(pl.col("beneficiary") == "wider_public")
        .then(pl.lit("service_improvement"))
        .otherwise(pl.lit("personal_remedy"))
        .alias("remedy_type"),
    ).with_columns(
        pl.when(pl.col("status") != "pending")
        .then(pl.col("status"))
        .when(pl.col("evidence_id").is_not_null())
        .then(pl.lit("evidence_submitted"))
        .when(pl.col("due_date") <= today)
        .then(pl.lit("due"))
        .otherwise(pl.lit("agreed"))
        .alias("state"),
    )
    due = register.get_column("due_date").to_numpy().astype("datetime64[D]")
    done = register.get_column("completed_date").to_numpy().astype("datetime64[D]")
    now = np.full(len(due), np.datetime64(today, "D"))
    pending = register.get_column("status").to_numpy() == "pending"
    late = ~np.isnat(done) & (done > due)
    return register.with_columns(
        pl.Series("overdue", pending & (due < now), dtype=pl.Boolean),
        pl.Series("working_days_to_due", count_working_days(now, due), dtype=pl.Int64),
        pl.Series(
            "working_days_overdue",
            np.where(pending & (due < now), count_working_days(due, now), 0),
            dtype=pl.Int64,
        ),
        pl.Series("days_late", np.where(late, (done - due).astype(np.int64), 0), dtype=pl.Int64),
        pl.Series(
            "working_days_late", np.where(late, count_working_days(due, done), 0), dtype=pl.Int64
        ),
    ).select(
        *KEY,
        "authority_code",
        "kind",
        "beneficiary",
        "remedy_type",
        "category",
        "amount_gbp",
        "agreed_date",
        "due_date",
        "completed_date",
        "status",
        "state",
        "evidence_id",
        "evidence_claimed_date",
        "evidence_sent_on",
        "backdated",
        "claimed_date_confirmed",
        "overdue",
        "working_days_to_due",
        "working_days_overdue",
        "days_late",
        "working_days_late",
    )


def due_within(
    engine: Engine,
    working_days: int,
    *,
    today: date | None = None,
    **filters: str | None,
) -> pl.DataFrame:
    """Open recommendations due from TODAY to WORKING_DAYS working days ahead, soonest first.

    FILTERS: any of authority_code, kind, decision_ref, category and beneficiary.
    """
    if working_days < 0:
        raise ValueError("the number of working days ahead must be 0 or more")
    today = today or date.today()
    last = add_working_days(today, working_days)
    register = _filtered(_register_for(engine, today, filters), filters)
    found = register.filter(
        (pl.col("status") == "pending") & pl.col("due_date").is_between(today, last)
    )
    return found.sort("due_date", *KEY).select(*LIST_COLUMNS, "working_days_to_due")


def overdue(engine: Engine, *, today: date | None = None, **filters: str | None) -> pl.DataFrame:
    """Open recommendations whose due date has passed, most working days overdue first.

    An overdue recommendation may have evidence awaiting the Ombudsman's check (state
    evidence_submitted): it stays on this list until the check ends it.
    """
    today = today or date.today()
    register = _filtered(_register_for(engine, today, filters), filters)
    found = register.filter(pl.col("overdue"))
    return found.sort(["working_days_overdue", *KEY], descending=[True, False, False]).select(
        *LIST_COLUMNS, "working_days_overdue"
    )


def repeat_patterns(
    engine: Engine, *, threshold: int = 2, authority_code: str | None = None
) -> pl.DataFrame:
    """Per authority and kind: recommendations not complied with or complied late.

    repeated is true when the same authority has failed or been late on the same kind of
    recommendation THRESHOLD times or more.
    """
    register = read_register(engine, authority_code=authority_code)
    failing = register.filter(pl.col("status").is_in(["not_complied", "complied_late"]))
    return (
        failing.group_by("authority_code", "kind")
        .agg(
            (pl.col("status") == "not_complied").sum().cast(pl.Int64).alias("not_complied"),
            (pl.col("status") == "complied_late").sum().cast(pl.Int64).alias("complied_late"),
            pl.len().cast(pl.Int64).alias("failures"),
            pl.col("decision_ref").unique().sort().str.join(", ").alias("decisions"),
        )
        .with_columns((pl.col("failures") >= threshold).alias("repeated"))
        .sort(["failures", "authority_code", "kind"], descending=[True, False, False])
    )


def _register_for(engine: Engine, today: date, filters: dict[str, str | None]) -> pl.DataFrame:
    """The register read for the council FILTERS name, if they name one."""
    return read_register(engine, today, authority_code=filters.get("authority_code"))


def _filtered(register: pl.DataFrame, filters: dict[str, str | None]) -> pl.DataFrame:
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise ValueError(f"unknown filters {sorted(unknown)}; use {', '.join(FILTERS)}")
    for name, value in filters.items():
        if value is not None:
            register = register.filter(pl.col(name) == value)
    return register


def _key_types() -> dict[str, Any]:
    return {"decision_ref": pl.String, "recommendation_number": pl.Int64}


def _typed(frame: pl.DataFrame, types: Mapping[str, Any]) -> pl.DataFrame:
    """FRAME with TYPES, even when empty (read_frame cannot tell the types of no rows)."""
    if frame.is_empty():
        return pl.DataFrame(schema=dict(types))
    return frame.cast(pl.Schema(types))
