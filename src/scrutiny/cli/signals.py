"""Early warning from the command line: one council's signals, and the watchlist."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from scrutiny.cli.base import DateOption, app, console, fail
from scrutiny.core.formatting import score
from scrutiny.reference.peers import PARTITION_METHODS, describe_methods
from scrutiny.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

PeersOption = Annotated[
    str, typer.Option("--peers", help=f"{describe_methods(PARTITION_METHODS)}.")
]


if TYPE_CHECKING:
    from sqlalchemy import Engine


def _engine() -> Engine:
    from scrutiny.store.db import make_engine

    return make_engine(Settings.from_env())


@app.command()
def signals(
    authority: Annotated[str, typer.Option(help="The council's GSS code.")],
    as_of: DateOption = None,
    peers: PeersOption = "type",
    output_format: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Early-warning signals for one council, quarter by quarter, with their evidence.

    Only what was known on --as-of (default today) is used.

    Example: scrutiny signals --authority E06000047 --as-of 2025-04-30 --format json
    """
    from scrutiny.reference.peers import peer_group
    from scrutiny.warning.signals import compute_signals

    if output_format not in ("text", "json"):
        fail("--format must be text or json", code=2)
    peer_group(authority)  # an unknown council stops here, before the engine is made
    engine = _engine()
    try:
        day = as_of.date() if isinstance(as_of, datetime) else None
        found = compute_signals(engine, day, peers=peers, authority_code=authority)
    except ValueError as error:
        fail(str(error), code=2)
    finally:
        engine.dispose()
    rows = [row | {"evidence": json.loads(row["evidence"])} for row in found.to_dicts()]
    if output_format == "json":
        typer.echo(json.dumps(rows, default=str, indent=1))
        return
    if not rows:
        console.print(f"No signals for {authority}.")
    for row in rows:
        level = "serious" if row["severity"] >= 2 else "warning"
        console.print(
            f"{row['period_start']:%Y-%m-%d} [{level}] {row['signal']}: {row['sentence']}",
            highlight=False,
            markup=False,
        )


@app.command()
def watchlist(
    as_of: DateOption = None,
    top: Annotated[int, typer.Option(help="How many councils to list.")] = 20,
    peers: PeersOption = "type",
    output_format: Annotated[str, typer.Option("--format", help="text, json or csv.")] = "text",
) -> None:
    """Councils ranked by their early-warning score in the latest complete quarter.

    The score is the sum of each signal's weight times its severity; each council is
    listed with the signals behind its score and its trend against the quarter before.

    Example: scrutiny watchlist --as-of 2025-04-30 --top 10 --format csv
    """
    from scrutiny.warning.watchlist import watchlist as ranked

    if output_format not in ("text", "json", "csv"):
        fail("--format must be text, json or csv", code=2)
    engine = _engine()
    try:
        day = as_of.date() if isinstance(as_of, datetime) else None
        found = ranked(engine, day, top, peers=peers)
    except ValueError as error:
        fail(str(error), code=2)
    finally:
        engine.dispose()
    if output_format == "json":
        rows = [row | {"signals": json.loads(row["signals"])} for row in found.to_dicts()]
        typer.echo(json.dumps(rows, default=str, indent=1))
    elif output_format == "csv":
        typer.echo(found.write_csv(), nl=False)
    else:
        period = found["period"][0] if found.height else "the latest quarter"
        table = Table(title=f"Watchlist, {period}")
        for name in ("rank", "council", "score", "previous", "trend", "on watch", "why"):
            table.add_column(name)
        for row in found.iter_rows(named=True):
            why = "\n".join(s["sentence"] for s in json.loads(row["signals"])[:3])
            table.add_row(
                str(row["rank"]),
                f"{row['name']} ({row['authority_code']})",
                score(row["score"]),
                score(row["previous_score"]),
                row["trend"],
                "yes" if row["on_watch"] else "",
                why,
            )
        console.print(table)
