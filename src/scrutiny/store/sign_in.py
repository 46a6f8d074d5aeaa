"""Signing in with an email address and password, throttled against guessing.

The policy, and why:
- Every failure is answered with the one message REFUSED, whatever the cause: a wrong
  password, an unknown or switched-off account, or a throttle. So no one can learn which
  accounts exist, or tell that one has been throttled. Each failure does the same work
  (one argon2 check) so the time taken tells nothing either.
- One account from one address (ACCOUNT_LIMIT): after 5 failures within WINDOW
  (15 minutes) that address cannot sign in to that account until fewer than 5 of its
  failures are that recent. The count is per account *and* address, so an attacker who
  tries an account 5 times shuts out only their own address: the real person signs in
  from theirs as before. Before this, 5 requests from anywhere locked the account
  (admins' too) for everyone.
- One address (ADDRESS_LIMIT): 20 failures within WINDOW over any accounts, known or not,
  and that address cannot sign in at all until fewer are that recent. That stops one
  address guessing across many accounts, 4 tries at a time.
- A refused attempt counts as a failure too, so an address that keeps trying stays shut
  out; a success clears that account's failures from that address.
- Addresses are the client's as the web sees it (behind a proxy, the forwarded address
  the proxy vouches for); an IPv6 address counts by its /64, the block one machine is
  usually given, so stepping through one's own block gains nothing.
- What this does not stop: a slow guess spread over many addresses (each gets 5 tries per
  account per 15 minutes). Passwords of at least 12 characters hashed with argon2id are
  the defence there; a proxy or firewall in front can limit further.
- `unlock` (an admin's, `scrutiny users unlock EMAIL`) clears an account's failures from
  every address; a password reset does too.

Failures are kept for WINDOW only: each failure deletes those older.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from scrutiny.store.accounts import AccountError, User, hash_password, password_matches
from scrutiny.store.audit import record_audit_entry
from scrutiny.store.db import transaction
from scrutiny.store.people import sign_in_failures, users

logger = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
ACCOUNT_LIMIT = 5  # failures for one account from one address within WINDOW
ADDRESS_LIMIT = 20  # failures from one address within WINDOW, over any accounts
REFUSED = (
    "Enter a correct email address and password. After 5 failed tries, signing in from "
    "your connection is paused for 15 minutes."
)


@cache
def _nobody() -> str:
    """A hash of a password nobody has, to check against when there is no account, so an
    unknown email takes as long as a known one."""
    return hash_password("no account has this password")


def client_address(host: str | None) -> str:
    """The address the throttle counts HOST under: an IPv6 address by its /64."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:100]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def account_key(email: str) -> str:
    """What the throttle counts an email address under (it need not be an account's)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def authenticate(
    engine: Engine, email: str, password: str, address: str, now: datetime | None = None
) -> User:
    """The account with EMAIL and PASSWORD, signing in from ADDRESS (see client_address);
    AccountError(REFUSED) for every kind of failure."""
    now = now or datetime.now(UTC)
    key = account_key(email)
    # Read, then check the password outside the write transaction: on SQLite a write
    # transaction holds the database's one write lock, and argon2 takes a tenth of a second.
    with engine.connect() as connection:
        throttled = _throttled(connection, address, key, now)
        row = connection.execute(
            select(users).where(users.c.email == email.strip().lower())
        ).first()
    ok = password_matches(row.password_hash if row else _nobody(), password)
    ok = ok and not throttled and bool(row.active if row else False)
    with transaction(engine) as connection:
        if row is None or not ok:
            _record_failure(connection, address, key, now)
        else:
            connection.execute(
                delete(sign_in_failures).where(
                    sign_in_failures.c.address == address, sign_in_failures.c.account == key
                )
            )
            connection.execute(update(users).where(users.c.id == row.id).values(last_login_at=now))
    if throttled:
        logger.warning("sign-in throttled", extra={"user_id": row.id if row else None})
    if row is None or not ok:
        raise AccountError(REFUSED)
    return User(row.id, row.email, row.role, row.authority_code, True)


def _throttled(connection: Connection, address: str, key: str, now: datetime) -> bool:
    recent = sign_in_failures.c.failed_at > now - WINDOW
    from_address = connection.execute(
        select(func.count()).where(sign_in_failures.c.address == address, recent)
    ).scalar_one()
    if from_address >= ADDRESS_LIMIT:
        return True
    for_account = connection.execute(
        select(func.count()).where(
            sign_in_failures.c.address == address, sign_in_failures.c.account == key, recent
        )
    ).scalar_one()
    return bool(for_account >= ACCOUNT_LIMIT)


def _record_failure(connection: Connection, address: str, key: str, now: datetime) -> None:
    connection.execute(delete(sign_in_failures).where(sign_in_failures.c.failed_at <= now - WINDOW))
    connection.execute(
        insert(sign_in_failures), {"address": address, "account": key, "failed_at": now}
    )


def clear_failures(connection: Connection, email: str) -> int:
    """Forget EMAIL's failed sign-ins from every address, in the caller's transaction."""
    return connection.execute(
        delete(sign_in_failures).where(sign_in_failures.c.account == account_key(email))
    ).rowcount


def unlock(engine: Engine, user: User, *, actor: str) -> int:
    """Let USER sign in again from every address at once (an admin's action): how many
    recent failures were forgotten."""
    with transaction(engine) as connection:
        cleared = clear_failures(connection, user.email)
        record_audit_entry(
            connection,
            actor=actor,
            action="unlock",
            entity="user",
            entity_id=user.id,
            detail={"failures_cleared": cleared},
        )
    return cleared
