"""The watchlist: councils ranked by a transparent early-warning score, with its reasons.

A council's score for a quarter is the sum, over its signals in that quarter, of the
signal's weight times its severity (1 or 2). Each signal's weight is declared with the
signal in scrutiny.warning.signals.registry (default_weights); pass your own to change
them. A council is *on watch* when its score reaches WATCH_THRESHOLD. The watchlist as of
a date scores the latest complete quarter before it and compares it with the quarter
before. What "as of" means is in scrutiny.warning.signals: only what was known on that
date is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import last_complete_quarter, quarter_label
from scrutiny.reference.authorities import official_names
from scrutiny.warning.signals import compute_signals, registry


@dataclass(frozen=True)
class Training:
    """Which synthetic nations the weights and threshold were set on, and when."""

    date: str
    seeds: tuple[int, ...]


# The weights (in the registry) and this threshold were set together on these seeds only,
# with benchmarks/early_warning.py --tune; docs/early-warning.md scores them on others.
TRAINING = Training(date="2026-12-07", seeds=(2025, 11, 12))
# A council is on watch from this score.
WATCH_THRESHOLD = 5.0
WATCHLIST_SCHEMA = {
    "rank": pl.Int64,
    "authority_code": pl.String,
    "name": pl.String,
    "period": pl.String,
    "score": pl.Float64,
    "previous_score": pl.Float64,
    "change": pl.Float64,
    "trend": pl.String,
    "on_watch": pl.Boolean,
    # A JSON list of {signal, severity, weight, points, sentence, evidence}: the signals
    # that add most to the score first, then those that add nothing (weight 0), which are
    # context, not reasons.
    "signals": pl.String,
}
# More than there are councils: a watchlist with every council that has a score.
EVERY_COUNCIL = 1000


def default_weights() -> dict[str, float]:
    """What each signal is worth, per point of severity, as the registry declares it."""
    return registry.weights()


def check_weights(weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """WEIGHTS for every signal (missing ones count 0; None, the registry's); unknown names
    are refused."""
    if weights is None:
        return default_weights()
    known = registry.codes()
    unknown = sorted(set(weights) - set(known))
    if unknown:
        raise ValueError(f"no signal called {', '.join(unknown)}; signals: {', '.join(known)}")
    return {name: float(weights.get(name, 0.0)) for name in known}


def scores(signals: pl.DataFrame, weights: Mapping[str, float] | None = None) -> pl.DataFrame:
    """Score per council and quarter: the sum of weight × severity over its signals."""
    weighted = signals.with_columns(
        pl.col("signal")
        .replace_strict(check_weights(weights), return_dtype=pl.Float64)
        .alias("weight")
    )
    return weighted.group_by("authority_code", "period_start", "period_end").agg(
        (pl.col("weight") * pl.col("severity")).sum().alias("score")
    )


def watchlist(
    engine: Engine,
    as_of: date | None = None,
    top: int = 20,
    weights: Mapping[str, float] | None = None,
    *,
    threshold: float = WATCH_THRESHOLD,
    peers: str = "type",
    signals: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The TOP councils by score in the latest complete quarter before AS_OF, with reasons.

    Councils with a score of 0 are never listed. trend compares the score with the
    previous quarter's: rising, falling or steady. SIGNALS may pass compute_signals(engine,
    end of that quarter, peers=PEERS) already worked out (scrutiny.warning.kept keeps them).
    """
    if top < 1:
        raise ValueError("--top must be at least 1")
    weights = check_weights(weights)
    as_of = as_of or date.today()
    start, end = last_complete_quarter(as_of)
    previous_start, _ = last_complete_quarter(start - timedelta(days=1))
    if signals is None:
        signals = compute_signals(engine, end, peers=peers)
    signals = signals.filter(pl.col("period_start") >= previous_start)
    scored = scores(signals, weights)
    now = scored.filter(pl.col("period_start") == start).select("authority_code", "score")
    before = scored.filter(pl.col("period_start") == previous_start).select(
        "authority_code", pl.col("score").alias("previous_score")
    )
    ranked = (
        now.filter(pl.col("score") > 0)
        .join(before, on="authority_code", how="left")
        .with_columns(pl.col("previous_score").fill_null(0.0))
        .sort(["score", "authority_code"], descending=[True, False])
        .head(top)
    )
    names = official_names()
    reasons = signals.filter(pl.col("period_start") == start)
    weight = pl.col("signal").replace_strict(weights, return_dtype=pl.Float64)
    rows = []
    for rank, row in enumerate(ranked.iter_rows(named=True), start=1):
        change = row["score"] - row["previous_score"]
        behind = (
            reasons.filter(pl.col("authority_code") == row["authority_code"])
            .with_columns((weight * pl.col("severity")).alias("points"))
            .sort(["points", "severity", "signal"], descending=[True, True, False])
        )
        rows.append(
            {
                "rank": rank,
                "authority_code": row["authority_code"],
                "name": names.get(row["authority_code"], row["authority_code"]),
                "period": quarter_label(start),
                "score": row["score"],
                "previous_score": row["previous_score"],
                "change": change,
                "trend": "rising" if change > 0 else "falling" if change < 0 else "steady",
                "on_watch": row["score"] >= threshold,
                "signals": json.dumps(
                    [
                        {
                            "signal": s["signal"],
                            "severity": s["severity"],
                            "weight": weights[s["signal"]],
                            "points": s["points"],
                            "sentence": s["sentence"],
                            "evidence": json.loads(s["evidence"]),
                        }
                        for s in behind.iter_rows(named=True)
                    ]
                ),
            }
        )
    return pl.DataFrame(rows, schema=WATCHLIST_SCHEMA)
