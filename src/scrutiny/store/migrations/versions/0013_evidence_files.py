"""Files attached to evidence (recommendation_evidence_files): each file's name, detected
type, size and SHA-256 (the bytes are kept outside the database under that hash), who sent
it and when, and who withdrew it, when and why.

Revision ID: 0013
Revises: 0012
Created: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None

TABLE = "recommendation_evidence_files"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("original_name", sa.Text(), nullable=False),
        sa.Column("media_type", sa.Text(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.Text(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_by", sa.Text(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawn_by IS NULL)"
            " AND (withdrawn_at IS NULL) = (withdrawn_reason IS NULL)",
            name=f"ck_{TABLE}_withdrawn",
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["recommendation_evidence.id"],
            name=f"fk_{TABLE}_evidence",
        ),
    )
    op.create_index(f"ix_{TABLE}_evidence_id", TABLE, ["evidence_id"])
    op.create_index(f"ix_{TABLE}_authority_code", TABLE, ["authority_code"])


def downgrade() -> None:
    op.drop_table(TABLE)
