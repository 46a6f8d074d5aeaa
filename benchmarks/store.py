"""How fast a million complaint rows store into SQLite and PostgreSQL, beside the floor.

Run with `make bench` (or `.venv/bin/python benchmarks/store.py [ROWS]`). Builds valid, typed
complaint rows for about 300 authorities in one financial year, then times
`save_submission` into a fresh SQLite file and a fresh PostgreSQL database, and in the
same run the database's own bulk load of the same rows (the floor: SQLite executemany of
pre-typed tuples, PostgreSQL binary COPY), best of three each, alternating, and prints
the ratio (issue 22's target: 300,000 rows/s or within 1.5x of the floor). Prints its
figures, including peak resident memory (target: under 2 GiB); it is not a test.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError

from scrutiny.returns.submissions import save_submission
from scrutiny.store.db import complaints, make_engine, transaction
from scrutiny.store.migrations import upgrade
from scrutiny.store.read import count_rows

ROWS = 1_000_000
ROUNDS = 3
KEY = ["authority_code", "complaint_ref", "stage"]
AUTHORITIES = 300
POSTGRES_ADMIN_URL = "postgresql+psycopg://root@/postgres?host=/var/run/postgresql"
# (service_area, service_subarea) pairs that satisfy the standard's subarea rule.
AREAS = [
    ("adult_care_services", "assessment_and_care_plan"),
    ("adult_care_services", "safeguarding"),
    ("benefits_and_tax", "council_tax"),
    ("highways_and_transport", "parking_and_penalty_charges"),
    ("highways_and_transport", "highway_maintenance"),
    ("housing", "homelessness"),
    ("housing", "council_housing_repairs"),
    ("education_and_childrens_services", "special_educational_needs"),
    ("planning_and_development", None),
]


def synthetic_complaints(rows: int = ROWS, authorities: int = AUTHORITIES) -> pl.DataFrame:
    """Valid complaint rows, typed as validation hands them over, received in 2024-25."""
    rng = np.random.default_rng(7)
    received = np.datetime64("2024-04-01") + rng.integers(0, 300, rows).astype("timedelta64[D]")
    responded = received + rng.integers(5, 60, rows).astype("timedelta64[D]")
    responded[rng.random(rows) < 0.1] = np.datetime64("NaT")
    base = pl.DataFrame(
        {
            "authority": np.sort(rng.integers(1, authorities + 1, rows)),
            "n": np.arange(rows),
            "stage": rng.choice([1, 2], rows, p=[0.85, 0.15]).astype(np.int64),
            "received_date": received,
            "acknowledged_date": received + rng.integers(0, 6, rows).astype("timedelta64[D]"),
            "responded_date": responded,
            "refused": rng.random(rows) < 0.05,
            "upheld_draw": rng.random(rows) < 0.3,
            "extension": np.where(rng.random(rows) < 0.15, rng.integers(1, 10, rows), 0),
            "area": rng.integers(0, len(AREAS), rows),
            "channel": rng.choice(["online_form", "email", "telephone", "letter"], rows),
            "chc": rng.random(rows) < 0.9,
            "adjusted": rng.random(rows) < 0.02,
        }
    )
    refused = pl.col("refused")
    upheld = ~refused & pl.col("upheld_draw")
    areas = pl.DataFrame(
        {"area": range(len(AREAS)), "service_area": [a for a, _ in AREAS]}
    ).with_columns(pl.Series("service_subarea", [s for _, s in AREAS], dtype=pl.String))
    return base.join(areas, on="area", how="left", maintain_order="left").select(
        pl.format("E06{}", pl.col("authority").cast(pl.String).str.zfill(6)).alias(
            "authority_code"
        ),
        pl.format("C-{}", pl.col("n")).alias("complaint_ref"),
        "stage",
        pl.when(pl.col("chc")).then(pl.lit("complaint_handling_code")).alias("process"),
        pl.col("received_date").cast(pl.Date),
        pl.col("acknowledged_date").cast(pl.Date),
        pl.col("extension").cast(pl.Int64).alias("extension_working_days"),
        pl.when(pl.col("extension") > 0)
        .then(pl.lit("Awaiting a site visit"))
        .alias("extension_reason"),
        pl.col("responded_date").cast(pl.Date),
        pl.when(refused).then(pl.lit("refused")).otherwise(pl.lit("accepted")).alias("acceptance"),
        pl.when(refused).then(pl.lit("service_request")).alias("refusal_reason"),
        pl.when(~refused)
        .then(pl.when(upheld).then(pl.lit("upheld")).otherwise(pl.lit("not_upheld")))
        .alias("outcome"),
        "service_area",
        "service_subarea",
        "channel",
        pl.when(upheld).then(pl.lit("apology;financial_remedy")).alias("remedies"),
        pl.when(upheld).then(pl.lit(150.0)).alias("financial_remedy_gbp"),
        upheld.alias("service_improvement"),
        pl.when(upheld)
        .then(pl.lit("Staff reminded of the policy"))
        .alias("service_improvement_text"),
        pl.col("adjusted").alias("reasonable_adjustments"),
    )


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A fresh SQLite file at the newest migration."""
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        yield url


@contextmanager
def postgresql_database() -> Iterator[str]:
    """A fresh PostgreSQL database at the newest migration, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"scrutiny_bench_{os.getpid()}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        url = POSTGRES_ADMIN_URL.replace("/postgres?", f"/{name}?")
        upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def floor_seconds(url: str, frame: pl.DataFrame) -> float:
    """Seconds the database's own bulk path takes to store FRAME's rows in one transaction.

    The rows go, already Python-typed tuples in key order, into the complaints table of
    a fresh database at the newest migration (so the same indexes), on the connection
    scrutiny would use: SQLite, one executemany of a prepared single-row INSERT;
    PostgreSQL, a binary COPY with the column types set.
    """
    engine = make_engine(url)
    loading = frame.sort(KEY).select(pl.lit(1, pl.Int64).alias("submission_id"), pl.all())
    names = ", ".join(f'"{name}"' for name in loading.columns)
    if engine.dialect.name == "sqlite":
        rows = loading.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).rows()
    else:
        rows = loading.rows()
    started = time.perf_counter()
    with transaction(engine) as connection:
        driver: Any = connection.connection.driver_connection
        if engine.dialect.name == "sqlite":
            marks = ", ".join("?" * loading.width)
            driver.executemany(f"INSERT INTO complaints ({names}) VALUES ({marks})", rows)
        else:
            copying = f"COPY complaints ({names}) FROM STDIN (FORMAT BINARY)"
            with driver.cursor() as cursor, cursor.copy(copying) as copy:
                copy.set_types(
                    [
                        str(complaints.c[name].type.compile(dialect=engine.dialect)).lower()
                        for name in loading.columns
                    ]
                )
                for row in rows:
                    copy.write_row(row)
    seconds = time.perf_counter() - started
    assert count_rows(engine, "complaints") == frame.height
    engine.dispose()
    return seconds


def store_seconds(url: str, frame: pl.DataFrame) -> float:
    """Seconds save_submission takes to store FRAME into the fresh database at URL."""
    engine = make_engine(url)
    started = time.perf_counter()
    save_submission(
        engine,
        table_name="complaints",
        frame=frame,
        file_name="bench.csv",
        file_hash="0" * 64,
        submitted_by="benchmark",
    )
    seconds = time.perf_counter() - started
    assert count_rows(engine, "complaints") == frame.height
    engine.dispose()
    return seconds


def side_by_side(
    what: str, figure: list[float], floor: list[float], rows: int, target_rate: int = 300_000
) -> str:
    """One line of `make bench`'s table: the best of each, the ratio and the targets.

    Met when the rows per second reach TARGET_RATE or the ratio to the floor is 1.5 or
    less (issue 22)."""
    best, best_floor = min(figure), min(floor)
    ratio = best / best_floor
    met = rows / best >= target_rate or ratio <= 1.5
    return (
        f"  {what}: {best:.2f} s = {rows / best:,.0f} rows/s   "
        f"floor/yardstick: {best_floor:.2f} s = {rows / best_floor:,.0f} rows/s   "
        f"ratio: {ratio:.2f}   target: >= {target_rate:,} rows/s or ratio <= 1.5 "
        f"({'met' if met else 'NOT met'})"
    )


def compare(
    name: str, database: Callable[[], AbstractContextManager[str]], frame: pl.DataFrame
) -> None:
    """Best of ROUNDS for save_submission and the floor, alternating, each in a fresh database."""
    figure: list[float] = []
    floor: list[float] = []
    try:
        for _ in range(ROUNDS):
            with database() as url:
                floor.append(floor_seconds(url, frame))
            with database() as url:
                figure.append(store_seconds(url, frame))
    except OperationalError as error:
        print(f"  {name}: skipped, cannot connect ({str(error).splitlines()[0]})")
        return
    print(side_by_side(f"{name} save_submission", figure, floor, frame.height))


def main(rows: int) -> None:
    started = time.perf_counter()
    frame = synthetic_complaints(rows)
    print(
        f"save_submission, {frame.height:,} complaint rows for {AUTHORITIES} authorities "
        f"(built in {time.perf_counter() - started:.1f} s) on {os.cpu_count()} cores, "
        f"best of {ROUNDS}, beside the database's own bulk load of the same rows"
    )
    compare("SQLite", sqlite_database, frame)
    compare("PostgreSQL", postgresql_database, frame)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"  peak resident memory of this process: {peak:,.0f} MiB (target under 2,048 MiB)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else ROWS)
