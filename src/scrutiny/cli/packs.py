"""The councillor scrutiny pack and the national overview, from the command line."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from scrutiny.cli.base import DateOption, console, fail, report_app
from scrutiny.reference.peers import describe_methods, peer_method
from scrutiny.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

FormatOption = Annotated[str, typer.Option("--format", help="pdf (default) or html.")]
OutputOption = Annotated[Path, typer.Option("--output", help="The file to write.")]


if TYPE_CHECKING:
    from sqlalchemy import Engine


def _engine() -> Engine:
    from scrutiny.store.db import make_engine

    return make_engine(Settings.from_env())


def _write(output: Path, body: str | bytes) -> None:
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(body, bytes):
            output.write_bytes(body)
        else:
            output.write_text(body, encoding="utf-8")
    except OSError as error:
        fail(f"cannot write {output}: {error.strerror}")
    console.print(f"Wrote {output}", highlight=False)


def _check(output_format: str) -> None:
    if output_format not in ("pdf", "html"):
        fail("--format must be pdf or html", code=2)


@report_app.command("pack")
def pack(
    authority: Annotated[str, typer.Option(help="The council's GSS code.")],
    period: Annotated[str, typer.Option(help="The financial year, as 2024-25.")],
    output: OutputOption,
    output_format: FormatOption = "pdf",
    peers: Annotated[str, typer.Option(help=f"{describe_methods()}.")] = "type",
    as_of: DateOption = None,
) -> None:
    """The councillor scrutiny pack: the things most needing attention, on two pages.

    Figures are as known --as-of (default 30 days after the year ends).

    Example: scrutiny report pack --authority E06000047 --period 2024-25 --output pack.pdf
    """
    from scrutiny.publish.reports.pack import pack_html, pack_pdf, scrutiny_pack

    _check(output_format)
    engine = _engine()
    try:
        with console.status(f"working out {authority}'s figures for {period}") as status:
            found = scrutiny_pack(
                engine,
                authority,
                period,
                peers=peer_method(peers),
                as_of=as_of.date() if isinstance(as_of, datetime) else None,
            )
            status.update(f"writing the {output_format.upper()}")
            body = pack_pdf(found) if output_format == "pdf" else pack_html(found)
    finally:
        engine.dispose()
    _write(output, body)


@report_app.command("national")
def national(
    year: Annotated[str, typer.Option(help="The financial year, as 2024-25.")],
    output: OutputOption,
    output_format: FormatOption = "pdf",
    as_of: DateOption = None,
) -> None:
    """The national overview for the Ombudsman: every indicator's spread, the watchlist,
    compliance and gaps in the data.

    Figures are as known --as-of (default 30 days after the year ends).

    Example: scrutiny report national --year 2024-25 --output national.pdf
    """
    from scrutiny.publish.reports.national import (
        national_html,
        national_pdf,
        national_report,
    )

    _check(output_format)
    engine = _engine()
    try:
        with console.status(f"working out the national figures for {year}") as status:
            found = national_report(
                engine, year, as_of=as_of.date() if isinstance(as_of, datetime) else None
            )
            status.update(f"drawing the charts and writing the {output_format.upper()}")
            body = national_pdf(found) if output_format == "pdf" else national_html(found)
    finally:
        engine.dispose()
    _write(output, body)
