"""Scrutiny follow-up by the council's committees (follow_up_assignments, follow_up_reviews):
which committee follows up an Ombudsman recommendation at which meeting, and what it
concluded.

Revision ID: 0012
Revises: 0011
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follow_up_assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("recommendation_number", sa.BigInteger(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("committee", sa.Text(), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("assigned_by", sa.Text(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["replaced_by"],
            ["follow_up_assignments.id"],
            name="fk_follow_up_assignments_replaced_by_follow_up_assignments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_follow_up_assignments"),
    )
    op.create_index(
        "ix_follow_up_assignments_decision_ref_recommendation_number",
        "follow_up_assignments",
        ["decision_ref", "recommendation_number"],
    )
    op.create_index(
        "ix_follow_up_assignments_authority_code", "follow_up_assignments", ["authority_code"]
    )
    op.create_table(
        "follow_up_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("recommendation_number", sa.BigInteger(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assignment_id"],
            ["follow_up_assignments.id"],
            name="fk_follow_up_reviews_assignment_id_follow_up_assignments",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_follow_up_reviews"),
        sa.UniqueConstraint("assignment_id", name="uq_follow_up_reviews_assignment_id"),
    )
    op.create_index("ix_follow_up_reviews_authority_code", "follow_up_reviews", ["authority_code"])


def downgrade() -> None:
    op.drop_table("follow_up_reviews")
    op.drop_table("follow_up_assignments")
