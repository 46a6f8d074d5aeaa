"""The tables of the people who use the web service: accounts, API tokens, sessions,
failed sign-ins and password-reset links. Declared on the store's one metadata; the code
that reads and writes them is in scrutiny.store.accounts, sessions, sign_in and
password_resets."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from scrutiny.store.metadata import metadata

# People who sign in to the web service. Council roles belong to one authority; the
# Ombudsman and admin roles see every authority (a check constraint keeps that straight).
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", Text, nullable=False),  # stored lower-case
    Column("password_hash", Text, nullable=False),  # argon2id
    Column("role", Text, nullable=False),
    Column("authority_code", Text, nullable=True),
    Column("active", Boolean, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("last_login_at", DateTime(timezone=True), nullable=True),  # UTC
    CheckConstraint("role IN ('admin', 'ombudsman', 'council_officer', 'councillor')", name="role"),
    CheckConstraint(
        "(role IN ('council_officer', 'councillor')) = (authority_code IS NOT NULL)",
        name="authority",
    ),
    UniqueConstraint("email"),
)

# API tokens: only a SHA-256 of the token is kept; each is scoped to one authority, or
# to none for an Ombudsman account's work across councils.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("authority_code", Text, nullable=True),  # none: an Ombudsman token (0010)
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("last_used_at", DateTime(timezone=True), nullable=True),  # UTC
    Column("revoked_at", DateTime(timezone=True), nullable=True),  # UTC
    UniqueConstraint("token_hash"),
)

# Signed-in sessions (scrutiny.store.sessions). The cookie holds only a random id, of
# which this keeps the SHA-256; signing out deletes the row, so a copied cookie stops at once.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("csrf_token", Text, nullable=False),
    Column("data", JSON, nullable=False),  # flash messages, checked files awaiting a word
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("last_seen_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("expires_at", DateTime(timezone=True), nullable=False),  # UTC
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)

# Failed sign-ins, kept for the throttle's window (scrutiny.store.sign_in): the client's
# address (an IPv6 address by its /64) and the SHA-256 of the email address tried, which
# need not be an account's.
sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("address", Text, nullable=False),
    Column("account", String(64), nullable=False),
    Column("failed_at", DateTime(timezone=True), nullable=False),  # UTC
    Index("ix_sign_in_failures_address_failed_at", "address", "failed_at"),
    Index("ix_sign_in_failures_account", "account"),
)

# One-time links to set a new password (scrutiny.store.password_resets): only the
# SHA-256 of the link's token is kept; a link works once, until it expires.
password_resets = Table(
    "password_resets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("token_hash", String(64), nullable=False),
    Column("created_by", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("expires_at", DateTime(timezone=True), nullable=False),  # UTC
    Column("used_at", DateTime(timezone=True), nullable=True),  # UTC
    UniqueConstraint("token_hash"),
)
