"""The JSON API: public data, paging, CSV, and what an API token may read and send."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from scrutiny.demo.build import DEMO_AUTHORITY, DEMO_OTHER_AUTHORITY
from scrutiny.measures.benchmarking import council_benchmark, indicator_benchmark
from scrutiny.measures.indicators import compute_indicators
from scrutiny.recommendations import read_register
from scrutiny.reference.authorities import load_authorities
from scrutiny.returns.saved_mappings import save_mapping
from scrutiny.standard.indicators import load_indicators
from scrutiny.store.accounts import create_token, create_user, list_users
from scrutiny.store.db import make_engine
from scrutiny.store.read import count_rows, read_rows
from scrutiny.warning.signals import compute_signals

OFFICERS = {
    DEMO_AUTHORITY: "officer@demo.scrutiny",
    DEMO_OTHER_AUTHORITY: "officer@birmingham.demo.scrutiny",
}


@pytest.fixture
def engine(demo_url):
    engine = make_engine(demo_url)
    yield engine
    engine.dispose()


_tokens: dict[tuple[str, str], str] = {}


def demo_token(demo_url: str, authority: str) -> str:
    """An API token for AUTHORITY's demo officer, made once per demo database."""
    if (demo_url, authority) not in _tokens:
        engine = make_engine(demo_url)
        user = next(u for u in list_users(engine) if u.email == OFFICERS[authority])
        _tokens[demo_url, authority] = create_token(
            engine, user, "api tests", authority_code=authority, actor="tests"
        )
        engine.dispose()
    return _tokens[demo_url, authority]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- Councils -------------------------------------------------------------------------


def test_authorities_are_paged_with_a_total_and_next_link_until_all_are_seen(demo_client):
    current = set(load_authorities().filter("current")["gss_code"])
    seen: list[str] = []
    url: str | None = "/api/v1/authorities?page_size=100"
    while url:
        body = demo_client.get(url).json()
        assert body["total"] == len(current)
        assert len(body["items"]) <= 100
        seen += [item["gss_code"] for item in body["items"]]
        url = body["next"]
    assert len(seen) == len(current) and set(seen) == current


@pytest.mark.parametrize(
    ("query", "column", "value"),
    [("type=county", "type", "county"), ("region=London", "region", "London")],
)
def test_authorities_filter_by_type_and_region(demo_client, query, column, value):
    body = demo_client.get(f"/api/v1/authorities?{query}&page_size=500").json()
    expected = load_authorities().filter("current", pl.col(column) == value)
    assert body["total"] == expected.height > 0
    assert {item["gss_code"] for item in body["items"]} == set(expected["gss_code"])


def test_authorities_search_by_name_or_code(demo_client):
    by_name = demo_client.get("/api/v1/authorities?q=durham").json()["items"]
    assert DEMO_AUTHORITY in [item["gss_code"] for item in by_name]
    by_code = demo_client.get(f"/api/v1/authorities?q={DEMO_AUTHORITY.lower()}").json()
    assert [item["gss_code"] for item in by_code["items"]] == [DEMO_AUTHORITY]


def test_a_page_larger_than_500_is_refused_as_json(demo_client):
    response = demo_client.get("/api/v1/authorities?page_size=501")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/json"


def test_one_authority_by_code_and_an_unknown_code(demo_client):
    council = demo_client.get(f"/api/v1/authorities/{DEMO_AUTHORITY}").json()
    assert council["short_name"] == "County Durham"
    assert council["population_2021"] == 522069
    missing = demo_client.get("/api/v1/authorities/E99999999")
    assert missing.status_code == 404
    assert "E99999999" in missing.json()["detail"]


# --- Indicators -----------------------------------------------------------------------


def test_indicator_definitions_are_the_indicator_set(demo_client):
    body = demo_client.get("/api/v1/indicators").json()
    assert [item["code"] for item in body] == [item.code for item in load_indicators()]


def test_indicator_values_match_the_library(demo_client, engine):
    body = demo_client.get(
        f"/api/v1/indicators/values?indicator=stage1_on_time&authority={DEMO_AUTHORITY}"
    ).json()
    expected = compute_indicators(engine, "financial_year").filter(
        pl.col("indicator") == "stage1_on_time", pl.col("authority_code") == DEMO_AUTHORITY
    )
    assert body["total"] == expected.height > 0
    for item, row in zip(body["items"], expected.iter_rows(named=True), strict=True):
        assert item["period_start"] == row["period_start"].isoformat()
        assert item["numerator"] == row["numerator"]
        assert item["denominator"] == row["denominator"]
        assert item["value"] == pytest.approx(row["value"])
        assert item["grain"] == "financial_year"
    labels = {item["period_start"]: item["period"] for item in body["items"]}
    assert labels["2024-04-01"] == "2024-25"


def test_indicator_values_for_a_quarter_page_by_page(demo_client, engine):
    first = demo_client.get("/api/v1/indicators/values?period=2024-25 Q1&page_size=7").json()
    expected = compute_indicators(engine, "quarter").filter(
        pl.col("period_start") == date(2024, 4, 1)
    )
    assert first["total"] == expected.height
    assert len(first["items"]) == 7
    assert {item["period"] for item in first["items"]} == {"2024-25 Q1"}
    second = demo_client.get(first["next"]).json()
    assert second["page"] == 2
    assert second["items"][0] != first["items"][0]


def test_indicator_values_as_csv_have_every_matching_row(demo_client, engine):
    response = demo_client.get("/api/v1/indicators/values?period=2024-25&format=csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = compute_indicators(engine, "financial_year").filter(
        pl.col("period_start") == date(2024, 4, 1)
    )
    assert len(rows) == expected.height
    assert {r["period"] for r in rows} == {"2024-25"}


@pytest.mark.parametrize(
    "query",
    ["period=2024-25&grain=month", "period=last year", "indicator=happiness", "grain=week"],
)
def test_indicator_values_refuse_what_they_cannot_read(demo_client, query):
    response = demo_client.get(f"/api/v1/indicators/values?{query}")
    assert response.status_code == 422
    assert "detail" in response.json()


# --- Benchmarks and funnels -----------------------------------------------------------


def test_a_council_benchmark_matches_the_library_and_defaults_to_the_latest_year(
    demo_client, engine
):
    body = demo_client.get(f"/api/v1/benchmarks/{DEMO_AUTHORITY}?peers=region").json()
    assert body["period"] == "2024-25"  # the demo's 2025-26 has barely begun
    expected = council_benchmark(engine, DEMO_AUTHORITY, "2024-25", "region")
    assert [i["indicator"] for i in body["indicators"]] == expected["indicator"].to_list()
    assert [i["flag"] for i in body["indicators"]] == expected["flag"].to_list()
    assert body["indicators"][0]["peer_group"] == expected["peer_group"][0]


def test_a_benchmark_for_an_unknown_council_or_period_is_refused(demo_client):
    assert demo_client.get("/api/v1/benchmarks/E99999999").status_code == 404
    response = demo_client.get(f"/api/v1/benchmarks/{DEMO_AUTHORITY}?period=soon")
    assert response.status_code == 422


def test_funnel_data_match_the_library(demo_client, engine):
    body = demo_client.get("/api/v1/funnel/stage1_on_time?period=2023-24").json()
    expected = indicator_benchmark(engine, "stage1_on_time", "2023-24")
    assert body["period"] == "2023-24"
    assert len(body["points"]) == expected.height > 0
    point = next(p for p in body["points"] if p["authority_code"] == DEMO_AUTHORITY)
    row = expected.filter(pl.col("authority_code") == DEMO_AUTHORITY).row(0, named=True)
    assert point["value"] == pytest.approx(row["value"])
    assert point["upper_99_8"] == pytest.approx(row["upper_99_8"])
    assert point["reading"] == row["reading"]
    assert demo_client.get("/api/v1/funnel/happiness").status_code == 404


# --- Recommendations ------------------------------------------------------------------


def test_the_recommendations_register_filters_by_authority_and_state(demo_client, engine):
    register = read_register(engine, date.today())
    mine = register.filter(pl.col("authority_code") == DEMO_AUTHORITY)
    body = demo_client.get(
        f"/api/v1/recommendations?authority={DEMO_AUTHORITY}&page_size=500"
    ).json()
    assert body["total"] == mine.height > 0
    state = mine["state"][0]
    filtered = demo_client.get(
        f"/api/v1/recommendations?authority={DEMO_AUTHORITY}&status={state}&page_size=500"
    ).json()
    assert filtered["total"] == mine.filter(pl.col("state") == state).height
    assert {item["state"] for item in filtered["items"]} == {state}
    assert "evidence_note" not in body["items"][0]


def test_the_recommendations_register_as_csv(demo_client, engine):
    response = demo_client.get("/api/v1/recommendations?format=csv&overdue=false")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = read_register(engine, date.today()).filter(~pl.col("overdue"))
    assert len(rows) == expected.height
    assert {r["overdue"] for r in rows} == {"false"}


# --- Signals (token) ------------------------------------------------------------------


def test_signals_refuse_anonymous_requests(demo_client):
    response = demo_client.get(f"/api/v1/signals/{DEMO_AUTHORITY}")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    bad = demo_client.get(f"/api/v1/signals/{DEMO_AUTHORITY}", headers=bearer("scr_nonsense"))
    assert bad.status_code == 401


def test_signals_refuse_a_token_for_another_authority(demo_client, demo_url):
    token = demo_token(demo_url, DEMO_OTHER_AUTHORITY)
    response = demo_client.get(f"/api/v1/signals/{DEMO_AUTHORITY}", headers=bearer(token))
    assert response.status_code == 403
    assert DEMO_OTHER_AUTHORITY in response.json()["detail"]


def test_signals_for_the_tokens_own_authority_match_the_library(demo_client, demo_url, engine):
    token = demo_token(demo_url, DEMO_AUTHORITY)
    response = demo_client.get(
        f"/api/v1/signals/{DEMO_AUTHORITY}?as_of=2025-03-31", headers=bearer(token)
    )
    assert response.status_code == 200
    body = response.json()
    expected = compute_signals(engine, date(2025, 3, 31), authority_code=DEMO_AUTHORITY)
    assert body["as_of"] == "2025-03-31"
    assert len(body["signals"]) == expected.height > 0
    assert [s["sentence"] for s in body["signals"]] == expected["sentence"].to_list()
    assert isinstance(body["signals"][0]["evidence"], dict)
    default = demo_client.get(f"/api/v1/signals/{DEMO_AUTHORITY}", headers=bearer(token))
    assert default.json()["as_of"] == "2025-03-31"  # the latest quarter with data, not today


# --- Submissions (token) --------------------------------------------------------------


@pytest.fixture
def upload_client(database_url):
    """A client on an empty database with an officer for each demo authority and tokens."""
    from conftest import make_client

    engine = make_engine(database_url)
    tokens = {}
    for authority, email in OFFICERS.items():
        user = create_user(
            engine,
            email=email,
            password="a-long-password",
            role="council_officer",
            authority_code=authority,
            actor="tests",
        )
        tokens[authority] = create_token(
            engine, user, "uploads", authority_code=authority, actor="tests"
        )
    with make_client(database_url) as client:
        client.tokens = tokens  # type: ignore[attr-defined]
        client.engine = engine  # type: ignore[attr-defined]
        yield client
    engine.dispose()


def complaints_csv(authority: str = DEMO_AUTHORITY, **overrides: Any) -> bytes:
    from conftest import make_complaints

    return make_complaints(3, authority_code=authority, **overrides).write_csv().encode()


def upload(
    client,
    data: bytes,
    authority: str = DEMO_AUTHORITY,
    name: str = "complaints.csv",
    **fields: str,
):
    return client.post(
        "/api/v1/submissions",
        files={"file": (name, data, "text/csv")},
        data=fields,
        headers=bearer(client.tokens[authority]),
    )


def test_a_return_is_for_a_period_and_replaces_one_only_when_told(upload_client):
    engine = upload_client.engine
    q1 = upload(upload_client, complaints_csv(), period="2025-26")  # 8 to 10 April 2024
    assert q1.status_code == 400 or q1.status_code == 422
    first = upload(upload_client, complaints_csv())
    assert first.status_code == 201
    assert first.json()["period"] == "2024-04"
    assert first.json()["plan"][0]["replaces_submission_id"] is None
    changed = complaints_csv(service_area="planning_and_development", service_subarea=None)
    checked = upload(upload_client, changed, dry_run="true")
    assert checked.status_code == 200, checked.text
    [plan] = checked.json()["plan"]
    assert plan["replaces_submission_id"] == first.json()["submissions"][0]["submission_id"]
    assert "3 complaints for 2024-04" in plan["replaces"]
    assert not checked.json()["stored"]
    refused = upload(upload_client, changed)
    assert refused.status_code == 409
    assert "replace=true" in refused.json()["detail"]
    assert refused.json()["plan"][0]["replaces_submission_id"] == plan["replaces_submission_id"]
    assert set(read_rows(engine, "complaints")["service_area"]) == {"housing"}
    replaced = upload(upload_client, changed, replace="true")
    assert replaced.status_code == 201
    assert replaced.json()["submissions"][0]["outcome"] == "replaced"
    assert (
        read_rows(engine, "complaints")["service_area"].to_list()
        == ["planning_and_development"] * 3
    )
    bad_period = upload(upload_client, changed, period="last quarter")
    assert bad_period.status_code == 400 and "2024-25 Q1" in bad_period.json()["detail"]


def test_a_valid_return_is_stored_and_listed_in_the_history(upload_client):
    response = upload(upload_client, complaints_csv())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["valid"] and body["stored"]
    assert body["table"] == "complaints" and body["rows"] == 3
    assert body["submissions"][0]["authority_code"] == DEMO_AUTHORITY
    assert count_rows(upload_client.engine, "complaints", authority_code=DEMO_AUTHORITY) == 3
    history = upload_client.get(
        "/api/v1/submissions", headers=bearer(upload_client.tokens[DEMO_AUTHORITY])
    ).json()
    assert history["total"] == 1
    assert history["items"][0]["file_name"] == "complaints.csv"
    assert history["items"][0]["row_count"] == 3
    other = upload_client.get(
        "/api/v1/submissions", headers=bearer(upload_client.tokens[DEMO_OTHER_AUTHORITY])
    ).json()
    assert other["total"] == 0
    again = upload(upload_client, complaints_csv())
    assert again.status_code == 200
    assert again.json()["submissions"][0]["outcome"] == "unchanged"


def test_an_invalid_return_gets_row_and_column_errors_and_stores_nothing(upload_client):
    text = complaints_csv().decode().splitlines()
    header = text[0].split(",")
    cells = text[2].split(",")
    cells[header.index("outcome")] = "sort_of_upheld"
    cells[header.index("received_date")] = "31/02/2024"
    text[2] = ",".join(cells)
    response = upload(upload_client, "\n".join(text).encode())
    assert response.status_code == 422
    body = response.json()
    assert not body["valid"] and not body["stored"]
    errors = [i for i in body["issues"] if i["severity"] == "error"]
    assert body["errors"] == len(errors) >= 2
    by_column = {i["column"]: i for i in errors}
    assert by_column["outcome"]["row"] == 3  # the header is row 1
    assert by_column["outcome"]["value"] == "sort_of_upheld"
    assert by_column["outcome"]["fix"]
    assert by_column["received_date"]["row"] == 3
    assert count_rows(upload_client.engine, "complaints") == 0


def test_a_return_with_another_authoritys_rows_is_refused_and_nothing_stored(upload_client):
    mixed = (
        complaints_csv() + complaints_csv(DEMO_OTHER_AUTHORITY, ref_prefix="B").split(b"\n", 1)[1]
    )
    response = upload(upload_client, mixed)
    assert response.status_code == 403
    body = response.json()
    refused = [i for i in body["issues"] if i["rule"] == "token_authority"]
    assert [i["row"] for i in refused] == [5, 6, 7]
    assert {i["value"] for i in refused} == {DEMO_OTHER_AUTHORITY}
    assert not body["stored"]
    assert count_rows(upload_client.engine, "complaints") == 0


def test_a_council_token_cannot_send_ombudsman_tables(upload_client):
    header = "ombudsman,decision_ref,authority_code,decision_date,category,outcome\n"
    row = f"lgsco,24 000 001,{DEMO_AUTHORITY},2024-06-01,housing,upheld\n"
    response = upload(upload_client, (header + row).encode(), name="decisions.csv")
    assert response.status_code == 403
    assert response.json()["issues"][0]["rule"] == "council_table"
    assert count_rows(upload_client.engine, "ombudsman_decisions") == 0


def test_an_unreadable_file_is_refused_and_uploads_need_a_token(upload_client):
    response = upload(upload_client, b"\x00\x01\x02binary", name="photo.jpg")
    assert response.status_code == 422
    assert response.json()["issues"][0]["rule"] == "unreadable"
    anonymous = upload_client.post(
        "/api/v1/submissions", files={"file": ("c.csv", complaints_csv(), "text/csv")}
    )
    assert anonymous.status_code == 401
    assert count_rows(upload_client.engine, "complaints") == 0


# --- Uploads with a council's saved mapping (issue 18) ---------------------------------

RETURNS = Path(__file__).parent / "returns"
CASE_EXPORT = (RETURNS / "case_export.csv").read_bytes()
CASE_MAPPING = (RETURNS / "case_export_mapping.yaml").read_text(encoding="utf-8")


def test_an_export_is_read_with_the_councils_default_mapping_and_says_so(upload_client):
    engine = upload_client.engine
    unmapped = upload(upload_client, CASE_EXPORT, name="case_export.csv")
    assert unmapped.status_code == 422 and unmapped.json()["mapping"] is None
    save_mapping(engine, DEMO_AUTHORITY, "default", CASE_MAPPING, "officer")
    response = upload(upload_client, CASE_EXPORT, name="case_export.csv")
    assert response.status_code == 201, response.text
    assert response.json()["mapping"] == {"name": "default", "version": 1}
    assert response.json()["rows"] == 5
    assert count_rows(engine, "complaints", authority_code=DEMO_AUTHORITY) == 5


def test_a_named_mapping_is_used_and_an_unknown_one_refused(upload_client):
    engine = upload_client.engine
    unknown = upload(upload_client, CASE_EXPORT, mapping="civica")
    assert unknown.status_code == 400
    assert "E06000047 has no saved mapping 'civica'" in unknown.json()["detail"]
    save_mapping(engine, DEMO_AUTHORITY, "default", "columns:\n  Case Ref: complaint_ref\n", "x")
    save_mapping(engine, DEMO_AUTHORITY, "civica", CASE_MAPPING, "officer")
    save_mapping(engine, DEMO_AUTHORITY, "civica", CASE_MAPPING + "sheet: Complaints\n", "officer")
    checked = upload(upload_client, CASE_EXPORT, mapping="civica", dry_run="true")
    assert checked.status_code == 200, checked.text
    assert checked.json()["mapping"] == {"name": "civica", "version": 2}
    assert checked.json()["valid"] and not checked.json()["stored"]
    assert count_rows(engine, "complaints") == 0


def test_the_openapi_document_describes_the_mapping_field_and_answer(upload_client):
    schema = upload_client.get("/api/v1/openapi.json").json()
    form = next(
        body
        for name, body in schema["components"]["schemas"].items()
        if name.startswith("Body_submit")
    )
    assert "saved mapping" in form["properties"]["mapping"]["description"]
    answer = schema["components"]["schemas"]["ReturnResult"]["properties"]["mapping"]
    assert "default" in answer["description"]


def test_a_realistic_workbook_export_is_read_with_the_saved_proposal(upload_client, tmp_path):
    from scrutiny.returns.proposal import propose
    from scrutiny.settings import Settings
    from test_onboarding import realistic_export

    engine = upload_client.engine
    export = realistic_export(tmp_path / "export.xlsx")
    save_mapping(engine, DEMO_AUTHORITY, "default", propose(export, Settings()).to_yaml(), "o")
    response = upload(upload_client, export.read_bytes(), name="export.xlsx")
    assert response.status_code == 201, response.text
    assert response.json()["mapping"] == {"name": "default", "version": 1}
    assert count_rows(engine, "complaints", authority_code=DEMO_AUTHORITY) == 5
