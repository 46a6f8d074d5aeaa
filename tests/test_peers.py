"""Peer groups: same type, same region, open nearest neighbours, or a council's own list."""

import pytest

from scrutiny.core.errors import NotFound
from scrutiny.reference.peers import (
    MINIMUM_GROUP,
    PeerError,
    nearest_neighbours,
    peer_group,
    read_peer_codes,
)


def test_type_group_is_every_other_council_of_that_type():
    group = peer_group("E10000016", "type")  # Kent County Council
    assert len(group.codes) == 20 and "E10000016" not in group.codes
    assert group.name == "all county councils"


def test_region_group_keeps_the_type_and_the_region():
    group = peer_group("E07000110", "region")  # Maidstone, a district in the South East
    assert group.codes and all(code.startswith("E07") for code in group.codes)
    assert "South East" in group.name


def test_nearest_neighbours_are_k_councils_of_the_same_tier_ordered_by_distance():
    near = nearest_neighbours("E06000047", 15)  # County Durham
    assert near.height == 15
    assert near.get_column("distance").is_sorted()
    assert (near.get_column("distance") <= 1).all()
    assert not any(code.startswith(("E07", "E10")) for code in near.get_column("gss_code"))
    assert peer_group("E06000047", "nearest").codes == tuple(near.get_column("gss_code"))


def test_nearest_neighbours_of_a_county_are_counties():
    assert all(code.startswith("E10") for code in peer_group("E10000016", "nearest").codes)


@pytest.mark.parametrize("method", ["type", "region"])
def test_a_council_alone_in_its_type_is_compared_with_the_nearest_councils_of_any_type(method):
    group = peer_group("E09000001", method)  # City of London: the only council of its type
    assert group.fallback
    near = nearest_neighbours("E09000001", 15, any_tier=True)
    assert group.codes == tuple(near.get_column("gss_code")) and len(group.codes) == 15
    assert "E09000001" not in group.codes
    assert {code[:3] for code in group.codes} - {"E09"}  # other types than London boroughs
    assert group.name.startswith("the 15 councils of any type nearest to City of London")
    assert "has no other council of its type" in group.name


@pytest.mark.parametrize(
    ("code", "others"),
    [("E10000017", "no other"), ("E10000018", "only 1 other")],  # Lancashire, Leicestershire
)
def test_a_region_group_of_one_or_two_falls_back_to_the_whole_type(code, others):
    group = peer_group(code, "region")
    assert group.fallback
    assert group.codes == peer_group(code, "type").codes
    assert group.name.startswith("all county councils (")
    assert f"has {others} council of its type in " in group.name


@pytest.mark.parametrize(
    ("code", "method"), [("E10000016", "type"), ("E07000110", "region"), ("E09000001", "nearest")]
)
def test_groups_big_enough_are_kept_as_chosen(code, method):
    group = peer_group(code, method)
    assert not group.fallback and len(group.codes) + 1 >= MINIMUM_GROUP


def test_a_custom_group_is_taken_as_given_however_small():
    custom = peer_group("E06000047", "custom", codes=["E06000001"])
    assert not custom.fallback and custom.codes == ("E06000001",)


def test_a_custom_group_takes_a_list_of_codes_and_refuses_unknown_ones():
    group = peer_group("E06000047", "custom", codes=["E06000001", "E06000002", "E06000047"])
    assert group.codes == ("E06000001", "E06000002")
    with pytest.raises(PeerError, match="E99999999"):
        peer_group("E06000047", "custom", codes=["E99999999"])


def test_unknown_council_or_method_is_refused_clearly():
    with pytest.raises(
        NotFound,
        match=r"Allerdale Borough Council \(E07000026\) is not a current council: Cumberland",
    ):
        peer_group("E07000026")  # Allerdale, abolished in 2023
    with pytest.raises(PeerError, match="one of"):
        peer_group("E06000047", "cipfa")  # type: ignore[arg-type]


def test_a_peer_list_file_can_be_plain_codes_or_a_csv_with_a_gss_code_column():
    assert read_peer_codes("E06000001\nE06000002\n") == ["E06000001", "E06000002"]
    assert read_peer_codes("name,gss_code\nHartlepool,E06000001\n") == ["E06000001"]
    with pytest.raises(PeerError, match="gss_code"):
        read_peer_codes("name,code\nHartlepool,E06000001\n")
