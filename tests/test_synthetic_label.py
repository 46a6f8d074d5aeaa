"""Synthetic means labelled (issue 17): what was seen was a public page stating
"County Durham: stage 1 responses on time 76.9%" with nothing to say the figure was made
up. Submissions now record where their rows came from, and every page says when any of
what it draws on is synthetic demo data."""

from __future__ import annotations

from pathlib import Path

from conftest import make_client
from scrutiny.returns.stored import current_data_sources, list_submissions
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.db import make_engine

RETURNS = Path(__file__).parent / "returns"
BANNER = "Synthetic demo data"


def council_return(engine, database_url: str) -> None:
    """Store a council's own (not synthetic) complaints return."""
    submit_return(
        RETURNS / "valid_complaints.csv",
        Settings(database_url=database_url),
        engine,
        submitted_by="officer",
    )


def test_the_demo_records_its_synthetic_and_real_sources(demo_url):
    engine = make_engine(demo_url)
    sources = {(s.table_name, s.data_source) for s in list_submissions(engine)}
    engine.dispose()
    assert ("complaints", "synthetic") in sources
    assert ("recommendations", "synthetic") in sources
    assert ("ombudsman_decisions", "housing_ombudsman") in sources


def test_every_page_of_the_demo_says_its_data_is_synthetic(demo_client):
    for path in ("/", "/councils/E06000047", "/councils/E08000025", "/data", "/standard"):
        page = demo_client.get(path)
        assert page.status_code == 200, path
        assert BANNER in page.text, path


def test_a_service_with_only_councils_own_returns_has_no_synthetic_banner(database_url):
    engine = make_engine(database_url)
    council_return(engine, database_url)
    assert current_data_sources(engine) == {"council_return"}
    engine.dispose()
    with make_client(database_url) as client:
        page = client.get("/councils/E06000047?period=2025-26+Q1")
    assert page.status_code == 200
    assert BANNER not in page.text


def test_every_figure_the_api_gives_names_its_source(demo_client):
    values = demo_client.get(
        "/api/v1/indicators/values", params={"authority": "E08000025", "period": "2024-25"}
    ).json()["items"]
    sources = {row["indicator"]: row["source"] for row in values}
    assert sources["stage1_on_time"] == "synthetic"
    assert sources["tsm_stage1_within_timescale"] == "rsh_tsm"
    csv = demo_client.get(
        "/api/v1/indicators/values",
        params={"authority": "E08000025", "period": "2024-25", "format": "csv"},
    ).text
    header, *rows = csv.splitlines()
    assert header.split(",")[-1] == "source"
    assert any(row.endswith(",synthetic") for row in rows)
    assert any(row.endswith(",rsh_tsm") for row in rows)
    placed = demo_client.get("/api/v1/benchmarks/E08000025", params={"period": "2024-25"}).json()
    assert {row["source"] for row in placed["indicators"]} >= {"synthetic", "rsh_tsm"}


def test_reports_and_packs_from_synthetic_returns_say_so_and_real_ones_do_not(
    demo_url, database_url
):
    from scrutiny.publish.reports.annual import annual_html
    from scrutiny.publish.reports.national import national_html, national_report
    from scrutiny.publish.reports.pack import pack_html, scrutiny_pack

    demo = make_engine(demo_url)
    documents = [
        annual_html(demo, "E06000047", "2024-25"),
        pack_html(scrutiny_pack(demo, "E06000047", "2024-25")),
        national_html(national_report(demo, "2024-25")),
    ]
    demo.dispose()
    assert all(BANNER in html for html in documents)
    real = make_engine(database_url)
    council_return(real, database_url)
    assert BANNER not in annual_html(real, "E06000047", "2025-26")
    real.dispose()
