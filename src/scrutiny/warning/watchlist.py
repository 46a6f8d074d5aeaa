"""The watchlist: councils ranked by a transparent early-warning score, with its reasons.

A council's score for a quarter is the sum, over its signals in that quarter, of the
signal's weight times its severity (1 or 2). DEFAULT_WEIGHTS says what each signal is
worth; pass your own to change them. A council is *on watch* when its score reaches
WATCH_THRESHOLD. The watchlist as of a date scores the latest complete quarter before it
and compares it with the quarter before. What "as of" means is in scrutiny.warning.signals: only
what was known on that date is used.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import last_complete_quarter, quarter_label
from scrutiny.warning.signals import SIGNALS, compute_signals
from scrutiny.warning.signals.quarters import short_names

# What each signal is worth, per point of severity. Set on the synthetic demo data with
# benchmarks/early_warning.py --tune (a search over weights and thresholds for the most
# failing councils flagged within two quarters with at most 5% of healthy council-years
# flagged; figures in docs/early-warning.md), then by hand: the search's best flagged
# fewer failing councils than these. The scenarios planted there are ours, so these are a
# reasoned starting point, not a validated model.
# - A sudden change against the council's own previous year (3), a clearly larger share of
#   Ombudsman recommendations missed than in its year before (3) and falling complaint
#   volumes (2) carry the score: they are rare at healthy councils and came with most
#   planted failures. Either of the first two puts a council on watch on its own.
# - Being outside the peer funnel (0) or below peers on volume (0) is chronic for some
#   healthy councils, so it is shown as a signal but does not add to the score.
# - Special causes, rising escalations and uphold rates on the XmR chart, and any missed
#   recommendation (0.25 to 0.5) count when they come together with other signals.
# - Complaint-handling faults and public-interest reports are scattered over healthy
#   councils in the synthetic data (0); a real public-interest report deserves reading
#   whatever the score.
DEFAULT_WEIGHTS: dict[str, float] = {
    "peer_outlier": 0.0,
    "sudden_change": 3.0,
    "special_cause": 0.25,
    "volume_low": 0.0,
    "volume_falling": 2.0,
    "escalation_rising": 0.5,
    "uphold_rising": 0.5,
    "recommendations_missed": 0.5,
    "compliance_falling": 3.0,
    "complaint_handling_fault": 0.0,
    "public_interest_report": 0.0,
    "return_overdue": 1.0,
}
# A council is on watch from this score: set, with the weights, on the demo data.
WATCH_THRESHOLD = 3.0
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
    "signals": pl.String,  # a JSON list of {signal, severity, weight, sentence, evidence}
}


def check_weights(weights: Mapping[str, float]) -> dict[str, float]:
    """WEIGHTS for every signal (missing ones count 0); unknown names are refused."""
    unknown = sorted(set(weights) - set(SIGNALS))
    if unknown:
        raise ValueError(f"no signal called {', '.join(unknown)}; signals: {', '.join(SIGNALS)}")
    return {name: float(weights.get(name, 0.0)) for name in SIGNALS}


def scores(signals: pl.DataFrame, weights: Mapping[str, float] = DEFAULT_WEIGHTS) -> pl.DataFrame:
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
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    *,
    threshold: float = WATCH_THRESHOLD,
    peers: str = "type",
) -> pl.DataFrame:
    """The TOP councils by score in the latest complete quarter before AS_OF, with reasons.

    Councils with a score of 0 are never listed. trend compares the score with the
    previous quarter's: rising, falling or steady.
    """
    if top < 1:
        raise ValueError("--top must be at least 1")
    weights = check_weights(weights)
    as_of = as_of or date.today()
    start, end = last_complete_quarter(as_of)
    previous_start, _ = last_complete_quarter(start - timedelta(days=1))
    signals = compute_signals(engine, end, peers=peers).filter(
        pl.col("period_start") >= previous_start
    )
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
    names = short_names()
    reasons = signals.filter(pl.col("period_start") == start)
    rows = []
    for rank, row in enumerate(ranked.iter_rows(named=True), start=1):
        change = row["score"] - row["previous_score"]
        behind = reasons.filter(pl.col("authority_code") == row["authority_code"]).sort(
            ["severity", "signal"], descending=[True, False]
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
                            "sentence": s["sentence"],
                            "evidence": json.loads(s["evidence"]),
                        }
                        for s in behind.iter_rows(named=True)
                    ]
                ),
            }
        )
    return pl.DataFrame(rows, schema=WATCHLIST_SCHEMA)
