"""Open data downloads, the data standard's pages, the accessibility statement, privacy notice."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import frictionless
import polars as pl
import pytest
from sqlalchemy import func, select

from conftest import BIRMINGHAM, BIRMINGHAM_STAGE1, make_client, recompressed
from scrutiny.measures.indicators import compute_indicators
from scrutiny.publish import opendata
from scrutiny.publish.documents import DOCUMENTS, page_path, render_markdown
from scrutiny.publish.licences import OGL, OGL_ATTRIBUTION
from scrutiny.reference.landlords import shipped_workbooks
from scrutiny.returns.source_imports import import_tsm, read_landlord_measures
from scrutiny.settings import Settings
from scrutiny.standard import describe_rule, load_standard
from scrutiny.standard.indicators import load_indicators
from scrutiny.standard.package import csv_template
from scrutiny.store.db import DATA_TABLES, make_engine

ROOT = Path(__file__).parent.parent


@pytest.fixture
def engine(demo_url):
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_open_data_page_links_every_download_with_its_licence_and_row_count(demo_client, engine):
    page = demo_client.get("/data")
    assert page.status_code == 200
    rows = opendata.published_rows(engine)
    for name in opendata.DOWNLOADS:
        assert f'href="/data/{name}.csv"' in page.text
    assert f"{rows['recommendations']:,}" in page.text
    assert "Open Government Licence v3.0" in page.text
    assert "Creative Commons Attribution 4.0" in page.text
    assert 'href="/data/datapackage.json"' in page.text
    assert "Why individual complaints are not published" in page.text


def test_complaint_case_rows_are_never_published(demo_client):
    assert demo_client.get("/data/complaints.csv").status_code == 404
    assert demo_client.get("/data/users.csv").status_code == 404


def test_complaint_counts_add_up_to_the_complaints_held(demo_client, engine):
    rows = read_csv(demo_client.get("/data/aggregate_returns.csv").text)
    assert len(rows) == opendata.published_rows(engine)["aggregate_returns"]
    complaints = DATA_TABLES["complaints"]
    with engine.connect() as connection:
        for stage in (1, 2):
            held = connection.execute(
                select(func.count()).where(complaints.c.stage == stage)
            ).scalar_one()
            published = sum(int(r["received"]) for r in rows if r["stage"] == str(stage))
            assert published == held


def test_recommendations_are_published_without_evidence_notes(demo_client, engine):
    response = demo_client.get("/data/recommendations.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = read_csv(response.text)
    assert len(rows) == opendata.published_rows(engine)["recommendations"]
    assert "evidence_note" not in rows[0]
    assert list(rows[0]) == [*opendata.published_fields("recommendations"), "source"]


def test_every_file_of_figures_says_where_each_row_came_from(demo_client):
    # The demo: synthetic returns, decisions and recommendations; the Housing Ombudsman's
    # real findings; RSH's real Tenant Satisfaction Measures.
    expected = {
        "aggregate_returns": {"synthetic"},
        "ombudsman_decisions": {"synthetic", "housing_ombudsman"},
        "recommendations": {"synthetic"},
        "housing_landlord_measures": {"rsh_tsm"},
        "indicators": {"synthetic", "rsh_tsm", "housing_ombudsman"},
    }
    for name, sources in expected.items():
        rows = read_csv(demo_client.get(f"/data/{name}.csv").text)
        assert {row["source"] for row in rows} == sources, name
    indicators = read_csv(demo_client.get("/data/indicators.csv").text)
    tsm = {r["source"] for r in indicators if r["indicator"].startswith("tsm_")}
    assert tsm == {"rsh_tsm"}
    findings = {r["source"] for r in indicators if r["indicator"].startswith("ho_")}
    assert findings == {"housing_ombudsman"}  # findings per 1,000 homes


def test_the_tsm_download_holds_every_landlords_rows_with_the_rsh_attribution(demo_client, engine):
    rows = read_csv(demo_client.get("/data/housing_landlord_measures.csv").text)
    stored = read_landlord_measures(engine)
    assert (
        len(rows) == stored.height == opendata.published_rows(engine)["housing_landlord_measures"]
    )
    assert list(rows[0]) == opendata.published_fields("housing_landlord_measures")
    assert {r["landlord_type"] for r in rows} == {"council", "housing_association"}
    assert {r["tenure_basis"] for r in rows} == {"lcra", "lcho", "combined"}
    assert {r["period_start"] for r in rows} == {"2023-04-01", "2024-04-01"}
    birmingham = {
        r["period_start"][:4]: (int(r["stage1_complaints"]), int(r["homes_owned"]))
        for r in rows
        if r["authority_code"] == BIRMINGHAM and r["tenure_basis"] == "lcra"
    }
    assert birmingham == {year[:4]: counts for year, counts in BIRMINGHAM_STAGE1.items()}
    associations = [r for r in rows if r["landlord_type"] == "housing_association"]
    assert associations and all(r["authority_code"] == "" for r in associations)
    package = demo_client.get("/data/datapackage.json").json()
    [resource] = [r for r in package["resources"] if r["name"] == "housing_landlord_measures"]
    assert resource["licenses"] == [OGL]
    [attribution] = [source["title"] for source in resource["sources"]]
    assert OGL_ATTRIBUTION in attribution and "Regulator of Social Housing" in attribution
    page = demo_client.get("/data").text.replace("&#39;", "'")
    assert 'href="/data/housing_landlord_measures.csv"' in page and attribution in page


def test_the_tsm_download_holds_only_the_current_import_of_each_year(database_url, tmp_path):
    settings = Settings(database_url=database_url)
    engine = make_engine(database_url)
    latest = shipped_workbooks()[-1]
    import_tsm(latest, settings, engine, imported_by="test")
    other = recompressed(latest, tmp_path / "corrected.xlsx")
    import_tsm(other, settings, engine, imported_by="test", replace=True)
    stored = read_landlord_measures(engine)
    assert opendata.published_rows(engine)["housing_landlord_measures"] == stored.height
    engine.dispose()
    with make_client(database_url) as client:
        rows = read_csv(client.get("/data/housing_landlord_measures.csv").text)
    assert len(rows) == stored.height  # the replaced import's rows are kept, not published


def test_published_indicators_match_the_library(demo_client, engine):
    rows = read_csv(demo_client.get("/data/indicators.csv").text)
    expected = compute_indicators(engine, "financial_year").filter(
        pl.col("authority_code") == "E06000047", pl.col("indicator") == "stage1_on_time"
    )
    published = {
        r["period_start"]: float(r["value"])
        for r in rows
        if r["authority_code"] == "E06000047"
        and r["indicator"] == "stage1_on_time"
        and r["grain"] == "financial_year"
        and r["value"]
    }
    assert published
    for row in expected.drop_nulls("value").iter_rows(named=True):
        assert published[row["period_start"].isoformat()] == pytest.approx(row["value"])


def test_frictionless_accepts_the_published_files_and_their_data_package(demo_client, tmp_path):
    package = demo_client.get("/data/datapackage.json")
    assert package.status_code == 200
    (tmp_path / "datapackage.json").write_text(package.text, encoding="utf-8")
    names = [resource["name"] for resource in package.json()["resources"]]
    assert set(names) == set(opendata.DOWNLOADS)
    for name in names:
        (tmp_path / f"{name}.csv").write_bytes(demo_client.get(f"/data/{name}.csv").content)
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "message"])[:5]


def test_the_standard_page_documents_every_table_field_rule_and_code(demo_client):
    page = demo_client.get("/standard")
    assert page.status_code == 200
    standard = load_standard()
    assert standard.version in page.text
    for table in standard.tables.values():
        assert f'id="table-{table.name}"' in page.text
        assert f'href="/standard/templates/{table.name}.csv"' in page.text
        for field in table.fields:
            assert f"<code>{field.name}</code>" in page.text
        for rule in table.rules:
            assert f"<code>{rule.id}</code>" in page.text
            # The rule's words, as the generated standard.md has them, less their markup.
            words = describe_rule(rule).replace("`", "").replace("'", "&#39;")
            plain = page.text.replace("<code>", "").replace("</code>", "")
            assert words in plain
    for code_list in standard.code_lists.values():
        assert f'id="code-list-{code_list.name}"' in page.text
        for code in code_list.codes:
            assert f"<code>{code.code}</code>" in page.text


@pytest.mark.parametrize("table", list(load_standard().tables))
def test_csv_templates_are_the_standards_header_rows(demo_client, table):
    response = demo_client.get(f"/standard/templates/{table}.csv")
    assert response.status_code == 200
    assert response.text == csv_template(load_standard().table(table))


def test_an_unknown_template_is_not_found(demo_client):
    assert demo_client.get("/standard/templates/people.csv").status_code == 404


def test_the_indicators_page_defines_every_indicator(demo_client):
    page = demo_client.get("/standard/indicators")
    assert page.status_code == 200
    for item in load_indicators():
        assert f'id="indicator-{item.code}"' in page.text
        assert item.name.replace("'", "&#39;") in page.text
        if item.caveat:
            assert item.caveat.strip().replace("'", "&#39;") in page.text


def test_the_accessibility_statement_follows_the_gov_uk_pattern(demo_client):
    page = demo_client.get("/accessibility")
    assert page.status_code == 200
    for words in (
        "Accessibility statement for",
        "WCAG",
        "2.2 AA",
        "Reporting accessibility problems",
        "Enforcement procedure",
        "Equality Advisory and Support Service",
        "table",
    ):
        assert words in page.text


def test_the_privacy_notice_says_what_is_stored_why_how_long_and_whom_to_ask(demo_client):
    page = demo_client.get("/privacy")
    assert page.status_code == 200
    for words in (
        "Privacy notice for",
        "no field for a complainant",
        "your email address",
        "audit log",
        "Why we keep it",
        "How long we keep it",
        "Information Commissioner",
    ):
        assert words in page.text
    assert 'href="/privacy"' in demo_client.get("/accessibility").text


@pytest.mark.parametrize("slug", sorted(DOCUMENTS))
def test_each_published_document_is_rendered_from_its_markdown_as_it_is_now(slug):
    # `make standard` renders them; this fails when a document changed and they were not.
    source = (ROOT / "docs" / DOCUMENTS[slug].source).read_text(encoding="utf-8")
    assert page_path(slug).read_text(encoding="utf-8") == render_markdown(source)


def test_documents_cited_by_pages_are_pages_the_public_can_open(demo_client):
    impact = demo_client.get("/research/impact?service_area=adult_care&outcome=complaints").text
    assert 'href="/docs/impact"' in impact and "docs/impact.md" not in impact.replace(
        "/docs/impact", ""
    )
    page = demo_client.get("/docs/impact")
    assert page.status_code == 200
    assert '<h1 class="govuk-heading-l">Impact research' in page.text
    assert '<table class="govuk-table">' in page.text and "|---|" not in page.text
    early = demo_client.get("/docs/early-warning").text
    assert "Generated by" not in early  # the editors' comment is not shown
    assert 'href="/docs/early-warning-real-data"' in early
    assert demo_client.get("/docs/early-warning-real-data").status_code == 200
    assert demo_client.get("/docs/architecture").status_code == 404


def test_the_api_page_shows_code_as_code_not_backticks(demo_client):
    page = demo_client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "`" not in page.text
    assert page.text.count("<code>") > 20
