"""Figures from national sources: the imports (source_imports) and social landlords'
complaint measures from the Regulator of Social Housing (housing_landlord_measures).

Revision ID: 0007
Revises: 0006
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None

COUNTS = (
    "homes_owned",
    "social_homes_owned",
    "stage1_complaints",
    "stage1_within_timescale",
    "stage1_timescale_denominator",
    "stage2_complaints",
    "stage2_within_timescale",
    "stage2_timescale_denominator",
)


def upgrade() -> None:
    op.create_table(
        "source_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("imported_by", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('current', 'superseded')", name="ck_source_imports_status"),
        sa.ForeignKeyConstraint(
            ["superseded_by"],
            ["source_imports.id"],
            name="fk_source_imports_superseded_by_source_imports",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_source_imports"),
    )
    op.create_index(
        "ix_source_imports_current",
        "source_imports",
        ["source", "table_name", "period_start"],
        unique=True,
        sqlite_where=sa.text("status = 'current'"),
        postgresql_where=sa.text("status = 'current'"),
    )
    op.create_table(
        "housing_landlord_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("landlord_code", sa.Text(), nullable=False),
        sa.Column("landlord_name", sa.Text(), nullable=False),
        sa.Column("landlord_type", sa.Text(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("tenure_basis", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        *(sa.Column(name, sa.BigInteger(), nullable=True) for name in COUNTS),
        sa.Column("complaint_handling_satisfaction_pct", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["source_imports.id"],
            name="fk_housing_landlord_measures_import_id_source_imports",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_housing_landlord_measures"),
        sa.UniqueConstraint(
            "import_id",
            "landlord_code",
            "tenure_basis",
            name="uq_housing_landlord_measures_row",
        ),
    )
    op.create_index(
        "ix_housing_landlord_measures_import_id", "housing_landlord_measures", ["import_id"]
    )
    op.create_index(
        "ix_housing_landlord_measures_authority_code",
        "housing_landlord_measures",
        ["authority_code"],
    )


def downgrade() -> None:
    op.drop_table("housing_landlord_measures")
    op.drop_index("ix_source_imports_current", table_name="source_imports")
    op.drop_table("source_imports")
