"""A database that runs out of room mid-import (issue 16): what was seen was "stored 1
rows" and then a traceback, though the database was unharmed. Now: a clear message that
nothing was stored, exit 2, and the database exactly as it was.

The disk is filled by SQLite's own size limit (PRAGMA max_page_count), which fails a
write with the same result code, SQLITE_FULL, as a full disk."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event
from typer.testing import CliRunner

from conftest import copy_sqlite
from scrutiny.cli import app
from scrutiny.returns.submit import submit_return
from scrutiny.settings import Settings
from scrutiny.store import db
from scrutiny.store.db import StoreFull, make_engine
from test_returns import RETURNS, TODAY, large_return, snapshot


def filling(engine: Any, spare_pages: int = 8) -> Any:
    """ENGINE whose database may grow by only SPARE_PAGES pages more."""

    @event.listens_for(engine, "connect")
    def _limit(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count = {pages + spare_pages}")
        cursor.close()

    return engine


@pytest.fixture
def stocked(migrated_sqlite, tmp_path):
    """A SQLite database with one return stored, and its URL."""
    url = copy_sqlite(migrated_sqlite, tmp_path / "scrutiny.db")
    engine = make_engine(url)
    settings = Settings(database_url=url)
    submit_return(RETURNS / "valid_complaints.csv", settings, engine, submitted_by="t", today=TODAY)
    engine.dispose()
    return url


def test_a_full_disk_stores_nothing_and_says_so(stocked, tmp_path):
    engine = make_engine(stocked)
    before = snapshot(engine)
    full = filling(make_engine(stocked))
    big = large_return(tmp_path / "big.csv", 20_000)
    with pytest.raises(StoreFull, match="nothing was stored"):
        submit_return(
            big, Settings(database_url=stocked), full, submitted_by="t", today=TODAY, replace=True
        )
    assert snapshot(engine) == before


def test_the_import_command_on_a_full_disk_exits_2_with_a_message_not_a_traceback(
    stocked, tmp_path, monkeypatch
):
    engine = make_engine(stocked)
    before = snapshot(engine)
    monkeypatch.setattr(db, "make_engine", lambda settings: filling(make_engine(settings)))
    monkeypatch.setenv("SCRUTINY_DATABASE_URL", stocked)
    big = large_return(tmp_path / "big.csv", 20_000)
    run = CliRunner().invoke(app, ["import", str(big), "--replace"])
    assert run.exit_code == 2, run.output
    assert isinstance(run.exception, SystemExit)
    assert "disk space" in run.output and "nothing was stored" in run.output
    assert "stored 1" not in run.output
    assert snapshot(engine) == before
