"""The table of draft recommendations (scrutiny.recommendations.drafts): what the Ombudsman
proposed for a decision, the council's answer and the Ombudsman's final word, one row per
(decision_ref, recommendation_number). Declared on the store's one metadata. Finalising a
draft adds the agreed row to `recommendations` (submission_id says which)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Double,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
)

from scrutiny.store.metadata import metadata

recommendation_drafts = Table(
    "recommendation_drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_ref", Text, nullable=False),
    Column("recommendation_number", BigInteger, nullable=False),
    Column("authority_code", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("beneficiary", Text, nullable=False),
    Column("amount_gbp", Double),
    Column("decision_date", Date, nullable=False),
    Column("wording", Text, nullable=False),
    Column("due_date", Date, nullable=False),
    Column("status", Text, nullable=False),
    Column("data_source", Text, nullable=False),  # the standard's data_source codes
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC
    # The council's answer: accept, or a change with its reasons.
    Column("response", Text),
    Column("proposed_wording", Text),
    Column("proposed_kind", Text),
    Column("proposed_due_date", Date),
    Column("response_reasons", Text),
    Column("agreed_by_title", Text),  # the senior leader's job title, never a name
    Column("accountable_officer", Text),  # a job title too
    Column("responded_by", Text),
    Column("responded_at", DateTime(timezone=True)),  # UTC
    # The Ombudsman's final word.
    Column("final_wording", Text),
    Column("final_kind", Text),
    Column("final_due_date", Date),
    Column("took_proposal", Boolean),
    Column("final_reason", Text),
    Column("agreed_date", Date),
    Column("finalised_by", Text),
    Column("finalised_at", DateTime(timezone=True)),  # UTC
    Column("submission_id", Integer),
    CheckConstraint(
        "status IN ('proposed', 'accepted', 'change_proposed', 'finalised')", name="status"
    ),
    CheckConstraint("response IN ('accept', 'change')", name="response"),
    UniqueConstraint("decision_ref", "recommendation_number"),
    Index("ix_recommendation_drafts_authority_code", "authority_code"),
)
