"""One council's complaint handling in one financial year, read from the store: what the
Code's paragraph 8.1 asks an annual report to analyse.

Counts follow scrutiny.returns.aggregates: complaints received and refused by the date received,
responses, outcomes, remedies and service improvements by the date answered. Stage
totals come from the counted complaints (case-level and aggregate returns alike); the
breakdowns by service area, refusal reason and remedy need the case rows (and, for
service areas, aggregate returns that give one), read here for one council through the
index that starts with its code.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

import polars as pl
from sqlalchemy import Engine, and_, case, func, select

from scrutiny.core.personal_data import ANY_PERSONAL_DATA
from scrutiny.measures.council_figures import DECISION_COLUMNS
from scrutiny.standard import load_standard
from scrutiny.store.db import DATA_TABLES
from scrutiny.store.read import read_frame

# The Code's longest extensions: 10 working days at stage 1 (6.4), 20 at stage 2.
EXTENSION_LIMITS = {1: 10, 2: 20}
EXAMPLES_PER_AREA = 3
UPHELD = ("upheld", "partly_upheld")
NOT_GIVEN = "Reason not given (totals return)"


class ServiceAreaRow(TypedDict):
    """One service area's complaints in the year (by_service_area)."""

    label: str
    service_area: str
    stage1_received: int
    stage2_received: int
    refused: int
    responded: int
    upheld: int  # in full or in part
    improvements: int


class RefusalRow(TypedDict):
    """Complaints refused for one reason (refusal_reasons)."""

    reason: str | None  # None for refusals in totals returns, which give no reason
    label: str
    refused: int


class RemedyCount(TypedDict):
    remedy: str
    label: str
    complaints: int


class Remedies(TypedDict):
    """What was done to put things right in the year (remedies)."""

    remedies: list[RemedyCount]
    financial_gbp: float
    extensions_over_limit: int


class ImprovementExample(TypedDict):
    """A service improvement in the council's words (improvement_examples)."""

    label: str
    service_area: str
    text: str
    complaints: int


def labels(code_list: str) -> dict[str, str]:
    """A code list's labels by code."""
    return {c.code: c.label for c in load_standard().code_lists[code_list].codes}


def _in_year(column: Any, start: date, end: date) -> Any:
    return column.between(start, end)


def by_service_area(engine: Engine, code: str, start: date, end: date) -> list[ServiceAreaRow]:
    """Per service area: complaints received at each stage, refused, answered, upheld (in
    full or part) and answered with a service improvement."""
    table = DATA_TABLES["complaints"]
    mine = table.c.authority_code == code
    one = func.sum(case((table.c.stage == 1, 1), else_=0))
    two = func.sum(case((table.c.stage == 2, 1), else_=0))
    refused = func.sum(case((table.c.acceptance == "refused", 1), else_=0))
    received = select(
        table.c.service_area,
        one.label("stage1_received"),
        two.label("stage2_received"),
        refused.label("refused"),
    ).where(mine, _in_year(table.c.received_date, start, end))
    found_for = and_(table.c.acceptance == "accepted", table.c.outcome.in_(UPHELD))
    upheld = case((found_for, 1), else_=0)
    # As the standard counts them (scrutiny.returns.aggregates): improvements from upheld
    # complaints.
    improved = case((and_(found_for, table.c.service_improvement.is_(True)), 1), else_=0)
    answered = select(
        table.c.service_area,
        func.count().label("responded"),
        func.sum(upheld).label("upheld"),
        func.sum(improved).label("improvements"),
    ).where(mine, _in_year(table.c.responded_date, start, end))
    returns = DATA_TABLES["aggregate_returns"]
    totals = select(
        returns.c.service_area,
        func.sum(case((returns.c.stage == 1, returns.c.received), else_=0)).label(
            "stage1_received"
        ),
        func.sum(case((returns.c.stage == 2, returns.c.received), else_=0)).label(
            "stage2_received"
        ),
        func.sum(func.coalesce(returns.c.refused, 0)).label("refused"),
        func.sum(returns.c.responded).label("responded"),
        func.sum(
            func.coalesce(returns.c.upheld, 0) + func.coalesce(returns.c.partly_upheld, 0)
        ).label("upheld"),
        func.sum(func.coalesce(returns.c.service_improvements, 0)).label("improvements"),
    ).where(
        returns.c.authority_code == code,
        returns.c.service_area.is_not(None),
        and_(returns.c.period_start >= start, returns.c.period_end <= end),
    )
    counts = ["stage1_received", "stage2_received", "refused", "responded", "upheld"]
    frames = [
        read_frame(engine, received.group_by(table.c.service_area)),
        read_frame(engine, answered.group_by(table.c.service_area)),
        read_frame(engine, totals.group_by(returns.c.service_area)),
    ]
    names = [*counts, "improvements"]
    typed = [
        # A year can have answers but no complaints received (every April answers March's
        # complaints): each count a frame lacks is 0, not a missing column.
        f.select(
            pl.col("service_area").cast(pl.String),
            *[(pl.col(n) if n in f.columns else pl.lit(0)).cast(pl.Int64).alias(n) for n in names],
        )
        for f in frames
        if f.height
    ]
    if not typed:
        return []
    found = (
        pl.concat(typed, how="diagonal_relaxed")
        .group_by("service_area")
        .agg(*[pl.col(n).fill_null(0).sum() for n in names])
    )
    area = labels("service_area")
    rows = [
        ServiceAreaRow(
            label=area.get(row["service_area"], row["service_area"]),
            service_area=row["service_area"],
            stage1_received=row["stage1_received"],
            stage2_received=row["stage2_received"],
            refused=row["refused"],
            responded=row["responded"],
            upheld=row["upheld"],
            improvements=row["improvements"],
        )
        for row in found.iter_rows(named=True)
    ]
    return sorted(rows, key=lambda row: (-row["stage1_received"], row["label"]))


def refusal_reasons(
    engine: Engine, code: str, start: date, end: date, refused_total: int
) -> list[RefusalRow]:
    """Complaints refused by reason (Code section 2), most common first; refusals counted
    in totals returns, which give no reason, are one more row."""
    table = DATA_TABLES["complaints"]
    query = (
        select(table.c.refusal_reason, func.count().label("refused"))
        .where(
            table.c.authority_code == code,
            table.c.acceptance == "refused",
            _in_year(table.c.received_date, start, end),
        )
        .group_by(table.c.refusal_reason)
    )
    reason = labels("refusal_reason")
    rows: list[RefusalRow] = [
        {
            "reason": row["refusal_reason"] or "other",
            "label": reason.get(row["refusal_reason"] or "other", row["refusal_reason"]),
            "refused": int(row["refused"]),
        }
        for row in read_frame(engine, query).iter_rows(named=True)
    ]
    rows.sort(key=lambda row: (-row["refused"], row["label"]))
    unexplained = refused_total - sum(row["refused"] for row in rows)
    if unexplained > 0:
        rows.append({"reason": None, "label": NOT_GIVEN, "refused": unexplained})
    return rows


def remedies(engine: Engine, code: str, start: date, end: date) -> Remedies:
    """What was done to put things right (Code 7.1) in complaints answered in the year: each
    remedy's count, the money paid or offered, and extensions beyond the Code's limits."""
    table = DATA_TABLES["complaints"]
    mine = and_(table.c.authority_code == code, _in_year(table.c.responded_date, start, end))
    given = read_frame(
        engine,
        select(table.c.remedies, func.count().label("complaints"))
        .where(mine, table.c.remedies.is_not(None))
        .group_by(table.c.remedies),
    )
    over = case(
        *[
            (and_(table.c.stage == stage, table.c.extension_working_days > limit), 1)
            for stage, limit in EXTENSION_LIMITS.items()
        ],
        else_=0,
    )
    totals = read_frame(
        engine,
        select(
            func.sum(func.coalesce(table.c.financial_remedy_gbp, 0)).label("money"),
            func.sum(over).label("over_limit"),
        ).where(mine),
    ).row(0, named=True)
    name = labels("remedy")
    counted: dict[str, int] = {}
    for row in given.iter_rows(named=True):
        for remedy in str(row["remedies"]).split(";"):
            if remedy.strip():
                counted[remedy.strip()] = counted.get(remedy.strip(), 0) + int(row["complaints"])
    listed: list[RemedyCount] = [
        {"remedy": key, "label": name.get(key, key), "complaints": count}
        for key, count in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return {
        "remedies": listed,
        "financial_gbp": float(totals["money"] or 0),
        "extensions_over_limit": int(totals["over_limit"] or 0),
    }


def improvement_examples(
    engine: Engine, code: str, start: date, end: date, per_area: int = EXAMPLES_PER_AREA
) -> list[ImprovementExample]:
    """The service improvements recorded from complaints upheld in the year, as the council
    worded them, most often recorded first, at most PER_AREA per service area. Text that looks like
    personal data (the validator's patterns) is left out: the report is published."""
    table = DATA_TABLES["complaints"]
    query = (
        select(
            table.c.service_area,
            table.c.service_improvement_text.label("text"),
            func.count().label("complaints"),
        )
        .where(
            table.c.authority_code == code,
            table.c.service_improvement.is_(True),
            table.c.acceptance == "accepted",
            table.c.outcome.in_(UPHELD),
            table.c.service_improvement_text.is_not(None),
            _in_year(table.c.responded_date, start, end),
        )
        .group_by(table.c.service_area, table.c.service_improvement_text)
    )
    found = read_frame(engine, query)
    if found.height:
        text = pl.col("text").cast(pl.String)
        found = found.filter((text.str.strip_chars() != "") & ~text.str.contains(ANY_PERSONAL_DATA))
    area = labels("service_area")
    rows = sorted(
        (
            ImprovementExample(
                label=area.get(r["service_area"], r["service_area"]),
                service_area=r["service_area"],
                text=r["text"],
                complaints=r["complaints"],
            )
            for r in found.to_dicts()
        ),
        key=lambda r: (r["label"], -r["complaints"], r["text"]),
    )
    kept: list[ImprovementExample] = []
    for row in rows:
        if sum(1 for k in kept if k["label"] == row["label"]) < per_area:
            kept.append(row)
    return kept


def year_decisions(engine: Engine, code: str, start: date, end: date) -> pl.DataFrame:
    """Ombudsman decisions (Housing Ombudsman findings too) about the council dated in the
    year, with their fault, complaint-handling and remedy flags, newest first."""
    table = DATA_TABLES["ombudsman_decisions"]
    # The columns the dashboard shows, and the flags the report counts.
    columns = (
        *DECISION_COLUMNS,
        "complaint_handling_fault",
        "satisfactory_remedy_by_authority",
        "public_interest_report",
    )
    query = (
        select(*(table.c[c] for c in columns))
        .where(table.c.authority_code == code, _in_year(table.c.decision_date, start, end))
        .order_by(table.c.decision_date.desc(), table.c.decision_ref, table.c.finding_element)
    )
    found = read_frame(engine, query)
    return found if found.height else pl.DataFrame(schema=list(columns))
