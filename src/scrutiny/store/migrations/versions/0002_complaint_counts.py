"""Complaint counts: case-level complaints counted up per authority, period and stage.

Revision ID: 0002
Revises: 0001
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None

COUNTS = (
    "received",
    "refused",
    "acknowledged_on_time",
    "responded",
    "responded_within_timescale",
    "responded_within_extended_timescale",
    "extended",
    "upheld",
    "partly_upheld",
    "not_upheld",
    "withdrawn",
    "service_improvements",
    "working_days_to_respond_total",
)
REQUIRED = ("received", "responded")


def upgrade() -> None:
    op.create_table(
        "complaint_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("grain", sa.Text(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("stage", sa.BigInteger(), nullable=False),
        sa.Column("service_area", sa.Text(), nullable=True),
        *[sa.Column(name, sa.BigInteger(), nullable=name not in REQUIRED) for name in COUNTS],
        sa.Column("working_days_to_respond_median", sa.Double(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_complaint_counts"),
    )
    op.create_index("ix_complaint_counts_submission_id", "complaint_counts", ["submission_id"])
    op.create_index(
        "ix_complaint_counts_grain_period", "complaint_counts", ["grain", "period_start"]
    )


def downgrade() -> None:
    op.drop_table("complaint_counts")
