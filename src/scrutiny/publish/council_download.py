"""Everything on a council's public page, and on the compare page, as one table for a CSV.

One long table, a row per figure, so that every section of the page fits the same columns:
which section, what the figure is about (subject) and what it measures, its period, the
value with the counts behind it (numerator and denominator), its unit, the peers' median
and funnel position where the page gives them, and its source in words (synthetic demo
data says so). The page and the download are made from the same frames, so their figures
cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import polars as pl

from scrutiny.measures.landlords import LandlordFigures
from scrutiny.measures.sources import source_label
from scrutiny.measures.words import label as position_label
from scrutiny.standard.indicators import indicator

DOWNLOAD_SCHEMA = {
    "section": pl.String,
    "subject": pl.String,
    "measure": pl.String,
    "period": pl.String,
    "value": pl.Float64,
    "numerator": pl.Float64,
    "denominator": pl.Float64,
    "unit": pl.String,
    "peers_median": pl.Float64,
    "funnel_position": pl.String,
    "source": pl.String,
}
TREND = "Trend"
PEERS = "Against its peers"
QUARTERS = "Quarter by quarter"
BY_OUTCOME = "Ombudsman decisions by outcome"
BY_AREA = "Ombudsman decisions by service area"
DECISIONS = "Ombudsman decisions, newest first"
RECOMMENDATIONS = "Ombudsman recommendations and compliance"
IMPROVEMENTS = "Service improvements from complaints"
HOUSING = "Housing complaints (landlord)"
SOURCES = "Sources"
# The compliance summary's figures as the page lists them: (column, words, unit).
COMPLIANCE_FIGURES = (
    ("recommendations", "Recommendations", "recommendations"),
    ("compliance_rate", "Compliance rate (of those completed or closed)", "percent"),
    ("complied", "Complied on time", "recommendations"),
    ("complied_late", "Complied late", "recommendations"),
    ("not_complied", "Not complied", "recommendations"),
    ("pending", "Still open", "recommendations"),
    ("overdue_now", "Still open and overdue", "recommendations"),
    ("service_improvements_delivered", "Service improvements delivered", "improvements"),
    ("service_improvements_agreed", "Service improvements agreed", "improvements"),
    ("financial_paid_gbp", "Financial remedies paid", "£"),
    ("financial_agreed_gbp", "Financial remedies agreed", "£"),
)


@dataclass(frozen=True)
class CouncilPageFigures:
    """The figures a council's page shows, each as the library computes it."""

    period: str  # the period chosen, as people write it
    trends: pl.DataFrame  # scrutiny.measures.trends.council_trends
    indicator_sources: dict[str, str]  # scrutiny.measures.sources.indicator_sources
    benchmark: pl.DataFrame  # scrutiny.measures.council_figures.council_benchmark_from
    spc: pl.DataFrame  # scrutiny.measures.council_figures.spc_series of spc_indicator
    spc_indicator: str
    decisions: pl.DataFrame  # scrutiny.measures.council_figures.ombudsman_decisions, all
    decision_span: str  # 'from 2 April 2020 to 28 March 2025'
    decision_counts: pl.DataFrame  # decision_summary, with a `source` column
    decision_areas: pl.DataFrame  # decisions_by_service_area
    compliance: dict[str, Any] | None  # a row of scrutiny.recommendations.measures
    improvements: pl.DataFrame  # service_improvements
    landlord: LandlordFigures
    sources: pl.DataFrame  # scrutiny.measures.sources.council_sources


def council_download(page: CouncilPageFigures) -> pl.DataFrame:
    """Every figure on a council's page as one long table (DOWNLOAD_SCHEMA)."""
    rows: list[dict[str, Any]] = []
    for row in page.trends.iter_rows(named=True):
        rows.append(_figure(TREND, row["indicator"], row["period"], row, page))
    for row in page.benchmark.iter_rows(named=True):
        item = indicator(row["indicator"])
        rows.append(
            _figure(PEERS, item.code, page.period, row, page)
            | {
                "peers_median": row["peer_median"],
                "funnel_position": position_label(row["flag"], item.direction),
            }
        )
    for row in page.spc.iter_rows(named=True):
        rows.append(_figure(QUARTERS, page.spc_indicator, row["period"], row, page))
    for row in page.decision_counts.iter_rows(named=True):
        rows.append(
            {
                "section": BY_OUTCOME,
                "subject": row["ombudsman"],
                "measure": row["outcome"],
                "period": page.decision_span,
                "value": row["decisions"],
                "unit": "decisions",
                "source": row["source"],
            }
        )
    rows += _areas(page.decision_areas, page.decision_span)
    for row in page.decisions.iter_rows(named=True):
        about = row["finding_element"] or " ".join(
            str(part) for part in (row["category"], row["subcategory"]) if part
        )
        rows.append(
            {
                "section": DECISIONS,
                "subject": row["decision_ref"],
                "measure": f"{about}: {row['outcome']}",
                "period": row["decision_date"].isoformat(),
                "source": source_label(row["data_source"] or ""),
            }
        )
    if page.compliance:
        rows += [
            {
                "section": RECOMMENDATIONS,
                "subject": column,
                "measure": words,
                "value": page.compliance[column],
                "unit": unit,
                "source": page.indicator_sources.get("compliance_rate"),
            }
            for column, words, unit in COMPLIANCE_FIGURES
        ]
    for row in page.improvements.iter_rows(named=True):
        rows.append(
            {
                "section": IMPROVEMENTS,
                "subject": row["service_area"],
                "measure": f"{row['label']}: complaints answered that led to an improvement",
                "period": page.period,
                "value": row["improvements"],
                "denominator": row["answered"],
                "unit": "complaints",
                "source": page.indicator_sources.get("service_improvements"),
            }
        )
    rows += _housing(page.landlord)
    for row in page.sources.iter_rows(named=True):
        rows.append(
            {
                "section": SOURCES,
                "subject": row["table"],
                "measure": f"latest return {row['latest']}, received {row['received']}",
                "period": row["periods"],
                "value": row["rows"],
                "unit": "rows",
                "source": row["source"],
            }
        )
    return _frame(rows)


def compare_download(
    columns: list[dict[str, Any]],
    england: dict[str, dict[str, Any]],
    period: str,
    sources: dict[str, str],
) -> pl.DataFrame:
    """The compare page as one long table: each council's figure for each indicator with
    its counts and funnel position among councils of its type, then England's.

    COLUMNS: {code, name, figures: {indicator: benchmark row}}; ENGLAND: {indicator:
    national headline row}; SOURCES: each indicator's source in words."""
    rows: list[dict[str, Any]] = []
    for column in columns:
        for code, row in column["figures"].items():
            item = indicator(code)
            rows.append(
                _compared(column["name"], code, period, row, sources)
                | {
                    "peers_median": row["peer_median"],
                    "funnel_position": position_label(row["flag"], item.direction),
                }
            )
    rows += [_compared("England", code, period, row, sources) for code, row in england.items()]
    return _frame(rows)


def _compared(
    section: str, code: str, period: str, row: dict[str, Any], sources: dict[str, str]
) -> dict[str, Any]:
    item = indicator(code)
    return {
        "section": section,
        "subject": code,
        "measure": item.name,
        "period": period,
        "value": row["value"],
        "numerator": row["numerator"],
        "denominator": row["denominator"],
        "unit": item.unit,
        "source": sources.get(code),
    }


def _figure(
    section: str, code: str, period: str, row: dict[str, Any], page: CouncilPageFigures
) -> dict[str, Any]:
    item = indicator(code)
    return {
        "section": section,
        "subject": item.code,
        "measure": item.name,
        "period": period,
        "value": row["value"],
        "numerator": row.get("numerator"),
        "denominator": row.get("denominator"),
        "unit": item.unit,
        "source": page.indicator_sources.get(item.code),
    }


def _areas(areas: pl.DataFrame, span: str) -> Iterable[dict[str, Any]]:
    for row in areas.iter_rows(named=True):
        about = f"{row['ombudsman']}: {row['service_area']}"
        base = {"section": BY_AREA, "subject": about, "period": span, "source": row["source"]}
        yield base | {
            "measure": f"{row['label']}: decisions",
            "value": row["decisions"],
            "unit": "decisions",
        }
        yield base | {
            "measure": f"{row['label']}: investigations upheld",
            "value": row["uphold_rate"],
            "numerator": row["upheld"],
            "denominator": row["investigated"],
            "unit": "percent",
        }


def _housing(landlord: LandlordFigures) -> Iterable[dict[str, Any]]:
    for measure in landlord.measures:
        item = measure.indicator
        for year in measure.years:
            if year.value is None:
                continue
            yield {
                "section": HOUSING,
                "subject": item.code,
                "measure": item.name,
                "period": year.year,
                "value": year.value,
                "numerator": year.numerator,
                "denominator": year.denominator,
                "unit": item.unit,
                "peers_median": year.peer_median,
                "funnel_position": year.position,
                "source": measure.source,
            }


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(
        [{name: row.get(name) for name in DOWNLOAD_SCHEMA} for row in rows],
        schema=DOWNLOAD_SCHEMA,
        orient="row",
    )
