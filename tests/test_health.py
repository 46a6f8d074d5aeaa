"""Health checks: `/healthz` (the process answers) and `/readyz` (the database is usable)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from conftest import make_client
from scrutiny.store.db import make_engine
from scrutiny.store.migrations import downgrade, head_revision, revisions, upgrade

UNREACHABLE = {
    "sqlite": "sqlite:////nonexistent-folder/scrutiny.db",
    "postgresql": "postgresql+psycopg://root@/scrutiny_no_such_database?host=/var/run/postgresql",
}


def test_a_ready_service_says_so_with_its_migration_and_is_never_cached(own_database):
    with make_client(own_database) as client:
        ready = client.get("/readyz")
        healthy = client.get("/healthz")
        head = client.head("/healthz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "ready": True,
        "revision": head_revision(),
        "head": head_revision(),
        "reason": None,
        "detail": "",
    }
    assert healthy.status_code == 200 and healthy.json() == {"status": "ok"}
    assert head.status_code == 200 and head.content == b""
    for response in (ready, healthy):
        assert response.headers["cache-control"] == "no-store"


def test_a_database_behind_the_code_is_not_ready_until_upgraded(own_database):
    previous = revisions()[-2]
    downgrade(own_database, previous)
    with make_client(own_database) as client:
        behind = client.get("/readyz")
        assert behind.status_code == 503
        assert behind.json()["reason"] == "migrations_behind"
        assert behind.json()["revision"] == previous
        assert "scrutiny db upgrade" in behind.json()["detail"]
        assert client.get("/healthz").status_code == 200
        upgrade(own_database)
        assert client.get("/readyz").status_code == 200


def test_a_database_with_no_tables_is_not_ready(own_database):
    downgrade(own_database, "base")
    with make_client(own_database) as client:
        empty = client.get("/readyz")
    assert empty.status_code == 503
    assert empty.json()["reason"] == "migrations_behind" and empty.json()["revision"] is None


def test_a_database_migrated_by_a_newer_scrutiny_is_not_ready(own_database):
    engine = make_engine(own_database)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with make_client(own_database) as client:
        newer = client.get("/readyz")
    assert newer.status_code == 503
    assert newer.json()["reason"] == "unknown_revision" and newer.json()["revision"] == "9999"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_unreachable_database_is_not_ready_but_the_process_is_healthy(request, backend, capsys):
    if backend == "postgresql":
        request.getfixturevalue("postgresql_server")
    with make_client(UNREACHABLE[backend]) as client:
        healthy = client.get("/healthz")
        down = client.get("/readyz")
    assert healthy.status_code == 200
    assert down.status_code == 503
    body = down.json()
    assert body["status"] == "unavailable" and body["reason"] == "database_unreachable"
    assert body["revision"] is None and body["head"] == head_revision()
    # Where the database is stays out of a public answer; the log has the cause.
    assert "nonexistent" not in down.text and "no_such_database" not in down.text
    assert "readiness: the database cannot be reached" in capsys.readouterr().err
