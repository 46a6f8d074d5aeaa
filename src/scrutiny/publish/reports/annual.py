"""The Code's annual complaints performance and service improvement report (paragraph 8.1),
for one council and financial year, as HTML and as an accessible PDF.

    report = annual_report(engine, "E06000047", "2024-25")
    pdf = annual_pdf(engine, "E06000047", "2024-25")

First the council's real figures as a landlord, from the Regulator of Social Housing's
Tenant Satisfaction Measures (scrutiny.publish.landlords); then everything 8.1 asks for
(the self-assessment, quantitative and qualitative analysis with the types of complaint
refused, the Ombudsman's findings of non-compliance, service improvements from
learning, the Ombudsman's annual figures), then what scrutiny adds:
each indicator against the council's peers, its SPC trend, recommendations and
compliance, and the early-warning signals. Figures computed over every council come in a
ReportInputs (scrutiny.publish.reports.annual_inputs), so a run over all councils computes them
once (scrutiny.publish.reports.annual_batch).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict, cast

import polars as pl
from sqlalchemy import Engine

from scrutiny.measures.council_figures import council_benchmark_from
from scrutiny.measures.coverage import coverage_of
from scrutiny.measures.words import position
from scrutiny.publish.charts import warm_up
from scrutiny.publish.landlords import CouncilLandlord, council_landlord
from scrutiny.publish.reports import annual_figures as figures
from scrutiny.publish.reports.annual_charts import ChartFigure, funnel_figure, spc_figure
from scrutiny.publish.reports.annual_figures import (
    ImprovementExample,
    RefusalRow,
    Remedies,
    ServiceAreaRow,
)
from scrutiny.publish.reports.annual_inputs import (
    PEERS,
    ReportError,
    ReportInputs,
    council_inputs,
    council_signals,
    prepare_inputs,
    report_year,
)
from scrutiny.publish.reports.annual_sections import (
    DecisionRow,
    KeyFigure,
    OmbudsmanFigures,
    SelfAssessmentSummary,
    SignalRow,
    StageRow,
    key_figures,
    ombudsman_figures,
    percent,
    self_assessment_summary,
    signal_rows,
    stage_rows,
)
from scrutiny.publish.reports.render import SiteHeader, html_to_pdf, render_html
from scrutiny.recommendations.follow_up_lists import YearFollowUp, year_follow_up
from scrutiny.reference.authorities import get_council
from scrutiny.returns.stored import current_data_sources
from scrutiny.returns.submissions import list_submissions
from scrutiny.standard.indicators import load_indicators

__all__ = [
    "AnnualReport",
    "ReportError",
    "ReportInputs",
    "annual_html",
    "annual_pdf",
    "annual_report",
    "council_signals",
    "prepare_inputs",
    "report_year",
]


class Improvements(TypedDict):
    """Service improvements from complaints upheld in the year (section 9)."""

    upheld: int  # complaints upheld in full or in part
    recorded: int  # of them, those answered with a service improvement
    percent: float | None
    by_area: list[ServiceAreaRow]  # the service areas with improvements
    examples: list[ImprovementExample]


class BenchmarkRow(TypedDict):
    """An indicator against the council's peers: the columns of
    scrutiny.measures.council_figures.council_benchmark_from, then the indicator's name and
    unit and the council's funnel position in words."""

    authority_code: str
    indicator: str
    period_start: date
    period_end: date
    numerator: float
    denominator: float
    value: float | None
    peer_group: str
    peers: int
    peer_median: float | None
    target: float | None
    lower_95: float | None
    upper_95: float | None
    lower_99_8: float | None
    upper_99_8: float | None
    flag: str | None
    reading: str
    name: str
    unit: str
    position: str


class RecommendationFigures(TypedDict):
    """The council's row of scrutiny.recommendations.measures: its Ombudsman recommendations
    due in the year and how they were complied with."""

    authority_code: str
    recommendations: int
    pending: int
    withdrawn: int
    complied: int
    complied_late: int
    not_complied: int
    median_days_late: float | None
    median_working_days_late: float | None
    overdue_now: int
    financial_agreed_gbp: float
    financial_paid_gbp: float
    financial_outstanding_gbp: float
    financial_not_paid_gbp: float
    service_improvements_agreed: int
    service_improvements_delivered: int
    personal_remedies_agreed: int
    personal_remedies_delivered: int
    compliance_rate: float | None
    complied_on_time_rate: float | None
    complied_late_percent: float | None
    compliance_headline: str
    complied_by_sent_date: int
    complied_on_time_by_sent_rate: float | None
    backdated_evidence: int
    backdated_confirmed: int


@dataclass(frozen=True)
class AnnualReport:
    """Everything the annual report shows, section by section."""

    code: str
    name: str
    kind: str  # the council's type, in words
    region: str
    year: str
    start: date
    end: date
    made_on: date
    data_up_to: date | None  # the last day the council's returns cover
    has_data: bool
    landlord: CouncilLandlord  # the real housing figures, first
    key_figures: list[KeyFigure]
    self_assessment: SelfAssessmentSummary
    stages: list[StageRow]
    service_areas: list[ServiceAreaRow]
    remedies: Remedies
    refusals: list[RefusalRow]
    refused_total: int
    escalation_percent: float | None
    non_compliance: list[DecisionRow]
    public_interest_reports: int
    improvements: Improvements
    ombudsman: OmbudsmanFigures
    peer_group: str
    benchmark: list[BenchmarkRow]
    charts: list[ChartFigure]
    recommendations: RecommendationFigures | None
    signals: list[SignalRow]
    synthetic: bool = False  # any current return is synthetic demo data: the cover says so
    follow_up: YearFollowUp | None = None  # the committees' reviews (section 12)

    @property
    def title(self) -> str:
        kind = "annual complaints performance and service improvement report"
        return f"{self.name}: {kind} {self.year}"


def _authority(code: str) -> dict[str, Any]:
    return get_council(code.strip().upper(), former=True)


def annual_report(
    engine: Engine,
    authority_code: str,
    year: str,
    *,
    inputs: ReportInputs | None = None,
    today: date | None = None,
) -> AnnualReport:
    """The annual report of council AUTHORITY_CODE for financial YEAR ("2024-25").

    INPUTS are the figures over every council (prepare_inputs); without them, the council's
    and its peers' are read here (council_inputs).
    """
    warm_up()  # the charts' converter starts while the figures are read
    authority = _authority(authority_code)
    code, name = str(authority["gss_code"]), str(authority["name"])
    inputs = inputs or council_inputs(engine, code, year, today=today)
    label, start, end = inputs.year, inputs.start, inputs.end
    if report_year(year)[0] != label:
        raise ReportError(f"the inputs are for {label}, not {year}")
    counts = inputs.counts
    stages = stage_rows(counts.filter(pl.col("authority_code") == code) if counts.height else None)
    refused_total = sum(row["refused"] for row in stages)
    own = inputs.indicators.filter(
        (pl.col("authority_code") == code) & (pl.col("period_start") == start)
    )
    ombudsman, decisions = ombudsman_figures(own, figures.year_decisions(engine, code, start, end))
    benchmark = council_benchmark_from(inputs.indicators, code, start, PEERS)
    directions = {i.code: i for i in load_indicators()}
    complied = inputs.measures.filter(pl.col("authority_code") == code)
    signals = council_signals(engine, code, inputs).filter(pl.col("period_start") >= start)
    improvements = figures.improvement_examples(engine, code, start, end)
    areas = figures.by_service_area(engine, code, start, end)
    charts = [
        chart
        for chart in (
            funnel_figure(inputs.indicators, code, name, start, label, PEERS),
            spc_figure(inputs.quarters, code, name, end),
        )
        if chart is not None
    ]
    upheld = sum(row["upheld"] + row["partly_upheld"] for row in stages)
    recorded = sum(row["service_improvements"] for row in stages)
    has_data = bool(stages) or bool(decisions) or complied.height > 0
    return AnnualReport(
        synthetic="synthetic" in current_data_sources(engine),
        code=code,
        name=name,
        kind=str(authority["type"]).replace("_", " "),
        region=str(authority.get("region") or ""),
        year=label,
        start=start,
        end=end,
        made_on=inputs.today,
        data_up_to=coverage_of(list_submissions(engine, code)).last_day,
        has_data=has_data,
        landlord=council_landlord(inputs.landlords, code, name, start),
        key_figures=key_figures(stages, own, areas),
        self_assessment=self_assessment_summary(engine, code, label),
        stages=stages,
        service_areas=areas,
        remedies=figures.remedies(engine, code, start, end),
        refusals=figures.refusal_reasons(engine, code, start, end, refused_total),
        refused_total=refused_total,
        escalation_percent=_escalation(stages),
        non_compliance=[d for d in decisions if d["complaint_handling_fault"]],
        public_interest_reports=sum(1 for d in decisions if d["public_interest_report"]),
        improvements={
            "upheld": upheld,
            "recorded": recorded,
            "percent": percent(recorded, upheld),
            "by_area": [a for a in areas if a["improvements"]],
            "examples": improvements,
        },
        ombudsman=ombudsman,
        peer_group=str(benchmark.get_column("peer_group")[0]) if benchmark.height else "",
        # Rows of polars frames: BenchmarkRow and RecommendationFigures list their columns.
        benchmark=[
            cast(
                BenchmarkRow,
                {
                    **row,
                    "name": directions[row["indicator"]].name,
                    "unit": directions[row["indicator"]].unit,
                    "position": position(row["flag"], directions[row["indicator"]].direction),
                },
            )
            for row in benchmark.iter_rows(named=True)
        ],
        charts=charts,
        recommendations=(
            cast(RecommendationFigures, complied.row(0, named=True)) if complied.height else None
        ),
        signals=signal_rows(signals),
        follow_up=year_follow_up(engine, code, start, end, inputs.today),
    )


def _escalation(stages: list[StageRow]) -> float | None:
    received = {row["stage"]: row["received"] for row in stages}
    return percent(received.get(2, 0), received.get(1, 0))


def annual_html(
    engine: Engine,
    authority_code: str,
    year: str,
    *,
    inputs: ReportInputs | None = None,
    report: AnnualReport | None = None,
    site: SiteHeader | None = None,
) -> str:
    """The annual report as one HTML document (printable; charts inline), with SITE's
    links when it is read on the site."""
    report = report or annual_report(engine, authority_code, year, inputs=inputs)
    return render_html(
        "annual.html",
        {
            "report": report,
            "synthetic": report.synthetic,
            "site": site,
            "title": report.title,
            "footer": f"{report.name}: annual complaints report {report.year}",
            "author": report.name,
            "description": (
                f"The annual complaints performance and service improvement report of "
                f"{report.name} for {report.year}, under paragraph 8.1 of the Complaint "
                "Handling Code."
            ),
        },
    )


def annual_pdf(
    engine: Engine,
    authority_code: str,
    year: str,
    *,
    inputs: ReportInputs | None = None,
    report: AnnualReport | None = None,
) -> bytes:
    """The annual report as a tagged, accessible PDF (PDF/UA-1)."""
    return html_to_pdf(annual_html(engine, authority_code, year, inputs=inputs, report=report))
