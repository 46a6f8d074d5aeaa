"""The API fuzzed from its own OpenAPI description: no input makes a server error.

Runs on a SQLite demo database of its own (uploads may store what the fuzzer sends),
with an API token so the council endpoints are exercised past their token check.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from scrutiny.demo.build import DEMO_AUTHORITY
from scrutiny.settings import Settings
from scrutiny.store.accounts import create_token, create_user
from scrutiny.store.db import make_engine
from scrutiny.web import create_app

EXAMPLES = 30  # a page of examples per operation: the module finishes in well under a minute


@pytest.fixture(scope="module")
def fuzz_app(demo_copy):
    with demo_copy("sqlite") as url:
        yield from _fuzz_app(url)


def _fuzz_app(url):
    engine = make_engine(url)
    user = create_user(
        engine,
        email="fuzz@example.org",
        password="a-long-password",
        role="council_officer",
        authority_code=DEMO_AUTHORITY,
        actor="tests",
    )
    token = create_token(engine, user, "fuzz", authority_code=DEMO_AUTHORITY, actor="tests")
    analyst = create_user(
        engine, email="fuzz@lgsco.example", password="a-long-password", role="ombudsman", actor="t"
    )
    ombudsman = create_token(engine, analyst, "fuzz", authority_code=None, actor="tests")
    engine.dispose()
    app = create_app(Settings(database_url=url, secret_key="fuzz"))
    app.state.fuzz_token = token
    app.state.fuzz_ombudsman_token = ombudsman
    yield app
    app.state.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    # Only the API: the HTML pages' routes are in the app's OpenAPI too until their
    # routers say include_in_schema=False.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    return schema.include(path_regex="^/api/v1/")


def test_no_request_makes_a_server_error(api_schema, fuzz_app):
    # Each operation in turn, with Hypothesis directly: schemathesis' lazy pytest loader
    # (from_fixture) does not work with pytest 9, and a schema loaded at import would build
    # its demo database whenever the test suite is collected.
    # The Ombudsman's endpoints with an Ombudsman token, the rest with the council's.
    council, ombudsman = fuzz_app.state.fuzz_token, fuzz_app.state.fuzz_ombudsman_token
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 30
    for operation in operations:
        token = ombudsman if operation.path.startswith("/api/v1/ombudsman/") else council
        headers = {"Authorization": f"Bearer {token}"}

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def no_server_error(case):
            case.call_and_validate(
                headers=headers,  # noqa: B023  (called at once, below)
                checks=[not_a_server_error],
            )

        no_server_error()
