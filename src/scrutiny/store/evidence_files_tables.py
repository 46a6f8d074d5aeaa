"""The table of files attached to a council's evidence of compliance. Declared on the
store's one metadata; the code that reads and writes it is
scrutiny.recommendations.evidence_files.

The bytes are not here: each file is kept once, under its SHA-256, in the directory the
evidence_dir setting names, so the same file sent twice is stored once and a row can
never point at bytes other than those it was checked with.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.sql.naming import conv

from scrutiny.store.metadata import metadata

# One row per file attached to a piece of evidence. A withdrawn file keeps its row (who,
# when and why), so the evidence's history shows it; a different file is another row.
recommendation_evidence_files = Table(
    "recommendation_evidence_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "evidence_id",
        Integer,
        # The convention's name would pass PostgreSQL's 63-character limit.
        ForeignKey(
            "recommendation_evidence.id", name=conv("fk_recommendation_evidence_files_evidence")
        ),
        nullable=False,
    ),
    Column("authority_code", Text, nullable=False),
    Column("original_name", Text, nullable=False),
    Column("media_type", Text, nullable=False),  # detected from the bytes
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),  # hex; the stored file's name
    Column("uploaded_by", Text, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("withdrawn_by", Text),
    Column("withdrawn_at", DateTime(timezone=True)),  # UTC
    Column("withdrawn_reason", Text),
    CheckConstraint(
        "(withdrawn_at IS NULL) = (withdrawn_by IS NULL)"
        " AND (withdrawn_at IS NULL) = (withdrawn_reason IS NULL)",
        name="withdrawn",
    ),
    Index("ix_recommendation_evidence_files_evidence_id", "evidence_id"),
    Index("ix_recommendation_evidence_files_authority_code", "authority_code"),
)
