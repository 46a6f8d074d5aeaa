"""The figures kept in the database (scrutiny.warning.kept): bring them up to date."""

from __future__ import annotations

from typing import Annotated

import typer

from scrutiny.cli.base import app, console
from scrutiny.settings import Settings

figures_app = typer.Typer(help="Figures over every council, worked out once and kept.")
app.add_typer(figures_app, name="figures")


@figures_app.command("refresh")
def figures_refresh(
    keep_new: Annotated[
        bool,
        typer.Option(
            "--start/--only-kept",
            help="With nothing kept yet, keep the indicators and the latest quarter's "
            "signals and watchlist (--start, the default), or keep nothing new.",
        ),
    ] = True,
) -> None:
    """Bring the kept indicators, signals and watchlist up to date with the returns.

    Only the councils whose returns changed since are worked out again (and, for signals,
    their peer groups); a national source or a change to recommendations means every
    council. The web and `scrutiny import` do this as they go: run it after restoring a
    backup or to keep figures for a new database.

    Example: scrutiny figures refresh
    """
    from scrutiny.store.db import make_engine
    from scrutiny.warning import kept

    engine = make_engine(Settings.from_env())
    try:
        with console.status("working out what changed"):
            done = kept.refresh(engine, start=keep_new)
    finally:
        engine.dispose()
    console.print(done.summary(), highlight=False)
