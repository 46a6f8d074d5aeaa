"""The Code's annual complaints performance and service improvement report (8.1)."""

from __future__ import annotations

import re
import statistics
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any, NotRequired, get_origin, get_type_hints

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import (
    BIRMINGHAM,
    BIRMINGHAM_STAGE1,
    RSH_YEARS,
    council_landlord_rates,
    typed_frame,
)
from scrutiny.cli import app
from scrutiny.councillor.self_assessment import (
    load_checklist,
    read_self_assessment,
    save_self_assessment_item,
)
from scrutiny.publish.landlords import council_landlord
from scrutiny.publish.licences import OGL_ATTRIBUTION
from scrutiny.publish.reports import annual_figures, annual_sections
from scrutiny.publish.reports.annual import (
    BenchmarkRow,
    Improvements,
    RecommendationFigures,
    ReportError,
    annual_html,
    annual_pdf,
    annual_report,
    council_signals,
    prepare_inputs,
)
from scrutiny.publish.reports.annual_batch import write_all_reports
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.returns.submissions import save_submission
from scrutiny.store.db import make_engine
from scrutiny.warning.signals import compute_signals

DURHAM = "E06000047"
PEERS = ("E06000001", "E06000002", "E06000003", "E06000004")
YEAR = "2024-25"
FIRST = date(2024, 4, 8)
IMPROVED = "Repair inspections now booked within ten working days"
PERSONAL = "Call Mr Smith back about his repair"


def complaint(code: str, n: int, **overrides: Any) -> dict[str, Any]:
    received = FIRST + timedelta(days=3 * n)
    row = {
        "authority_code": code,
        "complaint_ref": f"{code}-{n:04d}",
        "stage": 1,
        "process": "complaint_handling_code",
        "received_date": received,
        "acknowledged_date": received + timedelta(days=1),
        "extension_working_days": 0,
        "responded_date": received + timedelta(days=10 if n % 4 else 30),
        "acceptance": "accepted",
        "outcome": ("upheld", "partly_upheld", "not_upheld")[n % 3],
        "service_area": "housing" if n % 2 else "highways_and_transport",
        "remedies": "apology;action_taken" if n % 3 == 0 else None,
        "service_improvement": False,
    }
    return row | overrides


def durham_rows() -> list[dict[str, Any]]:
    """40 stage 1 complaints (3 refused), 6 escalations (one extension beyond the Code's
    limit), 3 improvements from upheld complaints (one worded with personal data)."""
    rows = [complaint(DURHAM, n) for n in range(40)]
    for n, reason in ((1, "outside_time_limit"), (2, "outside_time_limit"), (3, "service_request")):
        rows[n] |= {
            "acceptance": "refused",
            "refusal_reason": reason,
            "responded_date": None,
            "outcome": None,
            "remedies": None,
        }
    # Improvements count where a complaint was upheld (in full or part), as the standard
    # counts them: complaint 5 was not upheld, 7, 9 and 12 were.
    for n, text in ((5, IMPROVED), (7, IMPROVED), (9, IMPROVED), (12, PERSONAL)):
        rows[n] |= {"service_improvement": True, "service_improvement_text": text}
    for n in range(10, 16):
        first = rows[n]
        rows.append(
            first
            | {
                "stage": 2,
                "received_date": first["responded_date"] + timedelta(days=2),
                "acknowledged_date": first["responded_date"] + timedelta(days=3),
                "responded_date": first["responded_date"] + timedelta(days=20),
                "extension_working_days": 25 if n == 10 else 0,
                "extension_reason": "Awaiting a survey" if n == 10 else None,
                "outcome": "not_upheld",
                "remedies": None,
            }
        )
    return rows


DECISIONS = [
    # ref, date, outcome, complaint-handling fault, satisfactory remedy
    ("24 000 001", date(2024, 5, 1), "upheld", True, False),
    ("24 000 002", date(2024, 9, 1), "upheld", False, True),
    ("24 000 003", date(2024, 11, 1), "not_upheld", False, False),
    ("24 000 004", date(2025, 2, 1), "closed_after_initial_enquiries", False, False),
    ("23 000 005", date(2024, 2, 1), "upheld", True, False),  # the year before
]
RECOMMENDATIONS = [
    # number, due, completed, status
    (1, date(2024, 7, 1), date(2024, 6, 20), "complied"),
    (2, date(2024, 8, 1), date(2024, 9, 1), "complied_late"),
    (3, date(2024, 12, 1), None, "not_complied"),
    (4, date(2025, 6, 1), None, "pending"),  # due the year after
]


def store(engine: Any, table: str, rows: list[dict[str, Any]], name: str) -> None:
    # Complaint returns cover the year; decisions and recommendations are dated as they fall.
    year = table == "complaints"
    save_submission(
        engine,
        table_name=table,
        frame=typed_frame(table, rows),
        file_name=name,
        file_hash=f"{abs(hash(name)):x}".ljust(64, "0")[:64],
        submitted_by="test",
        period_start=date(2024, 4, 1) if year else None,
        period_end=date(2025, 3, 31) if year else None,
    )


@pytest.fixture
def constructed(engine):
    store(engine, "complaints", durham_rows(), "durham.csv")
    for code in PEERS:
        store(engine, "complaints", [complaint(code, n) for n in range(30)], f"{code}.csv")
    decisions = [
        {
            "ombudsman": "lgsco",
            "decision_ref": ref,
            "authority_code": DURHAM,
            "decision_date": day,
            "category": "housing",
            "outcome": outcome,
            "fault_found": outcome == "upheld",
            "complaint_handling_fault": fault,
            "satisfactory_remedy_by_authority": remedy,
            "public_interest_report": False,
        }
        for ref, day, outcome, fault, remedy in DECISIONS
    ]
    store(engine, "ombudsman_decisions", decisions, "decisions.csv")
    recommendations = [
        {
            "decision_ref": "24 000 001",
            "recommendation_number": number,
            "authority_code": DURHAM,
            "kind": "apology",
            "beneficiary": "complainant",
            "agreed_date": date(2024, 5, 1),
            "due_date": due,
            "completed_date": done,
            "compliance_status": status,
        }
        for number, due, done, status in RECOMMENDATIONS
    ]
    store(engine, "recommendations", recommendations, "recommendations.csv")
    item = load_checklist()[0].item
    save_self_assessment_item(
        engine,
        DURHAM,
        YEAR,
        item,
        status="does_not_meet",
        action="Publish the complaints policy on the website",
        action_owner="Head of customer services",
        action_due=date(2025, 9, 30),
        actor="test",
    )
    return engine


def pdf_text(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "annual.pdf"
    path.write_bytes(pdf)
    run = {"capture_output": True, "text": True, "check": True}
    text = subprocess.run(["pdftotext", str(path), "-"], **run).stdout  # type: ignore[call-overload]
    info = subprocess.run(["pdfinfo", str(path)], **run).stdout  # type: ignore[call-overload]
    return " ".join(text.split()), info


def test_each_section_of_paragraph_8_1_has_the_constructed_figures(constructed):
    report = annual_report(constructed, DURHAM, YEAR, today=date(2025, 5, 1))
    rows = durham_rows()
    stage = {s["stage"]: s for s in report.stages}
    # Quantitative analysis: volumes by stage, refusals, escalation, extensions.
    assert stage[1]["received"] == 40 and stage[2]["received"] == 6
    assert stage[1]["refused"] == 3 and report.refused_total == 3
    answered = [r for r in rows if r["stage"] == 1 and r["acceptance"] == "accepted"]
    on_time = [r for r in answered if (r["responded_date"] - r["received_date"]).days == 10]
    assert stage[1]["responded"] == len(answered)
    assert stage[1]["responded_within_extended_timescale"] == len(on_time)
    assert report.escalation_percent == pytest.approx(100 * 6 / 40)
    assert report.remedies["extensions_over_limit"] == 1
    apologies = sum(1 for r in rows if r.get("remedies") and "apology" in r["remedies"])
    assert {m["remedy"]: m["complaints"] for m in report.remedies["remedies"]}[
        "apology"
    ] == apologies
    # By service area.
    areas = {a["service_area"]: a for a in report.service_areas}
    housing = [r for r in rows if r["stage"] == 1 and r["service_area"] == "housing"]
    assert areas["housing"]["stage1_received"] == len(housing)
    # Types of complaint refused.
    assert [(f["reason"], f["refused"]) for f in report.refusals] == [
        ("outside_time_limit", 2),
        ("service_request", 1),
    ]
    # Findings of non-compliance by the Ombudsman: the year's complaint-handling fault only.
    assert [d["decision_ref"] for d in report.non_compliance] == ["24 000 001"]
    # Service improvements: counted, with the council's words but never personal data.
    assert report.improvements["recorded"] == 3
    assert [(e["text"], e["complaints"]) for e in report.improvements["examples"]] == [
        (IMPROVED, 2)
    ]
    # The Ombudsman's annual figures: 4 decisions, 2 of 3 investigations upheld, one
    # satisfactory remedy, compliance 2 of 3 recommendations due in the year.
    om = report.ombudsman
    assert om["decisions"]["numerator"] == 4
    assert (om["uphold_rate"]["numerator"], om["uphold_rate"]["denominator"]) == (2, 3)
    assert om["satisfactory_remedy"]["numerator"] == 1
    assert (om["compliance"]["numerator"], om["compliance"]["denominator"]) == (2, 3)
    assert report.recommendations is not None
    assert (report.recommendations["complied"], report.recommendations["not_complied"]) == (1, 1)
    # The self-assessment: the council's answer and its action, the rest as the module says.
    items = read_self_assessment(constructed, DURHAM, YEAR)
    summary = report.self_assessment
    assert summary["count"] == items.height
    assert (
        summary["totals"]["does_not_meet"]
        == items.filter(pl.col("status") == "does_not_meet").height
    )
    [action] = [a for a in summary["actions"] if a["action_owner"] == "Head of customer services"]
    assert action["action_due"] == date(2025, 9, 30)
    # What scrutiny adds: peers, charts, signals.
    assert report.peer_group == "all unitary councils"
    assert {b["indicator"] for b in report.benchmark} >= {"stage1_on_time", "refused"}
    assert [c.id for c in report.charts] == ["chart-funnel", "chart-spc"]


def test_each_section_has_the_keys_its_type_declares(constructed):
    # The types are checked by mypy where the code builds the dicts; rows of polars frames
    # are cast, so their columns are checked here.
    report = annual_report(constructed, DURHAM, YEAR, today=date(2025, 5, 1))
    sections, figures = annual_sections, annual_figures
    assessment, ombudsman = report.self_assessment, report.ombudsman
    typed: list[tuple[Any, Any]] = [
        (sections.KeyFigure, report.key_figures),
        (sections.SelfAssessmentSummary, [assessment]),
        (sections.SectionCounts, assessment["sections"]),
        (sections.SelfAssessmentAction, assessment["actions"]),
        (sections.StatusCounts, [assessment["totals"]]),
        (sections.StageRow, report.stages),
        (figures.ServiceAreaRow, report.service_areas),
        (figures.Remedies, [report.remedies]),
        (figures.RemedyCount, report.remedies["remedies"]),
        (figures.RefusalRow, report.refusals),
        (sections.DecisionRow, report.non_compliance),
        (Improvements, [report.improvements]),
        (figures.ImprovementExample, report.improvements["examples"]),
        (sections.OmbudsmanFigures, [ombudsman]),
        (sections.IndicatorFigure, [ombudsman["decisions"], ombudsman["compliance"]]),
        (sections.LabelledCount, ombudsman["by_outcome"]),
        (BenchmarkRow, report.benchmark),
        (RecommendationFigures, [report.recommendations]),
        (sections.SignalRow, report.signals),
    ]
    for kind, rows in typed:
        # Python 3.11 misses NotRequired in __required_keys__ under postponed annotations.
        hints = get_type_hints(kind, include_extras=True)
        required = {key for key, hint in hints.items() if get_origin(hint) is not NotRequired}
        assert rows, kind.__name__
        for row in rows:
            assert required <= row.keys() <= hints.keys(), kind.__name__


def test_one_councils_signals_are_those_compute_signals_finds_for_it(constructed):
    inputs = prepare_inputs(constructed, YEAR)
    key = ["period_start", "signal", "severity"]
    for code in (DURHAM, PEERS[0]):
        mine = council_signals(constructed, code, inputs)
        every = compute_signals(constructed, inputs.end, indicators=inputs.quarters)
        expected = every.filter(pl.col("authority_code") == code)
        assert mine.select(key).sort(key).equals(expected.select(key).sort(key))
    assert council_signals(constructed, DURHAM, inputs).height > 0


def test_the_html_heads_every_section_and_gives_each_chart_alt_text_and_a_table(constructed):
    html = annual_html(constructed, DURHAM, YEAR)
    assert "complaints returns (data up to 31 March 2025)" in html  # Durham's return's end
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    for needed in (
        "How to read this report",
        "Housing complaints as a landlord: real figures",
        "Self-assessment against the Code",
        "Complaint handling performance",
        "Types of complaint refused",
        "Findings of non-compliance with the Code",
        "Service improvements made as a result of learning",
        "The Ombudsman's annual figures",
        "How the council compares with similar councils",
        "Ombudsman recommendations and compliance",
        "Early-warning signals",
        "Response of the Member Responsible for Complaints",
    ):
        assert any(needed in h for h in headings), needed
    assert html.count("<h1") == 1 and '<html lang="en">' in html
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]+)"', html)
    assert len(images) == 2 and all(len(alt) > 80 for alt in images)
    assert "Durham County Council answered" in images[0]
    assert html.count("the figures</caption>") == 2
    assert PERSONAL not in html and IMPROVED in html


def test_the_pdf_is_tagged_titled_and_its_text_has_the_council_and_its_figures(
    constructed, tmp_path
):
    text, info = pdf_text(annual_pdf(constructed, DURHAM, YEAR), tmp_path)
    assert re.search(r"Tagged:\s+yes", info)
    assert re.search(r"Title:\s+Durham County Council: annual complaints performance", info)
    assert "Durham County Council" in text
    assert "Outside the time limit 2" in text
    assert "Stage 1 complaints received 40" in text
    assert "24 000 001" in text


def test_a_council_landlords_report_leads_with_its_real_figures_both_years_and_the_source(
    demo_url,
):
    engine = make_engine(demo_url)
    inputs = prepare_inputs(engine, YEAR)
    html = annual_html(engine, BIRMINGHAM, YEAR, inputs=inputs)
    no_stock = annual_html(engine, DURHAM, YEAR, inputs=inputs)
    measures = read_landlord_measures(engine)
    engine.dispose()
    start = html.index("2. Housing complaints as a landlord: real figures")
    section = html[start : html.index("3. The year at a glance")]
    assert start < html.index("Stage 1 complaints received")  # before any synthetic figure
    for year, (complaints, homes) in BIRMINGHAM_STAGE1.items():
        assert f"{complaints:,} of {homes:,}" in section, year
        assert f"{complaints / homes * 1000:.2f}" in section, year
    rates = council_landlord_rates(
        measures,
        date(2024, 4, 1),
        "stage1_complaints",
        "homes_owned",
        1000,
        leaving_out="E08000025",
    )
    assert "Other council landlords 2024-25: median (middle half)" in section
    assert f"{statistics.median(rates):.2f} (" in section
    assert all(source in section for source in RSH_YEARS)
    assert OGL_ATTRIBUTION in section
    # A council with no homes of its own says so in one sentence, not a table of blanks.
    start = no_stock.index("2. Housing complaints as a landlord: real figures")
    section = no_stock[start : no_stock.index("3. The year at a glance")]
    assert "Durham County Council has no Tenant Satisfaction Measures" in section
    assert "owns no council homes, or fewer than 1,000" in section
    assert "<table" not in section


def test_a_report_shows_the_real_figures_of_its_own_year_and_the_year_before_only(demo_url):
    engine = make_engine(demo_url)
    measures = read_landlord_measures(engine)
    engine.dispose()
    name = "Birmingham City Council"
    then = council_landlord(measures, BIRMINGHAM, name, date(2023, 4, 1))
    assert then.figures.years == ["2023-24"] and then.sources == RSH_YEARS[0]
    later = council_landlord(measures, BIRMINGHAM, name, date(2026, 4, 1))
    assert later.figures.years == ["2023-24", "2024-25"]
    before = council_landlord(measures, BIRMINGHAM, name, date(2022, 4, 1))
    assert not before.published and "for 2022-23 or the years before" in before.absent
    # RSH left West Northamptonshire out of 2023-24: it is a landlord, not one without homes.
    left_out = council_landlord(measures, "E06000062", "West Northamptonshire", date(2023, 4, 1))
    assert not left_out.published
    assert "published no Tenant Satisfaction Measures for West Northamptonshire for 2023-24" in (
        left_out.absent
    )


def test_a_council_with_no_data_gets_a_report_that_says_so(constructed):
    report = annual_report(constructed, "E07000223", YEAR)
    assert not report.has_data and report.stages == [] and report.charts == []
    assert "holds no complaints data for Adur" in annual_html(
        constructed, "E07000223", YEAR, report=report
    )


@pytest.mark.parametrize("year", ["2024", "2024-25 Q1", "next year"])
def test_a_report_is_for_a_financial_year(constructed, year):
    with pytest.raises(ReportError):
        annual_report(constructed, DURHAM, year)


def test_the_command_writes_one_report_and_refuses_an_unknown_council(
    constructed, database_url, tmp_path
):
    runner = CliRunner()
    env = {"SCRUTINY_DATABASE_URL": database_url}
    out = tmp_path / "durham.html"
    args = ["report", "annual", "--authority", DURHAM, "--year", YEAR, "--format", "html"]
    result = runner.invoke(app, [*args, "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "Durham County Council" in out.read_text(encoding="utf-8")
    wrong = ["report", "annual", "--authority", "E99999999", "--year", YEAR]
    result = runner.invoke(app, [*wrong, "--output", str(tmp_path / "x.pdf")], env=env)
    assert result.exit_code == 2 and "no council" in result.output


def test_reports_for_several_councils_are_written_in_parallel(constructed, tmp_path):
    done: list[str] = []
    result = write_all_reports(
        constructed,
        YEAR,
        tmp_path,
        "html",
        jobs=2,
        codes=[DURHAM, PEERS[0], "E07000223"],
        progress=lambda n, total, code: done.append(code),
    )
    assert not result.failed and len(result.written) == 3 and len(done) == 3
    assert (
        "holds no complaints data"
        in (tmp_path / "E07000223-annual-report-2024-25.html").read_text()
    )
