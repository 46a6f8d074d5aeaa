"""Signals from funnel plots: a council outside its peer group's range in one quarter.

Each quarter, each watched indicator is put on one funnel per peer group (the same
settings as scrutiny.measures.benchmarking: exact limits, additive over-dispersion, counts
per population on the square-root scale against the group's pooled rate). Only the worse
side is a signal. Which indicators, which side and which signal are declared in
scrutiny.warning.signals.registry: every indicator with a direction (peer_outlier), and
stage 1 volumes on the low side (volume_low).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from scrutiny.core.periods import quarter_label
from scrutiny.measures.benchmarking import FUNNEL_KINDS, OVERDISPERSION
from scrutiny.measures.funnel import FunnelError, compare
from scrutiny.measures.words import POSITIONS
from scrutiny.reference.authorities import official_names
from scrutiny.standard.indicators import indicator, load_indicators
from scrutiny.warning.signals.model import (
    Detector,
    SignalEntry,
    SignalInputs,
    Watch,
    Worse,
    watched,
)
from scrutiny.warning.signals.rows import frame, number, span

# Recommendations are counted by due date and their final status is only known later, so
# their indicators would look ahead; the recommendations signal reads them as of each
# quarter's end instead (scrutiny.warning.signals.ombudsman).
LOOK_AHEAD = ("compliance_rate", "late_remedies")
MINIMUM_GROUP = 3
SEVERITY = {"alert": 1, "alarm": 2}


def adverse_sides() -> tuple[Watch, ...]:
    """The indicators with a direction that go on funnels, each with its worse side."""
    return tuple(
        Watch(item.code, "up" if item.direction == "lower_better" else "down")
        for item in load_indicators()
        if item.kind in FUNNEL_KINDS and item.direction != "neither" and item.code not in LOOK_AHEAD
    )


def place_on_funnels(
    values: pl.DataFrame, groups: pl.DataFrame, indicators: list[str]
) -> pl.DataFrame:
    """Every council-quarter of VALUES on its peer group's funnel of INDICATORS: limits, flag.

    VALUES is compute_indicators' long frame; GROUPS has authority_code and peer_group.
    One sort, then each funnel is a slice of numpy arrays: no frame per funnel.
    """
    kinds = {code: FUNNEL_KINDS[indicator(code).kind] for code in indicators}
    rows = (
        values.filter(
            pl.col("indicator").is_in(indicators)
            & (pl.col("denominator") > 0)
            & pl.col("value").is_not_null()
        )
        .join(groups, on="authority_code")
        .filter(
            (pl.col("numerator") <= pl.col("denominator"))
            | (pl.col("indicator").replace_strict(kinds, return_dtype=pl.String) != "proportion")
        )
        .sort("indicator", "period_start", "peer_group", "authority_code")
    )
    funnel_id = rows.select(pl.struct("indicator", "period_start", "peer_group").rank("dense"))
    ids = funnel_id.to_series().to_numpy()
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if ids.size else ids
    stops = np.r_[starts[1:], ids.size] if ids.size else ids
    numerators = rows["numerator"].cast(pl.Float64).to_numpy()
    denominators = rows["denominator"].cast(pl.Float64).to_numpy()
    codes = rows["indicator"].to_list()
    columns = ("target", "lower_95", "upper_95", "lower_99_8", "upper_99_8", "members")
    out = {name: np.full(ids.size, np.nan) for name in columns}
    flags = np.full(ids.size, None, dtype=object)
    for start, stop in zip(starts.tolist(), stops.tolist(), strict=True):
        if stop - start < MINIMUM_GROUP:
            continue
        item = indicator(codes[start])
        kind = kinds[item.code]
        numerator, denominator = numerators[start:stop], denominators[start:stop]
        target = float(numerator.sum() / denominator.sum()) if kind == "ratio" else None
        try:
            funnel = compare(
                numerator,
                denominator,
                kind=kind,
                overdispersion=OVERDISPERSION,
                target=target,
                scale="sqrt" if kind == "ratio" else None,
            )
        except FunnelError:
            continue
        scale, limits = item.multiplier, funnel.limits
        out["target"][start:stop] = funnel.target * scale
        for name in ("lower_95", "upper_95", "lower_99_8", "upper_99_8"):
            out[name][start:stop] = np.asarray(getattr(limits, name)) * scale
        out["members"][start:stop] = stop - start
        flags[start:stop] = funnel.flags
    placed = flags != None  # noqa: E711 (an array of objects, compared element by element)
    if not placed.any():
        return pl.DataFrame()
    return rows.with_columns(
        pl.Series("target", out["target"]),
        pl.Series("lower_95", out["lower_95"]),
        pl.Series("upper_95", out["upper_95"]),
        pl.Series("lower_99_8", out["lower_99_8"]),
        pl.Series("upper_99_8", out["upper_99_8"]),
        pl.Series("flag", flags.tolist(), dtype=pl.String),
        pl.Series("members", np.nan_to_num(out["members"])).cast(pl.Int32),
    ).filter(pl.Series(placed))


def funnel_signals(
    values: pl.DataFrame, groups: pl.DataFrame, watching: Mapping[str, tuple[Worse, str]]
) -> pl.DataFrame:
    """Councils outside their peer group's funnel on the worse side of the WATCHING indicators.

    WATCHING maps an indicator to its worse side (up: high, down: low) and the signal it raises.
    """
    placed = place_on_funnels(values, groups, list(watching))
    if placed.is_empty():
        return frame([])
    worse_high = pl.col("indicator").replace_strict({k: v[0] == "up" for k, v in watching.items()})
    high = pl.col("flag").str.starts_with("high")
    low = pl.col("flag").str.starts_with("low")
    found = placed.filter((high & worse_high) | (low & ~worse_high))
    names = official_names()
    signals = {code: signal for code, (_, signal) in watching.items()}
    return frame([_signal(row, names, signals) for row in found.iter_rows(named=True)])


def _signal(row: dict[str, Any], names: dict[str, str], signals: dict[str, str]) -> dict[str, Any]:
    item = indicator(row["indicator"])
    level = "alarm" if row["flag"].endswith("alarm") else "alert"
    limits = ("lower_99_8", "upper_99_8") if level == "alarm" else ("lower_95", "upper_95")
    lower, upper = row[limits[0]], row[limits[1]]
    place = names.get(row["authority_code"], row["authority_code"])
    sentence = (
        f"{item.name}: {number(row['value'], item.unit)} in "
        f"{quarter_label(row['period_start'])}, {POSITIONS[row['flag']]} for councils "
        f"like {place} ({span(lower, upper, item.unit)})."
    )
    return {
        "authority_code": row["authority_code"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "signal": signals[item.code],
        "severity": SEVERITY[level],
        "sentence": sentence,
        "evidence": {
            "indicator": item.code,
            "value": row["value"],
            "numerator": row["numerator"],
            "denominator": row["denominator"],
            "peer_group": row["peer_group"],
            "peers": row["members"] - 1,
            "target": row["target"],
            "lower_limit": lower,
            "upper_limit": upper,
            "flag": row["flag"],
            "rule": f"funnel plot, {'99.8' if level == 'alarm' else '95'}% limits, "
            f"{OVERDISPERSION} over-dispersion",
        },
    }


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return funnel_signals(inputs.peer_values, inputs.groups, watched(entries))


FUNNELS = Detector(
    f"A funnel plot of each quarter against the peer group (at least {MINIMUM_GROUP} "
    f"councils, {OVERDISPERSION} over-dispersion)",
    _detect,
    reads_watches=True,
)
