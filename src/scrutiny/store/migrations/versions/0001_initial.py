"""The initial schema: submissions, the audit log and the standard's four data tables.

Revision ID: 0001
Revises:
Created: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

CURRENT = sa.text("status = 'current'")


def _id_and_submission(table: str) -> list[sa.schema.SchemaItem]:
    """The columns every data table starts with.

    submission_id has no foreign key: PostgreSQL checks one row by row, which cost 43% of
    a million-row load. save_submission is the only writer and always inserts the
    submission first; tests check that no row points at a missing submission.
    """
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
    ]


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("table_name", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("submitted_by", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.CheckConstraint("status IN ('current', 'superseded')", name="ck_submissions_status"),
        sa.ForeignKeyConstraint(
            ["superseded_by"], ["submissions.id"], name="fk_submissions_superseded_by_submissions"
        ),
    )
    op.create_index("ix_submissions_authority_code", "submissions", ["authority_code"])
    op.create_index(
        "ix_submissions_current",
        "submissions",
        ["authority_code", "table_name", "period_start", "period_end"],
        unique=True,
        sqlite_where=CURRENT,
        postgresql_where=CURRENT,
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("action", sa.Text(), nullable=False),
        sa.Column("entity", sa.Text(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_entity_entity_id", "audit_log", ["entity", "entity_id"])

    op.create_table(
        "complaints",
        *_id_and_submission("complaints"),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("complaint_ref", sa.Text(), nullable=False),
        sa.Column("stage", sa.BigInteger(), nullable=False),
        sa.Column("process", sa.Text(), nullable=True),
        sa.Column("received_date", sa.Date(), nullable=False),
        sa.Column("acknowledged_date", sa.Date(), nullable=True),
        sa.Column("extension_working_days", sa.BigInteger(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("responded_date", sa.Date(), nullable=True),
        sa.Column("acceptance", sa.Text(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("service_area", sa.Text(), nullable=False),
        sa.Column("service_subarea", sa.Text(), nullable=True),
        sa.Column("channel", sa.Text(), nullable=True),
        sa.Column("remedies", sa.Text(), nullable=True),
        sa.Column("financial_remedy_gbp", sa.Double(), nullable=True),
        sa.Column("service_improvement", sa.Boolean(), nullable=True),
        sa.Column("service_improvement_text", sa.Text(), nullable=True),
        sa.Column("reasonable_adjustments", sa.Boolean(), nullable=True),
        sa.UniqueConstraint(
            "authority_code",
            "complaint_ref",
            "stage",
            name="uq_complaints_authority_code_complaint_ref_stage",
        ),
    )
    op.create_index("ix_complaints_submission_id", "complaints", ["submission_id"])

    op.create_table(
        "aggregate_returns",
        *_id_and_submission("aggregate_returns"),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("stage", sa.BigInteger(), nullable=False),
        sa.Column("service_area", sa.Text(), nullable=True),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("refused", sa.BigInteger(), nullable=True),
        sa.Column("acknowledged_on_time", sa.BigInteger(), nullable=True),
        sa.Column("responded", sa.BigInteger(), nullable=False),
        sa.Column("responded_within_timescale", sa.BigInteger(), nullable=True),
        sa.Column("responded_within_extended_timescale", sa.BigInteger(), nullable=True),
        sa.Column("extended", sa.BigInteger(), nullable=True),
        sa.Column("upheld", sa.BigInteger(), nullable=True),
        sa.Column("partly_upheld", sa.BigInteger(), nullable=True),
        sa.Column("not_upheld", sa.BigInteger(), nullable=True),
        sa.Column("withdrawn", sa.BigInteger(), nullable=True),
        sa.Column("service_improvements", sa.BigInteger(), nullable=True),
        sa.Column("working_days_to_respond_total", sa.BigInteger(), nullable=True),
        sa.Column("working_days_to_respond_median", sa.Double(), nullable=True),
    )
    op.create_index("ix_aggregate_returns_submission_id", "aggregate_returns", ["submission_id"])
    op.create_index("ix_aggregate_returns_authority_code", "aggregate_returns", ["authority_code"])

    op.create_table(
        "ombudsman_decisions",
        *_id_and_submission("ombudsman_decisions"),
        sa.Column("ombudsman", sa.Text(), nullable=False),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("finding_element", sa.Text(), nullable=True),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("decision_date", sa.Date(), nullable=False),
        sa.Column("category", sa.Text(), nullable=False),
        sa.Column("subcategory", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("fault_found", sa.Boolean(), nullable=True),
        sa.Column("complaint_handling_fault", sa.Boolean(), nullable=True),
        sa.Column("satisfactory_remedy_by_authority", sa.Boolean(), nullable=True),
        sa.Column("public_interest_report", sa.Boolean(), nullable=True),
        sa.Column("housing_ombudsman_finding", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_ombudsman_decisions_submission_id", "ombudsman_decisions", ["submission_id"]
    )
    op.create_index(
        "ix_ombudsman_decisions_authority_code", "ombudsman_decisions", ["authority_code"]
    )

    op.create_table(
        "recommendations",
        *_id_and_submission("recommendations"),
        sa.Column("decision_ref", sa.Text(), nullable=False),
        sa.Column("recommendation_number", sa.BigInteger(), nullable=False),
        sa.Column("authority_code", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("beneficiary", sa.Text(), nullable=False),
        sa.Column("amount_gbp", sa.Double(), nullable=True),
        sa.Column("agreed_date", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("completed_date", sa.Date(), nullable=True),
        sa.Column("compliance_status", sa.Text(), nullable=False),
        sa.Column("evidence_note", sa.Text(), nullable=True),
        sa.UniqueConstraint(
            "decision_ref",
            "recommendation_number",
            name="uq_recommendations_decision_ref_recommendation_number",
        ),
    )
    op.create_index("ix_recommendations_submission_id", "recommendations", ["submission_id"])
    op.create_index("ix_recommendations_authority_code", "recommendations", ["authority_code"])


def downgrade() -> None:
    for table in (
        "recommendations",
        "ombudsman_decisions",
        "aggregate_returns",
        "complaints",
        "audit_log",
        "submissions",
    ):
        op.drop_table(table)
