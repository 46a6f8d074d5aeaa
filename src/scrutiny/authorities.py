"""English principal councils: the reference list every return is checked against.

Built by scripts/build_reference_data.py from mySociety's UK local authority names and
codes (CC-BY 4.0); see data/SOURCES.md.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import polars as pl

FILE_NAME = "authorities.csv"


def authorities_path() -> Path:
    """Where the shipped authorities file lives."""
    return Path(str(resources.files("scrutiny") / "data" / FILE_NAME))


@cache
def load_authorities() -> pl.DataFrame:
    """All English principal councils, current and former, one row per GSS code."""
    return pl.read_csv(
        authorities_path(),
        schema_overrides={"current": pl.Boolean, "end_date": pl.String},
    )


def current_codes() -> pl.Series:
    """GSS codes of the councils that exist today."""
    return load_authorities().filter("current").get_column("gss_code")


def search_authorities(text: str = "") -> pl.DataFrame:
    """Current councils whose name or GSS code contains TEXT (any case)."""
    councils = load_authorities().filter("current")
    if text:
        needle = text.strip().lower()
        councils = councils.filter(
            pl.col("name").str.to_lowercase().str.contains(needle, literal=True)
            | pl.col("gss_code").str.to_lowercase().str.contains(needle, literal=True)
        )
    return councils.select("gss_code", "name", "type", "region")
