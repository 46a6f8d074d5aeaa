"""A council landlord's real complaint figures: the Regulator of Social Housing's Tenant
Satisfaction Measures and the Housing Ombudsman's findings per home, each year side by
side, against the peers the reader chooses.

The measures are the indicators declared for landlords in indicators.yaml: the `tsm_*`
codes (from TSM counts, for the landlord's rented homes) and the `ho_*` codes (Housing
Ombudsman findings over TSM homes owned). Peers are council landlords of similar size,
all council landlords, or every social landlord, housing associations included. A reader
sees the peers' median, the middle half of their figures (25th to 75th percentile) and
where the council sits on their funnel plot: never a rank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

import numpy as np
import polars as pl

from scrutiny.core.periods import period_label
from scrutiny.measures.benchmarking import FUNNEL_KINDS, peer_funnel
from scrutiny.measures.funnel import Funnel
from scrutiny.measures.funnel_plot import FunnelPlot, curve_of, points_of
from scrutiny.measures.words import NOT_COMPARED, position
from scrutiny.standard.indicators import Indicator, load_indicators

SOURCE_NAME = "Regulator of Social Housing, Tenant Satisfaction Measures"
FINDINGS_SOURCE = "Housing Ombudsman decisions"
# RSH publishes the measures for every landlord owning 1,000 or more social homes.
SMALLEST_PUBLISHED = 1000
# Council landlords of similar size: this many nearest in homes owned (on a log scale).
SIZE_PEERS = 15
LandlordPeers = Literal["size", "council", "social"]
LANDLORD_PEERS: dict[LandlordPeers, str] = {
    "size": f"the {SIZE_PEERS} council landlords nearest in homes owned",
    "council": "all council landlords",
    "social": "all social landlords, housing associations included",
}
# Rented homes first; a landlord that reported only one figure for all its homes is
# read from that one.
TENURE_PREFERENCE = {"lcra": 0, "combined": 1}
ROW_KEYS = ["landlord_code", "landlord_name", "landlord_type", "authority_code"]


@dataclass
class LandlordYear:
    """One measure for one year: the council's figure and its peers'."""

    year: str
    value: float | None
    numerator: int | None
    denominator: int | None
    peer_median: float | None
    peer_low: float | None  # 25th percentile of the peers
    peer_high: float | None  # 75th percentile
    peers: int
    position: str = NOT_COMPARED  # where the funnel of the peers puts the council


@dataclass
class LandlordMeasure:
    indicator: Indicator
    years: list[LandlordYear] = field(default_factory=list)

    @property
    def source(self) -> str:
        """Where the measure's figures come from, in words."""
        if "housing_findings" in self.indicator.numerator:
            return f"{FINDINGS_SOURCE} over homes owned ({SOURCE_NAME})"
        return SOURCE_NAME


@dataclass
class LandlordFigures:
    """A council's landlord figures, or none (it owns fewer than 1,000 homes, or none)."""

    measures: list[LandlordMeasure]
    years: list[str]  # the years RSH published figures for, oldest first
    source: str  # "Regulator of Social Housing, Tenant Satisfaction Measures 2023-24 and 2024-25"
    peers: LandlordPeers = "council"
    peer_name: str = LANDLORD_PEERS["council"]

    @property
    def published(self) -> bool:
        return any(year.value is not None for m in self.measures for year in m.years)


def landlord_indicators() -> list[Indicator]:
    """The indicators computed for landlords (from TSM counts, or findings over homes
    owned), in declared order."""
    return [
        item
        for item in load_indicators()
        if isinstance(item.denominator, dict) and "tsm" in item.denominator
    ]


def tsm_indicators() -> list[Indicator]:
    """The indicators computed from TSM counts alone, in declared order."""
    return [item for item in landlord_indicators() if "tsm" in item.numerator]


def rented_homes(measures: pl.DataFrame) -> pl.DataFrame:
    """One row per landlord and year: its rented homes' figures, or all its homes' where it
    reported only those. MEASURES is read_landlord_measures' frame."""
    chosen = measures.filter(pl.col("tenure_basis").is_in(list(TENURE_PREFERENCE)))
    order = pl.col("tenure_basis").replace_strict(TENURE_PREFERENCE, return_dtype=pl.Int8)
    return chosen.sort(order).unique(["landlord_code", "period_start"], keep="first")


def _side(spec: dict[str, Any]) -> pl.Expr:
    if "tsm" in spec:
        return pl.col(str(spec["tsm"])).cast(pl.Float64)
    names = spec["housing_findings"]
    return pl.sum_horizontal([pl.col(n) for n in names]).fill_null(0).cast(pl.Float64)


def landlord_rows(measures: pl.DataFrame, findings: pl.DataFrame | None = None) -> pl.DataFrame:
    """Every landlord indicator for every landlord and year: ROW_KEYS, homes_owned,
    indicator, period_start, numerator, denominator and value (None where RSH published
    no figure). FINDINGS is housing_finding_counts' financial-year frame; findings are
    matched to councils only, so housing associations have no rate of findings."""
    homes = rented_homes(measures)
    if findings is not None and findings.height:
        counted = findings.drop("period_end")
        homes = homes.join(counted, on=["authority_code", "period_start"], how="left")
    frames = []
    for item in landlord_indicators():
        top, bottom = item.numerator, item.denominator
        assert isinstance(bottom, dict)
        if "housing_findings" in top:
            if findings is None or not findings.height:
                continue
            rows = homes.filter(pl.col("landlord_type") == "council")
        else:
            rows = homes
        frames.append(
            rows.select(
                *ROW_KEYS,
                "homes_owned",
                pl.lit(item.code).alias("indicator"),
                "period_start",
                _side(top).alias("numerator"),
                _side(bottom).alias("denominator"),
            ).with_columns(
                pl.when(pl.col("denominator") > 0)
                .then(pl.col("numerator") / pl.col("denominator") * item.multiplier)
                .alias("value")
            )
        )
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames)


def peer_rows(year: pl.DataFrame, landlord_code: str, peers: LandlordPeers) -> pl.DataFrame:
    """The PEERS of LANDLORD_CODE among YEAR (landlord_rows for one indicator and year)
    that have a figure, the landlord itself left out."""
    others = year.filter((pl.col("landlord_code") != landlord_code) & pl.col("value").is_not_null())
    if peers == "social":
        return others
    councils = others.filter(pl.col("landlord_type") == "council")
    if peers == "council":
        return councils
    own = year.filter(pl.col("landlord_code") == landlord_code).get_column("homes_owned")
    if own.is_empty() or own[0] is None or own[0] <= 0:
        return councils.clear()
    distance = (pl.col("homes_owned").cast(pl.Float64).log() - float(np.log(own[0]))).abs()
    return councils.filter(pl.col("homes_owned") > 0).sort(distance).head(SIZE_PEERS)


def landlord_code_of(rows: pl.DataFrame, authority_code: str) -> str | None:
    """The landlord code RSH gives council AUTHORITY_CODE, if it published one."""
    mine = rows.filter(pl.col("authority_code") == authority_code)
    return str(mine.get_column("landlord_code")[0]) if mine.height else None


def _place(item: Indicator, mine: dict[str, Any], group: pl.DataFrame) -> str:
    """Where MINE (a landlord's row) sits on the funnel of itself and GROUP, in words."""
    found = _landlord_funnel(item, pl.DataFrame([mine]), group)
    if found is None:
        return position(None)
    funnel, _ = found
    return position(funnel.flags[funnel.ids.index(mine["landlord_code"])], item.direction)


def _landlord_funnel(
    item: Indicator, own: pl.DataFrame, group: pl.DataFrame
) -> tuple[Funnel, pl.DataFrame] | None:
    """The funnel of OWN (one landlord's row) among GROUP, with the rows on it; None when
    ITEM is not a proportion or rate, OWN has no figure or fewer than three are on it."""
    kind = FUNNEL_KINDS.get(item.kind)
    members = pl.concat([own.select(group.columns), group], how="vertical_relaxed").filter(
        pl.col("denominator") > 0
    )
    if kind is None or members.height < 3 or own.filter(pl.col("denominator") > 0).is_empty():
        return None
    funnel = peer_funnel(_as_members(members), kind)
    return None if funnel is None else (funnel, members)


def _as_members(rows: pl.DataFrame) -> pl.DataFrame:
    """Landlord rows as peer_funnel reads them (its ids are the authority_code column)."""
    return rows.filter(pl.col("denominator") > 0).select(
        pl.col("landlord_code").alias("authority_code"), "numerator", "denominator"
    )


def council_landlord_figures(
    measures: pl.DataFrame,
    code: str,
    *,
    findings: pl.DataFrame | None = None,
    peers: LandlordPeers = "council",
) -> LandlordFigures:
    """Council CODE's landlord figures for each year stored, against its PEERS. MEASURES
    is read_landlord_measures' frame; with FINDINGS (housing_finding_counts' financial-year
    frame), the Housing Ombudsman's findings per 1,000 homes too."""
    return figures_from_rows(landlord_rows(measures, findings), code, peers)


def figures_from_rows(rows: pl.DataFrame, code: str, peers: LandlordPeers) -> LandlordFigures:
    """council_landlord_figures from landlord_rows already made."""
    starts: list[date] = (
        sorted(rows.get_column("period_start").unique().to_list()) if rows.height else []
    )
    years = [period_label(start, "financial_year") for start in starts]
    landlord = landlord_code_of(rows, code) if rows.height else None
    found = []
    for item in landlord_indicators():
        of_item = rows.filter(pl.col("indicator") == item.code) if rows.height else rows
        if of_item.is_empty():
            continue
        measure = LandlordMeasure(item)
        for start, label in zip(starts, years, strict=True):
            year = of_item.filter(pl.col("period_start") == start)
            mine = year.filter(pl.col("landlord_code") == (landlord or ""))
            row = mine.row(0, named=True) if mine.height else {}
            group = peer_rows(year, landlord or "", peers)
            spread = group.get_column("value")
            measure.years.append(
                LandlordYear(
                    year=label,
                    value=row.get("value"),
                    numerator=_whole(row.get("numerator")),
                    denominator=_whole(row.get("denominator")),
                    peer_median=spread.median() if spread.len() else None,  # type: ignore[arg-type]
                    peer_low=spread.quantile(0.25) if spread.len() else None,
                    peer_high=spread.quantile(0.75) if spread.len() else None,
                    peers=spread.len(),
                    position=_place(item, row, group) if row else position(None),
                )
            )
        found.append(measure)
    source = f"{SOURCE_NAME} {' and '.join(years)}" if years else SOURCE_NAME
    return LandlordFigures(found, years, source, peers, LANDLORD_PEERS[peers])


def _whole(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


def landlord_funnel_plot(
    rows: pl.DataFrame,
    code: str,
    indicator_code: str,
    start: date,
    peers: LandlordPeers = "council",
) -> FunnelPlot | None:
    """The funnel plot of INDICATOR_CODE for the year starting START: council CODE among its
    PEERS, over ROWS (landlord_rows). None when the council has no figure, the indicator
    cannot go on a funnel, or fewer than three landlords have a figure."""
    item = next((i for i in landlord_indicators() if i.code == indicator_code), None)
    kind = FUNNEL_KINDS.get(item.kind) if item else None
    if item is None or kind is None or rows.is_empty():
        return None
    year = rows.filter((pl.col("indicator") == item.code) & (pl.col("period_start") == start))
    landlord = landlord_code_of(year, code)
    if landlord is None:
        return None
    mine = year.filter(pl.col("landlord_code") == landlord)
    found = _landlord_funnel(item, mine, peer_rows(year, landlord, peers))
    if found is None:
        return None
    funnel, members = found
    names = members.select(pl.col("landlord_code").alias("code"), pl.col("landlord_name"))
    return FunnelPlot(
        indicator=item,
        group=f"{LANDLORD_PEERS[peers]}, with the council itself",
        highlight=landlord,
        target=funnel.target * item.multiplier,
        adjusted=funnel.adjusted,
        points=points_of(funnel, item, names.rename({"landlord_name": "name"})),
        curve=curve_of(funnel, item),
        noun="landlord",
    )


# The real figures the watchlist shows beside each council's signals.
WATCHLIST_MEASURES = ("tsm_stage1_within_timescale", "ho_maladministration_per_1000_homes")


def latest_council_positions(
    rows: pl.DataFrame, before: date, codes: tuple[str, ...] = WATCHLIST_MEASURES
) -> pl.DataFrame:
    """Each council landlord's figure for each measure in CODES in the latest year that
    ended before BEFORE, and where it sits on the funnel of all council landlords that
    year: authority_code, indicator, year, value, numerator, denominator, position."""
    found = []
    for code in codes:
        item = next(i for i in landlord_indicators() if i.code == code)
        kind = FUNNEL_KINDS[item.kind]
        of = (
            rows.filter(
                (pl.col("indicator") == code)
                & (pl.col("landlord_type") == "council")
                & (pl.col("denominator") > 0)
                & (pl.col("period_start").dt.offset_by("1y") <= before)
            )
            if rows.height
            else rows
        )
        if of.is_empty():
            continue
        year = of.filter(pl.col("period_start") == of.get_column("period_start").max())
        funnel = peer_funnel(_as_members(year), kind)
        flags = dict(zip(funnel.ids, funnel.flags, strict=True)) if funnel else {}
        words = {code: position(flag, item.direction) for code, flag in flags.items()}
        found.append(
            year.select(
                "authority_code",
                "indicator",
                pl.col("period_start")
                .map_elements(lambda d: period_label(d, "financial_year"), return_dtype=pl.String)
                .alias("year"),
                "value",
                "numerator",
                "denominator",
                pl.col("landlord_code")
                .replace_strict(words, default=position(None), return_dtype=pl.String)
                .alias("position"),
            )
        )
    return pl.concat(found) if found else pl.DataFrame()
