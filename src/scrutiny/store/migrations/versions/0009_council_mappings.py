"""Councils' saved mappings (council_mappings): how each council's case-system export reads
as the standard, by name and numbered version, the newest current.

Revision ID: 0009
Revises: 0008
Created: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_mappings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("yaml", sa.Text(), nullable=False),
        sa.Column("created_by", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_council_mappings"),
        sa.UniqueConstraint(
            "authority_code",
            "name",
            "version",
            name="uq_council_mappings_authority_code_name_version",
        ),
    )


def downgrade() -> None:
    op.drop_table("council_mappings")
