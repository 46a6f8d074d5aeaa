"""Commands that compute the national indicators and place councils among their peers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from scrutiny.cli.base import app, check_format, fail, print_frame
from scrutiny.reference.peers import describe_methods, peer_method
from scrutiny.settings import Settings

PeersOption = Annotated[str, typer.Option("--peers", help=f"{describe_methods()}.")]
PeersFileOption = Annotated[
    Path | None,
    typer.Option(
        "--peers-file",
        help="Your own peer group (a CIPFA list, say): GSS codes, one a line or a gss_code column.",
    ),
]
FormatOption = Annotated[str, typer.Option("--format", help="text, json or csv.")]
PeriodOption = Annotated[
    str, typer.Option("--period", help="2024-25 (a financial year), 2024-25 Q1 or 2024-06.")
]


def _print(frame: pl.DataFrame, output_format: str, title: str, first: str) -> None:
    shown = [first, "value", "numerator", "denominator"]
    print_frame(
        frame, output_format, title, [*shown, "peer_median", "lower_99_8", "upper_99_8", "reading"]
    )


def _run(output_format: str, compute):  # type: ignore[no-untyped-def]
    from scrutiny.reference.peers import PeerError
    from scrutiny.standard.indicators import indicator  # noqa: F401  (imports the indicator set)
    from scrutiny.store.db import make_engine

    check_format(output_format)
    engine = make_engine(Settings.from_env())
    try:
        return compute(engine)
    except (ValueError, KeyError, PeerError) as error:
        fail(str(error).strip('"'), code=2)
    finally:
        engine.dispose()


@app.command()
def indicators(
    authority: Annotated[str, typer.Option(help="The council's GSS code.")],
    period: PeriodOption = "2024-25",
    peers: PeersOption = "type",
    peers_file: PeersFileOption = None,
    output_format: FormatOption = "text",
) -> None:
    """Every national indicator for one council and period, placed among its peers.

    Each value comes with its numerator and denominator, the peer group's median and the
    council's position on the peer group's funnel plot (over-dispersion allowed for).

    Example: scrutiny indicators --authority E06000047 --period 2024-25 --peers nearest
    """
    from scrutiny.measures.benchmarking import council_benchmark
    from scrutiny.reference.peers import read_peer_codes

    codes = None
    if peers_file:
        try:
            codes, peers = read_peer_codes(peers_file.read_text(encoding="utf-8")), "custom"
        except (OSError, ValueError) as error:
            fail(f"{peers_file}: {error}", code=2)
    found = _run(
        output_format,
        lambda e: council_benchmark(e, authority, period, peer_method(peers), codes=codes),
    )
    title = f"{authority}, {period}, compared with {peers} peers"
    _print(found, output_format, title, "indicator")


@app.command()
def benchmark(
    indicator_code: Annotated[str, typer.Argument(metavar="INDICATOR", help="e.g. stage1_on_time")],
    period: PeriodOption = "2024-25",
    peers: PeersOption = "type",
    output_format: FormatOption = "text",
) -> None:
    """One indicator for every council, each placed on the funnel of its own peers.

    Councils are listed by code, never ranked.

    Example: scrutiny benchmark stage1_on_time --period 2024-25 --format csv
    """
    from scrutiny.measures.benchmarking import indicator_benchmark

    found = _run(
        output_format, lambda e: indicator_benchmark(e, indicator_code, period, peer_method(peers))
    )
    title = f"{indicator_code}, {period}, each council among its {peers} peers"
    _print(found, output_format, title, "authority_code")
