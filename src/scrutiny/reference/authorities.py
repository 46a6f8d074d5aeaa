"""English principal councils: the reference list every return is checked against.

Built by scripts/build_reference_data.py from mySociety's UK local authority names and
codes (CC-BY 4.0), ONS Census 2021 populations and MHCLG's English Indices of Deprivation
2025 (both OGL v3); see data/SOURCES.md.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from scrutiny.core.errors import NotFound

FILE_NAME = "authorities.csv"
NAMES_FILE_NAME = "authority_names.csv"

# The columns of authorities.csv, in order, with their types: the build script writes
# exactly these and load_authorities reads them back with the same types.
SCHEMA: dict[str, type[pl.DataType]] = {
    "gss_code": pl.String,
    "name": pl.String,
    "short_name": pl.String,
    "type": pl.String,
    "region": pl.String,
    "current": pl.Boolean,
    "end_date": pl.String,
    "replaced_by_gss_code": pl.String,  # the current council that took over; blank if split
    "county_gss_code": pl.String,  # a district's county council
    "population_2021": pl.Int64,  # Census 2021 usual residents
    "area_km2": pl.Float64,
    "imd_average_score": pl.Float64,  # IoD 2025; higher is more deprived
    "imd_rank_of_average_score": pl.Int64,  # 1 = most deprived of 296 districts; blank for counties
    "imd_proportion_most_deprived_10pc": pl.Float64,
    "income_average_score": pl.Float64,  # share of residents income-deprived
    "employment_average_score": pl.Float64,  # share of working-age residents employment-deprived
    "snac_code": pl.String,  # the old ONS code (00CN), which the social housing regulator uses
}

# Words that name a council's status rather than the place, dropped before names are
# compared: "London Borough of Camden", "Camden Council" and "camden" all become "camden".
_STATUS_WORDS = (
    r"\b(?:london boro(?:ugh)?|council\w*|borough|boro|city|district|metropolitan|county"
    r"|royal|corporation|unitary|authority|ua|mbc|of|the)\b"
)

# Which service areas (the standard's service_area codes) each type of council delivers,
# so benchmarks compare like with like. In two-tier areas counties run social care,
# education and children's services (including SEND), highways and waste disposal;
# districts run council tax and benefits, housing, planning, and waste collection and
# environmental health. Unitary, metropolitan and London boroughs (and the City of London)
# run everything. Source: MHCLG, "Local government structure and elections" (2024).
ALL_SERVICES = (
    "adult_care_services",
    "benefits_and_tax",
    "corporate_and_other_services",
    "education_and_childrens_services",
    "environment_and_public_protection",
    "highways_and_transport",
    "housing",
    "planning_and_development",
)
TIER_SERVICES: dict[str, tuple[str, ...]] = {
    "county": (
        "adult_care_services",
        "corporate_and_other_services",
        "education_and_childrens_services",
        "environment_and_public_protection",
        "highways_and_transport",
    ),
    "district": (
        "benefits_and_tax",
        "corporate_and_other_services",
        "environment_and_public_protection",
        "housing",
        "planning_and_development",
    ),
    "unitary": ALL_SERVICES,
    "metropolitan_borough": ALL_SERVICES,
    "london_borough": ALL_SERVICES,
    "city_of_london": ALL_SERVICES,
}


def authorities_path() -> Path:
    """Where the shipped authorities file lives."""
    return Path(str(resources.files("scrutiny.reference") / "data" / FILE_NAME))


@cache
def load_authorities() -> pl.DataFrame:
    """All English principal councils, current and former, one row per GSS code."""
    return pl.read_csv(authorities_path(), schema=SCHEMA)


def successors(council: dict[str, Any]) -> list[dict[str, Any]]:
    """The current councils that took over from a former COUNCIL (a row of load_authorities).

    One named in its row, or for a county split in two the councils that took over from its
    districts when it ended (Cumbria: Cumberland, and Westmorland and Furness).
    """
    councils = load_authorities()
    if council["replaced_by_gss_code"]:
        codes = [council["replaced_by_gss_code"]]
    else:
        districts = councils.filter(
            (pl.col("county_gss_code") == council["gss_code"])
            & pl.col("end_date").eq_missing(council["end_date"])
        )
        codes = districts.get_column("replaced_by_gss_code").drop_nulls().unique().to_list()
    return (
        councils.filter(pl.col("gss_code").is_in(codes) & pl.col("current")).sort("name").to_dicts()
    )


def get_council(code: str, *, former: bool = False) -> dict[str, Any]:
    """The council with GSS code CODE, as a row of load_authorities (NotFound otherwise).

    Only councils that exist today unless FORMER, which also finds councils since
    abolished (their row names the council that took over). The code is matched exactly:
    callers that accept typed-in codes tidy them first.
    """
    found = load_authorities().filter(pl.col("gss_code") == code)
    if found.is_empty():
        raise NotFound(
            f"no council has the code {code!r}: give the GSS code of an English principal"
            " council, such as E06000047 for County Durham"
        )
    council = found.row(0, named=True)
    if not (former or council["current"]):
        took_over = " and ".join(f"{s['name']} ({s['gss_code']})" for s in successors(council))
        if took_over:
            took_over = f": {took_over} took over from it"
        raise NotFound(f"{council['name']} ({code}) is not a current council{took_over}")
    return council


def official_names() -> dict[str, str]:
    """Every council's official name by GSS code (former councils too): the one name pages,
    reports and signals give it ("Durham County Council", never also "County Durham"). The
    everyday short_name is for finding a council by search, not for naming it."""
    councils = load_authorities()
    return dict(zip(councils["gss_code"], councils["name"], strict=True))


def current_codes() -> pl.Series:
    """GSS codes of the councils that exist today."""
    return load_authorities().filter("current").get_column("gss_code")


def delivers(council_type: str, service_area: str) -> bool:
    """Whether a council of COUNCIL_TYPE delivers SERVICE_AREA."""
    return service_area in TIER_SERVICES[council_type]


def name_key(name: pl.Expr) -> pl.Expr:
    """A council name reduced to the place it names: lower case, no punctuation or status."""
    return (
        name.str.to_lowercase()
        .str.replace_all(r"\(.*?\)", " ")  # "(202012345)", "(unitary)"
        .str.replace_all("&", " and ", literal=True)
        .str.replace_all(r"\bsaint\b", "st")
        .str.replace_all(r"\bupon\b", "on")  # "Stratford-upon-Avon", "Kingston on Thames"
        .str.replace_all(r"['’.]", "")  # "King's Lynn", "St. Helens"
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.replace_all(_STATUS_WORDS, " ")
        .str.replace_all(r"^\s*and\b|\band\s*$", " ")  # "St Albans City and District"
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


@cache
def _names_by_key() -> pl.DataFrame:
    """Each name key with the one council it names (a current council wins a tie)."""
    names = pl.read_csv(
        authorities_path().with_name(NAMES_FILE_NAME),
        schema={"name": pl.String, "gss_code": pl.String},
    )
    councils = load_authorities().select("gss_code", "current")
    candidates = (
        names.select(name_key(pl.col("name")).alias("key"), "gss_code")
        .unique()
        .join(councils, on="gss_code")
        # "North Yorkshire" was the county council and is now the unitary: prefer the
        # council that exists today; a key naming two councils of equal standing matches none.
        .filter(pl.col("current") == pl.col("current").max().over("key"))
    )
    return candidates.filter(pl.len().over("key") == 1).select("key", "gss_code")


def match_authority_names(names: pl.Series) -> pl.DataFrame:
    """The council each name denotes: name, gss_code and current_gss_code, null if none.

    One row per name, in order. Case, "&", punctuation and words such as "council",
    "London Borough of" and "City of" are ignored. gss_code may be a former council;
    current_gss_code is the council that exists today (null if a county was split).
    """
    councils = load_authorities().select(
        "gss_code",
        pl.when("current")
        .then(pl.col("gss_code"))
        .otherwise(pl.col("replaced_by_gss_code"))
        .alias("current_gss_code"),
    )
    return (
        names.cast(pl.String)
        .rename("name")
        .to_frame()
        .with_columns(name_key(pl.col("name")).alias("key"))
        .join(_names_by_key(), on="key", how="left", maintain_order="left")
        .join(councils, on="gss_code", how="left", maintain_order="left")
        .select("name", "gss_code", "current_gss_code")
    )


def districts_of_counties(councils: pl.DataFrame) -> pl.DataFrame:
    """Each district with its county, while the county existed alongside it (same end date)."""
    counties = councils.filter(pl.col("type") == "county").select(
        pl.col("gss_code").alias("county_gss_code"),
        pl.col("current").alias("county_current"),
        pl.col("end_date").alias("county_end"),
    )
    return councils.join(counties, on="county_gss_code").filter(
        (pl.col("current") == pl.col("county_current"))
        & pl.col("end_date").eq_missing(pl.col("county_end"))
    )
