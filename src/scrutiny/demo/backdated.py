"""Synthetic backdated evidence for the demo: evidence sent long after a recommendation's
due date for an action it dates before it, so the Ombudsman's check page, the register
and the compliance measures have the case to show (issue 21). One awaits a check, one was
accepted without the date confirmed (complied late) and one with it confirmed, with a
reason. Every note says it is synthetic."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Engine

from scrutiny.recommendations import check_evidence, read_register, record_evidence

OMBUDSMAN = "analyst@demo.scrutiny"
OFFICERS = {"E06000047": "officer@demo.scrutiny", "E08000025": "officer@birmingham.demo.scrutiny"}
# How each case's check goes: None awaits it, False accepts as it stands, True confirms the
# claimed date. The first goes to County Durham (whose officer the demo signs in as).
CHECKS = (None, False, True)


def add_backdated_evidence(engine: Engine, today: date | None = None) -> int:
    """Record the demo's backdated evidence, sent TODAY; how many pieces were recorded."""
    today = today or date.today()
    overdue = pl.concat(
        read_register(engine, today, authority_code=code)
        .filter(pl.col("overdue") & (pl.col("state") == "due"))
        .sort("due_date", "decision_ref", "recommendation_number")
        for code in OFFICERS
    )
    for row, confirm in zip(overdue.iter_rows(named=True), CHECKS, strict=False):
        claimed = max(row["agreed_date"], row["due_date"] - timedelta(days=3))
        evidence_id = record_evidence(
            engine,
            row["decision_ref"],
            row["recommendation_number"],
            note="Synthetic demo evidence: the council says the remedy was delivered"
            " before the due date, but sent this only now.",
            evidence_date=claimed,
            by=OFFICERS[row["authority_code"]],
            today=today,
        )
        if confirm is not None:
            check_evidence(
                engine,
                evidence_id,
                accepted=True,
                by=OMBUDSMAN,
                on=today,
                confirm_claimed_date=confirm,
                reason="Synthetic demo check: a dated payment record was seen." if confirm else "",
            )
    return min(overdue.height, len(CHECKS))
