"""Shared fixtures and factories for the scrutiny tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import OperationalError

from scrutiny.db import make_engine, metadata
from scrutiny.migrations import upgrade
from scrutiny.standard import load_standard

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
    name = f"scrutiny_test_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.replace("/postgres?", f"/{name}?")
    upgrade(url)
    yield url
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
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
