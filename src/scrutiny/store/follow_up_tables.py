"""The tables of scrutiny follow-up: which council committee is to follow up an Ombudsman
recommendation at which meeting, and what the committee concluded when it reviewed it.
Declared on the store's one metadata; the code that reads and writes them is in
scrutiny.recommendations.follow_up.

Both are keyed by the recommendation's natural key (decision_ref, recommendation_number),
never its row id, as the lifecycle's tables are: a corrected resubmission keeps them.
Rows are only ever added: reassigning a recommendation to another meeting marks the
earlier assignment replaced (replaced_by), so the history stays.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Table,
    Text,
    UniqueConstraint,
)

from scrutiny.store.metadata import metadata

# A recommendation put on a committee's agenda; the current one has no replaced_by.
follow_up_assignments = Table(
    "follow_up_assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_ref", Text, nullable=False),
    Column("recommendation_number", BigInteger, nullable=False),
    Column("authority_code", Text, nullable=False),
    Column("committee", Text, nullable=False),
    Column("meeting_date", Date, nullable=False),
    Column("assigned_by", Text, nullable=False),
    Column("assigned_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("replaced_by", Integer, ForeignKey("follow_up_assignments.id"), nullable=True),
    Index(
        "ix_follow_up_assignments_decision_ref_recommendation_number",
        "decision_ref",
        "recommendation_number",
    ),
    Index("ix_follow_up_assignments_authority_code", "authority_code"),
)

# What a committee concluded at the meeting an assignment named: one review per assignment.
follow_up_reviews = Table(
    "follow_up_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("assignment_id", Integer, ForeignKey("follow_up_assignments.id"), nullable=False),
    Column("decision_ref", Text, nullable=False),
    Column("recommendation_number", BigInteger, nullable=False),
    Column("authority_code", Text, nullable=False),
    Column("conclusion", Text, nullable=False),
    Column("recorded_by", Text, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),  # UTC
    UniqueConstraint("assignment_id"),
    Index("ix_follow_up_reviews_authority_code", "authority_code"),
)
