"""Rebuild the reference data scrutiny ships from the public files in shared/research/data.

The product never reads that folder at run time: this script copies and derives what it
needs into src/scrutiny/data/, where it is committed with its licence (see SOURCES.md there).

Usage: python scripts/build_reference_data.py ../shared/research/data
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

from scrutiny import calendar
from scrutiny.authorities import authorities_path

# mySociety's type codes for English principal councils, and the names scrutiny uses.
PRINCIPAL_TYPES = {
    "CTY": "county",
    "NMD": "district",
    "UA": "unitary",
    "MD": "metropolitan_borough",
    "LBO": "london_borough",
    "CC": "city_of_london",
}


def build_authorities(la_codes: Path) -> pl.DataFrame:
    """Every English principal council, current and former, with codes that replaced them."""
    registry = pl.read_csv(la_codes / "uk_local_authorities_current.csv", infer_schema=False)
    english = registry.filter(
        (pl.col("nation") == "England")
        & pl.col("local-authority-type").is_in(list(PRINCIPAL_TYPES))
    )
    successor = english.select(
        pl.col("local-authority-code").alias("replaced-by"),
        pl.col("gss-code").alias("replaced_by_gss_code"),
    )
    councils = (
        english.join(successor, on="replaced-by", how="left")
        .select(
            pl.col("gss-code").alias("gss_code"),
            pl.col("official-name").alias("name"),
            pl.col("nice-name").alias("short_name"),
            pl.col("local-authority-type").replace_strict(PRINCIPAL_TYPES).alias("type"),
            pl.col("region"),
            (pl.col("current-authority") == "True").alias("current"),
            pl.col("end-date").alias("end_date"),
            pl.col("replaced_by_gss_code"),
        )
        .sort("gss_code")
    )
    # Former GSS codes of councils that still exist (boundary changes), as extra rows.
    lookup = pl.read_csv(la_codes / "lookup_gss_to_registry.csv", infer_schema=False)
    current = english.filter(pl.col("current-authority") == "True")
    renamed = (
        lookup.join(current, on="local-authority-code")
        .filter(pl.col("gss-code") != pl.col("gss-code_right"))
        .select(
            pl.col("gss-code").alias("gss_code"),
            pl.col("official-name").alias("name"),
            pl.col("nice-name").alias("short_name"),
            pl.col("local-authority-type").replace_strict(PRINCIPAL_TYPES).alias("type"),
            pl.col("region"),
            pl.lit(False).alias("current"),
            pl.lit(None, pl.String).alias("end_date"),
            pl.col("gss-code_right").alias("replaced_by_gss_code"),
        )
    )
    return pl.concat([councils, renamed]).unique("gss_code", keep="first").sort("gss_code")


def main(research_data: Path) -> None:
    feed = research_data / "bank_holidays" / "bank-holidays.json"
    first, last = calendar.refresh_feed(feed)
    print(f"bank holidays: GOV.UK feed for {first}-{last} -> {calendar.feed_path()}")
    councils = build_authorities(research_data / "la_codes")
    councils.write_csv(authorities_path())
    print(
        f"authorities: {councils.filter('current').height} current English principal councils, "
        f"{councils.filter(~pl.col('current')).height} former codes -> {authorities_path()}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
