"""Self-assessment against the Complaint Handling Code: one answer per authority, year and item.

Revision ID: 0005
Revises: 0004
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "self_assessment_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("financial_year", sa.Text(), nullable=False),
        sa.Column("item", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("action_owner", sa.Text(), nullable=True),
        sa.Column("action_due", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_self_assessment_items"),
        sa.UniqueConstraint(
            "authority_code",
            "financial_year",
            "item",
            name="uq_self_assessment_items_authority_code_financial_year_item",
        ),
        sa.CheckConstraint(
            "status IN ('meets', 'partly_meets', 'does_not_meet')",
            name="ck_self_assessment_items_status",
        ),
    )


def downgrade() -> None:
    op.drop_table("self_assessment_items")
