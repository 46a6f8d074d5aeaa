"""Shared fixtures and factories for the scrutiny tests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from scrutiny.standard import load_standard
from scrutiny.store.db import make_engine, metadata
from scrutiny.store.migrations import upgrade

ROOT_EXAMPLES = "examples"
POSTGRES_ADMIN_URL = "postgresql+psycopg://root@/postgres?host=/var/run/postgresql"
# The dtypes validation hands the store, by standard field type (stated here independently).
FRAME_TYPES = {
    "string": pl.String,
    "code": pl.String,
    "codes": pl.String,
    "integer": pl.Int64,
    "number": pl.Float64,
    "boolean": pl.Boolean,
    "date": pl.Date,
}


def make_complaint(**overrides: Any) -> dict[str, Any]:
    """One valid stage 1 complaint row in the standard's shape, with OVERRIDES applied."""
    row: dict[str, Any] = {
        "authority_code": "E06000047",
        "complaint_ref": "T-0001",
        "stage": 1,
        "received_date": date(2024, 1, 8),
        "acknowledged_date": date(2024, 1, 9),
        "extension_working_days": None,
        "responded_date": date(2024, 1, 19),
        "outcome": "not_upheld",
    }
    row.update(overrides)
    return row


def complaints_frame(*rows: dict[str, Any]) -> pl.DataFrame:
    """A polars frame of complaint rows with the clock's input types."""
    return pl.DataFrame(
        list(rows),
        schema={
            "authority_code": pl.String,
            "complaint_ref": pl.String,
            "stage": pl.Int64,
            "received_date": pl.Date,
            "acknowledged_date": pl.Date,
            "extension_working_days": pl.Int64,
            "responded_date": pl.Date,
            "outcome": pl.String,
        },
    )


def typed_frame(table_name: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """ROWS as validation hands them to the store: every field, in order, typed; gaps null."""
    schema = {f.name: FRAME_TYPES[f.type] for f in load_standard().table(table_name).fields}
    return pl.DataFrame(
        [{name: row.get(name) for name in schema} for row in rows], schema=schema, orient="row"
    )


def make_complaints(
    count: int = 3,
    *,
    authority_code: str = "E06000047",
    first_received: date = date(2024, 4, 8),
    ref_prefix: str = "C",
    **overrides: Any,
) -> pl.DataFrame:
    """COUNT valid, typed complaint rows (one a day from FIRST_RECEIVED), OVERRIDES on every row."""
    rows = []
    for n in range(count):
        received = first_received + timedelta(days=n % 300)
        rows.append(
            {
                "authority_code": authority_code,
                "complaint_ref": f"{ref_prefix}-{n:06d}",
                "stage": 1,
                "process": "complaint_handling_code",
                "received_date": received,
                "acknowledged_date": received + timedelta(days=2),
                "extension_working_days": 0,
                "responded_date": received + timedelta(days=12),
                "acceptance": "accepted",
                "outcome": "upheld" if n % 3 == 0 else "not_upheld",
                "service_area": "housing",
                "service_subarea": "council_housing_repairs",
                "channel": "email",
                "remedies": "apology;financial_remedy" if n % 3 == 0 else None,
                "financial_remedy_gbp": 150.0 if n % 3 == 0 else None,
                "service_improvement": n % 3 == 0,
                "reasonable_adjustments": False,
                **overrides,
            }
        )
    return typed_frame("complaints", rows)


@pytest.fixture(scope="session")
def postgresql_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated to head, dropped after.

    When the server cannot be reached the tests that need it skip, except in CI
    (CI=true), where they fail: CI must prove the PostgreSQL path.
    """
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        reason = f"PostgreSQL is not reachable ({str(error).splitlines()[0]})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run the PostgreSQL tests", pytrace=False)
        pytest.skip(f"{reason}; start it with `pg_ctlcluster 15 main start`")
    admin.dispose()
    with scratch_postgresql(f"scrutiny_test_{os.getpid()}") as url:
        upgrade(url)
        yield url


@contextmanager
def scratch_postgresql(name: str) -> Iterator[str]:
    """A new, empty PostgreSQL database called NAME (any old one is dropped): its URL.
    Dropped again afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    with admin.connect() as connection:
        connection.exec_driver_sql(drop)
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_ADMIN_URL.replace("/postgres?", f"/{name}?")
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(drop)
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """An empty database at the newest migration: a SQLite file, or the session's PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'scrutiny.db'}"
        upgrade(url)
        return url
    url: str = request.getfixturevalue("postgresql_url")
    engine = create_engine(url)
    with engine.begin() as connection:
        tables = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
        connection.exec_driver_sql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on DATABASE_URL, disposed of after the test."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


# --- The web service -----------------------------------------------------------------

WEB_SCALE = 0.02  # a small synthetic nation: every page has data, the build takes seconds


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def demo_url(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Iterator[str]:
    """A small demo database with the demo accounts, built once per session and backend.

    Read-only by convention: tests that change data use `database_url` instead.
    """
    from scrutiny.demo.build import build_demo

    directory = tmp_path_factory.mktemp(f"demo-{request.param}")
    if request.param == "sqlite":
        yield build_demo(directory, seed=3, scale=WEB_SCALE).database_url
        return
    request.getfixturevalue("postgresql_url")  # the server is up (or the test skips)
    with scratch_postgresql(f"scrutiny_demo_{os.getpid()}") as url:
        yield build_demo(directory, seed=3, scale=WEB_SCALE, database_url=url).database_url


class _PageChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.title = ""
        self.h1 = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ids += [value for name, value in attrs if name == "id" and value]
        self._in_title = tag == "title"
        self.h1 += tag == "h1"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def check_page(html: str) -> None:
    """Every page: parses, has a title and one h1, and no id used twice."""
    checker = _PageChecker()
    checker.feed(html)
    assert checker.title.strip(), "the page has no title"
    assert checker.h1 == 1, f"the page has {checker.h1} h1 headings"
    repeated = sorted({i for i in checker.ids if checker.ids.count(i) > 1})
    assert not repeated, f"ids used more than once: {repeated}"


class PageClient(TestClient):
    """A test client that checks every HTML page it receives with check_page."""

    def request(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        response = super().request(*args, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html"):
            check_page(response.text)
        return response

    def form_token(self, path: str) -> str:
        """The CSRF token in the form on PATH."""
        found = re.search(r'name="csrf_token" value="([^"]+)"', self.get(path).text)
        assert found, f"no form with a CSRF token on {path}"
        return found.group(1)

    def sign_in(self, email: str, password: str = "demo-password") -> None:
        token = self.form_token("/sign-in")
        response = self.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:500]


def make_client(database_url: str) -> PageClient:
    """A page-checking client on a fresh app over DATABASE_URL."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    return PageClient(create_app(Settings(database_url=database_url, secret_key="test")))


@pytest.fixture(scope="session")
def demo_app(demo_url: str) -> Any:
    """One app per demo database for the whole session, so figures it has computed and
    cached (signals take seconds) serve every test that reads the demo."""
    from scrutiny.settings import Settings
    from scrutiny.web import create_app

    return create_app(Settings(database_url=demo_url, secret_key="test"))


@pytest.fixture
def demo_client(demo_app: Any) -> Iterator[PageClient]:
    """A page-checking client, signed out (its own cookies), on the small demo database."""
    with PageClient(demo_app) as client:
        yield client
