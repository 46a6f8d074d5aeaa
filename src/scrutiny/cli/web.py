"""The web service from the command line: serve it, and manage its accounts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.base import app, console
from scrutiny.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

users_app = typer.Typer(help="Accounts for the web service.")
app.add_typer(users_app, name="users")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes (use one per core).")] = 1,
) -> None:
    """Start the web service on the database in SCRUTINY_DATABASE_URL.

    Example: scrutiny serve --port 8000
    """
    import uvicorn

    from scrutiny.core.serving import check_serving
    from scrutiny.store.migrations import upgrade

    settings = Settings.from_env()
    check_serving(secret_key=settings.secret_key, https=settings.https, workers=workers)
    upgrade(settings.database_url)
    console.print(f"scrutiny on http://{host}:{port}/ (database {settings.database_url})")
    uvicorn.run(
        "scrutiny.web:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn's httptools protocol with a deadline for each request's line and headers.
        http="scrutiny.web.serving:GuardedHttpTools",
        timeout_keep_alive=settings.keep_alive_timeout,
        limit_concurrency=settings.max_connections,
        h11_max_incomplete_event_size=settings.max_header_bytes,
        proxy_headers=True,
        forwarded_allow_ips=settings.trusted_proxies,
        log_level="warning",
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The person's email address: their sign-in name.")],
    role: Annotated[
        str, typer.Option(help="admin, ombudsman, council_officer or councillor.")
    ] = "admin",
    authority: Annotated[
        str | None, typer.Option(help="GSS code: required for council roles.")
    ] = None,
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="At least 12 characters (asked for when not given).",
        ),
    ] = "",
) -> None:
    """Make an account; the first one is usually an admin, who makes the rest on the web.

    Example: scrutiny users create --email admin@example.org --role admin
    """
    from scrutiny.store.accounts import create_user
    from scrutiny.store.db import make_engine
    from scrutiny.store.migrations import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    engine = make_engine(settings)
    try:
        user = create_user(
            engine,
            email=email,
            password=password,
            role=role,
            authority_code=authority,
            actor=settings.user,
        )
    finally:
        engine.dispose()
    console.print(f"Made {user.role} account {user.email} (id {user.id}).")


@users_app.command("list")
def users_list() -> None:
    """List the accounts: email, role, authority, whether active."""
    from scrutiny.store.accounts import list_users
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    try:
        for user in list_users(engine):
            state = "active" if user.active else "switched off"
            typer.echo(f"{user.email}\t{user.role}\t{user.authority_code or '-'}\t{state}")
    finally:
        engine.dispose()


@contextmanager
def _engine() -> Iterator[Engine]:
    from scrutiny.store.db import make_engine

    engine = make_engine(Settings.from_env())
    try:
        yield engine
    finally:
        engine.dispose()


@users_app.command("sign-out-everywhere")
def users_sign_out_everywhere(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
) -> None:
    """End every session of an account at once (a lost laptop, a copied cookie).

    Example: scrutiny users sign-out-everywhere officer@example.org
    """
    from scrutiny.store.accounts import find_user
    from scrutiny.store.sessions import end_user_sessions

    settings = Settings.from_env()
    with _engine() as engine:
        user = find_user(engine, email)
        ended = end_user_sessions(engine, user.id, actor=settings.user)
    console.print(f"Signed {user.email} out everywhere: {ended} session(s) ended.")


@users_app.command("unlock")
def users_unlock(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
) -> None:
    """Let an account sign in again from addresses shut out after failed tries.

    Example: scrutiny users unlock officer@example.org
    """
    from scrutiny.store.accounts import find_user
    from scrutiny.store.sign_in import unlock

    settings = Settings.from_env()
    with _engine() as engine:
        user = find_user(engine, email)
        cleared = unlock(engine, user, actor=settings.user)
    console.print(f"{user.email} can sign in again ({cleared} recent failed tries forgotten).")


@users_app.command("reset-password")
def users_reset_password(
    email: Annotated[str, typer.Argument(help="The account's email address.")],
) -> None:
    """Print a one-time link (for 24 hours) at which the person sets a new password.

    Send it to them by a channel you trust. Earlier links for the account stop working;
    using it signs the account out everywhere. The address starts with SCRUTINY_BASE_URL.

    Example: scrutiny users reset-password officer@example.org
    """
    from scrutiny.store.password_resets import RESET_HOURS, create_reset_link, reset_address

    settings = Settings.from_env()
    with _engine() as engine:
        user, token = create_reset_link(engine, email, actor=settings.user)
    typer.echo(reset_address(settings.base_url, token))
    typer.echo(
        f"A link for {user.email} to set a new password, working once for {RESET_HOURS} hours.",
        err=True,
    )
