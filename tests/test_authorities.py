"""The shipped reference data on English councils, and matching councils by name."""

from __future__ import annotations

import polars as pl
import pytest

from scrutiny.core.errors import NotFound
from scrutiny.reference.authorities import (
    NAMES_FILE_NAME,
    SCHEMA,
    authorities_path,
    districts_of_counties,
    get_council,
    load_authorities,
    match_authority_names,
)
from scrutiny.reference.council_search import find_councils, search_authorities

# Census 2021 usual residents in England, as ONS published it; the district figures
# shipped add up to 8 fewer (rounding in the source file).
CENSUS_2021_ENGLAND = 56_490_048
LOWER_AND_SINGLE_TIER = (
    "district",
    "unitary",
    "metropolitan_borough",
    "london_borough",
    "city_of_london",
)


@pytest.fixture(scope="module")
def councils() -> pl.DataFrame:
    return load_authorities()


@pytest.fixture(scope="module")
def current(councils: pl.DataFrame) -> pl.DataFrame:
    return councils.filter("current")


def test_load_authorities_reads_every_column_with_its_type(councils: pl.DataFrame) -> None:
    assert dict(councils.schema) == {name: dtype() for name, dtype in SCHEMA.items()}


def test_every_english_principal_council_is_listed_once(current: pl.DataFrame) -> None:
    assert current.height == 317
    assert current.get_column("gss_code").is_unique().all()
    counts = dict(current.group_by("type").len().iter_rows())
    assert counts == {
        "county": 21,
        "district": 164,
        "unitary": 63,
        "metropolitan_borough": 36,
        "london_borough": 32,
        "city_of_london": 1,
    }


def test_gss_codes_are_unique_across_current_and_former(councils: pl.DataFrame) -> None:
    assert councils.get_column("gss_code").is_unique().all()


def test_lower_and_single_tier_populations_add_up_to_england(current: pl.DataFrame) -> None:
    total = current.filter(pl.col("type").is_in(LOWER_AND_SINGLE_TIER))["population_2021"].sum()
    assert total == pytest.approx(CENSUS_2021_ENGLAND, rel=0.001)


def test_each_county_has_exactly_the_population_of_its_districts(
    councils: pl.DataFrame,
) -> None:
    sums = (
        districts_of_counties(councils)
        .group_by("county_gss_code")
        .agg(pl.col("population_2021").sum().alias("districts"), pl.len().alias("count"))
    )
    counties = councils.filter(pl.col("population_2021").is_not_null()).join(
        sums, left_on="gss_code", right_on="county_gss_code"
    )
    # All 21 current counties, and Cumbria, North Yorkshire and Somerset as they were.
    assert counties.height == 24
    assert (counties["population_2021"] == counties["districts"]).all()
    assert counties.filter(pl.col("gss_code") == "E10000016")["count"].item() == 12  # Kent


@pytest.mark.parametrize(
    ("code", "predecessors"),
    [
        ("E06000063", 3),  # Cumberland: Allerdale, Carlisle, Copeland
        ("E06000064", 3),  # Westmorland and Furness: Barrow-in-Furness, Eden, South Lakeland
        ("E06000065", 7),  # North Yorkshire: its seven districts
        ("E06000066", 4),  # Somerset: the four districts of 2021
    ],
)
def test_councils_created_after_the_census_sum_the_districts_they_replaced(
    councils: pl.DataFrame, code: str, predecessors: int
) -> None:
    replaced = councils.filter(
        (pl.col("replaced_by_gss_code") == code)
        & (pl.col("type") == "district")
        & pl.col("population_2021").is_not_null()
    )
    assert replaced.height == predecessors
    own = councils.filter(pl.col("gss_code") == code)["population_2021"].item()
    assert own == replaced["population_2021"].sum()


def test_every_current_council_has_population_area_and_deprivation(
    current: pl.DataFrame,
) -> None:
    assert (current["population_2021"] > 0).all()
    assert (current["area_km2"] > 0).all()
    for column in (
        "imd_average_score",
        "imd_proportion_most_deprived_10pc",
        "income_average_score",
        "employment_average_score",
    ):
        assert current[column].null_count() == 0, column
    assert current["imd_proportion_most_deprived_10pc"].is_between(0, 1).all()


def test_deprivation_ranks_cover_the_296_districts_and_single_tier_councils(
    current: pl.DataFrame,
) -> None:
    ranked = current.filter(pl.col("type") != "county")["imd_rank_of_average_score"]
    assert sorted(ranked.to_list()) == list(range(1, 297))
    assert current.filter(pl.col("type") == "county")["imd_rank_of_average_score"].is_null().all()
    most_deprived = current.filter(pl.col("imd_rank_of_average_score") == 1)
    assert most_deprived["short_name"].item() == "Blackpool"
    assert most_deprived["imd_average_score"].item() == current["imd_average_score"].max()


def test_county_deprivation_is_the_population_weighted_mean_of_its_districts(
    councils: pl.DataFrame, current: pl.DataFrame
) -> None:
    means = (
        districts_of_counties(councils)
        .filter("current")
        .group_by("county_gss_code")
        .agg(
            (
                (pl.col("imd_average_score") * pl.col("population_2021")).sum()
                / pl.col("population_2021").sum()
            ).alias("mean")
        )
    )
    counties = current.join(means, left_on="gss_code", right_on="county_gss_code")
    assert counties.height == 21
    assert ((counties["imd_average_score"] - counties["mean"]).abs() < 0.001).all()


def test_former_codes_name_a_current_successor(councils: pl.DataFrame) -> None:
    former = councils.filter(~pl.col("current"))
    current_codes = councils.filter("current")["gss_code"].implode()
    named = former.filter(pl.col("replaced_by_gss_code").is_not_null())
    assert named["replaced_by_gss_code"].is_in(current_codes).all()
    # Only counties split between two new councils have no single successor; each of
    # their districts does.
    split = former.filter(pl.col("replaced_by_gss_code").is_null())
    assert split["short_name"].sort().to_list() == ["Cumbria", "Northamptonshire"]
    for county in split["gss_code"]:
        successors = former.filter(pl.col("county_gss_code") == county)["replaced_by_gss_code"]
        assert successors.null_count() == 0
        assert successors.n_unique() == 2


def test_district_merged_into_another_district_is_in_its_successors_county(
    councils: pl.DataFrame,
) -> None:
    forest_heath = councils.filter(pl.col("gss_code") == "E07000201").row(0, named=True)
    assert forest_heath["replaced_by_gss_code"] == "E07000245"  # West Suffolk
    assert forest_heath["county_gss_code"] == "E10000029"  # Suffolk


def test_every_name_in_the_names_file_belongs_to_a_listed_council(
    councils: pl.DataFrame,
) -> None:
    names = pl.read_csv(authorities_path().with_name(NAMES_FILE_NAME))
    assert names.columns == ["name", "gss_code"]
    assert names["gss_code"].is_in(councils["gss_code"].implode()).all()
    assert names.filter(pl.col("gss_code").str.starts_with("E0")).height > 1000


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("London Borough of Camden", "E09000007"),
        ("Camden Council", "E09000007"),
        ("camden", "E09000007"),
        ("Royal Borough of Greenwich", "E09000011"),
        ("Royal Borough Of Kensington And Chelsea", "E09000020"),
        ("Kensington & Chelsea", "E09000020"),
        ("Haringey London Borough Council", "E09000014"),
        ("City of London Corporation", "E09000001"),
        ("City Of Westminster", "E09000033"),
        ("Leeds City Council", "E08000035"),
        ("Birmingham City Council (202012345)", "E08000025"),
        ("Barnsley Metropolitan", "E08000016"),
        ("St. Helens Metropolitan Borough Council", "E08000013"),
        ("Newcastle City Council", "E08000021"),
        ("Newcastle-under-Lyme", "E07000195"),
        ("Kingston upon Hull", "E06000010"),
        ("Hull City Council", "E06000010"),
        ("Stoke On Trent", "E06000021"),
        ("Southend On Sea", "E06000033"),
        ("Bournemouth Christchurch And Poole", "E06000058"),
        ("BRISTOL, CITY OF", "E06000023"),
        ("County Durham", "E06000047"),
        ("Durham County Council", "E06000047"),
        ("Herefordshire, County of", "E06000019"),
        ("Council of the Isles of Scilly", "E06000053"),
        ("King's Lynn and West Norfolk", "E07000146"),
        ("Royal Borough of Windsor & Maidenhead", "E06000040"),
        ("St Albans City And", "E07000240"),
        ("South Kesteven District Councill", "E07000141"),
        ("Kent County Council", "E10000016"),
        ("North Yorkshire County Council", "E06000065"),  # now the unitary council
        ("Harrogate Borough Council", "E07000165"),  # a former district
    ],
)
def test_match_finds_a_council_from_a_common_variant_of_its_name(name: str, code: str) -> None:
    assert match_authority_names(pl.Series([name]))["gss_code"].item() == code


@pytest.mark.parametrize(
    "name",
    [
        "Wakefield And District Housing",  # a housing association
        "Cornwall Housing",  # an ALMO: a company, not the council
        "Peabody",
        "Glasgow City Council",  # not in England
        "",
        None,
    ],
)
def test_match_finds_nothing_for_a_landlord_that_is_not_an_english_council(
    name: str | None,
) -> None:
    assert match_authority_names(pl.Series([name], dtype=pl.String))["gss_code"].item() is None


def test_match_gives_the_current_council_for_a_former_one() -> None:
    found = match_authority_names(
        pl.Series(["Taunton Deane Borough Council", "Cumbria County Council", "Leeds"])
    )
    assert found["current_gss_code"].to_list() == ["E06000066", None, "E08000035"]


def test_match_returns_one_row_per_name_in_order() -> None:
    names = pl.Series(["Leeds", "nowhere", "Leeds", None, "Camden"])
    found = match_authority_names(names)
    assert found.columns == ["name", "gss_code", "current_gss_code"]
    assert found["name"].to_list() == names.to_list()
    assert found["gss_code"].to_list() == ["E08000035", None, "E08000035", None, "E09000007"]


def test_every_current_council_is_found_by_its_own_names(current: pl.DataFrame) -> None:
    for column in ("name", "short_name"):
        found = match_authority_names(current[column])
        assert (found["gss_code"] == current["gss_code"]).all(), column


def test_get_council_finds_a_current_council_by_its_exact_code():
    council = get_council("E06000047")
    assert council["name"] == "Durham County Council" and council["current"]
    assert set(council) == set(SCHEMA)


def test_get_council_finds_a_former_council_only_when_asked_and_says_who_took_over():
    assert get_council("E07000026", former=True)["replaced_by_gss_code"] == "E06000063"
    with pytest.raises(NotFound, match=r"\(E07000026\) is not a current council: Cumberland"):
        get_council("E07000026")


@pytest.mark.parametrize("code", ["E99999999", "e06000047", " E06000047", ""])
def test_get_council_refuses_any_other_code_with_an_example_of_a_good_one(code):
    with pytest.raises(NotFound, match=f"no council has the code {code!r}: .* E06000047"):
        get_council(code, former=True)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("county durham", "E06000047"),
        ("King's Lynn", "E07000146"),
        ("brum", "E08000025"),
        ("St. Albans", "E07000240"),
        ("Saint Albans", "E07000240"),
        ("Newcastle-upon-Tyne", "E08000021"),
        ("bath & north east somerset council", "E06000022"),
        ("e06000047", "E06000047"),
    ],
)
def test_find_councils_puts_the_council_a_name_means_first(typed: str, code: str) -> None:
    assert find_councils(typed).row(0, named=True)["gss_code"] == code


def test_find_councils_names_the_alias_that_matched_only_when_it_is_not_the_name() -> None:
    assert find_councils("brum").row(0, named=True)["also_known_as"] == "Brum"
    assert find_councils("Durham").row(0, named=True)["also_known_as"] is None


def test_a_former_council_is_found_with_the_councils_that_took_over() -> None:
    cumbria = find_councils("cumbria").row(0, named=True)
    assert (cumbria["gss_code"], cumbria["current"]) == ("E10000006", False)
    assert [s["gss_code"] for s in cumbria["successors"]] == ["E06000063", "E06000064"]
    taunton = find_councils("taunton deane").row(0, named=True)
    assert [s["name"] for s in taunton["successors"]] == ["Somerset Council"]


def test_a_code_that_only_changed_is_listed_only_when_its_code_is_typed() -> None:
    # Northumberland's old code E06000048 is the same council: a search by name lists it once.
    assert find_councils("northumberland").get_column("gss_code").to_list() == ["E06000057"]
    assert find_councils("E06000048").get_column("gss_code").to_list() == ["E06000048"]


def test_search_authorities_lists_only_current_councils_best_match_first() -> None:
    found = search_authorities("dorset")
    assert found.get_column("gss_code").to_list()[0] == "E06000059"
    assert found.columns == ["gss_code", "name", "type", "region"]
    assert search_authorities().height == 317
