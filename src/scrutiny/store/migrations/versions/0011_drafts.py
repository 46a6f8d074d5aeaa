"""Draft recommendations (recommendation_drafts): what the Ombudsman proposed for a
decision, the council's answer (accept, or a change with reasons, and who at the council
agreed it, as job titles) and the Ombudsman's final wording and due date.

Revision ID: 0011
Revises: 0010
Created: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    timestamp = sa.DateTime(timezone=True)
    op.create_table(
        "recommendation_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("recommendation_number", sa.BigInteger(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("beneficiary", sa.Text(), nullable=False),
        sa.Column("amount_gbp", sa.Double(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("wording", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("data_source", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", timestamp, nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("proposed_wording", sa.Text(), nullable=True),
        sa.Column("proposed_kind", sa.Text(), nullable=True),
        sa.Column("proposed_due_date", sa.Date(), nullable=True),
        sa.Column("response_reasons", sa.Text(), nullable=True),
        sa.Column("agreed_by_title", sa.Text(), nullable=True),
        sa.Column("accountable_officer", sa.Text(), nullable=True),
        sa.Column("responded_by", sa.Text(), nullable=True),
        sa.Column("responded_at", timestamp, nullable=True),
        sa.Column("final_wording", sa.Text(), nullable=True),
        sa.Column("final_kind", sa.Text(), nullable=True),
        sa.Column("final_due_date", sa.Date(), nullable=True),
        sa.Column("took_proposal", sa.Boolean(), nullable=True),
        sa.Column("final_reason", sa.Text(), nullable=True),
        sa.Column("agreed_date", sa.Date(), nullable=True),
        sa.Column("finalised_by", sa.Text(), nullable=True),
        sa.Column("finalised_at", timestamp, nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_recommendation_drafts"),
        sa.UniqueConstraint(
            "decision_ref",
            "recommendation_number",
            name="uq_recommendation_drafts_decision_ref_recommendation_number",
        ),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'change_proposed', 'finalised')",
            name="ck_recommendation_drafts_status",
        ),
        sa.CheckConstraint(
            "response IN ('accept', 'change')", name="ck_recommendation_drafts_response"
        ),
    )
    op.create_index(
        "ix_recommendation_drafts_authority_code", "recommendation_drafts", ["authority_code"]
    )


def downgrade() -> None:
    op.drop_index("ix_recommendation_drafts_authority_code", "recommendation_drafts")
    op.drop_table("recommendation_drafts")
