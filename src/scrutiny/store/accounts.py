"""Accounts: people who sign in to the web service, their roles, and API tokens.

Roles:
- admin: everything, including accounts and tokens;
- ombudsman: an Ombudsman analyst, reading every authority, checking compliance evidence;
- council_officer: one authority's complaints team: uploads returns, records evidence;
- councillor: one authority's councillors and senior officers, read only.

Passwords are hashed with argon2id; signing in, and its throttle against guessing, is
scrutiny.store.sign_in. API tokens are shown once, when made; only their SHA-256 is
stored, and each is scoped to one authority. Every change is in the audit log.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from scrutiny.core.errors import Invalid
from scrutiny.reference.authorities import current_codes
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import transaction
from scrutiny.store.people import api_tokens, users
from scrutiny.store.sessions import delete_user_sessions

Role = Literal["admin", "ombudsman", "council_officer", "councillor"]
ROLES: tuple[Role, ...] = get_args(Role)
COUNCIL_ROLES: tuple[Role, ...] = ("council_officer", "councillor")
ROLE_NAMES: dict[Role, str] = {
    "admin": "Administrator",
    "ombudsman": "Ombudsman analyst",
    "council_officer": "Council complaints officer",
    "councillor": "Councillor or senior officer",
}
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "scr_"

_hasher = PasswordHasher()


class AccountError(Invalid, ValueError):
    """A request about accounts that cannot be met, with a message a person can act on."""


@dataclass(frozen=True)
class User:
    id: int
    email: str
    role: Role
    authority_code: str | None
    active: bool

    @property
    def sees_all(self) -> bool:
        """True for roles that see every authority (the Ombudsman and admins)."""
        return self.role in ("admin", "ombudsman")

    def may_read(self, authority_code: str) -> bool:
        """True when this user may see AUTHORITY_CODE's non-public data."""
        return self.sees_all or self.authority_code == authority_code

    def may_change(self, authority_code: str) -> bool:
        """True when this user may submit returns and evidence for AUTHORITY_CODE."""
        return self.role == "admin" or (
            self.role == "council_officer" and self.authority_code == authority_code
        )


def _user(row: object) -> User:
    mapping = row._mapping  # type: ignore[attr-defined]
    return User(
        id=mapping["id"],
        email=mapping["email"],
        role=mapping["role"],
        authority_code=mapping["authority_code"],
        active=bool(mapping["active"]),
    )


def _role(text: str) -> Role:
    for role in ROLES:
        if text == role:
            return role
    raise AccountError(f"The role must be one of {', '.join(ROLES)}")


def check_password(password: str) -> None:
    """AccountError when PASSWORD is too short to be an account's."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password must be at least {MIN_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """PASSWORD hashed with argon2id, as it is stored."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """True when PASSWORD is the one PASSWORD_HASH was made from."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _check(email: str, password: str, text: str, authority_code: str | None) -> tuple[str, Role]:
    """EMAIL tidied and the role TEXT names, or AccountError for the first detail wrong."""
    email = email.strip().lower()
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise AccountError("Enter an email address in the correct format, like name@example.org")
    check_password(password)
    role = _role(text)
    if role in COUNCIL_ROLES:
        if not authority_code:
            raise AccountError(f"A {role.replace('_', ' ')} needs an authority code")
        if authority_code not in set(current_codes().to_list()):
            raise AccountError(f"{authority_code} is not a current council code")
    elif authority_code:
        raise AccountError(f"A {role} sees every authority, so give no authority code")
    return email, role


def create_user(
    engine: Engine,
    *,
    email: str,
    password: str,
    role: str,
    authority_code: str | None = None,
    actor: str,
) -> User:
    """Add an account; AccountError when a detail is wrong or the email is taken."""
    email, checked = _check(email, password, role, authority_code)
    row = {
        "email": email,
        "password_hash": hash_password(password),
        "role": role,
        "authority_code": authority_code or None,
        "active": True,
        "created_at": datetime.now(UTC),
    }
    try:
        with transaction(engine) as connection:
            user_id = connection.execute(insert(users).returning(users.c.id), row).scalar_one()
            record_audit_entry(
                connection,
                actor=actor,
                action="create",
                entity="user",
                entity_id=user_id,
                detail={"email": email, "role": role, "authority_code": authority_code},
            )
    except IntegrityError:
        raise AccountError(f"There is already an account for {email}") from None
    return User(user_id, email, checked, authority_code or None, True)


def get_user(engine: Engine, user_id: int) -> User | None:
    """The active user with USER_ID, or None."""
    with engine.connect() as connection:
        row = connection.execute(
            select(users).where(users.c.id == user_id, users.c.active.is_(True))
        ).first()
    return _user(row) if row else None


def find_user(engine: Engine, email: str) -> User:
    """The account (switched on or off) with EMAIL; AccountError when there is none."""
    with engine.connect() as connection:
        row = connection.execute(
            select(users).where(users.c.email == email.strip().lower())
        ).first()
    if row is None:
        raise AccountError(f"There is no account for {email.strip()}")
    return _user(row)


def list_users(engine: Engine) -> list[User]:
    """Every account, by email."""
    with engine.connect() as connection:
        return [_user(r) for r in connection.execute(select(users).order_by(users.c.email))]


def set_active(engine: Engine, user_id: int, active: bool, *, actor: str) -> None:
    """Turn an account on or off (accounts are never deleted: the audit log names them).
    Switching one off ends its sessions at once."""
    with transaction(engine) as connection:
        changed = connection.execute(
            update(users).where(users.c.id == user_id).values(active=active)
        ).rowcount
        if not changed:
            raise AccountError(f"There is no account {user_id}")
        if not active:
            delete_user_sessions(connection, user_id)
        record_audit_entry(
            connection,
            actor=actor,
            action="activate" if active else "deactivate",
            entity="user",
            entity_id=user_id,
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    engine: Engine, user: User, name: str, *, authority_code: str | None, actor: str
) -> str:
    """A new API token for USER, scoped to AUTHORITY_CODE. Returned once; only its hash is kept.

    With no AUTHORITY_CODE it is an Ombudsman token: for an Ombudsman account's work across
    councils (drafting recommendations, checking evidence), never for a council's endpoints.
    """
    if not name.strip():
        raise AccountError("Give the token a name, so you know later what it is for")
    if authority_code is None:
        if user.role != "ombudsman":
            raise AccountError(
                f"{user.email} is not an Ombudsman account: only those get an Ombudsman token"
            )
    elif not user.may_change(authority_code):
        raise AccountError(f"{user.email} cannot submit returns for {authority_code}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction(engine) as connection:
        token_id = connection.execute(
            insert(api_tokens).returning(api_tokens.c.id),
            {
                "user_id": user.id,
                "name": name.strip(),
                "token_hash": _token_hash(token),
                "authority_code": authority_code,
                "created_at": datetime.now(UTC),
            },
        ).scalar_one()
        record_audit_entry(
            connection,
            actor=actor,
            action="create",
            entity="api_token",
            entity_id=token_id,
            detail={"user": user.email, "name": name.strip(), "authority_code": authority_code},
        )
    return token


@dataclass(frozen=True)
class TokenUser:
    """Who an API token acts for: its user, narrowed to the token's one authority."""

    user: User
    token_id: int
    authority_code: str


def _working_token(engine: Engine, token: str) -> Any:
    """The unrevoked TOKEN's row with its active user's columns, or None."""
    with engine.connect() as connection:
        return connection.execute(
            select(api_tokens.c.id, api_tokens.c.authority_code, users)
            .join(users, users.c.id == api_tokens.c.user_id)
            .where(
                api_tokens.c.token_hash == _token_hash(token),
                api_tokens.c.revoked_at.is_(None),
                users.c.active.is_(True),
            )
        ).first()


def ombudsman_for_token(engine: Engine, token: str) -> User | None:
    """The active Ombudsman account behind an unrevoked Ombudsman TOKEN, or None."""
    row = _working_token(engine, token)
    if row is None or row.authority_code is not None or row.role != "ombudsman":
        return None
    return _user(row)


def user_for_token(engine: Engine, token: str) -> TokenUser | None:
    """The active user behind an unrevoked council TOKEN, or None (an Ombudsman token too)."""
    row = _working_token(engine, token)
    if row is None or row.authority_code is None:
        return None
    user = _user(row)
    # The token narrows its user to one authority, even an admin's.
    scoped = User(user.id, user.email, "council_officer", row.authority_code, True)
    return TokenUser(scoped, row[0], row.authority_code)


def list_tokens(engine: Engine, user_id: int | None = None) -> list[dict[str, object]]:
    """Tokens (never their values), newest first; only USER_ID's when given."""
    query = (
        select(
            api_tokens.c.id,
            api_tokens.c.name,
            api_tokens.c.authority_code,
            api_tokens.c.created_at,
            api_tokens.c.last_used_at,
            api_tokens.c.revoked_at,
            users.c.email,
        )
        .join(users, users.c.id == api_tokens.c.user_id)
        .order_by(api_tokens.c.id.desc())
    )
    if user_id is not None:
        query = query.where(api_tokens.c.user_id == user_id)
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def revoke_token(engine: Engine, token_id: int, *, actor: str) -> None:
    """Stop a token working; it stays listed as revoked."""
    with transaction(engine) as connection:
        changed = connection.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        ).rowcount
        if not changed:
            raise AccountError(f"There is no working token {token_id}")
        record_audit_entry(
            connection, actor=actor, action="revoke", entity="api_token", entity_id=token_id
        )
