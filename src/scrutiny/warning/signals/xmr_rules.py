"""Signals from each council's own quarterly record: XmR special causes, no look-ahead.

Each quarter is judged as it could have been at its end: the chart is drawn from the
council's quarters up to and including it, and only that last point's special causes
count. A point beyond the process limits is severity 2; a run of six on one side of the
mean, six quarters each worse than the last, or two of three near a limit, severity 1.
Which indicators are charted, which way is worse and the signal each raises are declared
with the signals that name XMR in scrutiny.warning.signals.registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import polars as pl

from scrutiny.core.periods import quarter_label
from scrutiny.measures.spc_expanding import last_point_rules
from scrutiny.measures.spc_rules import RULES
from scrutiny.standard.indicators import indicator
from scrutiny.warning.signals.model import Detector, SignalEntry, SignalInputs, Worse, watched
from scrutiny.warning.signals.rows import frame, number, span

# Quarterly series are short: limits from two years of quarters, where Making Data Count
# asks for 13 points. Set on the synthetic demo data (docs/early-warning.md).
MINIMUM_POINTS = 8
RULE_WORDS = {
    "astronomical": "outside the range its own record would lead us to expect",
    "shift": "the sixth quarter or more in a row on the worse side of its average",
    "trend": "the sixth quarter in a row getting worse",
    "two_in_three": "two of the last three quarters near the edge of its usual range",
}


def chart_signals(
    values: pl.DataFrame,
    charted: Mapping[str, tuple[Worse, str]],
    minimum_points: int = MINIMUM_POINTS,
) -> pl.DataFrame:
    """Adverse special causes on each council's quarterly series of the CHARTED indicators.

    CHARTED maps an indicator to the way that is worse and the signal it raises. Every
    quarter's chart is judged at once (scrutiny.measures.spc_expanding), not drawn one by one.
    """
    rows = values.filter(
        pl.col("indicator").is_in(list(charted)) & pl.col("value").is_not_null()
    ).sort("authority_code", "indicator", "period_start")
    rows = rows.with_columns(
        _charted=pl.int_range(1, pl.len() + 1).over("authority_code", "indicator")
    )
    if rows.is_empty():
        return frame([])
    series = rows.select(pl.struct("authority_code", "indicator").rank("dense")).to_series()
    judged = last_point_rules(
        rows["value"].cast(pl.Float64).to_numpy(), series.to_numpy(), minimum_points
    )
    bad_up = rows["indicator"].replace_strict(
        {code: worse != "down" for code, (worse, _) in charted.items()}, return_dtype=pl.Boolean
    )
    worse = np.where(bad_up.to_numpy()[None, :], judged.high, judged.low)
    found: list[dict[str, Any]] = []
    for i in np.flatnonzero(worse.any(axis=0)):
        row = rows.row(int(i), named=True)
        fired = [str(RULES[r]) for r in np.flatnonzero(worse[:, i])]
        limits = (judged.mean[i], judged.lower_limit[i], judged.upper_limit[i])
        found.append(_signal(row, limits, fired, charted[row["indicator"]][1]))
    return frame(found)


def _signal(
    row: dict[str, Any], limits: tuple[float, float, float], fired: list[str], signal: str
) -> dict[str, Any]:
    item = indicator(row["indicator"])
    unit = item.unit
    mean, lower, upper = (float(limit) for limit in limits)
    # The usual range as the council page's chart draws it: held within what the figure can
    # take (0-100% for a percentage); the flags are the same either way.
    least, greatest = item.bounds
    lower, upper = max(lower, least), min(upper, greatest)
    rule = "astronomical" if "astronomical" in fired else fired[0]
    sentence = (
        f"{item.name}: {number(row['value'], unit)} in {quarter_label(row['period_start'])}, "
        f"{RULE_WORDS[rule]} (average {number(mean, unit)}, usual range "
        f"{span(lower, upper, unit)})."
    )
    return {
        "authority_code": row["authority_code"],
        "period_start": row["period_start"],
        "period_end": row["period_end"],
        "signal": signal,
        "severity": 2 if "astronomical" in fired else 1,
        "sentence": sentence,
        "evidence": {
            "indicator": item.code,
            "value": row["value"],
            "numerator": row["numerator"],
            "denominator": row["denominator"],
            "mean": mean,
            "lower_limit": lower,
            "upper_limit": upper,
            "quarters_charted": int(row["_charted"]),
            "rule": f"XmR chart (Making Data Count): {', '.join(fired)}",
        },
    }


def _detect(inputs: SignalInputs, entries: tuple[SignalEntry, ...]) -> pl.DataFrame:
    return chart_signals(inputs.values, watched(entries), inputs.minimum_points)


XMR = Detector(
    "An XmR chart (Making Data Count) of the council's own quarters up to each quarter's "
    f"end, from at least {MINIMUM_POINTS} quarters",
    _detect,
    reads_watches=True,
)
