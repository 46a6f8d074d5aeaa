"""Recommendation lifecycle: evidence of compliance, its checks, and final outcomes.

Revision ID: 0003
Revises: 0002
Created: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recommendation_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("recommendation_number", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("evidence_date", sa.Date(), nullable=False),
        sa.Column("file_reference", sa.Text(), nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_result", sa.Text(), nullable=True),
        sa.Column("check_reason", sa.Text(), nullable=True),
        sa.Column("checked_by", sa.Text(), nullable=True),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recommendation_evidence"),
        sa.CheckConstraint(
            "check_result IN ('accepted', 'rejected')",
            name="ck_recommendation_evidence_check_result",
        ),
    )
    op.create_index(
        "ix_recommendation_evidence_decision_ref_recommendation_number",
        "recommendation_evidence",
        ["decision_ref", "recommendation_number"],
    )
    op.create_table(
        "recommendation_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("recommendation_number", sa.BigInteger(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("completed_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_recommendation_outcomes"),
        sa.CheckConstraint(
            "outcome IN ('complied', 'complied_late', 'not_complied', 'withdrawn')",
            name="ck_recommendation_outcomes_outcome",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["recommendation_evidence.id"],
            name="fk_recommendation_outcomes_evidence_id_recommendation_evidence",
        ),
        sa.UniqueConstraint(
            "decision_ref",
            "recommendation_number",
            name="uq_recommendation_outcomes_decision_ref_recommendation_number",
        ),
    )


def downgrade() -> None:
    op.drop_table("recommendation_outcomes")
    op.drop_table("recommendation_evidence")
