"""The councillor scrutiny pack: what needs attention, in priority order, on two pages."""

from __future__ import annotations

import statistics
import subprocess
from datetime import date, timedelta
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from conftest import (
    BIRMINGHAM,
    BIRMINGHAM_STAGE1,
    RSH_YEARS,
    council_landlord_rates,
    make_complaints,
)
from scrutiny.cli import app
from scrutiny.councillor.questions import CouncilFigures, Measure, Signal
from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.measures.benchmarking import council_benchmark
from scrutiny.publish.licences import OGL_ATTRIBUTION
from scrutiny.publish.reports.pack import MAX_ITEMS, pack_html, pack_items, pack_pdf, scrutiny_pack
from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.source_imports import read_landlord_measures
from scrutiny.returns.submissions import save_submission
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.standard.indicators import indicator
from scrutiny.store.db import make_engine
from scrutiny.warning.watchlist import watchlist

DURHAM = DEMO_AUTHORITY
AS_OF = date(2025, 4, 30)
YEAR = "2024-25"
RECOMMENDATIONS = (
    "decision_ref,recommendation_number,authority_code,kind,beneficiary,amount_gbp,"
    "agreed_date,due_date,completed_date,compliance_status,evidence_note\n"
    f"24 000 009,1,{DURHAM},financial_remedy,complainant,400,2025-01-06,2025-02-06,,pending,\n"
)


def pages(pdf: bytes, tmp_path: Path) -> int:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in info.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


def text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "pack.pdf"
    path.write_bytes(pdf)
    found = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(found.stdout.split())


@pytest.fixture
def constructed(database_url, engine, tmp_path):
    """Durham answers no stage 1 complaint on time while fifteen other unitary councils
    answer nine in ten on time, and it has one Ombudsman recommendation past its due date."""
    others = (
        load_authorities()
        .filter(pl.col("current") & (pl.col("type") == "unitary") & (pl.col("gss_code") != DURHAM))
        .get_column("gss_code")
        .head(15)
        .to_list()
    )
    for n, code in enumerate([DURHAM, *others]):
        frame = make_complaints(240, authority_code=code, first_received=date(2024, 4, 8))
        # 40 days to answer is never within the Code's 10 working days: all Durham's
        # answers, and one in ten (give or take) of the others'.
        late = pl.lit(True) if code == DURHAM else (pl.int_range(pl.len()) % (9 + n % 3) == 0)
        frame = frame.with_columns(
            pl.when(late)
            .then(pl.col("received_date") + timedelta(days=40))
            .otherwise(pl.col("responded_date"))
            .alias("responded_date")
        )
        save_submission(
            engine,
            table_name="complaints",
            frame=frame,
            file_name=f"{code}.csv",
            file_hash=f"{n:x}" * 64,
            submitted_by="test",
            period_start=date(2024, 4, 1),
            period_end=date(2025, 3, 31),
        )
    path = tmp_path / "recommendations.csv"
    path.write_text(RECOMMENDATIONS, encoding="utf-8")
    result = submit_return(
        path, Settings(database_url=database_url), engine, submitted_by="t", today=AS_OF
    )
    assert result.stored, result.report.to_text()
    return engine


def test_a_funnel_outlier_comes_first_and_the_overdue_recommendation_after_it(constructed):
    pack = scrutiny_pack(constructed, DURHAM, YEAR, as_of=AS_OF)
    benchmark = council_benchmark(constructed, DURHAM, YEAR).filter(
        pl.col("indicator") == "stage1_on_time"
    )
    assert benchmark["flag"][0] == "low_alarm"  # the constructed outlier is one
    first = pack.items[0]
    assert (first.topic, first.tier, first.priority) == ("Responding on time", 1, "Serious")
    [on_time] = [f for f in first.figures if f.name == indicator("stage1_on_time").name]
    assert on_time.value == pytest.approx(benchmark["value"][0])
    assert on_time.peer_median == pytest.approx(benchmark["peer_median"][0])
    assert on_time.position == "well below the range expected (unfavourable)"
    assert first.question.startswith("Why are fewer complaints answered on time")
    [late] = [item for item in pack.items if item.topic == "Overdue Ombudsman recommendations"]
    assert late.tier == 3
    assert late.reasons[0].startswith("1 Ombudsman recommendation past the due date")
    tiers = [item.tier for item in pack.items]
    assert tiers == sorted(tiers)
    assert pack.name == "Durham County Council" and pack.peer_group == "all unitary councils"


def test_a_pack_with_few_items_says_so_and_keeps_to_two_pages(constructed, tmp_path):
    pack = scrutiny_pack(constructed, DURHAM, YEAR, as_of=AS_OF)
    assert len(pack.items) < 5 and pack.few
    assert f"Only {len(pack.items)} things" in " ".join(pack_html(pack).split())
    pdf = pack_pdf(pack)
    assert pages(pdf, tmp_path) <= 2
    shown = text(pdf, tmp_path)
    assert "Durham County Council" in shown
    assert "Why are fewer complaints answered on time than at similar councils" in shown


def measure(code: str, flag: str) -> Measure:
    item = indicator(code)
    return Measure(code, item.name, item.unit, item.direction, 50.0, 70.0, flag)


def test_items_follow_the_documented_priority_and_stop_at_eight():
    figures = CouncilFigures(
        authority_code=DURHAM,
        period=YEAR,
        peer_group="all unitary councils",
        measures={
            m.code: m
            for m in [
                measure("stage1_on_time", "low_alert"),  # 95%: tier 2
                measure("stage1_acknowledged_on_time", "low_alarm"),  # 99.8%: tier 1
                measure("stage1_per_10k", "low_alarm"),  # no better side: tier 4
                measure("escalation_rate", "high_alert"),
                measure("refused", "high_alert"),
                measure("ombudsman_uphold_rate", "high_alert"),
                measure("satisfactory_remedy_rate", "low_alert"),
                measure("service_improvements", "low_alert"),
                measure("complaint_handling_faults", "high_alert"),
            ]
        },
        overdue_recommendations=2,
        most_working_days_overdue=30,
        quarter="2024-25 Q4",
        signals=(Signal("public_interest_report", 2, "A public-interest report."),),
    )
    items, left_out = pack_items(figures)
    assert len(items) == MAX_ITEMS and left_out == 3
    assert [(i.tier, i.topic) for i in items[:3]] == [
        (1, "Acknowledging complaints"),
        (1, "Public interest report"),
        (2, "Responding on time"),
    ]
    tiers = [i.tier for i in items]
    assert tiers == sorted(tiers)
    # Tier 2 fills the rest: the overdue recommendations (3) and volumes (4) are cut.
    assert "Overdue Ombudsman recommendations" not in [i.topic for i in items]


def test_nothing_to_report_is_said_plainly():
    figures = CouncilFigures(DURHAM, YEAR, "all unitary councils", quarter="2024-25 Q4")
    assert pack_items(figures) == ([], 0)


def test_demo_packs_keep_to_two_pages_even_for_the_busiest_council(demo_url, tmp_path):
    engine = make_engine(demo_url)
    busiest = watchlist(engine, AS_OF, top=1)["authority_code"].to_list()
    for code in [DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY, BIRMINGHAM, *busiest]:
        pack = scrutiny_pack(engine, code, YEAR)
        assert len(pack.items) <= MAX_ITEMS
        pdf = pack_pdf(pack)
        assert pages(pdf, tmp_path) <= 2, code
        shown = text(pdf, tmp_path)
        assert pack.name in shown
        assert "Housing complaints as a landlord: real figures" in shown
        if code == BIRMINGHAM:  # its real figures, named with their source, fit too
            assert all(source in shown for source in RSH_YEARS)
    engine.dispose()


def test_a_council_landlords_pack_shows_its_real_figures_compactly_first(demo_url):
    engine = make_engine(demo_url)
    html = pack_html(scrutiny_pack(engine, BIRMINGHAM, YEAR))
    no_stock = pack_html(scrutiny_pack(engine, DURHAM, YEAR))
    measures = read_landlord_measures(engine)
    engine.dispose()
    start = html.index("Housing complaints as a landlord: real figures")
    section = html[start : html.index("</section>", start)]
    assert start < html.index('id="item-1"')
    for year, (complaints, homes) in BIRMINGHAM_STAGE1.items():
        assert f"{complaints / homes * 1000:.2f}" in section, year
        assert f"{complaints:,} of {homes:,}" not in section  # compact: no counts
    for year, start_day in (("2023-24", date(2023, 4, 1)), ("2024-25", date(2024, 4, 1))):
        rates = council_landlord_rates(
            measures, start_day, "stage1_complaints", "homes_owned", 1000, leaving_out="E08000025"
        )
        assert f"Other council landlords {year}: median (middle half)" in section
        assert f"{statistics.median(rates):.2f} (" in section, year
    assert all(source in section for source in RSH_YEARS) and OGL_ATTRIBUTION in section
    start = no_stock.index("Housing complaints as a landlord: real figures")
    section = no_stock[start : no_stock.index("</section>", start)]
    assert "Durham County Council has no Tenant Satisfaction Measures" in section
    assert "<table" not in section


def test_the_command_writes_a_pack_and_refuses_an_unknown_council(demo_url, tmp_path):
    env = {"SCRUTINY_DATABASE_URL": demo_url}
    output = tmp_path / "pack.html"
    args = ["report", "pack", "--authority", DURHAM, "--period", YEAR, "--format", "html"]
    result = CliRunner().invoke(app, [*args, "--output", str(output)], env=env)
    assert result.exit_code == 0, result.output
    assert "Complaints scrutiny pack: Durham County Council, 2024-25" in output.read_text()
    args = ["report", "pack", "--authority", "E99999999", "--period", YEAR]
    result = CliRunner().invoke(app, [*args, "--output", str(output)], env=env)
    assert result.exit_code == 2 and "no council has the code" in result.output
