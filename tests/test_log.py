"""Logging: JSON lines with fields, an access line a request, a line a stored submission,
and nothing personal in any of them."""

from __future__ import annotations

import io
import json
import logging

import pytest

from conftest import PageClient, make_complaints
from scrutiny.core.log import configure_logging, timed
from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import make_engine
from scrutiny.web import create_app

OFFICER = "complaints.officer@durham.example.org"
PASSWORD = "a-long-password"


@pytest.fixture
def log_lines():
    """What scrutiny logs as JSON from now on, as parsed lines (read it by calling)."""
    stream = io.StringIO()
    configure_logging("json", stream)

    def lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    configure_logging("text")


def test_json_lines_parse_and_carry_the_fields_given(log_lines):
    logger = logging.getLogger("scrutiny.example")
    logger.info("stored %d rows", 3, extra={"authority": DEMO_AUTHORITY, "rows": 3})
    logger.debug("not shown: below INFO")
    [line] = log_lines()
    assert line["message"] == "stored 3 rows"
    assert (line["level"], line["logger"]) == ("INFO", "scrutiny.example")
    assert (line["authority"], line["rows"]) == (DEMO_AUTHORITY, 3)
    assert line["time"].endswith("+00:00")


def test_plain_text_is_one_line_with_the_fields_as_key_value():
    stream = io.StringIO()
    configure_logging("text", stream)
    logging.getLogger("scrutiny.example").info("done", extra={"rows": 3})
    [line] = stream.getvalue().splitlines()
    assert line.endswith("INFO scrutiny.example: done rows=3")


def test_a_long_task_logs_its_start_and_its_end_with_a_duration(log_lines):
    with timed(logging.getLogger("scrutiny.example"), "synth", seed=4) as end:
        end["rows"] = 10
    started, finished = log_lines()
    assert (started["task"], started["seed"]) == ("synth", 4)
    assert finished["outcome"] == "finished" and finished["rows"] == 10
    assert finished["duration_ms"] >= 0


def test_the_log_format_is_a_setting_and_must_be_text_or_json():
    assert Settings().log_format == "text"
    assert Settings.from_env({"SCRUTINY_LOG_FORMAT": "json"}).log_format == "json"
    with pytest.raises(ValueError, match="SCRUTINY_LOG_FORMAT must be text or json"):
        Settings.from_env({"SCRUTINY_LOG_FORMAT": "xml"})
    with pytest.raises(ValueError, match="log format must be text or json"):
        configure_logging("xml")


@pytest.fixture
def officer(database_url):
    """A client on a fresh app whose log is read as JSON, and Durham's officer's account."""
    engine = make_engine(database_url)
    user = create_user(
        engine,
        email=OFFICER,
        password=PASSWORD,
        role="council_officer",
        authority_code=DEMO_AUTHORITY,
        actor="test",
    )
    app = create_app(Settings(database_url=database_url, secret_key="test"))
    with PageClient(app) as client:
        yield client, engine, user
    engine.dispose()


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == "scrutiny.web.access_log"]


def test_a_signed_in_requests_access_line_has_the_user_id_and_route_but_nothing_personal(
    officer, log_lines
):
    client, _, user = officer
    client.sign_in(OFFICER, PASSWORD)
    response = client.get(f"/council/{DEMO_AUTHORITY}/returns?name=Jane+Doe")
    assert response.status_code == 200
    line = access_lines(log_lines())[-1]
    assert line["user_id"] == user.id
    assert line["route"] == "/council/{code}/returns"
    assert (line["method"], line["status"]) == ("GET", 200)
    assert line["duration_ms"] > 0
    assert line["request_id"] == response.headers["x-request-id"]
    logged = json.dumps(log_lines())
    assert OFFICER not in logged and PASSWORD not in logged
    assert "Jane" not in logged and DEMO_AUTHORITY not in logged


def test_an_api_tokens_requests_are_logged_with_its_accounts_id(officer, log_lines):
    client, engine, user = officer
    token = create_token(engine, user, "uploads", authority_code=DEMO_AUTHORITY, actor="test")
    response = client.get("/api/v1/submissions", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    line = access_lines(log_lines())[-1]
    assert (line["route"], line["user_id"]) == ("/api/v1/submissions", user.id)
    assert token not in json.dumps(log_lines())


def test_anonymous_and_unrouted_requests_are_logged_too(officer, log_lines):
    client, _, _ = officer
    client.get("/", follow_redirects=False)
    missing = client.get("/no/such/page?q=secret")
    assert missing.status_code == 404
    home, nowhere = access_lines(log_lines())[-2:]
    assert (home["route"], home["user_id"]) == ("/", None)
    assert (nowhere["route"], nowhere["status"]) == (None, 404)
    assert "secret" not in json.dumps(log_lines())


def test_a_proxys_request_id_is_kept_and_a_strange_one_replaced(officer, log_lines):
    client, _, _ = officer
    kept = client.get("/councils", headers={"X-Request-ID": "proxy-1234abcd"})
    assert kept.headers["x-request-id"] == "proxy-1234abcd"
    replaced = client.get("/councils", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert replaced.headers["x-request-id"] != "<script>alert(1)</script>"
    assert "script" not in json.dumps(log_lines())


def test_each_stored_submission_is_logged_with_its_figures(database_url, tmp_path, log_lines):
    path = tmp_path / "Jane Doe complaints.csv"
    make_complaints(3, authority_code=DEMO_AUTHORITY).write_csv(path)
    settings = Settings(database_url=database_url)
    engine = make_engine(settings)
    result = submit_return(path, settings, engine, submitted_by=OFFICER)
    engine.dispose()
    [saved] = result.saved
    [line] = [line for line in log_lines() if line["logger"] == "scrutiny.returns.submit"]
    assert line["authority"] == DEMO_AUTHORITY and line["table"] == "complaints"
    assert (line["rows"], line["submission_id"]) == (3, saved.submission_id)
    assert line["duration_ms"] > 0
    assert "Jane" not in json.dumps(line) and OFFICER not in json.dumps(line)


def test_a_failed_import_logs_nothing_personal(database_url, tmp_path, log_lines):
    path = tmp_path / "Jane Doe complaints.csv"
    words = "Mrs Jane Doe of 4 Acacia Avenue, jane.doe@example.org, 07700 900123"
    frame = make_complaints(
        3, authority_code=DEMO_AUTHORITY, service_improvement_text=words, outcome="sort_of"
    )
    frame.write_csv(path)
    settings = Settings(database_url=database_url)
    engine = make_engine(settings)
    result = submit_return(path, settings, engine, submitted_by=OFFICER)
    engine.dispose()
    assert not result.stored
    [line] = log_lines()
    assert line["errors"] == result.report.errors > 0
    logged = json.dumps(log_lines())
    for personal in ("Jane", "Doe", "Acacia", "jane.doe", "07700", OFFICER, "sort_of"):
        assert personal not in logged
