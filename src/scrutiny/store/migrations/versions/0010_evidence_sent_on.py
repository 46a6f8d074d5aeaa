"""When each piece of evidence was sent (sent_on), beside the date it claims, and whether
the Ombudsman confirmed a claimed date that was before the due date when the evidence
itself arrived after it (claimed_date_confirmed).

API tokens may have no authority: an Ombudsman token, for an Ombudsman account's work
across councils (drafting recommendations, checking evidence).

Evidence recorded before this revision was sent on the day it was recorded, so sent_on
is filled from submitted_at (a UTC date-time).

Revision ID: 0010
Revises: 0009
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recommendation_evidence") as batch:
        batch.add_column(sa.Column("sent_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("claimed_date_confirmed", sa.Boolean(), nullable=True))
    day = (
        "date(submitted_at)"
        if op.get_bind().dialect.name == "sqlite"
        else "CAST(submitted_at AS DATE)"
    )
    op.execute(f"UPDATE recommendation_evidence SET sent_on = {day}")
    with op.batch_alter_table("recommendation_evidence") as batch:
        batch.alter_column("sent_on", existing_type=sa.Date(), nullable=False)
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("authority_code", existing_type=sa.Text(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM api_tokens WHERE authority_code IS NULL")
    with op.batch_alter_table("api_tokens") as batch:
        batch.alter_column("authority_code", existing_type=sa.Text(), nullable=False)
    with op.batch_alter_table("recommendation_evidence") as batch:
        batch.drop_column("claimed_date_confirmed")
        batch.drop_column("sent_on")
