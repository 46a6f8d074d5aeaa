"""Signed-in sessions, kept in the database so that ending one ends it everywhere at once.

A browser's cookie holds only a random session id; the `sessions` row is found by the
id's SHA-256, so a copy of the table gives no one a working cookie. The row holds the
account, the session's CSRF token and what the web keeps between pages (a flash message,
a checked file awaiting its sender's word). A session lasts SESSION_HOURS from the last
request (it slides, as the signed cookies before it did); signing out deletes its row, an
admin's "sign out everywhere", switching an account off and a password reset delete all
of the account's. Expired rows are deleted whenever someone signs in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.engine import Connection

from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import as_utc, transaction
from scrutiny.store.people import sessions, users

SESSION_HOURS = 8
# A request refreshes its session's expiry at most this often, so pages that change
# nothing in the session do not each write to the database.
TOUCH_SECONDS = 60


@dataclass(frozen=True)
class Session:
    """One signed-in session, as read at the start of a request."""

    id_hash: str
    user_id: int
    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def session_hash(token: str) -> str:
    """The SHA-256 (hex) under which the session with cookie value TOKEN is kept."""
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(engine: Engine, user_id: int, now: datetime | None = None) -> tuple[str, Session]:
    """A new session for USER_ID: the cookie value (shown only here) and the session."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session = Session(
        id_hash=session_hash(token),
        user_id=user_id,
        csrf_token=secrets.token_urlsafe(32),
        last_seen_at=now,
        expires_at=now + timedelta(hours=SESSION_HOURS),
    )
    with transaction(engine) as connection:
        connection.execute(delete(sessions).where(sessions.c.expires_at <= now))
        connection.execute(
            insert(sessions),
            {
                "id_hash": session.id_hash,
                "user_id": user_id,
                "csrf_token": session.csrf_token,
                "data": {},
                "created_at": now,
                "last_seen_at": now,
                "expires_at": session.expires_at,
            },
        )
    return token, session


def find_session(engine: Engine, token: str, now: datetime | None = None) -> Session | None:
    """The unexpired session with cookie value TOKEN of an account still switched on, or None."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        row = connection.execute(
            select(sessions)
            .join(users, users.c.id == sessions.c.user_id)
            .where(
                sessions.c.id_hash == session_hash(token),
                sessions.c.expires_at > now,
                users.c.active.is_(True),
            )
        ).first()
    if row is None:
        return None
    return Session(
        id_hash=row.id_hash,
        user_id=row.user_id,
        csrf_token=row.csrf_token,
        last_seen_at=as_utc(row.last_seen_at),
        expires_at=as_utc(row.expires_at),
        data=dict(row.data or {}),
    )


def keep_session(
    engine: Engine, session: Session, data: dict[str, Any], now: datetime | None = None
) -> None:
    """Store DATA as SESSION's and move its expiry on; nothing is written when the data is
    unchanged and the session was seen less than TOUCH_SECONDS ago."""
    now = now or datetime.now(UTC)
    if data == session.data and now - session.last_seen_at < timedelta(seconds=TOUCH_SECONDS):
        return
    with transaction(engine) as connection:
        connection.execute(
            update(sessions)
            .where(sessions.c.id_hash == session.id_hash)
            .values(
                data=data,
                last_seen_at=now,
                expires_at=now + timedelta(hours=SESSION_HOURS),
            )
        )


def end_session(engine: Engine, token: str) -> None:
    """End the session with cookie value TOKEN (signing out); nothing if there is none."""
    with transaction(engine) as connection:
        connection.execute(delete(sessions).where(sessions.c.id_hash == session_hash(token)))


def delete_user_sessions(connection: Connection, user_id: int) -> int:
    """Delete every session of USER_ID in the caller's transaction; how many there were."""
    return connection.execute(delete(sessions).where(sessions.c.user_id == user_id)).rowcount


def end_user_sessions(engine: Engine, user_id: int, *, actor: str) -> int:
    """Sign USER_ID out everywhere: every session ends at its next request. How many ended."""
    with transaction(engine) as connection:
        ended = delete_user_sessions(connection, user_id)
        record_audit_entry(
            connection,
            actor=actor,
            action="sign_out_everywhere",
            entity="user",
            entity_id=user_id,
            detail={"sessions": ended},
        )
    return ended


def count_sessions(engine: Engine, user_id: int, now: datetime | None = None) -> int:
    """How many unexpired sessions USER_ID has."""
    now = now or datetime.now(UTC)
    with engine.connect() as connection:
        return len(
            connection.execute(
                select(sessions.c.id_hash).where(
                    sessions.c.user_id == user_id, sessions.c.expires_at > now
                )
            ).all()
        )
