"""The annual report's sections built from frames already read: stage figures, the key
figures, the Ombudsman's annual figures, the self-assessment summary and the signals."""

from __future__ import annotations

from datetime import date
from typing import Literal, NotRequired, TypedDict, cast

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import quarter_label
from scrutiny.publish.reports.annual_figures import ServiceAreaRow, labels
from scrutiny.returns.aggregates import COUNTS
from scrutiny.warning.signals.registry import signal

STATUSES = ("meets", "partly_meets", "does_not_meet")


class StageRow(TypedDict):
    """One stage's complaints in the year (stage_rows): the counts of
    scrutiny.returns.aggregates.COUNTS, then the figures made from them."""

    stage: int
    received: int
    refused: int
    acknowledged_on_time: int
    responded: int
    responded_within_timescale: int
    responded_within_extended_timescale: int
    extended: int
    upheld: int
    partly_upheld: int
    not_upheld: int
    withdrawn: int
    service_improvements: int
    working_days_to_respond_total: int
    median_days: float | None
    mean_days: float | None
    acknowledged_percent: float | None
    on_time_percent: float | None
    within_timescale_percent: float | None
    extended_percent: float | None
    decided: int
    upheld_percent: float | None
    refused_percent: float | None


class KeyFigure(TypedDict):
    """One of the year's key figures: a count, or a percentage when UNIT says so."""

    label: str
    value: int | float | None
    unit: NotRequired[str]


class IndicatorFigure(TypedDict):
    """An indicator's count, what it is out of, and its value (None with nothing to divide)."""

    numerator: int
    denominator: int
    value: float | None


class LabelledCount(TypedDict):
    label: str
    count: int


class DecisionRow(TypedDict):
    """An Ombudsman decision of the year: the columns of annual_figures.year_decisions, then
    its service area and outcome in words."""

    ombudsman: str
    decision_ref: str
    finding_element: str | None
    decision_date: date
    category: str
    subcategory: str | None
    outcome: str
    housing_ombudsman_finding: str | None
    complaint_handling_fault: bool | None
    satisfactory_remedy_by_authority: bool | None
    public_interest_report: bool | None
    category_label: str
    outcome_label: str


class OmbudsmanFigures(TypedDict):
    """The Ombudsman's annual figures for the council (ombudsman_figures)."""

    decisions: IndicatorFigure
    uphold_rate: IndicatorFigure
    upheld_per_100k: IndicatorFigure
    satisfactory_remedy: IndicatorFigure
    complaint_handling_faults: IndicatorFigure
    compliance: IndicatorFigure
    by_outcome: list[LabelledCount]
    by_category: list[LabelledCount]
    housing_findings: list[LabelledCount]
    housing_decisions: int


class StatusCounts(TypedDict):
    """How many checklist items meet, partly meet, do not meet or are not assessed."""

    meets: int
    partly_meets: int
    does_not_meet: int
    not_assessed: int


class SectionCounts(TypedDict):
    """StatusCounts for one section of the Code."""

    section: str
    meets: int
    partly_meets: int
    does_not_meet: int
    not_assessed: int


class SelfAssessmentAction(TypedDict):
    item: str
    requirement: str
    status: str
    action: str
    action_owner: str | None
    action_due: date | None


class BetterThanDataRow(TypedDict):
    """An answer better than the council's own data (scrutiny.councillor.better_than_data)."""

    item: str
    requirement: str
    answer: str
    figures: str  # the data's reading, the counts and value, the bar, the year
    evidence: str | None


class SelfAssessmentSummary(TypedDict):
    """The self-assessment against the Code (self_assessment_summary)."""

    sections: list[SectionCounts]
    count: int
    by_council: int
    from_data: int
    actions: list[SelfAssessmentAction]
    totals: StatusCounts
    better_than_data: list[BetterThanDataRow]


class SignalRow(TypedDict):
    """An early-warning signal as the report lists it (signal_rows)."""

    quarter: str
    signal: str
    label: str
    severity: Literal["serious", "warning"]
    sentence: str


def percent(top: float | None, bottom: float | None) -> float | None:
    """TOP as a percentage of BOTTOM; None when there is nothing to divide by."""
    return 100 * float(top or 0) / float(bottom) if bottom else None


def stage_rows(counts: pl.DataFrame | None) -> list[StageRow]:
    """One row per stage with complaints: the counts of the year and the shares that matter."""
    if counts is None or counts.is_empty():
        return []
    rows: list[StageRow] = []
    for row in counts.sort("stage").iter_rows(named=True):
        found = {name: int(row[name] or 0) for name in COUNTS}
        decided = found["upheld"] + found["partly_upheld"] + found["not_upheld"]
        rows.append(
            {
                "stage": int(row["stage"]),
                "received": found["received"],
                "refused": found["refused"],
                "acknowledged_on_time": found["acknowledged_on_time"],
                "responded": found["responded"],
                "responded_within_timescale": found["responded_within_timescale"],
                "responded_within_extended_timescale": found["responded_within_extended_timescale"],
                "extended": found["extended"],
                "upheld": found["upheld"],
                "partly_upheld": found["partly_upheld"],
                "not_upheld": found["not_upheld"],
                "withdrawn": found["withdrawn"],
                "service_improvements": found["service_improvements"],
                "working_days_to_respond_total": found["working_days_to_respond_total"],
                "median_days": row["working_days_to_respond_median"],
                "mean_days": (
                    found["working_days_to_respond_total"] / found["responded"]
                    if found["responded"]
                    else None
                ),
                "acknowledged_percent": percent(found["acknowledged_on_time"], found["received"]),
                "on_time_percent": percent(
                    found["responded_within_extended_timescale"], found["responded"]
                ),
                "within_timescale_percent": percent(
                    found["responded_within_timescale"], found["responded"]
                ),
                "extended_percent": percent(found["extended"], found["responded"]),
                "decided": decided,
                "upheld_percent": percent(found["upheld"] + found["partly_upheld"], decided),
                "refused_percent": percent(found["refused"], found["received"]),
            }
        )
    return rows


def _indicator(own: pl.DataFrame, code: str) -> IndicatorFigure:
    found = own.filter(pl.col("indicator") == code)
    if found.is_empty():
        return {"numerator": 0, "denominator": 0, "value": None}
    row = found.row(0, named=True)
    return {
        "numerator": int(row["numerator"]),
        "denominator": int(row["denominator"]),
        "value": row["value"],
    }


def key_figures(
    stages: list[StageRow], own: pl.DataFrame, areas: list[ServiceAreaRow]
) -> list[KeyFigure]:
    """The year at a glance: the figures a reader looks for first."""
    stage = {row["stage"]: row for row in stages}
    one, two = stage.get(1), stage.get(2)
    decisions = _indicator(own, "ombudsman_uphold_rate")
    return [
        {"label": "Stage 1 complaints received", "value": one["received"] if one else 0},
        {"label": "Stage 2 complaints received", "value": two["received"] if two else 0},
        {
            "label": "Stage 1 responses on time",
            "value": one["on_time_percent"] if one else None,
            "unit": "percent",
        },
        {
            "label": "Stage 2 responses on time",
            "value": two["on_time_percent"] if two else None,
            "unit": "percent",
        },
        {
            "label": "Escalated to stage 2",
            "value": percent(two["received"] if two else None, one["received"] if one else None),
            "unit": "percent",
        },
        {"label": "Complaints refused", "value": sum(r["refused"] for r in stages)},
        {
            "label": "Service improvements recorded",
            "value": sum(r["service_improvements"] for r in stages),
        },
        {
            "label": "Ombudsman decisions",
            "value": _indicator(own, "ombudsman_decisions_per_100k")["numerator"],
        },
        {
            "label": "Ombudsman investigations upheld",
            "value": decisions["value"],
            "unit": "percent",
        },
        {
            "label": "Ombudsman recommendations complied with",
            "value": _indicator(own, "compliance_rate")["value"],
            "unit": "percent",
        },
        {"label": "Service areas complained about", "value": len(areas)},
    ]


def ombudsman_figures(
    own: pl.DataFrame, decisions: pl.DataFrame
) -> tuple[OmbudsmanFigures, list[DecisionRow]]:
    """The Ombudsman's annual figures for the council, defined as in its annual letters,
    and the decisions behind them."""
    outcome = labels("ombudsman_outcome")
    finding = labels("housing_ombudsman_finding")
    area = labels("service_area")
    lgsco = decisions.filter(pl.col("ombudsman") == "lgsco")
    housing = decisions.filter(pl.col("ombudsman") == "housing_ombudsman")

    def counted(frame: pl.DataFrame, column: str, words: dict[str, str]) -> list[LabelledCount]:
        if frame.is_empty():
            return []
        found = frame.group_by(column).agg(pl.len().alias("count")).sort("count", column)
        return [
            {"label": words.get(str(r[column]), str(r[column])), "count": int(r["count"])}
            for r in found.reverse().iter_rows(named=True)
        ]

    # The row's columns are year_decisions' (DecisionRow lists them); polars cannot check.
    rows = [
        cast(
            DecisionRow,
            {
                **row,
                "category_label": area.get(str(row["category"]), str(row["category"])),
                "outcome_label": outcome.get(str(row["outcome"]), str(row["outcome"])),
            },
        )
        for row in decisions.iter_rows(named=True)
    ]
    figures: OmbudsmanFigures = {
        "decisions": _indicator(own, "ombudsman_decisions_per_100k"),
        "uphold_rate": _indicator(own, "ombudsman_uphold_rate"),
        "upheld_per_100k": _indicator(own, "ombudsman_upheld_per_100k"),
        "satisfactory_remedy": _indicator(own, "satisfactory_remedy_rate"),
        "complaint_handling_faults": _indicator(own, "complaint_handling_faults"),
        "compliance": _indicator(own, "compliance_rate"),
        "by_outcome": counted(lgsco, "outcome", outcome),
        "by_category": counted(lgsco, "category", area),
        "housing_findings": counted(
            housing.filter(pl.col("housing_ombudsman_finding").is_not_null()),
            "housing_ombudsman_finding",
            finding,
        ),
        "housing_decisions": housing.get_column("decision_ref").n_unique() if housing.height else 0,
    }
    return figures, rows


def self_assessment_summary(engine: Engine, code: str, year: str) -> SelfAssessmentSummary:
    """The self-assessment against the Code: each section's count of items that meet,
    partly meet, do not meet or are not assessed, the actions with owners and dates, and the
    answers better than the council's own data."""
    from scrutiny.councillor.better_than_data import better_than_data
    from scrutiny.councillor.self_assessment import read_self_assessment

    items = read_self_assessment(engine, code, year)
    sections: list[SectionCounts] = []
    for (section,), rows in items.group_by("section", maintain_order=True):
        status = rows.get_column("status").to_list()
        sections.append(
            {
                "section": section,
                "meets": status.count("meets"),
                "partly_meets": status.count("partly_meets"),
                "does_not_meet": status.count("does_not_meet"),
                "not_assessed": sum(1 for s in status if s not in STATUSES),
            }
        )
    actions = items.filter(
        pl.col("action").is_not_null() & (pl.col("action").cast(pl.String).str.strip_chars() != "")
    )
    return {
        "sections": sections,
        "count": items.height,
        "by_council": items.filter(pl.col("source") == "council").height,
        "from_data": items.filter(pl.col("source") == "data").height,
        "actions": cast(
            list[SelfAssessmentAction],
            actions.select(
                "item", "requirement", "status", "action", "action_owner", "action_due"
            ).to_dicts(),
        ),
        "better_than_data": [
            {
                "item": f.item,
                "requirement": f.requirement,
                "answer": f.answer,
                "figures": f.figures,
                "evidence": f.evidence,
            }
            for f in better_than_data(engine, code, year)
        ],
        "totals": {
            "meets": sum(s["meets"] for s in sections),
            "partly_meets": sum(s["partly_meets"] for s in sections),
            "does_not_meet": sum(s["does_not_meet"] for s in sections),
            "not_assessed": sum(s["not_assessed"] for s in sections),
        },
    }


def signal_rows(signals: pl.DataFrame) -> list[SignalRow]:
    """Signals as the report lists them: the quarter, what kind, how serious, why."""
    return [
        {
            "quarter": quarter_label(row["period_start"]),
            "signal": row["signal"],
            "label": signal(row["signal"]).title,
            "severity": "serious" if row["severity"] >= 2 else "warning",
            "sentence": row["sentence"],
        }
        for row in signals.sort("period_start", "severity", "signal").iter_rows(named=True)
    ]
