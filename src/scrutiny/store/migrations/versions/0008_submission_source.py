"""Where each submission's rows came from (data_source): a council's own return unless
said otherwise, so that synthetic demo data is labelled wherever it is shown.

Revision ID: 0008
Revises: 0007
Created: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(
            sa.Column("data_source", sa.Text(), nullable=False, server_default="council_return")
        )


def downgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("data_source")
