"""Rebuild the reference data scrutiny ships from the public files in shared/research/data.

The product never reads that folder at run time: this script copies and derives what it
needs into src/scrutiny/reference/data/, where it is committed with its licence (see
SOURCES.md there).

Usage: python scripts/build_reference_data.py ../shared/research/data
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import polars as pl

from scrutiny.reference import calendar
from scrutiny.reference.authorities import (
    NAMES_FILE_NAME,
    SCHEMA,
    authorities_path,
    districts_of_counties,
)
from scrutiny.reference.landlords import tsm_folder

# mySociety's type codes for English principal councils, and the names scrutiny uses.
PRINCIPAL_TYPES = {
    "CTY": "county",
    "NMD": "district",
    "UA": "unitary",
    "MD": "metropolitan_borough",
    "LBO": "london_borough",
    "CC": "city_of_london",
}
# Indices of Deprivation 2025 district summaries shipped, under scrutiny's column names.
# Scores and the income and employment rates combine across districts by population;
# the share of neighbourhoods (LSOAs) in England's most deprived tenth strictly combines
# by number of LSOAs, which have near-equal populations, so population weights stand in.
DEPRIVATION = {
    "imd_average_score": "imd_average_score",
    "imd_rank_of_average_score": "imd_rank_of_average_score",
    "imd_proportion_of_lso_as_in_most_deprived_10_percent_nationally": (
        "imd_proportion_most_deprived_10pc"
    ),
    "income_average_score": "income_average_score",
    "employment_average_score": "employment_average_score",
}
ROUNDING = {
    "imd_average_score": 3,
    "imd_proportion_most_deprived_10pc": 4,
    "income_average_score": 3,
    "employment_average_score": 3,
}


def english_councils(la_codes: Path) -> pl.DataFrame:
    """mySociety's rows for English principal councils, current and former, as text."""
    registry = pl.read_csv(la_codes / "uk_local_authorities_current.csv", infer_schema=False)
    return registry.filter(
        (pl.col("nation") == "England")
        & pl.col("local-authority-type").is_in(list(PRINCIPAL_TYPES))
    )


def build_authorities(la_codes: Path) -> pl.DataFrame:
    """Every English principal council, current and former, with the council that replaced it."""
    english = english_councils(la_codes)
    code_to_gss = english.select("local-authority-code", "gss-code")
    councils = (
        english.join(
            code_to_gss.rename({"local-authority-code": "replaced-by", "gss-code": "successor"}),
            on="replaced-by",
            how="left",
        )
        .join(
            code_to_gss.rename({"local-authority-code": "county-la", "gss-code": "county"}),
            on="county-la",
            how="left",
        )
        .select(
            pl.col("gss-code").alias("gss_code"),
            pl.col("official-name").alias("name"),
            pl.col("nice-name").alias("short_name"),
            pl.col("local-authority-type").replace_strict(PRINCIPAL_TYPES).alias("type"),
            pl.col("region"),
            (pl.col("current-authority") == "True").alias("current"),
            pl.col("end-date").alias("end_date"),
            # A council split between several ("CBD,WAF") has no single successor.
            pl.col("successor").alias("replaced_by_gss_code"),
            pl.col("county").alias("county_gss_code"),
            pl.col("area").cast(pl.Float64).alias("area_km2"),
            # The old ONS code, which the Regulator of Social Housing uses for councils.
            pl.col("snac").alias("snac_code"),
        )
    )
    # Former GSS codes of councils that still exist (boundary changes), as extra rows.
    lookup = pl.read_csv(la_codes / "lookup_gss_to_registry.csv", infer_schema=False)
    current = councils.filter("current")
    renamed = (
        lookup.join(code_to_gss, on="local-authority-code")
        .filter(pl.col("gss-code") != pl.col("gss-code_right"))
        .join(current, left_on="gss-code_right", right_on="gss_code")
        .select(
            pl.col("gss-code").alias("gss_code"),
            "name",
            "short_name",
            "type",
            "region",
            pl.lit(False).alias("current"),
            pl.lit(None, pl.String).alias("end_date"),
            pl.col("gss-code_right").alias("replaced_by_gss_code"),
            "county_gss_code",
            pl.lit(None, pl.Float64).alias("area_km2"),
            pl.lit(None, pl.String).alias("snac_code"),
        )
    )
    return _name_current_successors(pl.concat([councils, renamed]).unique("gss_code", keep="first"))


def _name_current_successors(councils: pl.DataFrame) -> pl.DataFrame:
    """Follow chains of successors to today's council, and give former councils its region.

    Taunton Deane became Somerset West and Taunton in 2019, which became Somerset in 2023.
    """
    for _ in range(5):
        step = councils.select(
            pl.col("gss_code").alias("replaced_by_gss_code"),
            pl.col("replaced_by_gss_code").alias("next"),
            pl.col("region").alias("successor_region"),
        )
        councils = (
            councils.join(step, on="replaced_by_gss_code", how="left")
            .with_columns(
                pl.coalesce("next", "replaced_by_gss_code").alias("replaced_by_gss_code"),
                pl.coalesce("region", "successor_region").alias("region"),
            )
            .drop("next", "successor_region")
        )
    # A district merged into another district is in that district's county (mySociety
    # lists Forest Heath, now West Suffolk, under Surrey).
    successor_county = councils.filter(pl.col("type") == "district").select(
        pl.col("gss_code").alias("replaced_by_gss_code"),
        pl.col("county_gss_code").alias("successor_county"),
    )
    return (
        councils.join(successor_county, on="replaced_by_gss_code", how="left")
        .with_columns(pl.coalesce("successor_county", "county_gss_code").alias("county_gss_code"))
        .drop("successor_county")
    )


def add_population(councils: pl.DataFrame, census: Path) -> pl.DataFrame:
    """Census 2021 usual residents: a council's own district, or the districts it is made of.

    Councils created after 2021 (Cumberland, Westmorland and Furness, North Yorkshire,
    Somerset) are the sum of the districts they replaced; a county is the sum of its
    districts (the current ones, or for a former county those that ended with it).
    """
    residents = pl.read_csv(census, schema_overrides={"ltla21_code": pl.String}).select(
        pl.col("ltla21_code").alias("gss_code"),
        pl.col("total_population").alias("population_2021"),
    )
    councils = councils.join(residents, on="gss_code", how="left")
    predecessors = (
        councils.filter(~pl.col("current") & (pl.col("type") != "county"))
        .group_by("replaced_by_gss_code")
        .agg(pl.col("population_2021").sum().alias("predecessors"))
        .rename({"replaced_by_gss_code": "gss_code"})
    )
    councils = (
        councils.join(predecessors, on="gss_code", how="left")
        .with_columns(
            pl.when(pl.col("current"))
            .then(pl.coalesce("population_2021", "predecessors"))
            .otherwise(pl.col("population_2021"))
            .alias("population_2021")
        )
        .drop("predecessors")
    )
    return _sum_districts_into_counties(councils, "population_2021", "area_km2")


def _sum_districts_into_counties(councils: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """Fill each county's COLUMNS, where missing, with the sum over its districts.

    The sum is blank if any district's figure is (a partial sum would mislead).
    """
    sums = (
        districts_of_counties(councils)
        .group_by("county_gss_code")
        .agg(
            pl.when(pl.col(column).null_count() == 0).then(pl.col(column).sum()).alias(column)
            for column in columns
        )
        .rename(lambda column: column if column == "county_gss_code" else f"__{column}")
    )
    return (
        councils.join(sums, left_on="gss_code", right_on="county_gss_code", how="left")
        .with_columns(pl.coalesce(column, f"__{column}").alias(column) for column in columns)
        .drop(f"__{column}" for column in columns)
    )


def add_deprivation(councils: pl.DataFrame, imd: Path) -> pl.DataFrame:
    """IoD 2025 district summaries; counties as population-weighted means of their districts.

    Ranks compare the 296 districts and single-tier councils only, so counties have none.
    """
    summaries = pl.read_csv(imd).select(
        pl.col("ltla24_code").alias("gss_code"),
        *(pl.col(source).alias(name) for source, name in DEPRIVATION.items()),
    )
    councils = councils.join(summaries, on="gss_code", how="left")
    means = (
        districts_of_counties(councils)
        .filter(pl.col("current"))
        .group_by("county_gss_code")
        .agg(
            (pl.col(name) * pl.col("population_2021")).sum() / pl.col("population_2021").sum()
            for name in ROUNDING
        )
        .rename({"county_gss_code": "gss_code"})
    )
    return councils.update(means, on="gss_code")


def build_reference(research_data: Path) -> pl.DataFrame:
    """authorities.csv: councils with their population, area and deprivation."""
    councils = build_authorities(research_data / "la_codes")
    councils = add_population(
        councils, research_data / "population" / "census2021_population_ltla21_england_wales.csv"
    )
    councils = add_deprivation(
        councils, research_data / "deprivation" / "imd2025_england_ltla24.csv"
    )
    return (
        councils.with_columns(pl.col(name).round(places) for name, places in ROUNDING.items())
        .select(pl.col(name).cast(dtype) for name, dtype in SCHEMA.items())
        .sort("gss_code")
    )


def build_authority_names(la_codes: Path) -> pl.DataFrame:
    """Every name variant mySociety lists for an English principal council, with its GSS code.

    A name listed for both a former and a current council ("North Yorkshire") keeps the
    current one; the library resolves what remains when it compares names.
    """
    english = english_councils(la_codes)
    variants = pl.read_csv(la_codes / "lookup_name_to_registry.csv", infer_schema=False)
    names = pl.concat(
        [
            variants.rename({"la-name": "name"}),
            english.select(pl.col("official-name").alias("name"), "local-authority-code"),
            english.select(pl.col("nice-name").alias("name"), "local-authority-code"),
        ]
    ).join(
        english.select(
            "local-authority-code",
            pl.col("gss-code").alias("gss_code"),
            (pl.col("current-authority") == "True").alias("current"),
        ),
        on="local-authority-code",
    )
    return (
        names.filter(pl.col("current") == pl.col("current").max().over("name"))
        .select(pl.col("name").str.strip_chars(), "gss_code")
        .unique()
        .sort("gss_code", "name")
    )


# DfE "Education, health and care plans", timeliness file: plans issued in each calendar
# year and how many within the statutory 20 weeks (exceptions included), per council.
EHC_TIMELINESS = "ehc_timeliness_20_week_all_plans_2019_2024.csv"
EHC_FILE_NAME = "ehc_timeliness.csv"


def build_ehc_timeliness(send_ehc_plans: Path) -> pl.DataFrame:
    """EHC plans issued within 20 weeks, per current council (GSS code) and calendar year.

    DfE lists upper-tier councils by the codes they had that year. A former code that one
    current council took over (North Yorkshire, Somerset; Buckinghamshire's county code)
    becomes that council's; Cumbria and Northamptonshire, each split in two, have no
    single successor, so their years before the split are left out. Suppressed figures
    ("x") are blank. The share is recomputed from the counts.
    """
    rows = pl.read_csv(send_ehc_plans / EHC_TIMELINESS, infer_schema=False).filter(
        (pl.col("geographic_level") == "Local authority")
        & (pl.col("breakdown_topic") == "All EHC plans issued")
    )
    councils = pl.read_csv(authorities_path(), schema=SCHEMA).select(
        "gss_code",
        pl.when("current")
        .then(pl.col("gss_code"))
        .otherwise(pl.col("replaced_by_gss_code"))
        .alias("current_gss_code"),
    )
    counts = rows.join(councils, left_on="new_la_code", right_on="gss_code", how="left").select(
        pl.col("current_gss_code").alias("gss_code"),
        pl.col("time_period").cast(pl.Int64).alias("calendar_year"),
        pl.col("plans_issued_den").cast(pl.Int64, strict=False).alias("plans_issued"),
        pl.col("plans_issued_within_20_weeks")
        .cast(pl.Int64, strict=False)
        .alias("plans_within_20_weeks"),
    )
    return (
        counts.filter(pl.col("gss_code").is_not_null())
        .group_by("gss_code", "calendar_year")
        .agg(
            # A council listed twice in a year (old and new codes) is counted once in total;
            # a blank anywhere leaves the total blank rather than partial.
            pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(c)
            for c in ("plans_issued", "plans_within_20_weeks")
        )
        .with_columns(
            pl.when(pl.col("plans_issued") > 0)
            .then((100 * pl.col("plans_within_20_weeks") / pl.col("plans_issued")).round(1))
            .alias("share_within_20_weeks")
        )
        .sort("gss_code", "calendar_year")
    )


# RSH's official Tenant Satisfaction Measures workbooks, shipped as published, with the
# SHA-256 of each so a changed file is never copied in by mistake.
TSM_WORKBOOKS = {
    "2024_TSM_Full_Data_v1.1_FINAL.xlsx": (
        "4da40a3878e47c7ce69cd5dca91354739fe4e3aca917b2b3e06023f5c027d766"
    ),
    "2025_TSM_Full_Data_v1.0_FINAL.xlsx": (
        "452813cf25c62cb5f6af71fe2bd02d23be65fbd335415784c9199d0218806996"
    ),
}


def main(research_data: Path) -> None:
    feed = research_data / "bank_holidays" / "bank-holidays.json"
    first, last = calendar.refresh_feed(feed)
    print(f"bank holidays: GOV.UK feed for {first}-{last} -> {calendar.feed_path()}")
    councils = build_reference(research_data)
    councils.write_csv(authorities_path())
    current = councils.filter("current")
    print(
        f"authorities: {current.height} current English principal councils, "
        f"{councils.height - current.height} former codes -> {authorities_path()}"
    )
    lower = current.filter(pl.col("type") != "county").get_column("population_2021").sum()
    print(f"  Census 2021 residents of districts and single-tier councils: {lower:,}")
    names = build_authority_names(research_data / "la_codes")
    names_path = authorities_path().with_name(NAMES_FILE_NAME)
    names.write_csv(names_path)
    print(f"authority names: {names.height} name variants -> {names_path}")
    findings = (
        research_data / "housing_ombudsman" / "housing_ombudsman_findings_local_authorities.csv"
    )
    shipped = authorities_path().with_name("housing_ombudsman_findings.csv")
    shutil.copyfile(findings, shipped)
    print(f"Housing Ombudsman findings about council landlords -> {shipped}")
    for name, digest in TSM_WORKBOOKS.items():
        shipped_workbook = tsm_folder() / name
        shipped_workbook.parent.mkdir(exist_ok=True)
        source = research_data / "tsm" / name
        if hashlib.sha256(source.read_bytes()).hexdigest() != digest:
            sys.exit(f"{source} is not the workbook RSH published (its SHA-256 differs)")
        shutil.copyfile(source, shipped_workbook)
        print(f"RSH Tenant Satisfaction Measures workbook -> {shipped_workbook}")
    ehc = build_ehc_timeliness(research_data / "send_ehc_plans")
    ehc_path = authorities_path().with_name(EHC_FILE_NAME)
    ehc.write_csv(ehc_path)
    print(
        f"EHC plans within 20 weeks: {ehc.height} council-years, "
        f"{ehc.get_column('gss_code').n_unique()} councils -> {ehc_path}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
