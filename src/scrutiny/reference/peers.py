"""Peer groups: which councils a council is compared with, always named.

- type: every council of the same type (the LGSCO compares counties, districts,
  unitaries, metropolitan boroughs and London boroughs separately);
- region: every council of the same type in the same English region;
- nearest: open nearest neighbours, after the documented CIPFA approach: standardise
  each variable (mean 0, standard deviation 1), take the Euclidean distance between
  councils, and keep the k nearest of the same tier (default 15). CIPFA's own model uses
  40 licensed variables; this one uses open ones from the reference data;
- custom: any list of GSS codes, for example an imported CIPFA list a council holds a
  licence for.

A council with no like-for-like group (a type or region group of fewer than MINIMUM_GROUP
councils, itself included: City of London alone, North Yorkshire the only county in its
region) gets a stated fallback (docs/methods.md, 3.1): for a region group, its whole type
when that is big enough; otherwise the k councils of any type nearest to it by the same
distance as the nearest method. The group's name says which fallback was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, assert_never, get_args

import polars as pl

from scrutiny.core.errors import Invalid
from scrutiny.reference.authorities import get_council, load_authorities

DEFAULT_K = 15
# The fewest councils, the council itself included, that a funnel plot can place it among.
MINIMUM_GROUP = 3
# The ways of choosing peers, each with the words the web's choices and the command line's
# help use for it. Named methods need nothing but the council; custom needs a list.
NamedPeerMethod = Literal["type", "region", "nearest"]
PeerMethod = Literal[NamedPeerMethod, "custom"]
PEER_METHODS: dict[PeerMethod, str] = {
    "type": "Councils of the same type",
    "region": "Councils of the same type in the same region",
    "nearest": f"{DEFAULT_K} nearest neighbours on size, density and deprivation",
    "custom": "A list of councils of your own (a CIPFA list, say)",
}
METHODS: tuple[PeerMethod, ...] = get_args(PeerMethod)
NAMED_METHODS: tuple[NamedPeerMethod, ...] = get_args(NamedPeerMethod)
# The methods that split councils into groups, each council in exactly one, which is what
# comparing every council with its own group at once (the early-warning signals) needs.
PARTITION_METHODS: tuple[PeerMethod, ...] = ("type", "region")
# Open variables describing the area, not the council's performance: size, density and
# deprivation. Population and density are logged because both span two orders of
# magnitude between councils.
# Each with the name a peer group's caption gives it.
NEAREST_VARIABLE_NAMES = {
    "log_population": "population",
    "log_density": "population density",
    "imd_average_score": "deprivation",
    "income_average_score": "income deprivation",
    "employment_average_score": "employment deprivation",
}
NEAREST_VARIABLES = tuple(NEAREST_VARIABLE_NAMES)
# Councils compared only within their tier: counties deliver different services from
# districts, and single-tier councils deliver both.
TIERS = {
    "county": "county",
    "district": "district",
    "unitary": "single_tier",
    "metropolitan_borough": "single_tier",
    "london_borough": "single_tier",
    "city_of_london": "single_tier",
}


class PeerError(Invalid, ValueError):
    """A peer group that cannot be built (unknown council, method or codes)."""


@dataclass(frozen=True)
class PeerGroup:
    """A council's comparators, with a name that says how they were chosen."""

    authority_code: str
    method: PeerMethod
    name: str
    codes: tuple[str, ...]  # the peers, not including the council itself
    fallback: bool = False  # the chosen group was too small and NAME says what replaced it


def _councils() -> pl.DataFrame:
    councils = load_authorities().filter("current")
    return councils.with_columns(
        pl.col("population_2021").cast(pl.Float64).log().alias("log_population"),
        (pl.col("population_2021") / pl.col("area_km2")).log().alias("log_density"),
        pl.col("type").replace_strict(TIERS).alias("tier"),
    )


def _council(code: str) -> dict[str, object]:
    council = get_council(code)
    return {**council, "tier": TIERS[council["type"]]}


def nearest_neighbours(code: str, k: int = DEFAULT_K, *, any_tier: bool = False) -> pl.DataFrame:
    """The K councils of the same tier (of any tier with ANY_TIER) nearest to CODE, with
    their distances (0 to 1)."""
    # numpy here only: the command line names the peer methods in its help, and a command
    # that never compares councils (validate, say) should not load numpy (0.2 s) for that.
    import numpy as np

    councils = _councils()
    council = _council(code)
    tier = councils if any_tier else councils.filter(pl.col("tier") == council["tier"])
    values = tier.select(NEAREST_VARIABLES).to_numpy().astype(float)
    values = np.where(np.isnan(values), np.nanmean(values, axis=0), values)
    spread = values.std(axis=0)
    standard = (values - values.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    me = standard[tier.get_column("gss_code").to_list().index(code)]
    distance = np.sqrt(((standard - me) ** 2).sum(axis=1))
    # CIPFA rebases distances so that the farthest council is 1.
    rebased = distance / distance.max() if distance.max() > 0 else distance
    return (
        tier.select("gss_code", "name")
        .with_columns(pl.Series("distance", rebased))
        .filter(pl.col("gss_code") != code)
        .sort("distance", "gss_code")
        .head(k)
    )


def peer_group(
    code: str,
    method: PeerMethod = "type",
    *,
    k: int = DEFAULT_K,
    codes: Sequence[str] | None = None,
) -> PeerGroup:
    """The peer group of council CODE by METHOD (type, region, nearest or custom)."""
    method = peer_method(method)  # a typed caller cannot get this wrong; a URL or file can
    councils = _councils()
    council = _council(code)
    if method == "type":
        same = councils.filter(pl.col("type") == council["type"])
        name = f"all {str(council['type']).replace('_', ' ')} councils"
    elif method == "region":
        same = councils.filter(
            (pl.col("type") == council["type"]) & (pl.col("region") == council["region"])
        )
        name = f"{str(council['type']).replace('_', ' ')} councils in {council['region']}"
    elif method == "nearest":
        same = nearest_neighbours(code, k)
        named = list(NEAREST_VARIABLE_NAMES.values())
        name = f"{k} nearest neighbours on {', '.join(named[:-1])} and {named[-1]}"
    elif method == "custom":
        chosen = sorted(set(codes or ()))
        unknown = [c for c in chosen if c not in set(councils.get_column("gss_code"))]
        if unknown or not chosen:
            raise PeerError(f"a custom group needs current GSS codes; not known: {unknown}")
        same = councils.filter(pl.col("gss_code").is_in(chosen))
        name = f"a custom group of {len(chosen)} councils"
    else:
        assert_never(method)
    peers = tuple(c for c in same.get_column("gss_code").to_list() if c != code)
    if method in PARTITION_METHODS and len(peers) + 1 < MINIMUM_GROUP:
        return fallback_group(code, method, peers, k)
    return PeerGroup(code, method, name, peers)


def fallback_group(code: str, method: PeerMethod, few: Sequence[str], k: int) -> PeerGroup:
    """The group council CODE is compared with when its METHOD group (the FEW peers) is
    too small: its whole type for a region group, if enough, else the K nearest of any type."""
    council = _council(code)
    name = council["name"]
    where = f" in {council['region']}" if method == "region" else ""
    why = f"{name} has {f'only {len(few)}' if few else 'no'} other council of its type{where}"
    if method == "region":
        same_type = peer_group(code, "type", k=k)
        if not same_type.fallback:
            kind = str(council["type"]).replace("_", " ")
            group = f"all {kind} councils ({why} to compare with)"
            return PeerGroup(code, method, group, same_type.codes, fallback=True)
    nearest = nearest_neighbours(code, k, any_tier=True)
    group = (
        f"the {k} councils of any type nearest to {name} on size, density and deprivation "
        f"({why} to compare with)"
    )
    return PeerGroup(code, method, group, tuple(nearest.get_column("gss_code")), fallback=True)


def peer_method(text: str) -> PeerMethod:
    """TEXT as a peer-group method (PeerError if it names none)."""
    for method in METHODS:
        if text == method:
            return method
    raise PeerError(f"peer group method must be one of {', '.join(METHODS)}")


def describe_methods(methods: Sequence[PeerMethod] = NAMED_METHODS) -> str:
    """METHODS in words for help texts: "type (councils of the same type), ... or nearest (...)"."""
    described = [
        f"{method} ({PEER_METHODS[method][:1].lower()}{PEER_METHODS[method][1:]})"
        for method in methods
    ]
    return (
        ", ".join(described[:-1]) + " or " + described[-1] if len(described) > 1 else described[0]
    )


def read_peer_codes(text: str) -> list[str]:
    """GSS codes from a peer list file's text: one a line, or a CSV with a gss_code column."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and "," in lines[0]:
        header = [cell.strip().lower() for cell in lines[0].split(",")]
        if "gss_code" not in header:
            raise PeerError("a CSV peer list needs a gss_code column")
        column = header.index("gss_code")
        return [line.split(",")[column].strip() for line in lines[1:]]
    return [line for line in lines if line.lower() != "gss_code"]
