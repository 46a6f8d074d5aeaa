"""The figures behind the self-assessment's pre-fills, from the store for one council and year.

Each figure is keyed by (measure, stage, limit) as self_assessment.yaml declares its
pre-fills, and is (numerator, denominator, what they count with a {year} to fill in).
scrutiny.councillor.self_assessment turns them into readings against the declared bars.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import polars as pl
from sqlalchemy import Engine, and_, func, or_, select

from scrutiny.measures.indicators import complaint_counts_by_period
from scrutiny.store.db import DATA_TABLES
from scrutiny.store.read import read_frame

# Case-level measures count complaints under the Codes only: statutory social care
# procedures have their own timescales.
CODE_PROCESSES = ("complaint_handling_code", "housing_complaint_handling_code")

Figures = dict[tuple[str, int, int | None], tuple[int, int, str]]


def complaint_figures(engine: Engine, code: str, start: date) -> Figures:
    """Timeliness from the counts the indicators use (case-level and aggregate returns)."""
    counts = complaint_counts_by_period(engine, "financial_year", code)
    if counts.is_empty():
        return {}
    found: Figures = {}
    rows = counts.filter(pl.col("period_start") == start)
    for row in rows.iter_rows(named=True):
        stage = int(row["stage"])
        found[("acknowledged_on_time", stage, None)] = (
            int(row["acknowledged_on_time"]),
            int(row["received"]),
            f"stage {stage} complaints received in {{year}} were acknowledged within"
            " 5 working days",
        )
        found[("responded_on_time", stage, None)] = (
            int(row["responded_within_extended_timescale"]),
            int(row["responded"]),
            f"stage {stage} responses sent in {{year}} were within the Code's timescale"
            " (counting agreed extensions up to the Code's limit)",
        )
    return found


def case_figures(
    engine: Engine, code: str, start: date, end: date, limits: list[tuple[int, int]]
) -> Figures:
    """Extensions (within each (stage, limit) of LIMITS), refusal reasons and reasonable
    adjustments: case-level returns only."""
    table = DATA_TABLES["complaints"]
    under_code = or_(table.c.process.is_(None), table.c.process.in_(CODE_PROCESSES))
    mine = and_(table.c.authority_code == code, under_code)
    received = table.c.received_date.between(start, end)
    has_reason = table.c.extension_reason.is_not(None).label("has_reason")
    extended = read_frame(
        engine,
        select(table.c.stage, table.c.extension_working_days, has_reason, func.count().label("n"))
        .where(mine, table.c.responded_date.between(start, end))
        .where(table.c.extension_working_days > 0)
        .group_by(table.c.stage, table.c.extension_working_days, has_reason),
    )
    refused = read_frame(
        engine,
        select(table.c.refusal_reason, func.count().label("n"))
        .where(mine, received, table.c.stage == 1, table.c.acceptance == "refused")
        .group_by(table.c.refusal_reason),
    )
    adjustments = read_frame(
        engine,
        select(table.c.reasonable_adjustments, func.count().label("n"))
        .where(mine, received, table.c.stage == 1)
        .group_by(table.c.reasonable_adjustments),
    )
    found: Figures = {}
    for stage, limit in limits:
        rows = [r for r in extended.to_dicts() if r["stage"] == stage]
        kept = [r for r in rows if r["extension_working_days"] <= limit and r["has_reason"]]
        found[("extensions_within_limit", stage, limit)] = (
            sum(r["n"] for r in kept),
            sum(r["n"] for r in rows),
            f"stage {stage} responses sent in {{year}} after an extension had one of"
            f" {limit} working days or fewer with its reason recorded",
        )
    reasons = Counter({r["refusal_reason"]: r["n"] for r in refused.to_dicts()})
    common = ", ".join(
        f"{(reason or 'no reason').replace('_', ' ')} {n:,}" for reason, n in reasons.most_common()
    )
    found[("refusals_with_reason", 1, None)] = (
        sum(n for reason, n in reasons.items() if reason),
        sum(reasons.values()),
        f"stage 1 complaints refused in {{year}} have a recorded reason ({common})",
    )
    recorded = {r["reasonable_adjustments"]: r["n"] for r in adjustments.to_dicts()}
    made = sum(n for value, n in recorded.items() if value)
    found[("adjustments_recorded", 1, None)] = (
        sum(n for value, n in recorded.items() if value is not None),
        sum(recorded.values()),
        "stage 1 complaints received in {year} record whether reasonable adjustments were"
        f" made ({made:,} with adjustments)",
    )
    return found
