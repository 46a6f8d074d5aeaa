"""One-time links to set a new password, made by an admin for a person who cannot sign in.

`scrutiny users reset-password EMAIL`, or the admin accounts page, gives a link,
/reset/<token>, to send the person by a channel the admin trusts. The token is random and
shown only then: only its SHA-256 is kept. A link works once, for RESET_HOURS, and only
while the account is switched on; making a new link for an account cancels its earlier
ones. Setting the password through it ends every session of the account, lets it sign in
again from every address (see scrutiny.store.sign_in) and is written to the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from scrutiny.core.errors import NotFound
from scrutiny.store.accounts import AccountError, User, check_password, find_user, hash_password
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import as_utc, transaction
from scrutiny.store.people import password_resets, users
from scrutiny.store.sessions import delete_user_sessions
from scrutiny.store.sign_in import clear_failures

RESET_HOURS = 24


class ResetLinkUnusable(NotFound):
    """The link is not one we made, has been used, has expired or its account is off."""

    def __init__(self) -> None:
        super().__init__(
            "This link to set a password has expired or has already been used. Ask an "
            "administrator for a new one."
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def reset_address(base_url: str, token: str) -> str:
    """The link to send for TOKEN, at the service's address BASE_URL."""
    return f"{base_url.rstrip('/')}/reset/{token}"


def create_reset_link(
    engine: Engine, email: str, *, actor: str, now: datetime | None = None
) -> tuple[User, str]:
    """A new one-time token for EMAIL's account (earlier unused ones stop working): the
    account and the token, shown only now. AccountError for no such account, or one
    switched off."""
    now = now or datetime.now(UTC)
    user = find_user(engine, email)
    if not user.active:
        raise AccountError(f"{user.email} is switched off: switch it on first")
    token = secrets.token_urlsafe(32)
    with transaction(engine) as connection:
        connection.execute(
            update(password_resets)
            .where(password_resets.c.user_id == user.id, password_resets.c.used_at.is_(None))
            .values(used_at=now)
        )
        reset_id = connection.execute(
            insert(password_resets).returning(password_resets.c.id),
            {
                "user_id": user.id,
                "token_hash": _token_hash(token),
                "created_by": actor,
                "created_at": now,
                "expires_at": now + timedelta(hours=RESET_HOURS),
            },
        ).scalar_one()
        record_audit_entry(
            connection,
            actor=actor,
            action="create",
            entity="password_reset",
            entity_id=reset_id,
            detail={"user": user.email},
        )
    return user, token


def _usable(connection: Connection, token: str, now: datetime) -> Any:
    """The reset and its account for TOKEN, if the link still works; ResetLinkUnusable if not."""
    row = connection.execute(
        select(
            password_resets.c.id.label("reset_id"),
            password_resets.c.expires_at,
            users.c.id.label("user_id"),
            users.c.email,
        )
        .join(users, users.c.id == password_resets.c.user_id)
        .where(
            password_resets.c.token_hash == _token_hash(token),
            password_resets.c.used_at.is_(None),
            users.c.active.is_(True),
        )
    ).first()
    if row is None or as_utc(row.expires_at) <= now:
        raise ResetLinkUnusable
    return row


def reset_link_account(engine: Engine, token: str, now: datetime | None = None) -> str:
    """The email address of the account a working link TOKEN is for; ResetLinkUnusable if none."""
    with engine.connect() as connection:
        return str(_usable(connection, token, now or datetime.now(UTC)).email)


def use_reset_link(
    engine: Engine, token: str, password: str, again: str, now: datetime | None = None
) -> str:
    """Set the password of TOKEN's account to PASSWORD (AGAIN must match), all in one
    transaction: the link is used up, the account's sessions end and its failed sign-ins
    are forgotten. Its email address; ResetLinkUnusable or AccountError (nothing changed)."""
    now = now or datetime.now(UTC)
    check_password(password)
    if password != again:
        raise AccountError("The passwords do not match: enter the same password twice")
    with transaction(engine) as connection:
        row = _usable(connection, token, now)
        used = connection.execute(
            update(password_resets)
            .where(password_resets.c.id == row.reset_id, password_resets.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if not used:  # another request used it a moment ago
            raise ResetLinkUnusable
        connection.execute(
            update(users)
            .where(users.c.id == row.user_id)
            .values(password_hash=hash_password(password))
        )
        ended = delete_user_sessions(connection, row.user_id)
        clear_failures(connection, row.email)
        record_audit_entry(
            connection,
            actor=row.email,
            action="reset_password",
            entity="user",
            entity_id=row.user_id,
            detail={"sessions_ended": ended},
        )
    return str(row.email)
