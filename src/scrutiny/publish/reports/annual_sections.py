"""The annual report's sections built from frames already read: stage figures, the key
figures, the Ombudsman's annual figures, the self-assessment summary and the signals."""

from __future__ import annotations

from typing import Any

import polars as pl
from sqlalchemy import Engine

from scrutiny.core.periods import quarter_label
from scrutiny.publish.reports.annual_figures import labels
from scrutiny.returns.aggregates import COUNTS
from scrutiny.warning.signals.registry import signal

STATUSES = ("meets", "partly_meets", "does_not_meet")


def percent(top: float | None, bottom: float | None) -> float | None:
    """TOP as a percentage of BOTTOM; None when there is nothing to divide by."""
    return 100 * float(top or 0) / float(bottom) if bottom else None


def stage_rows(counts: pl.DataFrame | None) -> list[dict[str, Any]]:
    """One row per stage with complaints: the counts of the year and the shares that matter."""
    if counts is None or counts.is_empty():
        return []
    rows = []
    for row in counts.sort("stage").iter_rows(named=True):
        found = {name: int(row[name] or 0) for name in COUNTS}
        decided = found["upheld"] + found["partly_upheld"] + found["not_upheld"]
        rows.append(
            {
                "stage": int(row["stage"]),
                **found,
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


def _indicator(own: pl.DataFrame, code: str) -> dict[str, Any]:
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
    stages: list[dict[str, Any]], own: pl.DataFrame, areas: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The year at a glance: the figures a reader looks for first."""
    stage = {row["stage"]: row for row in stages}
    one, two = stage.get(1, {}), stage.get(2, {})
    decisions = _indicator(own, "ombudsman_uphold_rate")
    return [
        {"label": "Stage 1 complaints received", "value": one.get("received", 0)},
        {"label": "Stage 2 complaints received", "value": two.get("received", 0)},
        {
            "label": "Stage 1 responses on time",
            "value": one.get("on_time_percent"),
            "unit": "percent",
        },
        {
            "label": "Stage 2 responses on time",
            "value": two.get("on_time_percent"),
            "unit": "percent",
        },
        {
            "label": "Escalated to stage 2",
            "value": percent(two.get("received"), one.get("received")),
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


def ombudsman_figures(own: pl.DataFrame, decisions: pl.DataFrame) -> dict[str, Any]:
    """The Ombudsman's annual figures for the council, defined as in its annual letters,
    and the decisions behind them (returned under decision_rows)."""
    outcome = labels("ombudsman_outcome")
    finding = labels("housing_ombudsman_finding")
    area = labels("service_area")
    lgsco = decisions.filter(pl.col("ombudsman") == "lgsco")
    housing = decisions.filter(pl.col("ombudsman") == "housing_ombudsman")

    def counted(frame: pl.DataFrame, column: str, words: dict[str, str]) -> list[dict[str, Any]]:
        if frame.is_empty():
            return []
        found = frame.group_by(column).agg(pl.len().alias("count")).sort("count", column)
        return [
            {"label": words.get(str(r[column]), str(r[column])), "count": int(r["count"])}
            for r in found.reverse().iter_rows(named=True)
        ]

    rows = [
        {
            **row,
            "category_label": area.get(str(row["category"]), str(row["category"])),
            "outcome_label": outcome.get(str(row["outcome"]), str(row["outcome"])),
        }
        for row in decisions.iter_rows(named=True)
    ]
    return {
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
        "decision_rows": rows,
    }


def self_assessment_summary(engine: Engine, code: str, year: str) -> dict[str, Any]:
    """The self-assessment against the Code: each section's count of items that meet,
    partly meet, do not meet or are not assessed, and the actions with owners and dates."""
    from scrutiny.councillor.self_assessment import read_self_assessment

    items = read_self_assessment(engine, code, year)
    sections = []
    for (section,), rows in items.group_by("section", maintain_order=True):
        status = rows.get_column("status").to_list()
        sections.append(
            {
                "section": section,
                **{name: status.count(name) for name in STATUSES},
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
        "actions": actions.select(
            "item", "requirement", "status", "action", "action_owner", "action_due"
        ).to_dicts(),
        "totals": {name: sum(s[name] for s in sections) for name in (*STATUSES, "not_assessed")},
    }


def signal_rows(signals: pl.DataFrame) -> list[dict[str, Any]]:
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
