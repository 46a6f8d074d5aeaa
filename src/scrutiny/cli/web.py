"""The web service from the command line: serve it, and manage its accounts."""

from __future__ import annotations

from typing import Annotated

import typer

from scrutiny.cli.base import app, console
from scrutiny.settings import Settings

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

    from scrutiny.store.migrations import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    console.print(f"scrutiny on http://{host}:{port}/ (database {settings.database_url})")
    uvicorn.run(
        "scrutiny.web:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
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
