"""Units for a funnel plot read from a CSV file: an id, a numerator and a denominator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from scrutiny.measures.funnel.arrays import Array
from scrutiny.measures.funnel.comparison import FunnelError
from scrutiny.measures.numbers import number_column


@dataclass(frozen=True)
class UnitTable:
    """One row per unit, in file order."""

    ids: list[str]
    numerator: Array
    denominator: Array


def read_units(path: Path, id_column: str, numerator: str, denominator: str) -> UnitTable:
    """The ids, numerators and denominators in the CSV file at PATH, or a FunnelError."""
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except FileNotFoundError:
        raise FunnelError(f"{path}: no such file") from None
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as error:
        raise FunnelError(f"{path}: not a readable CSV file ({error})") from None
    missing = [c for c in (id_column, numerator, denominator) if c not in frame.columns]
    if missing:
        raise FunnelError(
            f"{path}: no column {', '.join(map(repr, missing))}; "
            f"columns are {', '.join(frame.columns)}"
        )
    if frame.height == 0:
        raise FunnelError(f"{path}: no rows to compare")
    ids = frame.get_column(id_column).str.strip_chars()
    blank = ids.is_null() | (ids == "")
    if blank.any():
        raise FunnelError(f"{path}: row {int(blank.arg_true()[0]) + 2} has no {id_column}")
    return UnitTable(
        ids=ids.to_list(),
        numerator=_numbers(frame, numerator, path),
        denominator=_numbers(frame, denominator, path),
    )


def _numbers(frame: pl.DataFrame, column: str, path: Path) -> Array:
    try:
        return number_column(frame, column, path)
    except ValueError as error:
        raise FunnelError(str(error)) from None
