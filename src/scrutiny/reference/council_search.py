"""Finding a council from what a person types.

A council is found by its official name, its everyday name, any alias in the reference
data (authority_names.csv), a well-known nickname (authority_nicknames.csv: "Brum"), or
its GSS code. Both sides are compared as name keys (authorities.name_key), so case,
punctuation and apostrophes, "&" or "and", "St" or "Saint", "upon" or "on" and words such
as "council", "borough" and "City of" make no difference: "king's lynn", "county durham"
and "Durham County Council" all find the council they name. A former council is found
too, with the councils that took over from it, so "Cumbria" points to Cumberland and to
Westmorland and Furness.
"""

from __future__ import annotations

from functools import cache

import polars as pl

from scrutiny.reference.authorities import (
    NAMES_FILE_NAME,
    authorities_path,
    load_authorities,
    name_key,
    successors,
)

NICKNAMES_FILE_NAME = "authority_nicknames.csv"
COLUMNS = ("gss_code", "name", "type", "region")
# How well a council matched, best first: a name that is the text typed; a name with a
# word starting with it; a name containing it anywhere.
EXACT, WORD_START, WITHIN = 0, 1, 2
SUCCESSORS = pl.List(pl.Struct({"gss_code": pl.String, "name": pl.String}))


@cache
def _names() -> pl.DataFrame:
    """Every name each council goes by (name, gss_code), with its key."""
    councils = load_authorities()
    data = authorities_path().parent
    schema = {"name": pl.String, "gss_code": pl.String}
    names = pl.concat(
        [
            councils.select("name", "gss_code"),
            councils.select(pl.col("short_name").alias("name"), "gss_code"),
            pl.read_csv(data / NAMES_FILE_NAME, schema=schema),
            pl.read_csv(data / NICKNAMES_FILE_NAME, schema=schema),
        ]
    )
    return names.with_columns(name_key(pl.col("name")).alias("key")).unique(maintain_order=True)


def _rank(text: str) -> pl.DataFrame:
    """Each council TEXT matches (gss_code, rank, also_known_as), from all its names."""
    key = pl.select(name_key(pl.lit(text))).item()
    typed = text.strip().lower()
    names = _names()
    by_key = pl.lit(None, dtype=pl.Int64)
    if key:
        by_key = (
            pl.when(pl.col("key") == key)
            .then(EXACT)
            .when(
                pl.col("key").str.starts_with(key)
                | pl.col("key").str.contains(f" {key}", literal=True)
            )
            .then(WORD_START)
            .when(pl.col("key").str.contains(key, literal=True))
            .then(WITHIN)
        )
    # The words as typed, anywhere in a name or code: "london" still finds every
    # "London Borough of", and "E0600004" every code it begins.
    as_typed = pl.when(
        pl.col("name").str.to_lowercase().str.contains(typed, literal=True)
        | pl.col("gss_code").str.to_lowercase().str.contains(typed, literal=True)
    ).then(pl.when(pl.col("gss_code").str.to_lowercase() == typed).then(EXACT).otherwise(WITHIN))
    matched = (
        names.with_columns(pl.min_horizontal(by_key, as_typed).alias("rank"))
        .filter(pl.col("rank").is_not_null())
        .sort("rank", maintain_order=True)
    )
    return matched.group_by("gss_code", maintain_order=True).agg(
        pl.col("rank").first(),
        pl.col("name").first().alias("also_known_as"),
        (pl.col("gss_code").first().str.to_lowercase() == typed).alias("by_code"),
    )


def find_councils(text: str = "") -> pl.DataFrame:
    """The councils TEXT names, best match first, then by name.

    Columns: gss_code, name, type, region, current, end_date (a date), also_known_as (the alias or
    nickname that matched, when it is not the council's own name) and successors (for a
    former council, a list of {gss_code, name} of the councils that took over from it).
    With no TEXT, every current council by name. A former code that only changed (no end
    date: the same council under a new code) is listed when its code is typed.
    """
    councils = load_authorities()
    if not text.strip():
        found = councils.filter("current").with_columns(
            pl.lit(None, dtype=pl.String).alias("also_known_as")
        )
    else:
        ranked = _rank(text)
        found = (
            councils.join(ranked, on="gss_code")
            .filter(pl.col("current") | pl.col("end_date").is_not_null() | pl.col("by_code"))
            .with_columns(
                pl.when(
                    (name_key(pl.col("also_known_as")) == name_key(pl.col("name")))
                    | (name_key(pl.col("also_known_as")) == name_key(pl.col("short_name")))
                    | pl.col("by_code")
                )
                .then(None)
                .otherwise(pl.col("also_known_as"))
                .alias("also_known_as")
            )
            .sort(["rank", "name"])
        )
    return (
        found.join(_took_over(), on="gss_code", how="left", maintain_order="left")
        .with_columns(pl.col("successors").fill_null([]), pl.col("end_date").str.to_date())
        .select(*COLUMNS, "current", "end_date", "also_known_as", "successors")
    )


@cache
def _took_over() -> pl.DataFrame:
    """Each former council's gss_code with its successors [{gss_code, name}]."""
    former = load_authorities().filter(~pl.col("current"))
    return pl.DataFrame(
        {
            "gss_code": former.get_column("gss_code"),
            "successors": [
                [{"gss_code": s["gss_code"], "name": s["name"]} for s in successors(row)]
                for row in former.iter_rows(named=True)
            ],
        },
        schema={"gss_code": pl.String, "successors": SUCCESSORS},
    )


def search_authorities(text: str = "") -> pl.DataFrame:
    """Current councils TEXT names (gss_code, name, type, region), best match first."""
    if not text.strip():
        return load_authorities().filter("current").select(*COLUMNS)
    return find_councils(text).filter("current").select(*COLUMNS)
