"""Reading a column of numbers from a CSV the analyst supplies, with the row of any problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from numpy.typing import NDArray


def number_column(
    frame: pl.DataFrame, column: str, path: Path, *, note: str = ""
) -> NDArray[np.float64]:
    """COLUMN of FRAME (read as text) as floats; ValueError names the first bad row."""
    text = frame.get_column(column).str.strip_chars()
    numbers = text.cast(pl.Float64, strict=False)
    bad = (numbers.is_null() | ~numbers.is_finite()).arg_true()
    if bad.len():
        first = int(bad[0])
        shown = repr(text[first]) if text[first] else "blank"
        raise ValueError(
            f"{path}: {column} must be a number in every row{note}; "
            f"row {first + 2} is {shown} ({bad.len()} such rows)"
        )
    return numbers.to_numpy().astype(np.float64)
