"""Importing returns end to end, on SQLite and PostgreSQL: all or nothing, always."""

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import select, union_all

from scrutiny.returns.submissions import ReplaceNotConfirmed, list_submissions
from scrutiny.returns.submit import submit_return
from scrutiny.returns.unreadable import FileUnreadable
from scrutiny.settings import Settings
from scrutiny.store.db import DATA_TABLES, metadata
from scrutiny.store.read import count_rows

RETURNS = Path(__file__).parent / "returns"
TODAY = date(2026, 11, 26)
BAD_FILES = sorted(
    path.name
    for path in RETURNS.iterdir()
    if not path.name.startswith(("valid_", "custom_headers", "mapping"))
)


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, to compare the database before and after."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))
            ]
            for table in metadata.sorted_tables
        }


def submit(engine, database_url, name: str, directory: Path = RETURNS, **options):
    settings = Settings(database_url=database_url)
    return submit_return(
        directory / name, settings, engine, submitted_by="tester", today=TODAY, **options
    )


def test_a_valid_return_is_stored_in_full(engine, database_url):
    result = submit(engine, database_url, "valid_complaints.csv")
    assert result.stored
    assert [(s.authority_code, s.rows, s.outcome) for s in result.saved] == [
        ("E06000047", 3, "loaded")
    ]
    assert count_rows(engine, "complaints") == 3


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_changes_nothing_already_stored(engine, database_url, name):
    submit(engine, database_url, "valid_complaints.csv")
    submit(engine, database_url, "valid_recommendations.csv")
    before = snapshot(engine)
    try:
        result = submit(engine, database_url, name)
    except FileUnreadable:
        pass
    except ReplaceNotConfirmed:  # warnings only, for the stored file's period: not confirmed
        pass
    else:
        if result.report.valid:  # warnings only: these files may be stored
            assert result.report.warnings > 0
            return
        assert result.saved == []
    assert snapshot(engine) == before


def test_reimporting_the_same_file_changes_nothing(engine, database_url):
    submit(engine, database_url, "valid_complaints.csv")
    before = snapshot(engine)
    result = submit(engine, database_url, "valid_complaints.csv")
    assert [s.outcome for s in result.saved] == ["unchanged"]
    assert snapshot(engine) == before


def test_a_corrected_resubmission_replaces_the_earlier_one_and_keeps_history(
    engine, database_url, tmp_path
):
    first = submit(engine, database_url, "valid_complaints.csv").saved[0]
    corrected = tmp_path / "corrected.csv"
    text = (RETURNS / "valid_complaints.csv").read_text().replace("partly_upheld", "upheld")
    corrected.write_text(text)
    second = submit(engine, database_url, "corrected.csv", directory=tmp_path, replace=True).saved[
        0
    ]
    assert second.outcome == "replaced"
    assert second.replaced_submission_id == first.submission_id
    history = {s.id: s.status for s in list_submissions(engine, authority_code="E06000047")}
    assert history == {first.submission_id: "superseded", second.submission_id: "current"}
    assert count_rows(engine, "complaints") == 3
    assert count_rows(engine, "complaints", submission_id=second.submission_id) == 3


def test_every_stored_row_belongs_to_a_current_submission(engine, database_url, tmp_path):
    """Data tables carry no foreign key (for load speed), and reads rely on replaced
    submissions leaving no rows behind (scrutiny.store.read): check both here."""
    submit(engine, database_url, "valid_complaints.csv")
    corrected = tmp_path / "corrected.csv"
    text = (RETURNS / "valid_complaints.csv").read_text().replace("partly_upheld", "upheld")
    corrected.write_text(text)
    submit(engine, database_url, "corrected.csv", directory=tmp_path, replace=True)
    submit(engine, database_url, "valid_recommendations.csv")
    submit(engine, database_url, "valid_ombudsman_decisions.csv")
    submit(engine, database_url, "valid_aggregate_returns.csv")
    assert any(s.status == "superseded" for s in list_submissions(engine))
    current = {s.id for s in list_submissions(engine) if s.status == "current"}
    with engine.connect() as connection:
        for table in DATA_TABLES.values():
            if "submission_id" in table.c:
                used = set(connection.execute(select(table.c.submission_id).distinct()).scalars())
                assert used and used <= current, table.name


def large_return(path: Path, copies: int) -> Path:
    """COPIES x 3 valid complaint rows with distinct references."""
    base = pl.read_csv(RETURNS / "valid_complaints.csv", infer_schema=False)
    big = base.select(pl.all().gather(pl.int_range(copies * base.height) % base.height))
    big = big.with_columns(
        (
            pl.lit("K") + (pl.int_range(pl.len()) // 3).cast(pl.String) + pl.col("complaint_ref")
        ).alias("complaint_ref")
    )
    big.write_csv(path)
    return path


def test_killing_an_import_midway_leaves_the_database_as_it_was(engine, database_url, tmp_path):
    submit(engine, database_url, "valid_complaints.csv")
    before = snapshot(engine)
    path = large_return(tmp_path / "big.csv", 60_000)
    env = {**os.environ, "SCRUTINY_DATABASE_URL": database_url}
    process = subprocess.Popen(
        [sys.executable, "-m", "scrutiny", "import", str(path), "--replace"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("written "):  # the first chunk is in, the transaction is open
            break
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    time.sleep(0.2)  # PostgreSQL notices the dropped connection and rolls back
    assert snapshot(engine) == before


def test_import_command_stores_nothing_and_exits_1_for_a_file_with_errors(engine, database_url):
    env = {**os.environ, "SCRUTINY_DATABASE_URL": database_url}
    result = subprocess.run(
        [sys.executable, "-m", "scrutiny", "import", str(RETURNS / "us_date.csv")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 1
    assert "US date" in result.stdout and "nothing was stored" in result.stdout
    assert count_rows(engine, "complaints") == 0


def test_read_frame_types_a_column_that_starts_blank_by_all_its_rows(engine):
    from sqlalchemy import Boolean, cast, literal, null

    from scrutiny.store.read import read_frame

    blanks = [select(cast(null(), Boolean).label("flag")) for _ in range(150)]
    query = union_all(*blanks, select(literal(True, Boolean).label("flag")))
    flags = read_frame(engine, query)["flag"]
    assert flags.dtype != pl.Null and flags.to_list()[-1]


def test_read_frame_of_no_rows_has_the_querys_column_types(engine):
    # PostgreSQL's empty result said nothing of its columns' types: an empty frame of Null
    # columns then failed to join councils' codes (found by a property test).
    from scrutiny.store.db import DATA_TABLES
    from scrutiny.store.read import read_frame

    table = DATA_TABLES["ombudsman_decisions"]
    query = select(table.c.authority_code, table.c.decision_date).where(
        table.c.authority_code == "no such council"
    )
    frame = read_frame(engine, query)
    assert frame.is_empty()
    assert frame.schema == {"authority_code": pl.String, "decision_date": pl.Date}


def test_read_frame_reads_plain_columns_in_bulk_with_the_same_types(engine, monkeypatch):
    # SQLite's rows are read in one call and dates parsed by polars; the frame must be
    # what reading row by row through SQLAlchemy gives, nulls and all, on both databases.
    from datetime import datetime

    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Text, cast, literal, null

    import scrutiny.store.read as read

    query = union_all(
        select(
            literal(date(2024, 2, 29), Date).label("day"),
            literal(datetime(2024, 3, 1, 9, 30, 5, 123), DateTime).label("at"),
            literal(True, Boolean).label("flag"),
            literal(2.5, Float).label("number"),
            literal(7, Integer).label("count"),
            literal("x", Text).label("text"),
        ),
        select(
            cast(null(), Date),
            literal(datetime(2025, 1, 1), DateTime),
            literal(False, Boolean),
            cast(null(), Float),
            cast(null(), Integer),
            cast(null(), Text),
        ),
    )
    bulk = read.read_frame(engine, query)
    monkeypatch.setattr(read, "_plain_types", lambda _query: None)  # the row-by-row path
    row_by_row = read.read_frame(engine, query)
    assert bulk.equals(row_by_row) and bulk.schema == row_by_row.schema
    assert bulk["day"].to_list() == [date(2024, 2, 29), None]
    assert bulk["at"].to_list() == [datetime(2024, 3, 1, 9, 30, 5, 123), datetime(2025, 1, 1)]
    assert bulk["flag"].to_list() == [True, False]
